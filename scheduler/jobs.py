"""The scheduler's jobs. Each takes `now` explicitly so a tick can run them at any instant.

Each job claims rows (SKIP LOCKED on PostgreSQL), and every effect checks a flag first, so a job
that runs twice, or in two processes, does its work once.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from engine import runtime
from engine.runtime import StepFailed
from motcua.db.models import Dossier, ProcessInstance, TaskRow
from motcua.legal_clock import deadlines
from motcua.services import history, process
from motcua.services.calendars import calendar_for, hours_for

log = logging.getLogger("motcua.scheduler")
BATCH = 200


def _claim(session, query):
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query.limit(BATCH)).all()


def fire_timers(platform, now) -> int:
    """Wake exactly the instances whose earliest timer is due (no polling of every instance)."""
    fired = 0
    while True:
        with platform.uow() as uow:
            session = uow.session
            rows = _claim(session, select(ProcessInstance).where(
                ProcessInstance.status == "running", ProcessInstance.next_timer_at.is_not(None),
                ProcessInstance.next_timer_at <= now).order_by(ProcessInstance.next_timer_at))
            if not rows:
                return fired
            for instance in rows:
                dossier = session.get(Dossier, instance.dossier_id)
                due = instance.next_timer_at
                try:
                    workflow = process.load(platform, session, dossier, instance)
                    runtime.fire_due_timers(workflow)
                except StepFailed as err:
                    log.warning("timer of dossier %s failed: %s", dossier.code, err)
                    instance.next_timer_at = None
                    instance.error = str(err)
                    continue
                history.append(session, dossier, "timer_fired", at=now, actor="scheduler",
                               data={"due_at": due.isoformat()})
                process.sync(platform, session, dossier, instance, workflow, "scheduler")
                if instance.next_timer_at is not None and instance.next_timer_at <= due:
                    instance.next_timer_at = None  # a timer that does not move forward would spin
                fired += 1
            uow.commit()


def watch_deadlines(platform, now) -> dict:
    """One working day before the due time: apology needed; at the due time: overdue."""
    counts = {"apology_required": 0, "overdue": 0, "steps_overdue": 0}
    with platform.uow() as uow:
        session = uow.session
        open_dossiers = _claim(session, select(Dossier).where(
            Dossier.status == "processing", Dossier.paused_at.is_(None),
            (Dossier.overdue.is_(False)) | (Dossier.apology_required.is_(False) & Dossier.apology.is_(None))
        ).order_by(Dossier.due_at))
        for dossier in open_dossiers:
            cal = calendar_for(session, platform.settings, dossier.receiving_office)
            hours = hours_for(platform.settings, dossier.receiving_office)
            remaining = deadlines.working_time_between(cal, hours, now, dossier.due_at) if now < dossier.due_at else 0
            if not dossier.apology and not dossier.apology_required and remaining <= 1:
                dossier.apology_required = True
                counts["apology_required"] += 1
                history.append(session, dossier, "apology_required", at=now, actor="scheduler",
                               data={"due_at": dossier.due_at.isoformat()})
            if not dossier.overdue and now >= dossier.due_at:
                dossier.overdue = True
                counts["overdue"] += 1
                late = [{"task_id": t.id, "step": t.name, "office": t.office.code,
                         "assignee": t.assignee.username if t.assignee else None}
                        for t in session.scalars(select(TaskRow).where(
                            TaskRow.dossier_id == dossier.id, TaskRow.state == "ready"))]
                history.append(session, dossier, "overdue", at=now, actor="scheduler",
                               data={"due_at": dossier.due_at.isoformat(), "responsible": late})
        for row in _claim(session, select(TaskRow).join(Dossier, Dossier.id == TaskRow.dossier_id).where(
                TaskRow.state == "ready", TaskRow.overdue.is_(False), TaskRow.due_at <= now,
                Dossier.paused_at.is_(None))):
            row.overdue = True
            counts["steps_overdue"] += 1
            dossier = session.get(Dossier, row.dossier_id)
            history.append(session, dossier, "step_overdue", at=now, actor="scheduler", step=row.bpmn_id,
                           data={"task_id": row.id, "due_at": row.due_at.isoformat(), "office": row.office.code,
                                 "assignee": row.assignee.username if row.assignee else None})
        uow.commit()
    return counts


JOBS = {"timers": fire_timers, "deadlines": watch_deadlines}


def tick(platform, now) -> dict:
    """Run every job once at `now` (CLI `motcua scheduler tick --now ISO`)."""
    return {name: job(platform, now) for name, job in JOBS.items()}
