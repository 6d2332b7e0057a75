"""BPMN timers: wake exactly the process instances whose earliest timer is due.

process.sync stores each running instance's earliest timer in process_instances.next_timer_at
(indexed), so a run reads only the instances due, never every instance. A dossier paused for a
supplement is left asleep: its timers move with the pause when it resumes (clockwork.resume).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimeDateEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import runtime
from engine.runtime import StepFailed
from motcua.db.models import Dossier, ProcessInstance
from motcua.services import history, process
from scheduler.locking import at_instant, scan

log = logging.getLogger("motcua.scheduler")


def mark_due(workflow, now: datetime) -> list[dict]:
    """Timers due at or before `now`, marked fired.

    SpiffWorkflow fires a timer only once its instant is strictly past; marking them here makes a
    timer due at 08:00 fire at a run at 08:00 (`motcua scheduler tick --now 08:00`), as BPMN
    means. (During a job SpiffWorkflow's clock reads the run's instant: scheduler.jobs.run_job.)
    """
    fired = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, (TimeDateEventDefinition, DurationTimerEventDefinition)):
            continue
        due = runtime.timer_due(task._get_internal_data("event_value"))
        if due is not None and due <= now:
            task._set_internal_data(event_fired=True)
            fired.append({"timer": task.task_spec.bpmn_id, "task_id": str(task.id), "due_at": due.isoformat()})
    return fired


def fire_timers(platform, now: datetime) -> int:
    """Fire every due timer once; returns the number of instances woken."""
    platform = at_instant(platform, now)

    def due_instances():
        return (select(ProcessInstance).join(Dossier, Dossier.id == ProcessInstance.dossier_id).where(
            ProcessInstance.status == "running", ProcessInstance.next_timer_at.is_not(None),
            ProcessInstance.next_timer_at <= now, Dossier.paused_at.is_(None)))

    def wake(session, instance: ProcessInstance) -> bool:
        if instance.status != "running" or instance.next_timer_at is None or instance.next_timer_at > now:
            return False
        dossier = session.get(Dossier, instance.dossier_id)
        due = instance.next_timer_at
        try:
            workflow = process.load(platform, session, dossier, instance)
            fired = mark_due(workflow, now)
            runtime.fire_due_timers(workflow)
        except StepFailed as err:
            # A broken expression fails the same way every time: park it and say so, once.
            log.warning("timer of dossier %s failed at %s", dossier.code, err.element or "?")
            instance.next_timer_at = None
            instance.error = str(err)
            history.append(session, dossier, "timer_failed", at=now, actor="scheduler",
                           data={"due_at": due.isoformat(), "error": str(err), "element": err.element})
            return False
        history.append(session, dossier, "timer_fired", at=now, actor="scheduler",
                       data={"due_at": due.isoformat(), "timers": fired})
        process.sync(platform, session, dossier, instance, workflow, "scheduler")
        if instance.next_timer_at is not None and instance.next_timer_at <= now:
            log.warning("timer of dossier %s did not move past %s; parked", dossier.code, instance.next_timer_at)
            instance.next_timer_at = None  # a timer that cannot fire would wake this instance forever
        return True

    result = scan(platform, due_instances, [ProcessInstance, Dossier], ProcessInstance.id, wake,
                  what="timer of instance")
    return result["done"]
