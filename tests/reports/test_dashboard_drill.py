"""The leader's dashboard and the drill-down behind the 766 numbers, over HTTP on SQLite and
PostgreSQL: each list's length is the indicator's numerator or denominator, office scoping (a
leader sees their office and below, nothing above or beside), the late dossiers with the officials
responsible by full name, the 12-month trend and the server-drawn charts."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.reports.helpers import finish, hand_over, index_of, indicators, publish_variant, rate
from tests.scheduler.helpers import APPLICANT, SIMPLE, at, publish, receive

DRILL = "/api/v1/reports/index766/dossiers"
DASH = "/api/v1/reports/dashboard"
NOW = "2026-12-15T09:00:00+07:00"


@pytest.fixture
def month(people, clock):
    """December 2026 at Minh Xuân (simple procedure, 3 working days):
    P received Tue 01/12 direct, finished and returned 03/12 (on time);
    L received Wed 02/12 direct, finished Thu 10/12 (late: due Mon 07/12), returned and rated dissatisfied;
    O received Thu 03/12 online, finished 04/12 (on time);
    R received Mon 14/12 direct, still open on 15/12 (within its time).
    Yên Sơn: Y received Wed 02/12, never worked (late at 15/12)."""
    publish(people, SIMPLE)
    publish_variant(people, code="thu-tuc-yen-son", name="Thủ tục thử ở Yên Sơn", competent_office="UBND.YENSON")
    codes = {}
    clock.freeze(at("2026-12-01T08:00:00+07:00"))
    codes["P"] = receive(people, "thu-tuc-thu")
    clock.freeze(at("2026-12-02T08:00:00+07:00"))
    codes["L"] = receive(people, "thu-tuc-thu")
    clock.freeze(at("2026-12-02T10:00:00+07:00"))
    codes["Y"] = receive(people, "thu-tuc-yen-son", "yenson.receiver")
    clock.freeze(at("2026-12-03T08:00:00+07:00"))
    codes["O"] = receive(people, "thu-tuc-thu", channel="online")
    clock.freeze(at("2026-12-03T09:00:00+07:00"))
    finish(people, codes["P"])
    clock.freeze(at("2026-12-03T14:00:00+07:00"))
    hand_over(people, codes["P"])
    clock.freeze(at("2026-12-04T09:00:00+07:00"))
    finish(people, codes["O"])
    clock.freeze(at("2026-12-10T09:00:00+07:00"))
    finish(people, codes["L"])
    clock.freeze(at("2026-12-10T14:00:00+07:00"))
    hand_over(people, codes["L"])
    rate(people, codes["L"], False)
    clock.freeze(at("2026-12-14T08:00:00+07:00"))
    codes["R"] = receive(people, "thu-tuc-thu")
    clock.freeze(at(NOW))
    return codes


def _drill(api, indicator, part, office="UBND.MINHXUAN", month="2026-12"):
    where = f"office={office}&" if office else ""
    r = api.get(f"{DRILL}?{where}month={month}&indicator={indicator}&part={part}")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()


def _codes(answer):
    return {d["code"] for d in answer["items"]}


@pytest.mark.parametrize("indicator", ["2.1", "2.2", "3.1", "3.2", "3.3", "5.4"])
@pytest.mark.parametrize("office", ["UBND.MINHXUAN", "UBND.TINH"])
def test_each_list_has_the_indicators_numbers(month, login, people, indicator, office):
    expected = indicators(index_of(people, office, 2026, 12, NOW))[indicator]
    api = login("ubndtinh.leader")
    den, num = _drill(api, indicator, "denominator", office), _drill(api, indicator, "numerator", office)
    assert den["denominator"] == num["denominator"] == expected["denominator"]
    assert den["numerator"] == num["numerator"] == expected["numerator"]
    assert den["count"] == den["total"] == len(den["items"]) == expected["denominator"]
    if indicator == "5.4" and num["note"]:
        assert num["count"] == expected["numerator"] < num["total"]
    else:
        assert num["count"] == num["total"] == len(num["items"]) == expected["numerator"]


def test_what_the_lists_hold(month, login):
    api = login("minhxuan.leader")
    on_time = _drill(api, "2.1", "numerator")
    judged = _drill(api, "2.1", "denominator")
    assert judged["name"] == "Hồ sơ giải quyết đúng hạn hoặc còn trong hạn" and judged["unit"] == "dossier"
    assert _codes(judged) == {month[k] for k in "PLOR"} and _codes(on_time) == {month[k] for k in "POR"}
    late = next(d for d in judged["items"] if d["code"] == month["L"])
    assert late["on_time"] is False and late["procedure_name"] == "Thủ tục thử nghiệm"
    assert late["competent_office_name"] == "Ủy ban nhân dân phường Minh Xuân"
    text = str(judged)
    assert APPLICANT["name"] not in text and APPLICANT["phone"] not in text and APPLICANT["id_number"] not in text
    assert _codes(_drill(api, "3.3", "numerator")) == {month["O"]}
    assert _codes(_drill(api, "3.3", "denominator")) == {month[k] for k in "PLOR"}
    # 5.4: L is late *and* disliked: the formula subtracts it twice, and says so
    satisfied = _drill(api, "5.4", "numerator")
    assert _codes(satisfied) == {month[k] for k in "POR"} and satisfied["count"] == 2 and "hai lần" in satisfied["note"]
    # 2.2: procedures, with the processed dossiers behind each average
    times = _drill(api, "2.2", "denominator")
    assert times["unit"] == "procedure" and len(times["items"]) == 1
    assert {d["code"] for d in times["items"][0]["dossiers"]} == {month[k] for k in "PLO"}


def test_a_leader_sees_their_office_and_below_only(month, login):
    assert login("ubndtinh.leader").get(f"{DRILL}?office=UBND.YENSON&month=2026-12&indicator=2.1").status_code == 200
    for user, office in (("minhxuan.leader", "UBND.YENSON"), ("minhxuan.leader", "UBND.TINH"),
                         ("yenson.leader", "UBND.MINHXUAN")):
        for url in (f"{DRILL}?office={office}&month=2026-12&indicator=2.1", f"{DASH}?office={office}&month=2026-12"):
            r = login(user).get(url)
            assert r.status_code == 403 and r.mimetype == "application/problem+json", (user, url)
            assert "cơ quan mình" in r.get_json()["detail"]
    for user in ("minhxuan.specialist", "minhxuan.receiver", "designer"):
        assert login(user).get(f"{DASH}?office=UBND.MINHXUAN").status_code == 403, user
        assert login(user).get(f"{DRILL}?office=UBND.MINHXUAN&indicator=2.1").status_code == 403, user
    # the leader's default is their own office; admins and auditors read any office and the province
    own = _drill(login("yenson.leader"), "2.1", "denominator", office="")
    assert own["office"] == "UBND.YENSON" and _codes(own) == {month["Y"]}
    province = login("auditor").get(f"{DRILL}?month=2026-12&indicator=2.1")
    assert province.status_code == 200 and province.get_json()["office"] is None
    assert _codes(province.get_json()) == {month[k] for k in "PLORY"}
    assert login("admin").get(f"{DASH}?office=UBND.YENSON&month=2026-12").status_code == 200


@pytest.mark.parametrize("query", ["indicator=9.9", "indicator=1.1", "indicator=2.1&part=both",
                                   "indicator=2.1&month=2026-13", "indicator=2.1&unknown=1"])
def test_bad_questions_are_422(month, login, query):
    r = login("minhxuan.leader").get(f"{DRILL}?office=UBND.MINHXUAN&{query}")
    assert r.status_code == 422 and r.mimetype == "application/problem+json", r.get_data(as_text=True)


def test_the_dashboard(month, login, people):
    r = login("minhxuan.leader").get(f"{DASH}?month=2026-12")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    d = r.get_json()
    assert d["office"] == "UBND.MINHXUAN" and d["offices"] == [{"code": "UBND.MINHXUAN",
                                                                "name": "Ủy ban nhân dân phường Minh Xuân"}]
    expected = indicators(index_of(people, "UBND.MINHXUAN", 2026, 12, NOW))["2.1"]
    assert d["on_time"] == {"numerator": 3, "denominator": 4, "rate": 0.75} and expected["numerator"] == 3
    assert [p["month"] for p in d["trend"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert d["trend"][-1]["rate"] == 0.75 and d["trend"][0]["denominator"] == 0 and d["trend"][0]["rate"] is None
    assert indicators(d["index"])["2.1"]["numerator"] == 3
    # the late dossier, with the steps that were late and the officials responsible by full name
    [late] = d["late"]
    assert late["code"] == month["L"] and late["reason"] == "Quá hạn giải quyết"
    assert late["steps"] and all(s["completed_at"] > s["due_at"] for s in late["steps"])
    # only the desk's step passed its due time (the later steps were ready on 10/12 and done at once)
    assert [s["step"] for s in late["steps"]] == ["Tiếp nhận và chuyển hồ sơ"]
    assert late["officials"] == ["Nguyễn Thị Lan (Cán bộ một cửa)"]
    assert all("." not in name for name in late["officials"])  # names, never usernames
    # the charts: SVG documents with a title and a text description, nothing active in them
    for name, svg in d["charts"].items():
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and root.get("role") == "img", name
        assert root.find("{http://www.w3.org/2000/svg}title").text
        assert "<script" not in svg and "href" not in svg and "onload" not in svg
    assert "12/26: 75%" in d["charts"]["trend"]


def test_the_yen_son_dossier_is_late_with_the_people_holding_its_step(month, login):
    d = login("yenson.leader").get(f"{DASH}?month=2026-12").get_json()
    [late] = d["late"]
    assert late["code"] == month["Y"] and late["finished"] is False
    assert late["steps"][0]["completed_at"] is None


def test_a_parent_leader_opens_the_dossiers_behind_the_numbers_and_acts_on_none(month, login):
    """The province's leader drills into Minh Xuân's late dossier and opens it (reading an office
    below theirs); they may not act on it (403), and a sibling office's leader still gets 404."""
    late = month["L"]
    province = login("ubndtinh.leader")
    assert late in _codes(_drill(province, "2.1", "denominator", "UBND.MINHXUAN"))
    r = province.get(f"/api/v1/dossiers/{late}")
    assert r.status_code == 200 and r.get_json()["code"] == late
    assert late in {d["code"] for d in province.get("/api/v1/dossiers?per_page=100").get_json()["items"]}
    act = province.post(f"/api/v1/dossiers/{late}/apology", json={"reason": "Chậm", "new_due_at": "2027-01-15T10:00:00+07:00"})
    assert act.status_code == 403, act.get_json()
    assert login("yenson.leader").get(f"/api/v1/dossiers/{late}").status_code == 404
    assert login("ubndtinh.specialist").get(f"/api/v1/dossiers/{late}").status_code == 404
