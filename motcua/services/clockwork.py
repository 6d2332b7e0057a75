"""Pausing and resuming a dossier's legal clock (supplements): due times move by the paused working time."""
from __future__ import annotations

from sqlalchemy import select

from motcua.db.models import Dossier, TaskRow
from motcua.legal_clock import deadlines
from motcua.services import history
from motcua.services.calendars import calendar_for, hours_for


def pause(platform, session, dossier: Dossier, actor_name: str, *, reason: str, items: list, source: str) -> None:
    now = platform.now()
    dossier.paused_at = now
    dossier.status = "supplement_requested"
    dossier.apology_required = False
    history.append(session, dossier, "supplement_requested", at=now, actor=actor_name,
                   data={"reason": reason, "items": items, "source": source})


def resume(platform, session, dossier: Dossier, actor_name: str, *, data: dict, workflow=None) -> None:
    """`workflow`: the instance the caller already holds and will save (a completing step);
    without it, the stored instance is loaded, its timers moved and saved here."""
    now = platform.now()
    paused_from = dossier.paused_at
    settings = platform.settings
    cal = calendar_for(session, settings, dossier.receiving_office)
    hours = hours_for(settings, dossier.receiving_office)
    old_due = dossier.due_at
    dossier.due_at = deadlines.shift_for_pause(cal, hours, dossier.due_at, paused_from, now)
    dossier.due_calendar = cal.fingerprint
    paused_days = deadlines.working_time_between(cal, hours, paused_from, now)
    moved = []
    for row in session.scalars(select(TaskRow).where(TaskRow.dossier_id == dossier.id, TaskRow.state == "ready")):
        row_cal = calendar_for(session, settings, row.office)
        row_hours = hours_for(settings, row.office)
        row.due_at = deadlines.shift_for_pause(row_cal, row_hours, row.due_at, paused_from, now)
        row.due_calendar = row_cal.fingerprint
        moved.append({"task_id": row.id, "due_at": row.due_at.isoformat()})
    timers = _shift_timers(platform, session, dossier, paused_from, now, workflow)
    dossier.paused_at = None
    dossier.status = "processing"
    dossier.supplement_count += 1
    if now <= dossier.due_at:
        # Only cleared here: a due time already passed is flagged by the deadline watch, which
        # also notifies and records who is responsible (scheduler/deadlines.py).
        dossier.overdue = False
    event = {**data, "paused_from": paused_from.isoformat(), "paused_working_days": str(paused_days),
             "old_due_at": old_due.isoformat(), "due_at": dossier.due_at.isoformat(), "steps": moved}
    if timers:
        event["timers"] = timers
    history.append(session, dossier, "supplemented", at=now, actor=actor_name, data=event)


def _shift_timers(platform, session, dossier: Dossier, paused_from, now, workflow=None) -> list[dict]:
    """BPMN timers waiting during the pause move like the due times: by the paused working time.

    A reminder "7 working days after the appraisal started" must not count the days the applicant
    spent supplementing. The timers follow the competent office's calendar (as the BPMN working-day
    functions do). The moves are listed in the `supplemented` event so a replay can repeat them.
    """
    from SpiffWorkflow.util.task import TaskState

    from engine import runtime
    from motcua.services import process
    instance = process.instance_of(session, dossier)
    if instance is None or instance.status != "running" or instance.next_timer_at is None:
        return []
    held = workflow is not None
    if not held:
        workflow = process.load(platform, session, dossier, instance)
    cal = calendar_for(session, platform.settings, dossier.competent_office)
    hours = hours_for(platform.settings, dossier.competent_office)
    moved = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        kind = type(getattr(task.task_spec, "event_definition", None)).__name__
        if kind not in ("TimeDateEventDefinition", "DurationTimerEventDefinition"):
            continue
        due = runtime.timer_due(task._get_internal_data("event_value"))
        if due is None:
            continue
        new_due = deadlines.shift_for_pause(cal, hours, due, paused_from, now)
        if new_due != due:
            task._set_internal_data(event_value=new_due.isoformat())
            moved.append({"timer": task.task_spec.bpmn_id, "task_id": str(task.id),
                          "old_due_at": due.isoformat(), "due_at": new_due.isoformat()})
    if moved and not held:  # a held workflow is saved by its caller (process.sync)
        instance.state = runtime.dump(workflow)
        instance.next_timer_at = runtime.next_timer_at(workflow)
        instance.updated_at = now
    return moved
