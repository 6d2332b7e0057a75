"""The core's rule for a longer legal time on a path (issue 13.4), without a database.

Received Wed 25/11/2026 08:00 with 3 working days: due Mon 30/11 08:00. A step carrying
legal_days 5 makes it Wed 02/12 08:00 (7.5 h Wed + Thu + Fri + Mon + Tue + 0.5 h); a supplement
pause of one working day (Wed 09:00 → Thu 09:00) moves both by 8 h.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from motcua.domain import events as E
from motcua.domain import lifecycle, steps
from tests.domain.harness import SPECS, Calendars, Ready
from tests.domain.test_transitions import at, received


class Verify:
    """A spec with the optional `legal_days` / `legal_reason` properties (engine StepInfo has them)."""

    def __init__(self, days="5", reason="Cần xác minh (luật: 5 ngày)"):
        base = SPECS["appraise"]
        for name in ("lane", "role", "allotment_days", "pause_clock", "office_code", "form"):
            setattr(self, name, getattr(base, name))
        self.bpmn_id, self.name = "verify", "Xác minh"
        self.legal_days, self.legal_reason = Decimal(days), reason


def sync(state, ready, now, cals):
    return steps.sync(state, ready, outcome=None, result=None, next_timer_at=None, now=now, calendars=cals)


def test_a_ready_step_with_legal_days_moves_the_appointment_once():
    cals = Calendars()
    state, _ = received(calendars=cals)
    assert state.due_at == at(30, 8)
    state, events = sync(state, [Ready("t1", Verify())], at(26, 10), cals)
    assert [e.type for e in events] == ["step_ready", "legal_time_extended"]
    ext = events[1]
    assert (ext.step, ext.old_due_at, ext.legal_days) == ("verify", at(30, 8), Decimal(5))
    assert ext.due_at.isoformat() == "2026-12-02T08:00:00+07:00" and state.due_at == ext.due_at
    assert ext.data == {"old_due_at": "2026-11-30T08:00:00+07:00", "due_at": "2026-12-02T08:00:00+07:00",
                        "legal_days": "5", "reason": "Cần xác minh (luật: 5 ngày)"}
    assert state.legal_days == 5
    # the same step ready again (a loop) changes nothing; a shorter longer time neither
    _, again = sync(state, [Ready("t2", Verify())], at(27, 10), cals)
    assert [e.type for e in again] == ["step_cancelled", "step_ready"]
    _, shorter = sync(state, [Ready("t1", Verify()), Ready("t3", Verify("4"))], at(27, 10), cals)
    assert [e.type for e in shorter] == ["step_ready"]


def test_paused_working_time_stays_excluded():
    cals = Calendars()
    state, _ = received(calendars=cals)
    state, _ = lifecycle.request_supplement(state, reason="Thiếu giấy", items=[], now=at(25, 9))
    state, _ = lifecycle.supplement(state, documents=[], data=None, now=at(26, 9), calendars=cals)
    assert state.due_at.isoformat() == "2026-12-01T08:00:00+07:00"  # Mon 30/11 08:00 + 8 paused hours
    state, events = sync(state, [Ready("t1", Verify())], at(26, 10), cals)
    assert events[-1].type == "legal_time_extended"
    assert events[-1].due_at.isoformat() == "2026-12-03T08:00:00+07:00"  # + the 8 paused working hours


def test_the_name_is_the_reason_when_none_is_given_and_pauses_must_be_loaded():
    cals = Calendars()
    state, _ = received(calendars=cals)
    _, events = sync(state, [Ready("t1", Verify(reason=None))], at(26, 10), cals)
    assert events[-1].reason == "Xác minh"
    unloaded = state.copy()
    unloaded.pauses = None
    with pytest.raises(ValueError):
        sync(unloaded, [Ready("t1", Verify())], at(26, 10), cals)


def test_the_event_type_is_known_and_a_consequence():
    assert E.TYPES["legal_time_extended"] is E.LegalTimeExtended
    assert "legal_time_extended" in E.CONSEQUENCES
