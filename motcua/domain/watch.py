"""What the clock does to a dossier by itself: due-soon, overdue, and the BPMN timers.

The scheduler decides *when* (it claims each effect exactly once, scheduler/); these rules say
*what*: which dossiers and steps are due soon or overdue, what flag that sets and what the history
records, which timers are due, and what a fired or failed timer records. A paused dossier is
never flagged: its due times move when it resumes.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Iterable, Mapping

from motcua.domain import events as E
from motcua.domain import statuses as S
from motcua.domain.calendars import Calendars
from motcua.domain.errors import NotAllowed
from motcua.domain.lifecycle import Moved
from motcua.domain.state import DossierState
from motcua.legal_clock import deadlines


def watched(state: DossierState) -> bool:
    """The deadline watch looks only at dossiers being processed and not paused."""
    return state.status == S.PROCESSING and state.paused_at is None


def _require_watched(state: DossierState) -> None:
    if not watched(state):
        raise NotAllowed("Hồ sơ không đang xử lý (hoặc đang tạm dừng) nên không bị theo dõi hạn.")


# -- the dossier ----------------------------------------------------------------------------------

def is_due_soon(due_at: datetime, now: datetime, calendar, hours, warning_days: Decimal) -> bool:
    """At or within `warning_days` working days of the due time (domain.md rule 7: the apology
    goes out at least one working day before)."""
    return now >= due_at or deadlines.working_time_between(calendar, hours, now, due_at) <= warning_days


def due_soon(state: DossierState, now: datetime, calendars: Calendars, warning_days: Decimal) -> bool:
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    return is_due_soon(state.due_at, now, cal, hours, warning_days)


def flag_due_soon(state: DossierState, *, now: datetime, calendars: Calendars, extension_days: Decimal,
                  record: bool = True) -> Moved:
    """`apology_required`, with a draft of form 04 proposing a new date `extension_days` working
    days after the latest open due time. `record=False`: the effect for this due time was already
    recorded once (the flag was cleared by a pause since): the flag is set again, silently."""
    _require_watched(state)
    state = state.copy()
    state.apology_required = True
    if not record:
        return state, []
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    steps = state.open_steps()
    latest = max([state.due_at] + [s.due_at for s in steps])
    proposed = deadlines.add_working_time(cal, hours, max(latest, now), extension_days)
    where = "; ".join(f"«{s.name}» tại {calendars.name(s.office)}" for s in steps)
    reason = "Hồ sơ chưa được giải quyết xong trong thời hạn" + (f" (đang ở bước {where})" if where else "") + "."
    return state, [E.ApologyRequired(due_at=state.due_at, proposed_due_at=proposed, reason=reason)]


def is_overdue(state: DossierState, now: datetime) -> bool:
    return watched(state) and not state.overdue and state.due_at <= now


def flag_overdue(state: DossierState, *, now: datetime, officials: Mapping[str, Iterable[str]],
                 record: bool = True) -> Moved:
    """At the due time: `overdue`, and the officials holding each open step are recorded
    (`officials`: usernames per open step's task id)."""
    _require_watched(state)
    if now < state.due_at:
        raise NotAllowed("Hồ sơ chưa đến hạn.")
    state = state.copy()
    state.overdue = True
    if not record:
        return state, []
    responsible = tuple(E.Responsible(task_id=s.task_id, step=s.name, office=s.office,
                                      officials=tuple(officials.get(s.task_id, ())))
                        for s in state.open_steps())
    return state, [E.Overdue(due_at=state.due_at, responsible=responsible)]


# -- the steps ------------------------------------------------------------------------------------

def is_step_due_soon(due_at: datetime, allotment_days, now: datetime, calendar, hours,
                     warning_days: Decimal) -> bool:
    """Before the step's due time and within its warning: `warning_days`, or half the step's
    allotment if shorter (no warning for a zero allotment)."""
    if due_at <= now:
        return False
    warning = min(warning_days, Decimal(allotment_days) / 2)
    if warning <= 0:
        return False
    return deadlines.working_time_between(calendar, hours, now, due_at) <= warning


def flag_step_overdue(state: DossierState, task_id: str, *, now: datetime, officials: Iterable[str],
                      record: bool = True) -> Moved:
    _require_watched(state)
    step = state.step(task_id)
    if not step.open or step.overdue or now < step.due_at:
        raise NotAllowed("Bước này không quá hạn.")
    state = state.copy()
    step = state.steps[task_id]
    step.overdue = True
    if not record:
        return state, []
    return state, [E.StepOverdue(task_id=task_id, bpmn_id=step.bpmn_id, due_at=step.due_at, office=step.office,
                                 assignee=step.assignee, officials=tuple(officials))]


# -- BPMN timers ----------------------------------------------------------------------------------

def timers_due(timers: Iterable, now: datetime) -> list[E.FiredTimer]:
    """Waiting timers due at or before `now` (SpiffWorkflow fires only strictly past; BPMN means
    a timer due at 08:00 fires at a run at 08:00). `timers`: task_id, bpmn_id, due."""
    return [E.FiredTimer(timer=t.bpmn_id, task_id=t.task_id, due_at=t.due) for t in timers or ()
            if t.due is not None and t.due <= now]


def timer_fired(state: DossierState, *, due_at: datetime, fired: Iterable[E.FiredTimer], now: datetime) -> Moved:
    """The scheduler woke the instance (then `steps.sync` with what the engine did)."""
    if state.process is None or not state.process.running:
        raise NotAllowed("Quy trình không còn chạy.")
    return state, [E.TimerFired(due_at=due_at, timers=tuple(fired))]


def timer_failed(state: DossierState, *, due_at: datetime, error: str, element: str | None,
                 now: datetime) -> Moved:
    """A broken timer expression fails the same way every time: the instance is parked (no next
    timer) with its error, and the history says so once. The workflow stays as it was."""
    if state.process is None or not state.process.running:
        raise NotAllowed("Quy trình không còn chạy.")
    state = state.copy()
    state.process.next_timer_at = None
    state.process.error = error
    return state, [E.TimerFailed(due_at=due_at, error=error, element=element)]


def park_stuck_timer(state: DossierState, *, now: datetime) -> DossierState:
    """A timer that did not move past the run would wake the instance forever: park it."""
    if state.process is not None and state.process.next_timer_at is not None and state.process.next_timer_at <= now:
        state = state.copy()
        state.process.next_timer_at = None
    return state
