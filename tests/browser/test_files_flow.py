"""Issue 12.7 and 15.8 in a real Chromium: the desk attaches scans at receipt (a phone camera's
picture and a PDF dropped on the zone), the specialist reads them inline beside the step's form,
the leader attaches the electronic result, the dossier page lists the files; then the citizen, on a
390-px-wide phone, opens the receipt's QR link, reads the status and the progress line, downloads
the result with the key and gives one of the three ratings. Screenshots: artifacts/screenshots/."""
from __future__ import annotations

import base64
import hashlib
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import urlsplit

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

from tests.browser.test_console_flow import APPLICANT, PROCEDURE, complete, expect_completed, open_task, sign_out

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DOC = "Tờ khai cấp bản sao trích lục hộ tịch"
PROXY = "Văn bản ủy quyền (nếu yêu cầu thay)"


def _png(width=40, height=30) -> bytes:
    """A real PNG (a blue square) that the browser decodes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x0b\x4f\x8a" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _pdf(text: str) -> bytes:
    """A one-page PDF with a line of text, offsets computed."""
    stream = f"BT /F1 18 Tf 40 100 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


PHOTO, SCAN, RESULT = _png(), _pdf("To khai"), _pdf("Ban sao trich luc 15/2026")


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _drop(page, zone, data: bytes, name: str, mime: str):
    """Drop a file on a zone as the desk's drag and drop does (a DataTransfer holding a File)."""
    transfer = page.evaluate_handle("""([b64, name, mime]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: mime }));
        return dt;
    }""", [base64.b64encode(data).decode(), name, mime])
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def _api(page, path):
    token = page.evaluate("sessionStorage.getItem('motcua.token')")
    return page.request.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def test_scans_at_the_desk_read_inline_result_by_the_leader_and_the_citizen_journey(new_page, sign_in, live_server):
    page = sign_in(new_page(), "minhxuan.receiver")
    page.get_by_label("Thủ tục hành chính").select_option(PROCEDURE)
    form = page.locator("#receive-form")
    form.get_by_label("Họ và tên người nộp").fill(APPLICANT["name"])
    form.get_by_label("Số định danh cá nhân / CCCD").fill(APPLICANT["id_number"])
    form.get_by_label("Số điện thoại").fill(APPLICANT["phone"])
    form.get_by_label("Loại sự kiện hộ tịch").select_option(label="Khai sinh")
    form.get_by_label("Họ, chữ đệm, tên người được cấp trích lục").fill("Trần Văn Bình")
    form.get_by_label("Nơi đã đăng ký hộ tịch").fill("UBND phường Minh Xuân")
    form.get_by_label("Số bản sao đề nghị cấp").fill("1")
    # the application form: a phone camera's picture (capture=environment); the proxy letter: a PDF dropped
    doc_zone, proxy_zone = form.locator(f'[data-scan="{DOC}"]'), form.locator(f'[data-scan="{PROXY}"]')
    camera = doc_zone.locator("input[data-upload=camera]")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "application/pdf,image/*")
    camera.set_input_files(files=[{"name": "anh-chup.png", "mimeType": "image/png", "buffer": PHOTO}])
    expect(doc_zone).to_have_class(re.compile("has-file"))
    expect(doc_zone).to_contain_text("anh-chup.png")
    _drop(page, proxy_zone, SCAN, "uy-quyen.pdf", "application/pdf")
    expect(proxy_zone).to_have_class(re.compile("has-file"))
    # an executable renamed .pdf is refused beside the field; nothing is attached
    bad_zone = proxy_zone
    bad_zone.locator("input[data-upload=file]").set_input_files(
        files=[{"name": "virus.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 200}])
    expect(bad_zone).to_have_class(re.compile("failed"))
    expect(bad_zone).to_contain_text("Định dạng tệp không được chấp nhận")
    _drop(page, proxy_zone, SCAN, "uy-quyen.pdf", "application/pdf")
    expect(proxy_zone).to_have_class(re.compile("has-file"))
    _shot(page, "files-desk-receipt")
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(page.locator("#received")).to_contain_text("Đã tiếp nhận hồ sơ")
    code = page.locator("#received-code").inner_text()

    dossier = _api(page, f"/dossiers/{code}").json()
    docs = {d["name"]: d for d in dossier["documents"]}
    assert docs[DOC]["sha256"] == hashlib.sha256(PHOTO).hexdigest() and docs[DOC]["digitized"] is True
    assert docs[PROXY]["sha256"] == hashlib.sha256(SCAN).hexdigest() and docs[PROXY]["digitized"] is True
    key = dossier["lookup_key"]

    # the receipt prints the public page's address with the key (and its QR code)
    with page.context.expect_page() as opened:
        page.locator("#received").get_by_role("link", name="In giấy tiếp nhận").click()
    viewer = opened.value
    receipt = viewer.frame_locator("#viewer-frame")
    expect(receipt.locator(".lookup-qr svg")).to_have_count(1)
    printed = receipt.locator(".url").inner_text()
    assert f"code={code}" in printed and f"key={key}" in printed
    viewer.close()

    # while it is processed, the citizen's look-up by code (typed in small letters) and phone digits:
    # the progress line at its second step, no result to download, nothing printed as "null"
    early = new_page(width=390, height=844)
    early.goto("/tra-cuu")
    early.get_by_label("Mã hồ sơ").fill(code.lower())
    early.get_by_label("4 số cuối điện thoại").fill("5678")
    early.get_by_role("button", name="Tra cứu").click()
    expect(early.locator("#lookup-status")).to_have_text("Đang giải quyết")
    expect(early.locator("#lookup-progress li").nth(1)).to_have_attribute("aria-current", "step")
    expect(early.locator("#lookup-download")).to_have_count(0)
    early_text = early.locator("body").inner_text()
    assert "null" not in early_text and "undefined" not in early_text
    early.close()

    open_task(page, code)
    task_form = page.locator("#task-form")
    task_form.get_by_label("Hồ sơ đầy đủ, hợp lệ").check()
    complete(page)
    expect_completed(page, "Kiểm tra, tiếp nhận hồ sơ", code)
    sign_out(page)

    # --- the specialist reads the scans inline beside the step's form (blob: URLs, bytes as sent)
    sign_in(page, "minhxuan.specialist")
    open_task(page, code)
    files = page.locator("#task-dossier #dossier-files")
    image = files.locator("figure.file-view img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("src", re.compile("^blob:"))
    page.wait_for_function("document.querySelector('#dossier-files figure img').naturalWidth === 40")
    frame = files.locator("figure.file-view iframe.pdf")
    expect(frame).to_have_count(1)
    expect(frame).to_have_attribute("src", re.compile("^blob:"))
    # Chromium's own PDF viewer took the blob under the console's strict policy (no CSP complaint:
    # the new_page fixture fails the test on any)
    for _ in range(50):
        if any(f.url.startswith("chrome-extension://") for f in page.frames):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"the PDF viewer did not open: {[f.url for f in page.frames]}")
    # each frame shows the bytes the desk sent (the page may not fetch blob: itself: connect-src 'self')
    for figure, sent in ((files.locator("figure.file-view:has(img)"), PHOTO),
                         (files.locator("figure.file-view:has(iframe.pdf)"), SCAN)):
        assert _api(page, f"/dossiers/{code}/files/{figure.get_attribute('data-file')}").body() == sent
    page.get_by_role("button", name="Nhận việc").click()
    expect(page.get_by_role("button", name="Trả lại việc")).to_be_visible()
    expect(page.locator("#dossier-files figure.file-view img")).to_have_count(1)  # read again after the claim
    task_form = page.locator("#task-form")
    task_form.get_by_label("Kết quả xử lý").select_option(label="Đồng ý")
    task_form.get_by_label("Số bản sao trích lục").fill("TL-0001/2026")
    _shot(page, "files-specialist-step")
    complete(page)
    expect_completed(page, "Tra cứu sổ hộ tịch, in bản sao trích lục", code)
    sign_out(page)

    # --- the leader attaches the electronic result at the signing step, then signs
    sign_in(page, "minhxuan.leader")
    open_task(page, code)
    panel = page.locator("#result-panel")
    expect(panel).to_be_visible()
    panel.locator("input[data-upload=file]").set_input_files(
        files=[{"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": RESULT}])
    expect(panel.locator(".dropzone")).to_have_class(re.compile("has-file"))
    panel.get_by_label("Số, ký hiệu văn bản").fill("15/2026")
    panel.get_by_role("button", name="Đính kèm kết quả").click()
    expect(page.locator("#result-done")).to_have_text("Đã đính kèm kết quả điện tử.")
    task_form = page.locator("#task-form")
    task_form.get_by_label("Ngày ký").fill("2026-11-25")
    task_form.get_by_label("Số bản sao trích lục").fill("15/2026")
    _shot(page, "files-leader-result")
    complete(page)
    expect_completed(page, "Ký bản sao trích lục", code)
    sign_out(page)

    # --- the desk prepares the hand-over: done; the dossier page lists every file
    sign_in(page, "minhxuan.receiver")
    open_task(page, code)
    task_form = page.locator("#task-form")
    task_form.get_by_label("Hình thức trả kết quả").select_option(label="Trực tiếp")
    task_form.get_by_label("Số vào sổ theo dõi").fill("125/2026")
    complete(page)
    expect(page.locator("#flash")).to_contain_text("Trạng thái: Đã có kết quả, chờ trả")
    page.goto(f"/app#/ho-so/{code}")
    listed = page.locator("#dossier-files li")
    expect(listed).to_have_count(3)
    expect(listed.filter(has_text="Kết quả")).to_contain_text("ket-qua.pdf")
    _shot(page, "files-dossier-page")

    # --- the citizen on a phone: the receipt's QR link shows the status at once
    citizen = new_page(width=390, height=844)
    link = urlsplit(printed)
    citizen.goto(f"{link.path}?{link.query}".replace(code, code.lower()))  # codes in any case
    expect(citizen.locator("#lookup-status")).to_have_text("Đã có kết quả, chờ trả")
    expect(citizen.locator("#lookup-search")).to_be_hidden()
    steps = citizen.locator("#lookup-progress li")
    expect(steps).to_contain_text(["Tiếp nhận", "Đang xử lý", "Có kết quả", "Đã trả"])
    expect(citizen.locator("#lookup-progress li.done")).to_have_count(2)
    expect(steps.nth(2)).to_have_attribute("aria-current", "step")
    expect(citizen.locator("#lookup-code-shown")).to_have_text(code)
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name="Tải kết quả điện tử").click()
    assert Path(download.value.path()).read_bytes() == RESULT
    expect(citizen.locator("#rating")).to_be_hidden()
    expect(citizen.get_by_role("link", name="Gửi phản ánh, kiến nghị")).to_have_attribute("href", f"/gop-y?ma={code}")
    _shot(citizen, "citizen-qr-status")

    # the desk hands the result over; the citizen reloads the link and rates with the key
    page.get_by_role("button", name="Trả kết quả").click()
    page.get_by_role("dialog").get_by_role("button", name="Đã trả kết quả").click()
    expect(page.locator("#dossier-status [data-status]")).to_have_text("Đã trả kết quả")
    citizen.reload()
    expect(citizen.locator("#lookup-status")).to_have_text("Đã trả kết quả")
    expect(citizen.locator("#lookup-progress li.done")).to_have_count(4)
    rating = citizen.locator("#rating")
    rating.get_by_role("button", name="Gửi đánh giá").click()
    expect(rating.locator('[data-field="level"] .field-error')).to_contain_text("Rất hài lòng")
    expect(rating.get_by_role("radio")).to_have_count(3)
    rating.get_by_label("Không hài lòng").check()
    rating.get_by_role("button", name="Gửi đánh giá").click()
    expect(citizen.locator("#rating-message")).to_have_text("Cảm ơn ông/bà đã đánh giá. Ý kiến đã được ghi nhận.")
    text = citizen.locator("body").inner_text()
    assert "null" not in text and "undefined" not in text
    for secret in (APPLICANT["name"], APPLICANT["id_number"], "0912", "Trần Văn Bình"):
        assert secret not in text
    width = citizen.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    _shot(citizen, "citizen-rated")
    events = _api(page, f"/dossiers/{code}/history").json()["events"]
    assert [e["data"] for e in events if e["type"] == "rated"] == [{"satisfied": False, "level": "dissatisfied"}]
