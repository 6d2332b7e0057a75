"""Unit tests of the domain core's transitions: payloads, refusals, the clock's moves."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from motcua.clock import VN_TZ
from motcua.domain import events as E
from motcua.domain import lifecycle, recompute, statuses as S, steps, watch
from motcua.domain.calendars import merge_overrides, office_hours, desk_hours
from motcua.domain.errors import NotAllowed
from motcua.errors import Conflict, DeskClosed, Invalid
from motcua.legal_clock import OfficeHours, Override, WorkingCalendar
from tests.domain.harness import DEPT, DESK, SPECS, Calendars, Ready, run

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ)  # Wednesday, a plain working day


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=VN_TZ)


def received(now=T0, channel="online", calendars=None):
    return lifecycle.receive(code="X-1", procedure_code="p", procedure_version=2, legal_days=Decimal(3),
                             channel=channel, receiving=DESK, competent=DEPT, documents=[], form_data={"a": 1},
                             desk_hours=OfficeHours(), saturday_service=False, now=now,
                             calendars=calendars or Calendars())


def with_step(spec="appraise", now=T0, calendars=None):
    cals = calendars or Calendars()
    state, _ = received(now, calendars=cals)
    state, events = steps.sync(state, [Ready("t1", SPECS[spec])], outcome=None, result=None, next_timer_at=None,
                               now=now, calendars=cals)
    return state, events, cals


def test_receipt_payload_is_todays():
    state, [event] = received(at(25, 15, 30))  # after the 15:00 cut-off: the clock starts next morning;
    # 3 days end at a closing (an instant on an opening is the closing of the period before)
    assert event.type == "received" and event.step is None
    assert event.data == {"procedure_code": "p", "procedure_version": 2, "channel": "online",
                          "receiving_office": DESK, "competent_office": DEPT, "documents": [], "data": {"a": 1},
                          "clock_start": "2026-11-26T07:30:00+07:00", "due_at": "2026-11-30T17:00:00+07:00",
                          "calendar": state.due_calendar}
    assert state.status == S.PROCESSING and state.process.running


def test_direct_receipt_at_a_closed_desk_is_refused_with_the_next_opening():
    with pytest.raises(DeskClosed) as err:
        received(at(28, 9), channel="direct")  # Saturday, no Saturday service
    assert err.value.extra == {"next_opening": "2026-11-30T07:30:00+07:00"}
    assert received(at(28, 9), channel="online")[0].clock_start == at(30, 7, 30)


def test_sync_makes_steps_ready_cancels_dropped_ones_and_finishes():
    state, events, cals = with_step()
    [ready] = events
    assert ready.data == {"task_id": "t1", "name": "Thẩm định", "lane": "specialist", "office": DEPT,
                          "allotment_days": "2", "due_at": "2026-11-27T08:00:00+07:00"}
    assert ready.step == "appraise"
    later = at(25, 9)
    state2, events = steps.sync(state, [Ready("t2", SPECS["sign"])], outcome=None, result=None, next_timer_at=None,
                                now=later, calendars=cals)
    assert [(e.type, e.data) for e in events][0] == ("step_cancelled", {"task_id": "t1", "name": "Thẩm định"})
    assert state2.steps["t1"].state == S.CANCELLED and state2.steps["t1"].completed_at == later
    assert state.steps["t1"].state == S.READY  # the state given is never changed
    state3, events = steps.sync(state2, [], outcome="done", result={"ok": True}, next_timer_at=None, now=later,
                                calendars=cals)
    assert events[-1].data == {"status": "done", "on_time": True, "result": {"ok": True}}
    assert state3.result == {"ready_at": later.isoformat(), "on_time": True}
    assert state3.process.status == S.PROCESS_COMPLETED


def test_a_pause_clock_step_pauses_the_dossier_and_its_completion_resumes_it():
    state, events, cals = with_step("supply")
    assert [e.type for e in events] == ["step_ready", "supplement_requested"]
    assert events[1].data == {"reason": "Nhận hồ sơ bổ sung", "items": [], "source": "process"}
    assert state.status == S.SUPPLEMENT_REQUESTED and state.paused_at == T0
    state.process.next_timer_at = at(30, 8)  # a timer waits: it moves with the pause
    timers = [type("T", (), {"task_id": "w1", "bpmn_id": "nhac", "due": at(30, 8)})()]
    done_at = at(26, 8)  # one working day later
    new, events = steps.complete(state, "t1", actor="a", data={}, now=done_at, calendars=cals, timers=timers)
    supplemented, completed = events
    assert supplemented.data == {
        "step": "supply", "paused_from": T0.isoformat(), "paused_working_days": "1",
        "old_due_at": "2026-11-30T08:00:00+07:00", "due_at": "2026-12-01T08:00:00+07:00",
        "steps": [{"task_id": "t1", "due_at": "2026-11-26T13:30:00+07:00"}],
        "timers": [{"timer": "nhac", "task_id": "w1", "old_due_at": "2026-11-30T08:00:00+07:00",
                    "due_at": "2026-12-01T08:00:00+07:00"}]}
    assert completed.data == {"task_id": "t1", "name": "Nhận hồ sơ bổ sung", "data": {}, "on_time": True,
                              "due_at": "2026-11-26T13:30:00+07:00"}
    assert new.status == S.PROCESSING and new.supplement_count == 1 and new.pauses == [(T0, done_at)]


def test_claims_and_completion_refusals():
    state, _, _ = with_step()
    state, [claimed] = steps.claim(state, "t1", actor="a", now=T0)
    assert (claimed.type, claimed.step, claimed.data) == ("claimed", "appraise", {"task_id": "t1"})
    assert steps.claim(state, "t1", actor="a", now=T0) == (state, [])  # again: nothing recorded
    with pytest.raises(NotAllowed, match="người khác nhận"):
        steps.claim(state, "t1", actor="b", now=T0)
    with pytest.raises(NotAllowed, match="người khác nhận"):
        steps.check_completable(state, "t1", actor="b")
    with pytest.raises(NotAllowed, match="Chỉ người đã nhận"):
        steps.unclaim(state, "t1", actor="b", now=T0)
    paused, _ = lifecycle.request_supplement(state, reason="r", items=["x"], now=T0)
    with pytest.raises(NotAllowed, match="đang chờ bổ sung"):
        steps.check_completable(paused, "t1", actor="a")
    assert issubclass(NotAllowed, Conflict) and NotAllowed.status == 409


def test_supplement_requests_and_arrivals():
    state, _, cals = with_step()
    paused, [event] = lifecycle.request_supplement(state, reason="Thiếu", items=["CCCD"], now=at(25, 9))
    assert event.data == {"reason": "Thiếu", "items": ["CCCD"], "source": "api"}
    with pytest.raises(NotAllowed, match="supplement_requested"):
        lifecycle.request_supplement(paused, reason="r", items=[], now=at(25, 9))
    with pytest.raises(NotAllowed, match="processing"):
        lifecycle.supplement(state, documents=[], data=None, now=at(25, 10), calendars=cals)
    back, [event] = lifecycle.supplement(paused, documents=[{"name": "CCCD"}], data={"b": 2}, now=at(25, 10),
                                         calendars=cals, timers=[])
    assert event.data["documents"] == [{"name": "CCCD"}] and event.data["data"] == {"b": 2}
    assert event.data["paused_working_days"] == "0.125" and "timers" not in event.data
    assert back.data == {"a": 1, "b": 2} and back.documents == [{"name": "CCCD"}]
    assert back.due_at == state.due_at + timedelta(hours=1)


def test_apology_once_and_its_dates():
    state, _, cals = with_step()
    with pytest.raises(Invalid):
        lifecycle.apologise(state, reason="r", new_due_at=state.due_at, by="l", now=T0, calendars=cals)
    new_due = state.due_at + timedelta(days=5)
    after, [event] = lifecycle.apologise(state, reason="r", new_due_at=new_due, by="l", now=T0, calendars=cals)
    assert event.data == {"reason": "r", "new_due_at": new_due.isoformat(), "on_time": True,
                          "original_due_at": state.due_at.isoformat(), "at": T0.isoformat(), "by": "l"}
    assert after.apology == event.data and after.due_at == new_due
    with pytest.raises(NotAllowed, match="một lần"):
        lifecycle.apologise(after, reason="r", new_due_at=new_due + timedelta(days=1), by="l", now=T0,
                            calendars=cals)


def test_the_end_hand_over_and_rating():
    state, _, _ = with_step()
    with pytest.raises(NotAllowed):
        lifecycle.hand_over(state, now=T0)
    with pytest.raises(NotAllowed, match="Chỉ đánh giá"):
        lifecycle.rate(state, satisfied=True, now=T0)
    ended, [event] = lifecycle.end(state, S.REJECTED, reason="Không đủ điều kiện", now=at(26, 8))
    assert event.data == {"status": "rejected", "on_time": True, "reason": "Không đủ điều kiện"}
    assert ended.steps["t1"].state == S.CANCELLED and ended.process.status == S.PROCESS_CANCELLED
    with pytest.raises(NotAllowed):
        lifecycle.end(ended, S.STOPPED, reason=None, now=at(26, 9))
    world = run(T0, [("complete", False, "done", "a"), ("complete", False, "done", "a"),
                     ("complete", False, "done", "a"), ("advance", 60 * 24 * 10), ("hand_over",), ("rate", False)])
    assert world.state.status == S.RETURNED and world.events[-2].data == {"on_time": True}
    assert world.events[-1].data == {"satisfied": False}
    with pytest.raises(NotAllowed, match="đã được đánh giá"):
        lifecycle.rate(world.state, satisfied=True, now=world.now)
    # the national portal's three levels: `satisfied` follows the level, and the level is recorded
    # only when given (older chains hold {satisfied} alone)
    before = world.state.copy()
    before.rated = False
    for level, satisfied in (("very_satisfied", True), ("satisfied", True), ("dissatisfied", False)):
        rated, [event] = lifecycle.rate(before, satisfied=not satisfied, level=level, now=world.now)
        assert rated.rated and event.data == {"satisfied": satisfied, "level": level}
    with pytest.raises(NotAllowed, match="Mức đánh giá"):
        lifecycle.rate(before, satisfied=True, level="so-so", now=world.now)


def test_watch_flags_once_with_the_draft_and_the_officials():
    state, _, cals = with_step()
    assert watch.due_soon(state, at(26, 8), cals, Decimal(1)) is False
    soon = at(27, 8)
    assert watch.due_soon(state, soon, cals, Decimal(1)) is True
    flagged, [event] = watch.flag_due_soon(state, now=soon, calendars=cals, extension_days=Decimal(2))
    assert event.data == {"due_at": state.due_at.isoformat(), "draft": {
        "proposed_due_at": "2026-12-02T08:00:00+07:00",
        "reason": "Hồ sơ chưa được giải quyết xong trong thời hạn (đang ở bước «Thẩm định» tại Sở B)."}}
    assert flagged.apology_required
    assert watch.flag_due_soon(state, now=soon, calendars=cals, extension_days=Decimal(2), record=False)[1] == []
    late = at(30, 9)
    over, [event] = watch.flag_overdue(flagged, now=late, officials={"t1": ["cv"]})
    assert event.data == {"due_at": state.due_at.isoformat(),
                          "responsible": [{"task_id": "t1", "step": "Thẩm định", "office": DEPT, "officials": ["cv"]}]}
    _, [event] = watch.flag_step_overdue(over, "t1", now=late, officials=["cv"])
    assert (event.step, event.data) == ("appraise", {"task_id": "t1", "due_at": "2026-11-27T08:00:00+07:00",
                                                     "office": DEPT, "assignee": None, "officials": ["cv"]})
    paused, _ = lifecycle.request_supplement(state, reason="r", items=[], now=soon)
    with pytest.raises(NotAllowed):
        watch.flag_overdue(paused, now=late, officials={})
    step = state.steps["t1"]
    hours = cals.hours(DEPT)
    assert watch.is_step_due_soon(step.due_at, step.allotment_days, at(26, 14), cals.current, hours, Decimal("0.5"))
    assert not watch.is_step_due_soon(step.due_at, step.allotment_days, at(26, 8), cals.current, hours, Decimal("0.5"))
    assert not watch.is_step_due_soon(step.due_at, 0, at(26, 14), cals.current, hours, Decimal("0.5"))


def test_timers_due_fired_failed_and_parked():
    state, _, _ = with_step()
    timer = type("T", (), {"task_id": "w1", "bpmn_id": "nhac", "due": at(26, 8)})()
    assert watch.timers_due([timer], at(26, 7, 59)) == []
    fired = watch.timers_due([timer], at(26, 8))  # due exactly now: fires
    _, [event] = watch.timer_fired(state, due_at=at(26, 8), fired=fired, now=at(26, 8))
    assert event.data == {"due_at": "2026-11-26T08:00:00+07:00",
                          "timers": [{"timer": "nhac", "task_id": "w1", "due_at": "2026-11-26T08:00:00+07:00"}]}
    state.process.next_timer_at = at(26, 8)
    failed, [event] = watch.timer_failed(state, due_at=at(26, 8), error="boom", element="nhac", now=at(26, 8))
    assert event.data == {"due_at": "2026-11-26T08:00:00+07:00", "error": "boom", "element": "nhac"}
    assert failed.process.next_timer_at is None and failed.process.error == "boom"
    assert watch.park_stuck_timer(state, now=at(26, 8)).process.next_timer_at is None
    assert watch.park_stuck_timer(state, now=at(26, 7)).process.next_timer_at == at(26, 8)


def test_recompute_after_a_calendar_change():
    state, _, cals = with_step()
    reason = cals.change(date(2026, 11, 26), "day_off")
    new, [event] = recompute.recompute_due_times(state, reason=reason, calendars=cals)
    assert event.data == {
        "dossier": {"old_due_at": "2026-11-30T08:00:00+07:00", "due_at": "2026-12-01T08:00:00+07:00"},
        "steps": [{"task_id": "t1", "old_due_at": "2026-11-27T08:00:00+07:00", "due_at": "2026-11-30T08:00:00+07:00"}],
        "calendar": cals.current.fingerprint, "reason": reason}
    assert new.due_calendar == cals.current.fingerprint
    assert recompute.recompute_due_times(new, reason=reason, calendars=cals) == (new, [])
    apologised, _ = lifecycle.apologise(state, reason="r", new_due_at=at(30, 9), by="l", now=T0, calendars=cals)
    kept, [event] = recompute.recompute_due_times(apologised, reason=reason, calendars=cals)
    assert kept.due_at == at(30, 9) and "dossier" not in event.data  # an apology's date is kept


def test_every_event_type_is_declared_once_with_json_payloads():
    assert len(E.TYPES) == len(E.ALL)
    world = run(T0, [("complete", True, "done", "a"), ("advance", 90), ("complete", False, "done", "a")])
    for event in world.events:
        assert E.TYPES[event.type] is type(event)
        assert json.loads(json.dumps(event.data)) == event.data


def test_overrides_merge_office_over_province_stored_over_configured():
    configured = [{"date": "2026-12-01", "kind": "day_off", "name": "cấu hình"},
                  {"date": "2026-12-02", "kind": "day_off", "name": "xã khác", "office": "OTHER"}]
    stored = [(date(2026, 12, 1), "working_day", "tỉnh", None), (date(2026, 12, 3), "day_off", "tỉnh", None),
              (date(2026, 12, 3), "working_day", "xã", DESK)]
    merged = merge_overrides(configured, stored, DESK)
    assert merged == (Override(date(2026, 12, 1), "working_day", "tỉnh"), Override(date(2026, 12, 3), "working_day", "xã"))
    assert merge_overrides(configured, stored, None) == (Override(date(2026, 12, 1), "working_day", "tỉnh"),
                                                         Override(date(2026, 12, 3), "day_off", "tỉnh"))
    assert WorkingCalendar(merged).fingerprint != WorkingCalendar(merge_overrides(configured, stored, None)).fingerprint


def test_office_and_desk_hours():
    hours = office_hours({"cutoff": "15:00"}, {"cutoff": "16:00"}, "full_day")
    assert hours.saturday == "full_day" and hours.cutoff.hour == 16
    assert desk_hours(hours, {"saturday_hours": "morning"}).saturday == "morning"
    assert desk_hours(hours, {}).saturday == "full_day"
    assert office_hours({}, None, None).saturday == "none"
