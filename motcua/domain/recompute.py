"""Due times after a calendar change: computed again with the calendar now in force.

An administrator adds or removes an override (a holiday announced late, a worked Saturday).
Every open dossier whose due time was computed with another calendar gets it again: from its
receipt on the receiving office's calendar, then moved by each supplement pause; every open step
from its ready time on its office's calendar, moved by the pauses that ended after it was ready.
A dossier with an apology keeps its appointment (it was set by a person, once).
"""
from __future__ import annotations

from decimal import Decimal

from motcua.domain import events as E
from motcua.domain.calendars import Calendars
from motcua.domain.lifecycle import Moved
from motcua.domain.state import DossierState
from motcua.legal_clock import deadlines


def _stale(state: DossierState, calendars: Calendars) -> bool:
    """Was any due time of the dossier computed with a calendar no longer in force?"""
    if not state.apology and state.due_calendar != calendars.calendar(state.receiving_office).fingerprint:
        return True
    return any(s.open and s.due_calendar != calendars.calendar(s.office).fingerprint for s in state.steps.values())


def recompute_due_times(state: DossierState, *, reason: dict, calendars: Calendars) -> Moved:
    """`state.pauses` must be loaded. One `due_recomputed` event when a due time moved."""
    if not state.is_open:
        return state, []
    if state.pauses is None:
        raise ValueError("recompute_due_times needs the dossier's pauses")
    if not _stale(state, calendars):
        return state, []
    state = state.copy()
    cal, hours = calendars.calendar(state.receiving_office), calendars.hours(state.receiving_office)
    dossier_change = None
    if state.due_calendar != cal.fingerprint and not state.apology:
        start = deadlines.clock_start(cal, hours, state.received_at)
        due = deadlines.due_at(cal, hours, start, Decimal(state.legal_days))
        for paused_from, resumed in state.pauses:
            due = deadlines.shift_for_pause(cal, hours, due, paused_from, resumed)
        if due != state.due_at:
            dossier_change = E.DueChange(None, state.due_at, due)
        state.clock_start, state.due_at, state.due_calendar = start, due, cal.fingerprint
    step_changes = []
    for step in state.steps.values():
        if not step.open:
            continue
        step_cal, step_hours = calendars.calendar(step.office), calendars.hours(step.office)
        if step.due_calendar == step_cal.fingerprint:
            continue
        due = deadlines.due_at(step_cal, step_hours, deadlines.clock_start(step_cal, step_hours, step.ready_at),
                               Decimal(step.allotment_days))
        for paused_from, resumed in state.pauses:
            if resumed > step.ready_at:
                due = deadlines.shift_for_pause(step_cal, step_hours, due, max(paused_from, step.ready_at), resumed)
        if due != step.due_at:
            step_changes.append(E.DueChange(step.task_id, step.due_at, due))
        step.due_at, step.due_calendar = due, step_cal.fingerprint
    if dossier_change is None and not step_changes:
        return state, []
    return state, [E.DueRecomputed(dossier=dossier_change, steps=tuple(step_changes), calendar=cal.fingerprint,
                                   reason=dict(reason))]
