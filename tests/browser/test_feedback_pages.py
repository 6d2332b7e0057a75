"""PAKN in a real Chromium: a citizen on a phone sends a complaint about their dossier from /gop-y
and follows it by its code (nothing personal shown back); the competent office's specialist finds it
in the console's "Phản ánh, kiến nghị" tab with its due time, classifies and answers it with
publication; the citizen reads the answer and rates it. Screenshots: artifacts/screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

from tests.browser.test_pages import api_login, receive_by_api

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
NAME, CONTACT = "Hoàng Thị Dung", "dung.hoang@example.vn"
CONTENT = "Cán bộ hẹn trả kết quả nhưng chưa có kết quả."


def test_feedback_sent_followed_answered_and_rated(new_page, sign_in):
    SHOTS.mkdir(parents=True, exist_ok=True)
    citizen = new_page(width=390, height=844)
    dossier = receive_by_api(citizen, api_login(citizen, "minhxuan.receiver"))   # phone …4321
    citizen.goto("/gop-y")
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Phản ánh, kiến nghị")
    citizen.get_by_label("Họ và tên").fill(NAME)
    citizen.get_by_label("Số điện thoại hoặc thư điện tử để liên hệ").fill(CONTACT)
    citizen.get_by_label("Nội dung").fill(CONTENT)
    citizen.get_by_label("Mã hồ sơ").fill(dossier["code"].lower())
    citizen.get_by_label("4 số cuối điện thoại của hồ sơ").fill("4321")
    citizen.get_by_role("button", name="Gửi", exact=True).click()
    expect(citizen.locator("#sent-code")).to_have_text(re.compile(r"^PAKN-\d{6}-[A-Z2-9]{8}$"))
    code = citizen.locator("#sent-code").text_content()
    expect(citizen.locator("#follow-status")).to_have_text("Đã tiếp nhận")
    result = citizen.locator("#follow-result").text_content()
    assert "Ủy ban nhân dân phường Minh Xuân" in result and "null" not in result
    for secret in (NAME, CONTACT, CONTENT):
        assert secret not in result
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 390
    citizen.screenshot(path=str(SHOTS / "test_feedback_sent_phone.png"), full_page=True)

    staff = new_page()
    sign_in(staff, "minhxuan.specialist")
    staff.get_by_role("link", name="Phản ánh, kiến nghị").click()
    row = staff.locator("#feedback-list tr", has_text=code)
    expect(row).to_contain_text("Chưa phân loại")
    expect(row).to_contain_text("Hạn trả lời: ")
    row.get_by_role("link", name=code).click()
    expect(staff.locator("#feedback-content")).to_have_text(CONTENT)
    expect(staff.locator("main")).to_contain_text(CONTACT)
    staff.get_by_role("button", name="Phân loại").click()
    staff.get_by_label("Phân loại", exact=True).select_option("conduct")
    staff.locator("dialog").get_by_role("button", name="Phân loại").click()
    expect(staff.locator(".status-line")).to_contain_text("Đang xem xét")
    staff.get_by_role("button", name="Trả lời").click()
    staff.get_by_label("Nội dung trả lời").fill("Đã trả kết quả và nhắc nhở cán bộ.")
    staff.locator("dialog").get_by_role("button", name="Gửi trả lời").click()
    expect(staff.locator(".status-line")).to_contain_text("Đã công khai trả lời")
    assert "null" not in staff.locator("#view").text_content()
    staff.screenshot(path=str(SHOTS / "test_feedback_console_tab.png"), full_page=True)

    citizen.goto(f"/gop-y?ma={code}")
    expect(citizen.locator("#follow-answer")).to_have_text("Đã trả kết quả và nhắc nhở cán bộ.")
    citizen.get_by_label("Hài lòng", exact=True).check()
    citizen.get_by_role("button", name="Gửi đánh giá").click()
    expect(citizen.locator("#pakn-rating-message")).to_have_text("Cảm ơn ông/bà đã đánh giá.")
    citizen.screenshot(path=str(SHOTS / "test_feedback_rated_phone.png"), full_page=True)
