"""A dossier's whole life through the web pages in a real Chromium: the desk receives it with the
application form rendered from the procedure's JSON Schema, each step is completed from the inbox
with its rendered form (a 422 lands next to the field), the result is handed over, and the citizen
looks it up without seeing personal data and rates it once."""
from __future__ import annotations

import re

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason; the rest of the run goes on
    expect = None

PROCEDURE = "trich-luc-ho-tich"
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "001190012345", "phone": "0912 345 678"}


def field(scope, path):
    return scope.locator(f'[data-field="{path}"]')


def error_of(scope, path):
    return field(scope, path).locator(":scope > .field-error")


def open_task(page, code):
    page.get_by_role("link", name="Hộp việc").click()
    row = page.locator("#inbox-candidate tr, #inbox-mine tr").filter(has_text=code)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("^Mở")).click()
    expect(page.locator("#task-form")).to_be_visible()


def complete(page):
    page.get_by_role("button", name="Hoàn thành bước").click()


def expect_completed(page, step_name, code):
    expect(page.locator("#flash")).to_contain_text(f"Đã hoàn thành bước «{step_name}» của hồ sơ {code}")
    expect(page.locator("#inbox-candidate tr, #inbox-mine tr").filter(has_text=code)).to_have_count(0)


def sign_out(page):
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#login-message")).to_contain_text("Đã đăng xuất")


def test_receive_work_every_step_return_lookup_and_rate(new_page, sign_in, live_server, screenshots):
    page = sign_in(new_page(), "minhxuan.receiver")
    expect(page.locator("#user-name")).to_have_text("Nguyễn Thị Lan (Cán bộ một cửa)")
    expect(page.get_by_role("link", name="Tiếp nhận hồ sơ")).to_have_attribute("aria-current", "page")

    # --- the desk receives the dossier; the application form comes from the procedure's schema
    page.get_by_label("Thủ tục hành chính").select_option(PROCEDURE)
    form = page.locator("#receive-form")
    expect(form.get_by_label("Loại sự kiện hộ tịch")).to_be_visible()
    expect(form.get_by_label("Kênh tiếp nhận").locator("option")).to_have_text(["Trực tiếp", "Trực tuyến", "Bưu chính"])
    form.get_by_label("Họ và tên người nộp").fill(APPLICANT["name"])
    form.get_by_label("Số định danh cá nhân / CCCD").fill(APPLICANT["id_number"])
    form.get_by_label("Số điện thoại").fill(APPLICANT["phone"])
    form.get_by_label("Loại sự kiện hộ tịch").select_option(label="Khai sinh")
    form.get_by_label("Họ, chữ đệm, tên người được cấp trích lục").fill("Trần Văn Bình")
    form.get_by_label("Ngày sinh").fill("1990-05-20")
    form.get_by_label("Số bản sao đề nghị cấp").fill("2")
    form.get_by_label("Đã nhận: Văn bản ủy quyền (nếu yêu cầu thay)").uncheck()
    # a required field of the application form left empty: the server's 422 lands next to it
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(error_of(form, "data.noi_dang_ky")).to_be_visible()
    expect(error_of(form, "data.noi_dang_ky")).to_contain_text("bắt buộc")
    expect(form.get_by_label("Nơi đã đăng ký hộ tịch")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Nơi đã đăng ký hộ tịch").fill("UBND phường Minh Xuân")
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()

    received = page.locator("#received")
    expect(received).to_contain_text("Đã tiếp nhận hồ sơ")
    code = page.locator("#received-code").inner_text()
    assert re.fullmatch(r"UBND\.MINHXUAN-261125-\d{4}", code), code
    # legal_days 0 received 09:00 on a working day: due at that day's closing
    expect(page.locator("#received-due")).to_have_text("17:00 ngày 25/11/2026")
    expect(received).to_contain_text("Kiểm tra, tiếp nhận hồ sơ")
    receipt_link = received.get_by_role("link", name="In giấy tiếp nhận")
    expect(receipt_link).to_have_attribute("href", f"/app/giay-to?ma={code}&mau=receipt")

    # the receipt opens in the viewer, fetched with this tab's token
    with page.context.expect_page() as opened:
        receipt_link.click()
    viewer = opened.value
    viewer.wait_for_load_state()
    expect(viewer.locator("#viewer-title")).to_have_text(f"Giấy tiếp nhận, hẹn trả kết quả — {code}")
    expect(viewer.frame_locator("#viewer-frame").locator("body")).to_contain_text(code)
    expect(viewer.locator("#viewer-print")).to_be_enabled()
    viewer.close()

    # what the API recorded is what the form said
    token = page.evaluate("sessionStorage.getItem('motcua.token')")
    dossier = page.request.get(f"/api/v1/dossiers/{code}", headers={"Authorization": f"Bearer {token}"}).json()
    assert dossier["data"] == {"loai_su_kien": "khai_sinh", "ho_ten_nguoi_duoc_cap": "Trần Văn Bình",
                               "ngay_sinh": "1990-05-20", "noi_dang_ky": "UBND phường Minh Xuân", "so_ban": 2}
    # no scan attached: not digitized (a document is digitized exactly when it has a file)
    assert dossier["documents"] == [{"name": "Tờ khai cấp bản sao trích lục hộ tịch", "copies": 1, "digitized": False}]
    assert dossier["applicant"]["phone"] == APPLICANT["phone"]

    # --- receiver's step from the inbox: the checkbox the schema requires to be true
    open_task(page, code)
    expect(page.locator("#task-title")).to_have_text("Kiểm tra, tiếp nhận hồ sơ")
    expect(page.locator("#task-dossier")).to_contain_text("Trần Văn Bình")  # the application data, titled
    task_form = page.locator("#task-form")
    expect(task_form.locator(".req").first).to_be_visible()
    complete(page)
    expect(error_of(task_form, "ho_so_hop_le")).to_contain_text("phải được xác nhận")
    task_form.get_by_label("Hồ sơ đầy đủ, hợp lệ").check()
    task_form.get_by_label("Đã số hóa hồ sơ").check()
    task_form.get_by_label("Số trang đã số hóa").fill("3")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(screenshots / "console-task.png"), full_page=True)
    complete(page)
    expect_completed(page, "Kiểm tra, tiếp nhận hồ sơ", code)
    sign_out(page)

    # --- specialist: claims, a conditionally required field left empty → 422 next to it
    sign_in(page, "minhxuan.specialist")
    expect(page.get_by_role("link", name="Tiếp nhận hồ sơ")).to_have_count(0)  # not a receiver
    open_task(page, code)
    expect(page.locator("#task-title")).to_have_text("Tra cứu sổ hộ tịch, in bản sao trích lục")
    page.get_by_role("button", name="Nhận việc").click()
    expect(page.locator("#flash")).to_have_text("Đã nhận việc.")
    expect(page.get_by_role("button", name="Trả lại việc")).to_be_visible()
    task_form = page.locator("#task-form")
    task_form.get_by_label("Kết quả xử lý").select_option(label="Đồng ý")
    complete(page)
    expect(error_of(task_form, "so_trich_luc")).to_be_visible()
    expect(error_of(task_form, "so_trich_luc")).to_contain_text("bắt buộc")
    task_form.get_by_label("Số bản sao trích lục").fill("TL-0001/2026")
    complete(page)
    expect_completed(page, "Tra cứu sổ hộ tịch, in bản sao trích lục", code)
    sign_out(page)

    # --- leader: a required field left empty → 422 next to it, then signs
    sign_in(page, "minhxuan.leader")
    open_task(page, code)
    task_form = page.locator("#task-form")
    task_form.get_by_label("Ngày ký").fill("2026-11-25")
    complete(page)
    expect(error_of(task_form, "so_van_ban")).to_contain_text("bắt buộc")
    expect(task_form.get_by_label("Số bản sao trích lục")).to_be_focused()
    expect(page.locator("#flash")).to_be_hidden()
    task_form.get_by_label("Số bản sao trích lục").fill("15/2026")
    task_form.get_by_label("Ý kiến").fill("Đồng ý.")
    complete(page)
    expect_completed(page, "Ký bản sao trích lục", code)
    sign_out(page)

    # --- the desk prepares the result: the dossier is done
    sign_in(page, "minhxuan.receiver")
    open_task(page, code)
    task_form = page.locator("#task-form")
    task_form.get_by_label("Hình thức trả kết quả").select_option(label="Trực tiếp")
    task_form.get_by_label("Số vào sổ theo dõi").fill("125/2026")
    complete(page)
    expect(page.locator("#flash")).to_contain_text("Trạng thái: Đã có kết quả, chờ trả")

    # --- the dossier view: status done, no step left, the history of every step
    page.get_by_role("link", name="Hồ sơ", exact=True).click()
    page.get_by_label("Trạng thái").select_option("done")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#dossier-list")).to_contain_text("1 hồ sơ")
    page.locator("#dossier-list").get_by_role("link", name=code).click()
    expect(page.locator("#dossier-code")).to_have_text(code)
    expect(page.locator("#dossier-status [data-status]")).to_have_text("Đã có kết quả, chờ trả")
    expect(page.get_by_text("Không có bước nào đang chờ.")).to_be_visible()
    history = page.locator("table.history tbody tr")
    expect(history.filter(has_text="Hoàn thành bước")).to_have_count(4)
    expect(history.first).to_contain_text("Tiếp nhận hồ sơ")
    expect(page.get_by_role("link", name="Phiếu kiểm soát quá trình")).to_be_visible()
    page.screenshot(path=str(screenshots / "console-dossier.png"), full_page=True)

    # --- the public lookup before the hand-over: status, no personal data, no rating yet
    citizen = new_page(width=390, height=844)
    citizen.goto("/tra-cuu")
    citizen.get_by_label("Mã hồ sơ").fill(code)
    citizen.get_by_label("4 số cuối điện thoại").fill("5678")
    citizen.get_by_role("button", name="Tra cứu").click()
    expect(citizen.locator("#lookup-status")).to_have_text("Đã có kết quả, chờ trả")
    expect(citizen.locator("#lookup-procedure")).to_have_text("Cấp bản sao trích lục hộ tịch")
    expect(citizen.locator("#lookup-due")).to_have_text("17:00 ngày 25/11/2026")
    expect(citizen.locator("#rating")).to_be_hidden()

    # --- the desk hands the result over (dialog), then the citizen rates once
    page.get_by_role("button", name="Trả kết quả").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Xác nhận đã trao kết quả hồ sơ {code}")
    dialog.get_by_role("button", name="Đã trả kết quả").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#flash")).to_have_text("Đã trả kết quả.")
    expect(page.locator("#dossier-status [data-status]")).to_have_text("Đã trả kết quả")
    expect(page.get_by_role("button", name="Trả kết quả")).to_have_count(0)

    citizen.get_by_role("button", name="Tra cứu").click()
    expect(citizen.locator("#lookup-status")).to_have_text("Đã trả kết quả")
    body = citizen.locator("body").inner_text()
    for secret in (APPLICANT["name"], APPLICANT["id_number"], "0912", "Trần Văn Bình"):
        assert secret not in body
    rating = citizen.locator("#rating")
    expect(rating).to_be_visible()
    rating.get_by_role("button", name="Gửi đánh giá").click()
    expect(error_of(rating, "level")).to_contain_text("«Rất hài lòng», «Hài lòng» hoặc «Không hài lòng»")
    rating.get_by_label("Hài lòng", exact=True).check()
    rating.get_by_label("Góp ý (không bắt buộc)").fill("Nhanh, chu đáo.")
    rating.get_by_role("button", name="Gửi đánh giá").click()
    expect(citizen.locator("#rating-message")).to_have_text("Cảm ơn ông/bà đã đánh giá. Ý kiến đã được ghi nhận.")
    expect(citizen.locator("#rating-form")).to_be_hidden()
    # once: looking it up again shows it rated, and the API refuses a second rating
    citizen.get_by_role("button", name="Tra cứu").click()
    expect(citizen.locator("#rating-message")).to_contain_text("đã được đánh giá")
    expect(citizen.locator("#rating-form")).to_be_hidden()
    again = citizen.request.post(f"/api/v1/public/dossiers/{code}/rating", data={"phone4": "5678", "satisfied": False})
    assert again.status == 409
    token = page.evaluate("sessionStorage.getItem('motcua.token')")
    events = page.request.get(f"/api/v1/dossiers/{code}/history",
                              headers={"Authorization": f"Bearer {token}"}).json()["events"]
    assert [e["data"] for e in events if e["type"] == "rated"] == [{"satisfied": True, "level": "satisfied"}]
