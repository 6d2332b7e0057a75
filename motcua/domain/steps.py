"""The moves of the steps: claim, unclaim, complete, and the sync after the engine moved.

The engine (engine/) runs the BPMN; these rules say what its moves mean for the dossier. After
every move of the workflow (receipt, a completion, a timer) the caller hands `sync` the engine's
ready steps and outcome: new steps become ready with a due time, steps the engine dropped are
cancelled, a `pause_clock` step pauses the dossier, a reached end event finishes it. Replay calls
the same functions with the same inputs, so the history it predicts is the history written.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Iterable, Protocol

from motcua.domain import events as E
from motcua.domain import statuses as S
from motcua.domain.calendars import Calendars
from motcua.domain.errors import NotAllowed
from motcua.domain.lifecycle import Moved, finish, pause, resume
from motcua.domain.state import DossierState, StepState
from motcua.legal_clock import deadlines


class StepSpec(Protocol):
    """What the BPMN says of a user task (engine.conventions.StepInfo has these)."""

    bpmn_id: str
    name: str
    lane: str
    role: str
    office_code: str | None
    allotment_days: Decimal
    form: str | None
    pause_clock: bool
    # optional: the longer legal time that applies once this step is ready, and why
    # legal_days: Decimal | None; legal_reason: str | None


class ReadyStep(Protocol):
    """A user task the engine has READY (engine.runtime.ReadyStep)."""

    task_id: str
    step: StepSpec


def _ready_step(state: DossierState, task_id: str) -> StepState:
    step = state.step(task_id)
    if not step.open:
        raise NotAllowed("Công việc đã được xử lý hoặc không còn chờ xử lý.")
    return step


def claim(state: DossierState, task_id: str, *, actor: str, now: datetime) -> Moved:
    """Take a step; taking one's own again changes and records nothing."""
    step = _ready_step(state, task_id)
    if step.assignee not in (None, actor):
        raise NotAllowed("Công việc đã được người khác nhận.")
    if step.assignee == actor:
        return state, []
    state = state.copy()
    state.steps[task_id].assignee = actor
    return state, [E.Claimed(task_id=task_id, bpmn_id=step.bpmn_id)]


def unclaim(state: DossierState, task_id: str, *, actor: str, now: datetime) -> Moved:
    step = _ready_step(state, task_id)
    if step.assignee != actor:
        raise NotAllowed("Chỉ người đã nhận công việc mới trả lại được.")
    state = state.copy()
    state.steps[task_id].assignee = None
    return state, [E.Unclaimed(task_id=task_id, bpmn_id=step.bpmn_id)]


def check_completable(state: DossierState, task_id: str, *, actor: str) -> StepState:
    """Before the engine moves: the step waits, is not someone else's, and the dossier is not
    paused (except the step that receives the supplement)."""
    step = _ready_step(state, task_id)
    if step.assignee not in (None, actor):
        raise NotAllowed("Công việc đã được người khác nhận.")
    if state.paused_at is not None and not step.pause_clock:
        raise NotAllowed("Hồ sơ đang chờ bổ sung; thời hạn tạm dừng nên chưa xử lý được bước này.")
    return step


def complete(state: DossierState, task_id: str, *, actor: str, data: dict, now: datetime, calendars: Calendars,
             timers: Iterable = ()) -> Moved:
    """After the engine completed the step (then call `sync`). A `pause_clock` step completed
    while paused is the applicant's supplement: the clock restarts first, so every open due time,
    this step's included, moves by the paused working time before the step is judged on time.
    `timers`: the workflow's waiting timers after the move (they move with the pause)."""
    step = check_completable(state, task_id, actor=actor)
    events: list[E.Event] = []
    if step.pause_clock and state.paused_at is not None:
        state, events = resume(state, given={"step": step.bpmn_id}, now=now, calendars=calendars, timers=timers)
    else:
        state = state.copy()
    step = state.steps[task_id]
    step.state = S.COMPLETED
    step.completed_at = now
    step.completed_by = actor
    step.assignee = step.assignee or actor
    step.data = data
    events.append(E.StepCompleted(task_id=task_id, bpmn_id=step.bpmn_id, name=step.name, form_data=data,
                                  on_time=now <= step.due_at, due_at=step.due_at))
    return state, events


def step_office(state: DossierState, spec: StepSpec, calendars: Calendars) -> str:
    """The lane says who works a step: `OFFICE:role` another agency, `receiver` the receiving
    desk, any other role the competent office."""
    if spec.office_code:
        if not calendars.knows(spec.office_code):
            raise NotAllowed(f"Bước «{spec.name}» được giao cho cơ quan «{spec.office_code}» chưa có trên hệ thống.")
        return spec.office_code
    return state.receiving_office if spec.role == "receiver" else state.competent_office


def step_due(calendars: Calendars, office: str, ready_at: datetime, allotment_days) -> tuple[datetime, str]:
    """A step's due time: its allotment from its ready time, on its office's calendar."""
    cal, hours = calendars.calendar(office), calendars.hours(office)
    start = deadlines.clock_start(cal, hours, ready_at)
    return deadlines.due_at(cal, hours, start, Decimal(allotment_days)), cal.fingerprint


def sync(state: DossierState, ready: Iterable[ReadyStep], *, outcome: str | None, result: dict | None,
         next_timer_at: datetime | None, now: datetime, calendars: Calendars) -> Moved:
    """The consequences of the workflow having moved, in the order the history records them:
    steps the engine no longer has ready are cancelled; each newly ready step gets its office and
    due time (and pauses the dossier if it waits for the applicant's supplement); an end event
    reached finishes the dossier with its outcome (`result`: the workflow data, for `done`)."""
    state = state.copy()
    events: list[E.Event] = []
    ready = list(ready)
    ready_ids = {r.task_id for r in ready}
    open_ids = [s.task_id for s in state.steps.values() if s.open]
    for task_id in open_ids:
        if task_id not in ready_ids:  # left READY without a person completing it (e.g. a boundary timer)
            step = state.steps[task_id]
            step.state, step.completed_at = S.CANCELLED, now
            events.append(E.StepCancelled(task_id=task_id, bpmn_id=step.bpmn_id, name=step.name))
    for item in ready:
        if item.task_id in open_ids:
            continue
        spec = item.step
        office = step_office(state, spec, calendars)
        due, fingerprint = step_due(calendars, office, now, spec.allotment_days)
        state.steps[item.task_id] = StepState(
            task_id=item.task_id, bpmn_id=spec.bpmn_id, name=spec.name, lane=spec.lane, role=spec.role,
            office=office, allotment_days=Decimal(spec.allotment_days), ready_at=now, due_at=due,
            due_calendar=fingerprint, form=spec.form, pause_clock=spec.pause_clock)
        events.append(E.StepReady(task_id=item.task_id, bpmn_id=spec.bpmn_id, name=spec.name, lane=spec.lane,
                                  office=office, allotment_days=spec.allotment_days, due_at=due))
        if getattr(spec, "legal_days", None) is not None:
            state, extended = extend_legal_time(state, spec, now=now, calendars=calendars)
            events += extended
        if spec.pause_clock and state.paused_at is None:
            state, paused = pause(state, reason=spec.name, items=[], source="process", now=now)
            events += paused
    if state.process is not None:
        state.process.next_timer_at = next_timer_at
    if outcome is not None and state.process is not None and state.process.running:
        state.process.status = S.PROCESS_COMPLETED
        state, finished = finish(state, outcome, now=now, result=result)
        events += finished
    return state, events


def extend_legal_time(state: DossierState, spec: StepSpec, *, now: datetime, calendars: Calendars) -> Moved:
    """A ready step carries `legal_days`: the law's longer time for this case (contract: "a
    longer legal time on a path"). The appointment becomes the clock start + `legal_days` on the
    receiving office's calendar, moved by every finished pause (the open one moves it when it
    ends) — and only if that is later than the appointment now (once: the same step ready again,
    or a shorter longer time, changes nothing; an apology's later date stands). `state.pauses`
    must be loaded."""
    days = Decimal(spec.legal_days)
    if not state.is_open:
        return state, []
    if state.pauses is None:
        raise ValueError("extend_legal_time needs the dossier's pauses")
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    due = deadlines.due_at(cal, hours, state.clock_start, days)
    for paused_from, resumed in state.pauses:
        due = deadlines.shift_for_pause(cal, hours, due, paused_from, resumed)
    if due <= state.due_at:
        return state, []
    state = state.copy()
    old = state.due_at
    state.due_at, state.due_calendar = due, cal.fingerprint
    state.legal_days = max(Decimal(state.legal_days), days)
    if now <= due:  # a due time already passed stays flagged by the deadline watch
        state.overdue = False
    reason = getattr(spec, "legal_reason", None) or spec.name
    return state, [E.LegalTimeExtended(bpmn_id=spec.bpmn_id, old_due_at=old, due_at=due, legal_days=days,
                                       reason=reason)]
