"""The dossier register (form 07) over HTTP: CSV with a BOM and XLSX, the period and office filters
(children included), who may read it, and no personal data beyond the applicant's name."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from motcua.services.register import COLUMNS
from tests.reports.helpers import apologise, finish, hand_over, publish_variant
from tests.scheduler.helpers import APPLICANT, SIMPLE, at, publish, receive

URL = "/api/v1/reports/register"


@pytest.fixture
def month(people, clock):
    """Minh Xuân: X received 30/11 (outside December), P received 01/12 and returned 03/12,
    Q received Wed 02/12 with an apology (appointment Mon 07/12 08:00 → new date 10/12 17:00).
    Yên Sơn: Y received 02/12 at 10:00."""
    publish(people, SIMPLE)
    publish_variant(people, code="thu-tuc-yen-son", name="Thủ tục thử ở Yên Sơn", competent_office="UBND.YENSON")
    codes = {}
    clock.freeze(at("2026-11-30T08:00:00+07:00"))
    codes["X"] = receive(people, "thu-tuc-thu")
    clock.freeze(at("2026-12-01T08:00:00+07:00"))
    codes["P"] = receive(people, "thu-tuc-thu")
    clock.freeze(at("2026-12-02T08:00:00+07:00"))
    codes["Q"] = receive(people, "thu-tuc-thu")
    clock.freeze(at("2026-12-02T10:00:00+07:00"))
    codes["Y"] = receive(people, "thu-tuc-yen-son", "yenson.receiver")
    clock.freeze(at("2026-12-03T09:00:00+07:00"))
    finish(people, codes["P"])
    apologise(people, codes["Q"], "2026-12-10T17:00:00+07:00")
    clock.freeze(at("2026-12-03T14:00:00+07:00"))
    hand_over(people, codes["P"])
    clock.freeze(at("2026-12-04T09:00:00+07:00"))
    return codes


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_register_of_an_office_for_a_period(month, login):
    r = login("minhxuan.leader").get(f"{URL}?office=UBND.MINHXUAN&from=2026-12-01&to=2026-12-31&format=csv")
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    title, header, *rows = _csv(r)
    assert "SỔ THEO DÕI HỒ SƠ" in title[0] and "01/12/2026" in title[0] and "31/12/2026" in title[0]
    assert header == list(COLUMNS)
    assert [row[1] for row in rows] == [month["P"], month["Q"]]  # X was received in November
    p, q = (dict(zip(header, row)) for row in rows)
    assert p["STT"] == "1" and q["STT"] == "2"
    assert p["Tên thủ tục hành chính"] == "Thủ tục thử nghiệm"
    assert p["Cơ quan tiếp nhận"] == p["Cơ quan giải quyết"] == "Ủy ban nhân dân phường Minh Xuân"
    assert p["Tên người nộp hồ sơ"] == APPLICANT["name"]
    assert p["Ngày, giờ nhận hồ sơ"] == "08:00 01/12/2026"
    assert p["Ngày, giờ hẹn trả kết quả"] == "08:00 04/12/2026"
    assert p["Ngày, giờ chuyển hồ sơ"] == "09:00 03/12/2026"    # the desk's step, the first completed
    assert p["Ngày, giờ có kết quả"] == "09:00 03/12/2026"
    assert p["Ngày, giờ trả kết quả"] == "14:00 03/12/2026"
    assert p["Ghi chú"] == "Đã trả kết quả"
    # the register keeps the appointment given at receipt; the apology's new date goes in the note
    assert q["Ngày, giờ hẹn trả kết quả"] == "08:00 07/12/2026"
    assert "hẹn lại 17:00 10/12/2026" in q["Ghi chú"] and q["Ngày, giờ trả kết quả"] == ""
    text = r.get_data(as_text=True)
    assert APPLICANT["id_number"] not in text and APPLICANT["phone"] not in text


def test_xlsx_register_and_a_parent_office_with_its_children(month, login):
    r = login("ubndtinh.leader").get(f"{URL}?office=UBND.TINH&from=2026-12-01&to=2026-12-31&format=xlsx")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(r.get_data())).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[1] == list(COLUMNS)
    rows = values[2:]
    assert [row[1] for row in rows] == [month["P"], month["Q"], month["Y"]]  # Minh Xuân and Yên Sơn
    assert rows[2][5] == "Ủy ban nhân dân xã Yên Sơn" and rows[2][2] == "Thủ tục thử ở Yên Sơn"


def test_the_period_is_inclusive_and_defaults_to_this_month(month, login):
    api = login("minhxuan.receiver")
    _, _, *one_day = _csv(api.get(f"{URL}?from=2026-12-02&to=2026-12-02"))
    assert [row[1] for row in one_day] == [month["Q"]]                      # own office by default
    _, _, *this_month = _csv(api.get(URL))                                  # now: 04/12/2026
    assert [row[1] for row in this_month] == [month["P"], month["Q"]]


def test_who_may_read_the_register(month, login):
    ok = f"{URL}?office=UBND.MINHXUAN&from=2026-12-01&to=2026-12-31"
    for user in ("minhxuan.leader", "minhxuan.receiver", "admin", "auditor", "ubndtinh.leader"):
        assert login(user).get(ok).status_code == 200, user
    for user in ("minhxuan.specialist", "yenson.leader", "designer"):
        r = login(user).get(ok)
        assert r.status_code == 403 and r.mimetype == "application/problem+json", user
    # a child office's leader cannot read the parent's register
    assert login("minhxuan.leader").get(f"{URL}?office=UBND.TINH").status_code == 403
    _, _, *everything = _csv(login("auditor").get(f"{URL}?from=2026-11-01&to=2026-12-31"))
    assert len(everything) == 4  # the province: X, P, Q, Y


@pytest.mark.parametrize("query", ["format=pdf", "from=2026-12-31&to=2026-12-01", "from=2026-13-01",
                                   "from=9999-12-01&to=9999-12-31", "from=2025-01-01&to=2026-12-31"])
def test_bad_periods_and_formats_are_422(month, login, query):
    r = login("admin").get(f"{URL}?{query}")
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


def test_an_unknown_office_is_404(month, login):
    assert login("admin").get(f"{URL}?office=NOPE").status_code == 404
