"""Fields that appear only when needed (JSON Schema if/then as the library forms use it) and enum
values by their labels: the death registration's application form at the desk."""
from __future__ import annotations

from motcua.config import ROOT

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

SHOTS = ROOT / "artifacts" / "screenshots"


def test_the_social_insurance_number_appears_only_when_the_allowance_is_asked(new_page, sign_in):
    page = sign_in(new_page(), "minhxuan.receiver")
    page.get_by_label("Thủ tục hành chính").select_option("lien-thong-khai-tu")
    form = page.locator("#receive-form")
    allowance = form.get_by_role("checkbox", name="Đề nghị hưởng trợ cấp mai táng", exact=True)
    number = form.locator('[data-field="data.ma_so_bhxh"]')
    expect(allowance).to_be_visible()
    expect(number).to_be_hidden()
    allowance.check()
    expect(number).to_be_visible()
    expect(number.locator("input")).to_have_attribute("aria-required", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "test_the_social_insurance_number_appears_only_when_the_allowance_is_asked.png"),
                    full_page=True)
    # asked but left empty: the server's message lands next to the field, with the other errors
    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    expect(number.locator(".field-error")).to_be_visible()
    expect(form.locator('[data-field="applicant.name"] .field-error')).to_be_visible()
    allowance.uncheck()
    expect(number).to_be_hidden()
