"""motcua/domain/migration.py without a database: payload, due times, refusals that change nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest

from motcua.clock import VN_TZ
from motcua.domain import migration
from motcua.domain.errors import NotAllowed
from motcua.domain.state import DossierState, ProcessState, StepState
from motcua.legal_clock.calendar import WorkingCalendar
from motcua.legal_clock.hours import OfficeHours

T = lambda *a: datetime(*a, tzinfo=VN_TZ)  # noqa: E731


class Calendars:
    def __init__(self):
        self.cal, self.hrs = WorkingCalendar(), OfficeHours()

    def calendar(self, office):
        return self.cal

    def hours(self, office):
        return self.hrs

    def knows(self, code):
        return code in ("A", "B")

    def office(self, code):
        return code


@dataclass(frozen=True)
class Spec:
    bpmn_id: str
    name: str
    lane: str
    role: str
    office_code: str | None
    allotment_days: Decimal
    form: str | None = None
    pause_clock: bool = False


def state(**kw) -> DossierState:
    step = StepState(task_id="t1", bpmn_id="appraise", name="Thẩm định", lane="specialist", role="specialist",
                     office="A", allotment_days=Decimal(2), ready_at=T(2026, 11, 25, 8), due_at=T(2026, 11, 27, 8),
                     assignee="an")
    base = dict(code="A-1", receiving_office="A", competent_office="A", legal_days=Decimal(3), status="processing",
                received_at=T(2026, 11, 25, 8), clock_start=T(2026, 11, 25, 8), due_at=T(2026, 11, 30, 8),
                steps={"t1": step}, process=ProcessState(), pauses=[])
    base.update(kw)
    return DossierState(**base)


def test_moving_a_step_to_another_office_with_a_longer_allotment():
    given = state()
    spec = Spec("tham_dinh", "Thẩm định lại", "B:specialist", "specialist", "B", Decimal("2.5"))
    new, (event,) = migration.migrate(given, [("t1", spec)], from_version=1, to_version=2, mapping={"appraise": "tham_dinh"},
                                      legal_days=Decimal(3), now=T(2026, 11, 25, 9), calendars=Calendars())
    step = new.steps["t1"]
    assert (step.bpmn_id, step.office, step.assignee) == ("tham_dinh", "B", None)
    assert step.due_at == T(2026, 11, 27, 13, 30)  # 2.5 days from Wed 08:00: Fri 08:00 + 4 working hours
    assert event.type == "migrated" and event.step is None
    assert event.data == {"from_version": 1, "to_version": 2, "map": {"appraise": "tham_dinh"}, "steps": [{
        "task_id": "t1", "from": "appraise", "to": "tham_dinh", "office": "B", "old_office": "A",
        "old_due_at": "2026-11-27T08:00:00+07:00", "due_at": "2026-11-27T13:30:00+07:00"}]}
    assert given.steps["t1"].bpmn_id == "appraise" and given.steps["t1"].assignee == "an"  # the input is untouched


def test_a_finished_pause_moves_the_recomputed_due_times():
    given = state(pauses=[(T(2026, 11, 26, 8), T(2026, 11, 26, 12))])  # 3.5 working hours paused
    spec = Spec("appraise", "Thẩm định", "specialist", "specialist", None, Decimal(2))
    new, (event,) = migration.migrate(given, [("t1", spec)], from_version=1, to_version=2, mapping={},
                                      legal_days=Decimal(4), now=T(2026, 11, 27, 9), calendars=Calendars())
    assert new.steps["t1"].due_at == given.steps["t1"].due_at  # same allotment, same office: not recomputed
    assert new.due_at == T(2026, 12, 1, 11, 30)  # clock start + 4 days (Tue 01/12 08:00) + 3.5 h paused
    assert event.data["dossier"] == {"old_due_at": "2026-11-30T08:00:00+07:00", "due_at": "2026-12-01T11:30:00+07:00"}


@pytest.mark.parametrize("kw, words", [
    ({"paused_at": T(2026, 11, 26, 8)}, "chờ bổ sung"),
    ({"status": "done"}, "đã kết thúc"),
    ({"process": ProcessState(status="error")}, "không còn chạy"),
])
def test_refusals_change_nothing(kw, words):
    given = state(**kw)
    spec = Spec("appraise", "Thẩm định", "specialist", "specialist", None, Decimal(1))
    with pytest.raises(NotAllowed, match=words):
        migration.migrate(given, [("t1", spec)], from_version=1, to_version=2, mapping={}, legal_days=Decimal(3),
                          now=T(2026, 11, 26, 9), calendars=Calendars())
    assert given == state(**kw)


def test_a_step_that_would_start_or_stop_pausing_the_clock_is_refused():
    spec = Spec("appraise", "Thẩm định", "specialist", "specialist", None, Decimal(2), pause_clock=True)
    with pytest.raises(NotAllowed, match="pause_clock"):
        migration.migrate(state(), [("t1", spec)], from_version=1, to_version=2, mapping={}, legal_days=Decimal(3),
                          now=T(2026, 11, 26, 9), calendars=Calendars())
