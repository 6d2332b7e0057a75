from datetime import datetime, timezone

import pytest

from forms import DOCUMENT_KINDS, render_document
from forms.documents import format_datetime, format_legal_days, format_money

UTC = timezone.utc


def make_context():
    return {
        "office": {"code": "H15.50.05.13", "name": "UBND xã Minh Xuân"},
        "dossier": {
            "code": "H15.50.05.13-261008-0975", "procedure_name": "Đăng ký kết hôn",
            "procedure_code": "1.000894", "legal_days": 3, "channel": "direct",
            "received_at": datetime(2026, 10, 8, 1, 30, tzinfo=UTC),
            "clock_start": "2026-10-08T08:30:00+07:00", "due_at": "2026-10-13T10:00:00Z",
            "finished_at": None, "returned_at": None, "status": "processing",
            "supplement_count": 1, "fee": 8000,
        },
        "applicant": {"name": "<script>alert(1)</script>", "id_number": "001234567890",
                      "phone": "0912345678", "email": "an@example.vn", "address": "Thôn Tân Tiến"},
        "documents": [{"name": "Tờ khai đăng ký kết hôn", "copies": 1, "digitized": True},
                      {"name": "Giấy xác nhận tình trạng hôn nhân", "copies": 2, "digitized": False}],
        "receiver": {"full_name": "Trần Thị Bình"},
        "supplement": {"reason": "Thiếu giấy tờ", "items": ["Bản sao CCCD có chứng thực"],
                       "requested_at": datetime(2026, 10, 9, 2, 0, tzinfo=UTC),
                       "contact": "Trần Thị Bình, 0207 3822 222"},
        "refusal": {"reason": "Không thuộc thẩm quyền giải quyết", "at": "2026-10-08T09:00:00+07:00"},
        "stop": {"reason": "Người nộp đề nghị dừng", "at": "2026-10-10T09:00:00+07:00"},
        "apology": {"reason": "Cần xác minh thêm", "new_due_at": "2026-10-20T16:00:00+07:00",
                    "original_due_at": "2026-10-13T17:00:00+07:00",
                    "at": "2026-10-12T08:00:00+07:00", "on_time": True},
        "handovers": [
            {"from_office": "UBND xã Minh Xuân", "from_person": "Trần Thị Bình",
             "to_office": "Tư pháp - hộ tịch", "to_person": "Lê Văn Cường", "step": "Tiếp nhận",
             "at": "2026-10-08T09:00:00+07:00", "due_at": "2026-10-08T17:00:00+07:00",
             "result": "early", "note": None},
            {"from_office": "Tư pháp - hộ tịch", "from_person": "Lê Văn Cường",
             "to_office": "Công an xã", "to_person": None, "step": "Xác minh",
             "at": "2026-10-14T09:00:00+07:00", "due_at": "2026-10-12T17:00:00+07:00",
             "result": "late", "note": "Chờ xác minh"},
            {"from_office": "Công an xã", "from_person": None, "to_office": None,
             "to_person": None, "step": "Ký", "at": None, "due_at": None, "result": None,
             "note": None},
        ],
        "printed_at": datetime(2026, 10, 14, 3, 0, tzinfo=UTC),
    }


TITLES = {
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
    "apology": "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
    "control-slip": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "stop": "Thông báo dừng giải quyết hồ sơ",
}


def test_all_kinds_known():
    assert set(DOCUMENT_KINDS) == set(TITLES)


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_every_kind_renders_a_complete_page(kind):
    html = render_document(kind, make_context())
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html
    assert '<html lang="vi">' in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Độc lập - Tự do - Hạnh phúc" in html
    assert "UBND xã Minh Xuân" in html
    assert TITLES[kind] in html
    assert "H15.50.05.13-261008-0975" in html
    assert "Đăng ký kết hôn" in html
    assert "</html>" in html
    assert ("size: A5" in html) == (kind == "receipt")
    assert ("size: A4" in html) == (kind != "receipt")


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_html_in_applicant_name_is_escaped(kind):
    html = render_document(kind, make_context())
    assert "<script>" not in html
    if kind != "control-slip":  # the control slip carries no applicant data
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_receipt_contents():
    html = render_document("receipt", make_context())
    assert "Mẫu số 01" in html
    assert "Thôn Tân Tiến" in html and "0912345678" in html and "an@example.vn" in html
    assert "Tờ khai đăng ký kết hôn" in html and "Giấy xác nhận tình trạng hôn nhân" in html
    assert "3 ngày làm việc" in html
    assert "08:30, ngày 08/10/2026" in html  # received, converted from UTC
    assert "17:00, ngày 13/10/2026" in html  # appointment
    assert "8.000 đồng" in html
    assert "Trần Thị Bình" in html
    assert "001234567890" not in html  # the ID number is not printed


def test_receipt_same_day():
    context = make_context()
    context["dossier"]["legal_days"] = 0
    assert "Trong ngày" in render_document("receipt", context)


def test_supplement_and_refusal_and_stop_contents():
    context = make_context()
    html = render_document("supplement", context)
    assert "Bản sao CCCD có chứng thực" in html and "Thiếu giấy tờ" in html
    assert "0207 3822 222" in html
    assert "Không thuộc thẩm quyền giải quyết" in render_document("refusal", context)
    html = render_document("stop", context)
    assert "Người nộp đề nghị dừng" in html and "09:00, ngày 10/10/2026" in html


def test_apology_shows_new_date_and_original():
    html = render_document("apology", make_context())
    assert "Cần xác minh thêm" in html
    assert "16:00, ngày 20/10/2026" in html
    assert "17:00, ngày 13/10/2026" in html


def test_apology_is_signed_by_the_head_never_the_clerk():
    context = make_context()
    context["signatory"] = {"full_name": "Lê Minh Đức", "title": "Thủ trưởng UBND xã Minh Xuân"}
    html = render_document("apology", context)
    assert "Mẫu số 04" in html
    assert "Lê Minh Đức" in html and "Thủ trưởng UBND xã Minh Xuân" in html
    assert "Trần Thị Bình" not in html  # the desk clerk (receiver) does not sign form 04


def test_control_slip_names_agencies_never_the_applicant():
    context = make_context()
    context["dossier"]["competent_office"] = {"code": "UBND.MINHXUAN", "name": "UBND xã Minh Xuân"}
    context["handovers"].append({"from_office": "UBND xã Minh Xuân", "to_office": "Người nộp hồ sơ",
                                 "step": "Yêu cầu bổ sung hồ sơ", "at": None, "result": None})
    html = render_document("control-slip", context)
    coordinating = html.split('class="coordinating">', 1)[1].split("</p>", 1)[0]
    assert "Tư pháp - hộ tịch" in coordinating and "Công an xã" in coordinating
    assert "Người nộp hồ sơ" not in coordinating and "UBND xã Minh Xuân" not in coordinating
    context["coordinating_offices"] = ["Công an tỉnh Tuyên Quang"]
    html = render_document("control-slip", context)
    coordinating = html.split('class="coordinating">', 1)[1].split("</p>", 1)[0]
    assert "Công an tỉnh Tuyên Quang" in coordinating and "Công an xã" not in coordinating
    assert 'class="lead-office">UBND xã Minh Xuân' in html


def test_receipt_register_book_and_number():
    context = make_context()
    context["dossier"].update(register_book="2026", register_number=975)
    html = render_document("receipt", context)
    assert "Quyển số: 2026, Số thứ tự: 975" in html


def test_control_slip_rows():
    html = render_document("control-slip", make_context())
    assert "Quá hạn" in html and "Trước hạn" in html
    assert "Lê Văn Cường" in html and "Công an xã" in html and "Chờ xác minh" in html
    assert "09:00, ngày 14/10/2026" in html
    assert 'class="late"' in html


def test_all_values_none():
    context = {
        "office": {"code": None, "name": None},
        "dossier": dict.fromkeys(make_context()["dossier"]),
        "applicant": dict.fromkeys(["name", "id_number", "phone", "email", "address"]),
        "documents": [], "receiver": {"full_name": None},
        "supplement": {"reason": None, "items": [], "requested_at": None, "contact": None},
        "refusal": {"reason": None, "at": None}, "stop": {"reason": None, "at": None},
        "apology": dict.fromkeys(["reason", "new_due_at", "original_due_at", "at", "on_time"]),
        "handovers": [], "printed_at": None,
    }
    for kind in DOCUMENT_KINDS:
        html = render_document(kind, context)
        assert "None" not in html


def test_unknown_kind():
    with pytest.raises(KeyError):
        render_document("certificate", make_context())
    with pytest.raises(ValueError):
        render_document("../base", make_context())


def test_formatters():
    assert format_datetime("2026-10-08T01:05:00Z") == "08:05, ngày 08/10/2026"
    assert format_datetime(datetime(2026, 1, 1, 17, 0, tzinfo=UTC)) == "00:00, ngày 02/01/2026"
    assert format_datetime(None) == ""
    assert format_money(8000) == "8.000 đồng"
    assert format_money(1250000) == "1.250.000 đồng"
    assert format_money(0) == "0 đồng"
    assert format_legal_days(0) == "Trong ngày"
    assert format_legal_days(0.5) == "0,5 ngày làm việc"
    assert format_legal_days(12) == "12 ngày làm việc"


# ----------------------------------------------------------------------------- over HTTP

def _example_data(schema: dict, **choices) -> dict:
    data = {name: prop["examples"][0] for name, prop in schema["properties"].items() if prop.get("examples")}
    data.update(choices)
    return data


def test_papers_of_a_building_permit_with_a_process_supplement(publish, client, clock):
    """The process asks for the supplement (a pause_clock step): form 02 lists the items the
    appraisal wrote; form 04 is signed by the commune's leader; form 01 carries the register."""
    from datetime import datetime as dt

    from motcua.clock import VN_TZ
    from tests.api.helpers import API, APPLICANT, staff
    from tests.conftest import read_package

    package = read_package("giay-phep-xay-dung")
    publish(package)
    clock.freeze(dt(2026, 11, 25, 8, 0, tzinfo=VN_TZ))
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")
    body = {"procedure_code": "giay-phep-xay-dung", "channel": "direct", "applicant": dict(APPLICANT),
            "data": _example_data(package["forms"]["to_khai"]),
            "documents": [{"name": d["name"], "digitized": True} for d in package["manifest"]["documents"]]}
    codes = []
    for _ in range(2):
        response = desk.post(f"{API}/dossiers", json=body)
        assert response.status_code == 201, response.get_json()
        codes.append(response.get_json()["code"])
    code = codes[1]
    receipt = desk.get(f"{API}/dossiers/{code}/documents/receipt").get_data(as_text=True)
    assert "Quyển số: 2026, Số thứ tự: 2" in receipt  # the office's second receipt of 2026

    def step(api, name, data):
        dossier = api.get(f"{API}/dossiers/{code}").get_json()
        [task] = [s for s in dossier["current_steps"] if s["name"] == name]
        response = api.post(f"{API}/tasks/{task['task_id']}/complete", json={"data": data})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    response = leader.post(f"{API}/dossiers/{code}/apology",
                           json={"reason": "Cần kiểm tra thực địa lại", "new_due_at": "2026-12-18T17:00:00+07:00"})
    assert response.status_code == 200, response.get_json()
    html = leader.get(f"{API}/dossiers/{code}/documents/apology").get_data(as_text=True)
    assert "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết" in html
    signature = html.split('class="signatures"', 1)[1]
    assert "Lê Minh Đức (Lãnh đạo)" in signature and "Cán bộ một cửa" not in signature

    step(desk, "Tiếp nhận, kiểm tra hồ sơ", _example_data(package["forms"]["kiem_tra_ho_so"]))
    wanted = "Bản vẽ mặt bằng móng\nBản sao giấy chứng nhận quyền sử dụng đất có chứng thực"
    dossier = step(specialist, "Thẩm định hồ sơ, kiểm tra thực địa", _example_data(package["forms"]["tham_dinh"], decision="supplement",
                                                          noi_dung_bo_sung=wanted))
    assert dossier["status"] == "supplement_requested"
    html = desk.get(f"{API}/dossiers/{code}/documents/supplement").get_data(as_text=True)
    assert "<li>Bản vẽ mặt bằng móng</li>" in html
    assert "<li>Bản sao giấy chứng nhận quyền sử dụng đất có chứng thực</li>" in html

