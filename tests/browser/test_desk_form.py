"""The desk's form: the closed-desk warning comes before the clerk fills a direct-channel form that
would be refused; offices are shown by their names."""
from __future__ import annotations

from datetime import datetime

from motcua.clock import VN_TZ
from motcua.config import ROOT

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

SHOTS = ROOT / "artifacts" / "screenshots"


def test_closed_desk_warning_before_filling_the_form(new_page, sign_in, live_server):
    live_server.clock.freeze(datetime(2026, 11, 25, 18, 0, tzinfo=VN_TZ))   # Wednesday evening
    page = sign_in(new_page(), "minhxuan.receiver")
    warning = page.locator("#desk-closed")
    # on arrival, before anything is filled: the direct channel is the default
    expect(warning).to_contain_text("đang đóng")
    expect(warning).to_contain_text("07:30 ngày 26/11/2026")
    expect(warning).to_contain_text("Ủy ban nhân dân phường Minh Xuân")
    page.get_by_label("Thủ tục hành chính").select_option("trich-luc-ho-tich")
    expect(page.locator(".procedure-info")).to_contain_text("Cơ quan giải quyết: Ủy ban nhân dân phường Minh Xuân")
    expect(warning).to_be_visible()
    expect(page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True)).to_be_disabled()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "test_closed_desk_warning_before_filling_the_form.png"), full_page=True)
    # online is received at any hour: the warning goes, the button comes back
    page.get_by_label("Kênh tiếp nhận").select_option("online")
    expect(warning).to_have_count(0)
    expect(page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True)).to_be_enabled()


def test_no_warning_when_the_desk_is_open(new_page, sign_in):
    page = sign_in(new_page(), "minhxuan.receiver")
    page.get_by_label("Thủ tục hành chính").select_option("trich-luc-ho-tich")
    expect(page.locator(".procedure-info")).to_contain_text("Cơ quan giải quyết")
    expect(page.locator("#desk-closed")).to_have_count(0)
    expect(page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True)).to_be_enabled()
