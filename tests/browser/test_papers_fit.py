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


# --- every paper (issue 15 item 9): printed to PDF by Chromium, each on its sheet -----------------

LONG_REASON = ("Thành phần hồ sơ chưa đầy đủ theo quy định tại Nghị định số 123/2015/NĐ-CP: thiếu bản sao "
               "giấy tờ chứng minh nhân thân của người được cấp trích lục và văn bản ủy quyền có chứng thực "
               "của người yêu cầu thay; đề nghị bổ sung trong thời hạn quy định.")
# Each paper and the action that makes it apply (None: it applies from the receipt on); all are
# the competent office's (Minh Xuân decides trich-luc-ho-tich), whose leader signs form 04.
PAPERS = {
    "receipt": ("A5", None),
    "control-slip": ("A4", None),
    "supplement": ("A4", ("supplement-request", {"reason": LONG_REASON, "items": [
        "Bản sao giấy tờ chứng minh nhân thân của người được cấp trích lục (căn cước công dân hoặc hộ chiếu)",
        "Văn bản ủy quyền có chứng thực của người yêu cầu cấp bản sao trích lục thay", "Tờ khai (bản chính)"]})),
    "refusal": ("A4", ("reject", {"reason": LONG_REASON})),
    "stop": ("A4", ("stop", {"reason": LONG_REASON})),
    "apology": ("A4", ("apology", {"reason": LONG_REASON, "new_due_at": "2026-11-27T17:00:00+07:00"})),
}
# Justified text spreads the words of a line to both margins: it reads well on a full-width
# paragraph, badly in a narrow column or on a small sheet (wide gaps), so it is allowed only on
# blocks at least this wide.
JUSTIFY_MIN_MM = 120


def _narrow_justified(page) -> list[str]:
    return page.evaluate("""(minPx) => [...document.querySelectorAll('body *')]
        .filter(e => getComputedStyle(e).textAlign === 'justify' && getComputedStyle(e).display !== 'inline'
                  && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim().length > 30)
                  && e.getBoundingClientRect().width < minPx)
        .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))""", JUSTIFY_MIN_MM * MM)


def _outside_page(page, width_px: float) -> list[str]:
    """Text nodes whose box starts left of the page or ends past its printable width."""
    return page.evaluate("""(limit) => {
        const out = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const n = walker.currentNode; if (!n.textContent.trim()) continue;
          const range = document.createRange(); range.selectNodeContents(n);
          for (const r of range.getClientRects()) if (r.left < -0.5 || r.right > limit + 0.5) {
            out.push(n.textContent.trim().slice(0, 40)); break; }
        }
        return out; }""", width_px)


def test_every_paper_fits_its_sheet(browser, live_server, screenshots):
    desk = _signed_in_context(browser, live_server, "minhxuan.receiver")
    leader = _signed_in_context(browser, live_server, "minhxuan.leader")
    problems = []
    try:
        for form, (sheet, action) in PAPERS.items():
            code = _receive(desk)
            if action:
                path, body = action
                answer = leader.request.post(f"{API}/dossiers/{code}/{path}", data=body)
                assert answer.ok, (form, answer.text())
            page = leader.new_page()
            response = page.goto(f"{API}/dossiers/{code}/documents/{form}")
            assert response.ok, (form, response.status)
            width = PRINTABLE_MM[sheet] * MM
            overflow = _overflow(page, width)
            outside = _outside_page(page, width)
            narrow = _narrow_justified(page)
            page.screenshot(path=str(screenshots / f"{form}-print.png"), full_page=True)
            pdf = page.pdf(prefer_css_page_size=True, path=str(screenshots / f"{form}.pdf"))
            pages = _pages(pdf)
            # A5 = 419.5 × 595.3 pt, A4 = 595.3 × 841.9 pt (Chromium rounds to its own units)
            box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
            expected = (419.5, 595.3) if sheet == "A5" else (595.3, 841.9)
            media = box is not None and all(abs(float(v) - e) < 2 for v, e in zip(box.groups(), expected))
            height_mm = page.evaluate("document.documentElement.scrollHeight") / MM
            if overflow or outside or narrow or pages != 1 or not media:
                problems.append(f"{form}: pages={pages} sheet_ok={media} height={height_mm:.0f}mm overflow={overflow} "
                                f"outside={outside} narrow_justified={narrow}")
            page.close()
    finally:
        desk.close()
        leader.close()
    assert not problems, "\n".join(problems)
