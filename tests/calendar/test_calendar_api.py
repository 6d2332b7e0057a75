"""The calendar over the API: deadlines, days, and overrides that recompute open due times."""
from __future__ import annotations

from sqlalchemy import select

from motcua.db.models import Dossier, Event
from tests.test_foundation_flow import receive, simple_package


def test_deadline_endpoint_gives_the_contract_result(client):
    # 15:00 sharp is after the cut-off: the clock starts Friday 13/02/2026 07:30; Tết keeps the
    # offices closed Sat 14/02 – Sun 22/02; 3 days = 13/02, 23/02, 24/02 → 17:00 Tuesday 24/02.
    r = client.get("/api/v1/calendar/deadline", query_string={
        "office": "UBND.MINHXUAN", "start": "2026-02-12T15:00:00+07:00", "days": "3"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["clock_start"] == "2026-02-13T07:30:00+07:00"
    assert body["due_at"] == "2026-02-24T17:00:00+07:00"
    assert "13/02, 23/02, 24/02" in body["explanation"]


def test_deadline_for_same_day_and_fraction(client):
    # same day (0): the closing of the clock-start day; 0.25 day = 2 working hours from 10:00 → 13:30
    r = client.get("/api/v1/calendar/deadline", query_string={"start": "2026-11-25T10:00:00+07:00", "days": "0"})
    assert r.get_json()["due_at"] == "2026-11-25T17:00:00+07:00"
    r = client.get("/api/v1/calendar/deadline", query_string={"start": "2026-11-25T10:00:00+07:00", "days": "0.25"})
    assert r.get_json()["due_at"] == "2026-11-25T13:30:00+07:00"


def test_days_lists_holidays_working_saturdays_and_saturday_service(client):
    r = client.get("/api/v1/calendar/days", query_string={
        "office": "TTPVHCC", "from": "2026-08-21", "to": "2026-09-02"})
    assert r.status_code == 200
    days = {d["date"]: d for d in r.get_json()["days"]}
    assert days["2026-08-22"]["working"] is True          # the worked Saturday of the 2026 swap
    assert days["2026-08-29"]["working"] is False
    # TTPVHCC serves full days on Saturdays, but Sat 29/08 is inside the National Day break
    # (29/08–02/09: the weekend, the swap day off Mon 31/08, 01–02/09): closed, named after it
    assert days["2026-08-29"]["saturday_service"] is False and days["2026-08-29"]["holiday"]
    assert days["2026-08-31"]["working"] is False and days["2026-08-31"]["holiday"]
    assert days["2026-09-02"]["holiday"]
    r = client.get("/api/v1/calendar/days", query_string={"office": "UBND.YENSON", "from": "2026-11-28", "to": "2026-11-28"})
    assert r.get_json()["days"][0]["saturday_service"] is False  # Yên Sơn has no Saturday service


def test_bad_calendar_queries_are_422(client):
    r = client.get("/api/v1/calendar/deadline", query_string={"start": "hôm qua", "days": "3"})
    assert r.status_code == 422 and "start" in r.get_json()["errors"]
    r = client.get("/api/v1/calendar/days", query_string={"from": "2026-01-01", "to": "2030-01-01"})
    assert r.status_code == 422
    r = client.get("/api/v1/calendar/deadline", query_string={"office": "KHONG.CO", "start": "2026-11-25T08:00:00+07:00", "days": "1"})
    assert r.status_code == 404


def test_override_recomputes_open_due_times_and_records_it(login, publish, people):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    dossier = receive(desk)
    # Wed 25/11 08:00 + 3 days → Mon 30/11 08:00 (see test_foundation_flow)
    assert dossier["due_at"] == "2026-11-30T08:00:00+07:00"
    with people.uow() as uow:
        before_calendar = uow.session.scalar(select(Dossier.due_calendar))
    admin = login("admin")
    assert desk.post("/api/v1/calendar/overrides", json={
        "date": "2026-11-27", "kind": "day_off", "name": "Nghỉ đột xuất"}).status_code == 403

    r = admin.post("/api/v1/calendar/overrides", json={"date": "2026-11-27", "kind": "day_off", "name": "Nghỉ đột xuất"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["recomputed"] == 1
    # Friday 27/11 is now off: the last 8.5 working hours fall on Mon 30/11 (8 h) and Tue 1/12 07:30-08:00
    after = desk.get(f"/api/v1/dossiers/{dossier['code']}").get_json()
    assert after["due_at"] == "2026-12-01T08:00:00+07:00"

    with people.uow() as uow:
        d = uow.session.scalar(select(Dossier).where(Dossier.code == dossier["code"]))
        ev = uow.session.scalars(select(Event).where(Event.dossier_id == d.id, Event.type == "due_recomputed")).one()
        assert ev.data["dossier"] == {"old_due_at": "2026-11-30T08:00:00+07:00", "due_at": "2026-12-01T08:00:00+07:00"}
        assert ev.data["reason"]["date"] == "2026-11-27"
        assert d.due_calendar == ev.data["calendar"] != before_calendar  # recorded with the new calendar
        assert uow.session.scalars(select(Event).where(Event.dossier_id.is_(None), Event.type == "calendar_changed")).one()

    override_id = admin.get("/api/v1/calendar/overrides").get_json()["items"][0]["id"]
    assert admin.delete(f"/api/v1/calendar/overrides/{override_id}").status_code == 200
    back = desk.get(f"/api/v1/dossiers/{dossier['code']}").get_json()
    assert back["due_at"] == "2026-11-30T08:00:00+07:00"


def test_override_does_not_touch_finished_or_apologised_dossiers(login, publish):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    dossier = receive(desk)
    r = login("minhxuan.leader").post(f"/api/v1/dossiers/{dossier['code']}/apology", json={
        "reason": "Cần xác minh thêm", "new_due_at": "2026-12-10T17:00:00+07:00"})
    assert r.status_code == 200, r.get_json()
    login("admin").post("/api/v1/calendar/overrides", json={"date": "2026-12-08", "kind": "day_off", "name": "Nghỉ"})
    assert desk.get(f"/api/v1/dossiers/{dossier['code']}").get_json()["due_at"] == "2026-12-10T17:00:00+07:00"


def test_saturdays_inside_the_tet_break_close_saturday_desks(client):
    # TTPVHCC serves full Saturdays, but Sat 14/02/2026 and 21/02/2026 fall in the announced Tết
    # break (config.yaml overrides): no Saturday service on them; Sat 28/02 is an ordinary one.
    r = client.get("/api/v1/calendar/days", query_string={"office": "TTPVHCC", "from": "2026-02-14", "to": "2026-02-28"})
    days = {d["date"]: d for d in r.get_json()["days"]}
    assert days["2026-02-14"]["saturday_service"] is False and days["2026-02-14"]["holiday"]
    assert days["2026-02-21"]["saturday_service"] is False
    assert days["2026-02-28"]["saturday_service"] is True
