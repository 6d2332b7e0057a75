"""GET /api/v1/offices/{code}/desk: the console's closed-desk warning, by the receipt's own rule."""
from __future__ import annotations

from tests.api.helpers import API, problem, simple_package, vn


def test_the_desk_says_open_or_closed_and_when_it_opens(login, publish, clock):
    publish(simple_package())
    clock.freeze(vn("2026-11-25 18:00"))                       # Wednesday evening: closed until 07:30 tomorrow
    desk = login("minhxuan.receiver")
    state = desk.get(f"{API}/offices/UBND.MINHXUAN/desk",
                     query_string={"procedure": "thu-tuc-thu", "at": "2026-11-25T09:00:00+07:00"}).get_json()
    assert (state["open"], state["message"]) == (True, None)   # that morning it was open
    answer = desk.get(f"{API}/offices/UBND.MINHXUAN/desk", query_string={"procedure": "thu-tuc-thu"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    state = answer.get_json()
    assert state["open"] is False and state["next_opening"] == "2026-11-26T07:30:00+07:00"
    assert "Ủy ban nhân dân phường Minh Xuân" in state["message"] and "07:30 ngày 26/11/2026" in state["message"]
    assert "UBND.MINHXUAN" not in state["message"]               # offices by their names
    # the same answer as the receipt: a direct receipt now is refused with the same next opening
    refused = problem(desk.post(f"{API}/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct",
        "applicant": {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"},
        "data": {"copies": 1, "fee_per_copy": 5000}, "documents": []}), 409)
    assert refused["next_opening"] == state["next_opening"]
    # `at` asks about another instant: Monday 30/11 08:00 is open
    state = desk.get(f"{API}/offices/UBND.MINHXUAN/desk",
                     query_string={"at": "2026-11-30T08:00:00+07:00"}).get_json()
    assert state["open"] is True


def test_unknown_office_or_procedure_is_404(login, publish):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    problem(desk.get(f"{API}/offices/KHONG.CO/desk"), 404)
    problem(desk.get(f"{API}/offices/UBND.MINHXUAN/desk", query_string={"procedure": "khong-co"}), 404)
