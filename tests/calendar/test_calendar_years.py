"""The yearly calendar routine (issue 13.5): next year's schedule is confirmed by an
administrator (recorded in the global chain); from 1 October the administrators are warned once
while it is not."""
from __future__ import annotations

from sqlalchemy import select

from motcua.db.models import Event
from tests.scheduler.helpers import at, notes, tick


def _global_events(platform, type_):
    with platform.uow() as uow:
        return list(uow.session.scalars(select(Event).where(Event.dossier_id.is_(None), Event.type == type_)))


def test_administrators_are_warned_once_from_october_until_next_year_is_confirmed(people):
    platform = people
    assert tick(platform, "2026-09-30T16:00:00+07:00")["calendar_years"] == 0   # before 1 October
    assert notes(platform, "admin", "calendar_unconfirmed") == []
    assert tick(platform, "2026-10-01T08:00:00+07:00")["calendar_years"] == 1
    (note,) = notes(platform, "admin", "calendar_unconfirmed")
    assert "2027" in note.title and note.data == {"year": 2027}
    assert notes(platform, "minhxuan.leader", "calendar_unconfirmed") == []      # administrators only
    assert tick(platform, "2026-10-02T08:00:00+07:00")["calendar_years"] == 0   # once a year
    assert len(notes(platform, "admin", "calendar_unconfirmed")) == 1


def test_confirming_a_year_is_admin_only_recorded_once_and_stops_the_warning(people, login):
    platform = people
    r = login("admin").get("/api/v1/calendar/years")
    assert r.status_code == 200
    assert [y["year"] for y in r.get_json()["items"]] == [2026]   # the shipped configuration
    assert "12729/VPCP-KGVX" in r.get_json()["items"][0]["source"]

    body = {"source": "Thông báo số 1234/TB-VPCP về lịch nghỉ năm 2027"}
    assert login("minhxuan.leader").post("/api/v1/calendar/years/2027/confirm", json=body).status_code == 403
    assert login("admin").post("/api/v1/calendar/years/2027/confirm", json={}).status_code == 422
    assert login("admin").post("/api/v1/calendar/years/2031/confirm", json=body).status_code == 422
    r = login("admin").post("/api/v1/calendar/years/2027/confirm", json=body)
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["year"], r.get_json()["by"]) == (2027, "admin")
    assert login("admin").post("/api/v1/calendar/years/2027/confirm", json=body).status_code == 409
    (event,) = _global_events(platform, "calendar_year_confirmed")
    assert event.data == {"year": 2027, "source": body["source"]} and event.actor == "admin"
    assert [y["year"] for y in login("auditor").get("/api/v1/calendar/years").get_json()["items"]] == [2026, 2027]

    assert tick(platform, "2026-10-01T08:00:00+07:00")["calendar_years"] == 0
    assert notes(platform, "admin", "calendar_unconfirmed") == []
