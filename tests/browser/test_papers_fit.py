"""The papers as printed by a real Chromium: the receipt (form 01) is one A5 sheet with its national
header inside the page, and no paper puts text outside its sheet's width (issue 15 item 9)."""
from __future__ import annotations

import json
import re

from tests.conftest import BPMN_DIR

API = "/api/v1"
MM = 96 / 25.4  # CSS pixels per millimetre
# printable width = sheet width - left and right @page margins (forms/templates/base.html)
PRINTABLE_MM = {"A5": 148 - 12 - 8, "A4": 210 - 30 - 15}
LONG_ADDRESS = ("Số nhà 123, ngõ 45, đường Nguyễn Trãi, tổ dân phố số 12, phường Minh Xuân, "
                "tỉnh Tuyên Quang (gần chợ trung tâm, đối diện trường tiểu học)")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _signed_in_context(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    response = context.request.post(f"{API}/auth/token", data={"username": username, "password": "motcua-demo"})
    assert response.ok, response.text()
    context.set_extra_http_headers({"Authorization": f"Bearer {response.json()['access_token']}"})
    return context


def _receive(context) -> str:
    folder = BPMN_DIR / "trich-luc-ho-tich"
    schema = json.loads((folder / "forms" / "to_khai.json").read_text(encoding="utf-8"))
    data = {k: p["examples"][0] for k, p in schema["properties"].items() if p.get("examples")}
    body = {"procedure_code": "trich-luc-ho-tich", "channel": "direct", "data": data,
            "applicant": {"name": "Nguyễn Thị Phương Thảo", "id_number": "008090001234",
                          "phone": "0912 345 678", "email": "thao.nguyen@example.vn", "address": LONG_ADDRESS},
            "documents": [{"name": "Tờ khai cấp bản sao trích lục hộ tịch", "digitized": True},
                          {"name": "Văn bản ủy quyền (nếu yêu cầu thay)", "digitized": False, "copies": 1}]}
    response = context.request.post(f"{API}/dossiers", data=body)
    assert response.status == 201, response.text()
    return response.json()["code"]


def _overflow(page, width_px: float) -> list[str]:
    """Elements whose box reaches past the printable width, laid out at that width for print."""
    page.set_viewport_size({"width": int(width_px), "height": 1200})
    page.emulate_media(media="print")
    return page.evaluate("""(limit) => [...document.querySelectorAll('body *')]
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > limit + 0.5; })
        .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))""", width_px)


def test_receipt_is_one_a5_sheet_with_everything_inside(browser, live_server, screenshots):
    context = _signed_in_context(browser, live_server, "minhxuan.receiver")
    try:
        code = _receive(context)
        page = context.new_page()
        response = page.goto(f"{API}/dossiers/{code}/documents/receipt")
        assert response.ok
        assert "Quyển số: 2026, Số thứ tự: 1" in page.content()
        assert _overflow(page, PRINTABLE_MM["A5"] * MM) == []
        pdf = page.pdf(prefer_css_page_size=True, path=str(screenshots / "receipt.pdf"))
        assert _pages(pdf) == 1
        assert b"/MediaBox [0 0 419" in pdf or b"/MediaBox [0 0 420" in pdf  # A5: 148 mm = 419.5 pt
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 900, "height": 1000})
        page.screenshot(path=str(screenshots / "receipt.png"), full_page=True)

        # the control slip (A4) fits its width too
        page.goto(f"{API}/dossiers/{code}/documents/control-slip")
        assert _overflow(page, PRINTABLE_MM["A4"] * MM) == []
        assert _pages(page.pdf(prefer_css_page_size=True)) == 1
    finally:
        context.close()
