"""The staff console shows a dossier's process drawing on request, under the console's strict CSP
(the SVG is fetched with the bearer token and shown from a data: URL), in a real Chromium."""
from __future__ import annotations

from tests.browser.test_pages import api_login, receive_by_api

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None


def test_the_dossier_view_draws_the_process_with_the_current_step(new_page, sign_in, screenshots):
    page = sign_in(new_page(), "minhxuan.receiver")
    dossier = receive_by_api(page, api_login(page, "minhxuan.receiver"))
    page.goto(f"/app#/ho-so/{dossier['code']}")
    expect(page.locator("#dossier-code")).to_have_text(dossier["code"])
    assert page.locator("#dossier-diagram img").count() == 0  # drawn only when asked

    page.get_by_role("button", name="Xem sơ đồ quy trình").click()
    image = page.locator("#dossier-diagram img")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("alt", f"Sơ đồ quy trình của hồ sơ {dossier['code']}")
    page.wait_for_function("() => { const i = document.querySelector('#dossier-diagram img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    source = image.get_attribute("src")
    assert source.startswith("data:image/svg+xml")
    assert "state-current" in source  # the desk's step waits: marked current
    page.screenshot(path=str(screenshots / "console-diagram.png"), full_page=True)
    expect(page.get_by_role("button", name="Vẽ lại sơ đồ")).to_be_enabled()
