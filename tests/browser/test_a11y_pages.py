"""The accessibility check (axe-core, vendored) on every page people use: the landing page, the
citizen's lookup (empty, with an error, with a result), the console's sign-in and the console signed
in as each role, on the first tab and on a dossier. No serious or critical violation."""
from __future__ import annotations

import pytest

from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.test_pages import api_login, receive_by_api

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None


@pytest.mark.parametrize("url", ["/", "/tra-cuu", "/app"])
def test_public_pages_have_no_serious_violation(new_page, url):
    page = new_page()
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    assert_accessible(page, url)


def test_lookup_with_an_error_and_a_result(new_page):
    page = new_page()
    page.goto("/tra-cuu")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator(".field-error:visible").first).to_be_visible()
    assert_accessible(page, "tra cứu: lỗi")
    dossier = receive_by_api(page, api_login(page, "minhxuan.receiver"))
    page.get_by_label("Mã hồ sơ").fill(dossier["code"])
    page.get_by_label("4 số cuối điện thoại").fill("4321")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#lookup-result")).to_be_visible()
    assert_accessible(page, "tra cứu: kết quả")
    screenshot(page, "a11y-lookup-result")


@pytest.mark.parametrize("username", ["minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader",
                                      "admin", "auditor", "designer"])
def test_console_signed_in_as_each_role(new_page, sign_in, username):
    page = new_page()
    dossier = receive_by_api(page, api_login(page, "minhxuan.receiver"))
    sign_in(page, username)
    page.wait_for_load_state("networkidle")
    assert_accessible(page, f"/app ({username})")
    for link in page.locator("#tabs a").all()[1:]:
        link.click()
        page.wait_for_load_state("networkidle")
        assert_accessible(page, f"/app {link.get_attribute('href')} ({username})")
    if username not in ("designer",):
        page.goto(f"/app#/ho-so/{dossier['code']}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(dossier["code"])
        page.wait_for_load_state("networkidle")
        assert_accessible(page, f"hồ sơ ({username})")
    screenshot(page, f"a11y-console-{username}")


def test_the_check_finds_a_serious_violation(new_page):
    """The check itself: an image without a text alternative and a button without a name fail it."""
    page = new_page()
    page.goto("/")
    page.evaluate("""() => {
      const img = document.createElement('img'); img.src = '/assets/img/none.svg'; document.body.append(img);
      const button = document.createElement('button'); document.body.append(button);
    }""")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "trang hỏng")
    assert "image-alt" in str(failure.value) and "button-name" in str(failure.value)
