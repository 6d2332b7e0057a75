"""The moves of a dossier as a whole: receipt, supplements, apology, the end, hand-over, rating.

Every transition takes the state and returns `(new_state, [events])`: the state given is never
changed (the rules work on a copy), the events are what the history records, in order. A move the
rules do not allow raises `NotAllowed` (409); content that is wrong raises `Invalid` (422).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Iterable

from motcua.domain import events as E
from motcua.domain import statuses as S
from motcua.domain.calendars import Calendars
from motcua.domain.errors import NotAllowed, wrong_status
from motcua.domain.state import DossierState, ProcessState
from motcua.errors import DeskClosed, Invalid
from motcua.legal_clock import deadlines
from motcua.legal_clock.hours import OfficeHours

Moved = tuple[DossierState, list[E.Event]]


def _fmt(at: datetime) -> str:
    return at.strftime("%H:%M ngày %d/%m/%Y")


def require_status(state: DossierState, *allowed: str) -> None:
    if state.status not in allowed:
        raise wrong_status(state.status)


# -- receipt ------------------------------------------------------------------------------------

def check_desk_open(channel: str, calendar, hours: OfficeHours, now: datetime, *, saturday_service: bool) -> None:
    """A direct-channel receipt needs an open desk (online and post are taken at any hour)."""
    if channel == "direct" and not deadlines.desk_open(calendar, hours, now, saturday_service_allowed=saturday_service):
        opening = deadlines.next_opening(calendar, hours, now, saturday_service_allowed=saturday_service)
        raise DeskClosed(f"Bộ phận một cửa đang đóng; mở cửa lại lúc {_fmt(opening)} "
                         f"({opening.isoformat()}).", extra={"next_opening": opening.isoformat()})


def receive(*, code: str, procedure_code: str, procedure_version: int, legal_days: Decimal, channel: str,
            receiving: str, competent: str, documents: list, form_data: dict, desk_hours: OfficeHours,
            saturday_service: bool, now: datetime, calendars: Calendars) -> Moved:
    """A dossier is received: its clock starts at the receiving desk (15:00 cut-off, opening)."""
    cal = calendars.calendar(receiving)
    check_desk_open(channel, cal, desk_hours, now, saturday_service=saturday_service)
    start = deadlines.clock_start(cal, desk_hours, now)
    due = deadlines.due_at(cal, desk_hours, start, Decimal(legal_days))
    state = DossierState(code=code, receiving_office=receiving, competent_office=competent,
                         legal_days=Decimal(legal_days), status=S.PROCESSING, received_at=now, clock_start=start,
                         due_at=due, due_calendar=cal.fingerprint, data=dict(form_data or {}),
                         documents=list(documents), process=ProcessState(status=S.RUNNING), pauses=[])
    return state, [E.Received(procedure_code=procedure_code, procedure_version=procedure_version,
                              channel=channel, receiving_office=receiving, competent_office=competent,
                              documents=list(documents), form_data=form_data, clock_start=start, due_at=due,
                              calendar=cal.fingerprint)]


# -- supplements: the clock stops and resumes ---------------------------------------------------

def pause(state: DossierState, *, reason: str, items: list, source: str, now: datetime) -> Moved:
    """The clock stops (no status check: `request_supplement` and the step sync check)."""
    state = state.copy()
    state.paused_at = now
    state.status = S.SUPPLEMENT_REQUESTED
    state.apology_required = False
    return state, [E.SupplementRequested(reason=reason, items=tuple(items or ()), source=source)]


def request_supplement(state: DossierState, *, reason: str, items: list, now: datetime) -> Moved:
    """Form 02 by a person: only a dossier being processed."""
    require_status(state, S.PROCESSING)
    return pause(state, reason=reason, items=items, source="api", now=now)


def timer_moves(timers: Iterable, paused_from: datetime, resumed: datetime, calendar, hours) -> list[E.TimerMove]:
    """Waiting BPMN timers move like due times: by the paused working time (competent office's
    calendar, as the BPMN working-day functions). `timers`: objects with task_id, bpmn_id, due."""
    moved = []
    for timer in timers or ():
        new_due = deadlines.shift_for_pause(calendar, hours, timer.due, paused_from, resumed)
        if new_due != timer.due:
            moved.append(E.TimerMove(timer=timer.bpmn_id, task_id=timer.task_id, old_due_at=timer.due,
                                     due_at=new_due))
    return moved


def resume(state: DossierState, *, given: dict, now: datetime, calendars: Calendars, timers: Iterable = ()) -> Moved:
    """The clock restarts: the dossier's and every open step's due time move by the paused
    working time, and so do the waiting timers (the `supplemented` event lists the moves; the
    caller applies the timer moves to the engine). `timers`: the waiting timers of the workflow."""
    if state.paused_at is None:
        raise NotAllowed("Hồ sơ không tạm dừng nên không tiếp tục tính hạn được.")
    state = state.copy()
    paused_from = state.paused_at
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    old_due = state.due_at
    state.due_at = deadlines.shift_for_pause(cal, hours, old_due, paused_from, now)
    state.due_calendar = cal.fingerprint
    paused_days = deadlines.working_time_between(cal, hours, paused_from, now)
    moved = []
    for step in state.steps.values():
        if step.open:
            step_cal, step_hours = calendars.calendar(step.office), calendars.hours(step.office)
            step.due_at = deadlines.shift_for_pause(step_cal, step_hours, step.due_at, paused_from, now)
            step.due_calendar = step_cal.fingerprint
            moved.append(E.StepMove(step.task_id, step.due_at))
    shifted = []
    if state.process is not None and state.process.running and state.process.next_timer_at is not None:
        shifted = timer_moves(timers, paused_from, now, calendars.calendar(state.competent_office),
                              calendars.hours(state.competent_office))
    state.paused_at = None
    state.status = S.PROCESSING
    state.supplement_count += 1
    if state.pauses is not None:
        state.pauses.append((paused_from, now))
    if now <= state.due_at:
        # Only cleared here: a due time already passed is flagged by the deadline watch, which
        # also notifies and records who is responsible (watch.flag_overdue).
        state.overdue = False
    return state, [E.Supplemented(given=dict(given), paused_from=paused_from, paused_working_days=paused_days,
                                  old_due_at=old_due, due_at=state.due_at, steps=tuple(moved),
                                  timers=tuple(shifted))]


def supplement(state: DossierState, *, documents: list, data: dict | None, now: datetime, calendars: Calendars,
               timers: Iterable = ()) -> Moved:
    """The applicant's supplement arrived at the desk: documents added, form data merged, resume."""
    require_status(state, S.SUPPLEMENT_REQUESTED)
    state = state.copy()
    if data:
        state.data = {**(state.data or {}), **data}
    state.documents = list(state.documents or []) + list(documents)
    return resume(state, given={"documents": list(documents), "data": data}, now=now, calendars=calendars,
                  timers=timers)


# -- apology (form 04) --------------------------------------------------------------------------

def latest_apology_date(state: DossierState, calendars: Calendars, max_extension_days: Decimal,
                        now: datetime) -> datetime:
    """The furthest new date an apology may set: `max_extension_days` working days (receiving
    office's calendar and hours) after the current due time, or after now when the dossier is
    already late, so that a late dossier can still apologise (its window does not shrink to nothing
    while it waits) and the deadline watch's draft (watch.flag_due_soon) stays within reach."""
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    return deadlines.add_working_time(cal, hours, max(state.due_at, now), Decimal(max_extension_days))


def apologise(state: DossierState, *, reason: str, new_due_at: datetime, by: str | None, now: datetime,
              calendars: Calendars, max_extension_days: Decimal | None = None) -> Moved:
    """At most once; on time when made at least one working day before the due time.

    The new date lies after the current due time (and after now), and at most
    `max_extension_days` working days after the due time, or after now if that is later
    (`latest_apology_date`; config.yaml
    `dossier.apology_max_extension_days`; None: no upper bound). Replay passes the same bound."""
    require_status(state, *S.OPEN_STATUSES)
    if state.apology:
        raise NotAllowed("Hồ sơ đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần.")
    if new_due_at <= state.due_at or new_due_at <= now:
        message = "Ngày hẹn mới phải sau ngày hẹn trả hiện tại và sau thời điểm hiện tại."
        raise Invalid(message, errors={"new_due_at": [message]})
    if max_extension_days is not None:
        latest = latest_apology_date(state, calendars, max_extension_days, now)
        if new_due_at > latest:
            message = (f"Ngày hẹn mới không được quá {max_extension_days} ngày làm việc sau ngày hẹn trả hiện tại "
                       f"(muộn nhất {_fmt(latest)}).")
            raise Invalid(message, errors={"new_due_at": [message]}, extra={"latest_new_due_at": latest.isoformat()})
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    on_time = now < state.due_at and deadlines.working_time_between(cal, hours, now, state.due_at) >= 1
    event = E.Apology(reason=reason, new_due_at=new_due_at, on_time=on_time, original_due_at=state.due_at,
                      at=now, by=by)
    state = state.copy()
    state.apology = event.data
    state.due_at = new_due_at
    state.apology_required = False
    state.overdue = now > new_due_at
    return state, [event]


# -- the end ------------------------------------------------------------------------------------

def finish(state: DossierState, status: str, *, now: datetime, reason: str | None = None,
           result: dict | None = None) -> Moved:
    """The dossier reaches an end state (an end event of the process, or a person's decision)."""
    if status not in S.FINAL_STATUSES or status == S.RETURNED:
        raise NotAllowed(f"Không kết thúc hồ sơ với trạng thái «{status}» được.")
    state = state.copy()
    on_time = now <= state.due_at
    state.status = status
    state.finished_at = now
    state.paused_at = None
    state.apology_required = False
    if status == S.DONE:
        state.result = {"ready_at": now.isoformat(), "on_time": on_time}
    return state, [E.Finished(status=status, on_time=on_time, reason=reason, result=result)]


def end(state: DossierState, status: str, *, reason: str | None, now: datetime) -> Moved:
    """Reject (form 03), stop or withdraw: the process is cancelled without reaching an end event,
    its open steps closed without an event each, and the dossier finished."""
    require_status(state, *S.OPEN_STATUSES)
    if status not in S.ENDINGS:
        raise NotAllowed(f"Không kết thúc hồ sơ với trạng thái «{status}» được.")
    state = state.copy()
    if state.process is not None and state.process.running:
        state.process.status = S.PROCESS_CANCELLED
        state.process.next_timer_at = None
        for step in state.steps.values():
            if step.open:
                step.state, step.completed_at = S.CANCELLED, now
    return finish(state, status, now=now, reason=reason)


def hand_over(state: DossierState, *, now: datetime) -> Moved:
    """The result is handed to the applicant (only a `done` dossier)."""
    require_status(state, S.DONE)
    state = state.copy()
    state.status = S.RETURNED
    state.returned_at = now
    return state, [E.Returned(on_time=(state.finished_at or now) <= state.due_at)]


RATING_LEVELS = ("very_satisfied", "satisfied", "dissatisfied")


def rate(state: DossierState, *, satisfied: bool, now: datetime, level: str | None = None) -> Moved:
    """The citizen's satisfaction, once, after the result was returned: one of the national
    portal's three levels when given (`satisfied` then follows it), else the yes/no of old."""
    if level is not None and level not in RATING_LEVELS:
        raise NotAllowed("Mức đánh giá không hợp lệ.")
    if state.status != S.RETURNED:
        raise NotAllowed("Chỉ đánh giá được sau khi đã nhận kết quả.")
    if state.rated:
        raise NotAllowed("Hồ sơ này đã được đánh giá.")
    state = state.copy()
    state.rated = True
    if level is not None:
        satisfied = level != "dissatisfied"
    return state, [E.Rated(satisfied=bool(satisfied), level=level)]
