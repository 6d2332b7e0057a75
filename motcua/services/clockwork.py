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


def resume(platform, session, dossier: Dossier, actor_name: str, *, data: dict) -> None:
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
    dossier.paused_at = None
    dossier.status = "processing"
    dossier.supplement_count += 1
    dossier.overdue = now > dossier.due_at
    history.append(session, dossier, "supplemented", at=now, actor=actor_name, data={
        **data, "paused_from": paused_from.isoformat(), "paused_working_days": str(paused_days),
        "old_due_at": old_due.isoformat(), "due_at": dossier.due_at.isoformat(), "steps": moved})
