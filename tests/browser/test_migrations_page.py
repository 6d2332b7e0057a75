"""The designer's "Chuyển phiên bản" console page (issue 14) in a real Chromium: dry run table, then run."""
from __future__ import annotations

from tests.browser.test_pages import api_login, receive_by_api
from tests.conftest import read_package

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None


def test_a_designer_previews_then_moves_a_running_dossier(new_page, sign_in, screenshots):
    page = sign_in(new_page(), "designer")
    desk = api_login(page, "minhxuan.receiver")
    dossier = receive_by_api(page, desk)
    package = read_package("trich-luc-ho-tich")
    package["manifest"]["legal_days"] = 1
    package["bpmn"] = package["bpmn"].replace('name="allotment_days" value="0"', 'name="allotment_days" value="0.5"', 1)
    answer = page.request.post("/api/v1/procedures", headers=api_login(page, "designer"), data=package)
    assert answer.status == 201, answer.text()
    version = answer.json()["version"]

    page.goto(f"/app#/chuyen-phien-ban?thu-tuc=trich-luc-ho-tich&tu={version - 1}&sang={version}")
    expect(page.get_by_role("heading", name="Chuyển hồ sơ sang phiên bản mới")).to_be_visible()
    expect(page.locator("#mig-to")).to_have_value(str(version))
    run = page.get_by_role("button", name="Chuyển các hồ sơ chuyển được")
    expect(run).to_be_disabled()
    page.get_by_role("button", name="Xem trước (không ghi gì)").click()
    expect(page.locator("#migration-status")).to_contain_text("1/1 hồ sơ chuyển được. Chưa có gì thay đổi.")
    row = page.locator("#migration-result tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(dossier["code"])
    # same day (0) became 0.5 day from 09:00: 14:30 instead of 17:00, 2.5 of 8 working hours earlier;
    # the appointment: 1 working day from 09:00 instead of the same day
    expect(row).to_contain_text("17:00 ngày 25/11/2026 → 14:30 ngày 25/11/2026 (sớm 0,313 ngày làm việc)")
    expect(row).to_contain_text("Hẹn trả kết quả: 17:00 ngày 25/11/2026 → 09:00 ngày 26/11/2026")
    page.screenshot(path=str(screenshots / "console-migrations.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    expect(run).to_be_enabled()
    run.click()
    expect(page.locator("#migration-status")).to_contain_text(f"Đã chuyển 1/1 hồ sơ sang phiên bản {version}.")
    shown = page.request.get(f"/api/v1/dossiers/{dossier['code']}", headers=desk).json()
    assert shown["procedure_version"] == version
