"""The leader's journey (issue 15): the leader of phường Minh Xuân opens the dashboard, reads the
on-time rate, the late dossier with the official responsible by full name and the 766 index, drills
into indicator 2.1's denominator, opens the late dossier from the list, and downloads the register;
every screen passes the accessibility check and is saved as a screenshot."""
from __future__ import annotations

import re
from datetime import datetime

from motcua.clock import VN_TZ
from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.test_pages import api_login, receive_by_api

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

# Wednesday 02/12/2026 09:00: the dossiers received on 25/11 (same-day procedure) are long past due.
LATER = datetime(2026, 12, 2, 9, 0, tzinfo=VN_TZ)


def _complete_first_step(page, headers, code):
    tasks = page.request.get("/api/v1/tasks?scope=candidate", headers=headers).json()["items"]
    [task] = [t for t in tasks if t["dossier_code"] == code]
    assert page.request.post(f"/api/v1/tasks/{task['id']}/claim", headers=headers).status == 200
    done = page.request.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                             data={"data": {"ho_so_hop_le": True, "da_so_hoa": True}})
    assert done.status == 200, done.text()


def test_the_leader_drills_into_a_late_dossier(new_page, sign_in, live_server, tmp_path):
    page = new_page()
    desk = api_login(page, "minhxuan.receiver")
    late = receive_by_api(page, desk)["code"]
    live_server.clock.freeze(LATER)
    page.context.clear_cookies()
    desk = api_login(page, "minhxuan.receiver")   # the first token expired meanwhile
    _complete_first_step(page, desk, late)        # a week late, by Nguyễn Thị Lan at the desk
    fresh = receive_by_api(page, desk)["code"]    # received today: within its time
    live_server.clock.freeze(LATER.replace(hour=10))

    sign_in(page, "minhxuan.leader")
    page.locator("#tabs").get_by_role("link", name="Bảng điều hành").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bảng điều hành — Ủy ban nhân dân phường Minh Xuân, tháng 12/2026")
    expect(page.locator("#dash-rate")).to_contain_text("50,0%")
    expect(page.locator("#dash-rate")).to_contain_text("(1/2 hồ sơ")
    expect(page.get_by_role("img", name=re.compile("Biểu đồ tỷ lệ hồ sơ đúng hạn 12 tháng"))).to_be_visible()
    rows = page.locator("#late-dossiers tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(late)
    expect(rows.first).to_contain_text("Kiểm tra, tiếp nhận hồ sơ")
    expect(rows.first).to_contain_text("Nguyễn Thị Lan (Cán bộ một cửa)")
    index = page.locator("#index-766")
    on_time = index.locator("tr", has_text="Hồ sơ giải quyết đúng hạn hoặc còn trong hạn")
    expect(on_time).to_contain_text("50,0%")
    assert_accessible(page, "bảng điều hành")
    screenshot(page, "leader-dashboard")

    # the register of the month, downloaded with the leader's token
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải sổ (CSV)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_bytes().decode("utf-8-sig")
    assert download.value.suggested_filename.endswith(".csv") and fresh in text and "SỔ THEO DÕI HỒ SƠ" in text

    # 2.1's denominator: the two dossiers, the late one marked
    on_time.get_by_role("link", name=re.compile("xem danh sách mẫu số chỉ tiêu 2.1")).click()
    drill = page.locator("#drill")
    expect(drill.get_by_role("heading", level=2)).to_have_text("Chỉ tiêu 2.1, mẫu số: 2 hồ sơ")
    expect(drill).to_be_focused()
    drill_rows = page.locator("#drill-dossiers tbody tr")
    expect(drill_rows).to_have_count(2)
    expect(drill_rows.filter(has_text=late)).to_contain_text("Trễ hạn")
    expect(drill_rows.filter(has_text=fresh)).to_contain_text("Đúng hạn")
    assert_accessible(page, "chi tiết chỉ tiêu 2.1")
    screenshot(page, "leader-drill-2.1")

    # the numerator lists only the one on time
    page.go_back()
    expect(page.locator("#drill")).to_have_count(0)
    on_time = page.locator("#index-766 tr", has_text="Hồ sơ giải quyết đúng hạn hoặc còn trong hạn")
    on_time.get_by_role("link", name=re.compile("xem danh sách tử số chỉ tiêu 2.1")).click()
    expect(page.locator("#drill-dossiers tbody tr")).to_have_count(1)
    expect(page.locator("#drill-dossiers")).to_contain_text(fresh)

    # back to the denominator, and into the late dossier
    page.go_back()
    page.locator("#index-766 tr", has_text="Hồ sơ giải quyết đúng hạn hoặc còn trong hạn").get_by_role(
        "link", name=re.compile("mẫu số chỉ tiêu 2.1")).click()
    page.locator("#drill-dossiers").get_by_role("link", name=late).click()
    expect(page).to_have_url(re.compile(rf"#/ho-so/{re.escape(late)}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(late)
    assert_accessible(page, "hồ sơ trễ hạn")
    screenshot(page, "leader-late-dossier")


def test_the_auditor_reads_the_province_and_a_specialist_has_no_dashboard(new_page, sign_in):
    page = new_page()
    sign_in(page, "auditor")
    page.locator("#tabs").get_by_role("link", name="Bảng điều hành").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Toàn tỉnh")
    expect(page.get_by_label("Cơ quan")).to_have_value("")
    page.get_by_label("Cơ quan").select_option(label="Ủy ban nhân dân xã Yên Sơn")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ủy ban nhân dân xã Yên Sơn")
    assert_accessible(page, "bảng điều hành (kiểm tra viên)")
    screenshot(page, "auditor-dashboard")

    other = new_page()
    sign_in(other, "minhxuan.specialist")
    expect(other.locator("#tabs").get_by_role("link", name="Bảng điều hành")).to_have_count(0)
