"""Moving a running dossier to another version of its procedure (issue 14), as a transition.

The engine (engine/migration.py) moved the workflow: each current step keeps its task id and
becomes the element the new version has for it. Here the dossier follows: each open step takes
the new element's name, lane and form; its office follows the new lane (its taker is released
when the office or the role changed); its due time is computed again from its ready time with the
new allotment on its office's legal calendar, moved by the supplement pauses that ended after it
was ready. When the new version's legal time differs, the dossier's appointment is computed
again from its clock start (finished pauses excluded), unless an apology set it.

Refused, with nothing changed (`NotAllowed` with the reason): a finished dossier, a stopped
process, a dossier waiting for the applicant's supplement, a step that would change whether it
pauses the clock.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Iterable

from motcua.domain import events as E
from motcua.domain.calendars import Calendars
from motcua.domain.errors import NotAllowed
from motcua.domain.lifecycle import Moved
from motcua.domain.state import DossierState, StepState
from motcua.domain.steps import StepSpec, step_office
from motcua.legal_clock import deadlines


def refusal(state: DossierState) -> str | None:
    """Why this dossier cannot move now (Vietnamese), or None."""
    if not state.is_open:
        return "Hồ sơ đã kết thúc; chỉ hồ sơ đang giải quyết mới chuyển được phiên bản."
    if state.process is None or not state.process.running:
        return "Quy trình của hồ sơ không còn chạy (đã kết thúc hoặc đang lỗi)."
    if state.paused:
        return "Hồ sơ đang tạm dừng chờ bổ sung; chuyển phiên bản sau khi người nộp bổ sung xong."
    return None


def step_due(state: DossierState, step: StepState, office: str, allotment_days, calendars: Calendars) -> datetime:
    """A step's due time from its ready time, finished pauses after it excluded (as recompute does)."""
    cal, hours = calendars.calendar(office), calendars.hours(office)
    due = deadlines.due_at(cal, hours, deadlines.clock_start(cal, hours, step.ready_at), Decimal(allotment_days))
    for paused_from, resumed in state.pauses or ():
        if resumed > step.ready_at:
            due = deadlines.shift_for_pause(cal, hours, due, max(paused_from, step.ready_at), resumed)
    return due


def dossier_due(state: DossierState, legal_days, calendars: Calendars) -> datetime:
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    due = deadlines.due_at(cal, hours, state.clock_start, Decimal(legal_days))
    for paused_from, resumed in state.pauses or ():
        due = deadlines.shift_for_pause(cal, hours, due, paused_from, resumed)
    return due


def migrate(state: DossierState, moves: Iterable[tuple[str, StepSpec]], *, from_version: int, to_version: int,
            mapping: dict, legal_days, now: datetime, calendars: Calendars) -> Moved:
    """`moves`: (task id, the new element's StepSpec) for every open step; `legal_days`: the new
    version's. `state.pauses` must be loaded."""
    reason = refusal(state)
    if reason is not None:
        raise NotAllowed(reason)
    if state.pauses is None:
        raise ValueError("migrate needs the dossier's pauses")
    moves = dict(moves)
    state = state.copy()
    changes = []
    for step in state.open_steps():
        spec = moves.get(step.task_id)
        if spec is None:
            raise NotAllowed(f"Bước «{step.name}» ({step.bpmn_id}) không có bước tương ứng trong phiên bản mới.")
        if bool(spec.pause_clock) != bool(step.pause_clock):
            raise NotAllowed(f"Bước «{step.name}» ({step.bpmn_id}) đổi cách tạm dừng thời hạn (pause_clock) ở "
                             f"phiên bản mới: không chuyển được khi đang ở bước này.")
        office = step_office(state, spec, calendars)
        allotment = Decimal(spec.allotment_days)
        old_due, old_office, old_id = step.due_at, step.office, step.bpmn_id
        if allotment != step.allotment_days or office != step.office:
            step.due_at = step_due(state, step, office, allotment, calendars)
            step.due_calendar = calendars.calendar(office).fingerprint
            if step.due_at > now:
                step.overdue = False
        if office != step.office or spec.role != step.role:
            step.assignee = None
        step.bpmn_id, step.name, step.lane, step.role = spec.bpmn_id, spec.name, spec.lane, spec.role
        step.office, step.allotment_days, step.form = office, allotment, spec.form
        change = {"task_id": step.task_id, "from": old_id, "to": step.bpmn_id, "office": office,
                  "old_due_at": old_due.isoformat(), "due_at": step.due_at.isoformat()}
        if office != old_office:
            change["old_office"] = old_office
        changes.append(change)
    dossier = None
    if Decimal(legal_days) != Decimal(state.legal_days) and not state.apology:
        due = dossier_due(state, legal_days, calendars)
        if due != state.due_at:
            dossier = {"old_due_at": state.due_at.isoformat(), "due_at": due.isoformat()}
            state.due_at = due
            state.due_calendar = calendars.calendar(state.receiving_office).fingerprint
            if due > now:
                state.overdue = False
    state.legal_days = Decimal(legal_days)
    return state, [E.Migrated(from_version=from_version, to_version=to_version, mapping=dict(mapping),
                              steps=tuple(changes), dossier=dossier)]
