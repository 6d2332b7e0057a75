"""BPMN timers: wake exactly the process instances whose earliest timer is due.

process.advance stores each running instance's earliest timer in process_instances.next_timer_at
(indexed), so a run reads only the instances due, never every instance. A dossier paused for a
supplement is left asleep: its timers move with the pause when it resumes (domain.lifecycle.resume).
This job decides *when*; which timers are due and what firing records is the domain core's
(motcua.domain.watch), reading and moving the workflow is the engine's (engine.inspection).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from engine import inspection, runtime
from engine.runtime import StepFailed
from motcua.db.models import Dossier, ProcessInstance
from motcua.domain import statuses as S
from motcua.domain import watch
from motcua.services import process, store
from scheduler.claims import at_instant, scan

log = logging.getLogger("motcua.scheduler")


def fire_timers(platform, now: datetime) -> int:
    """Fire every due timer once; returns the number of instances woken."""
    platform = at_instant(platform, now)

    def due_instances():
        return (select(ProcessInstance).join(Dossier, Dossier.id == ProcessInstance.dossier_id).where(
            ProcessInstance.status == S.RUNNING, ProcessInstance.next_timer_at.is_not(None),
            ProcessInstance.next_timer_at <= now, Dossier.paused_at.is_(None)))

    def wake(session, instance: ProcessInstance) -> bool:
        if instance.status != S.RUNNING or instance.next_timer_at is None or instance.next_timer_at > now:
            return False
        loaded = store.load(platform, session, session.get(Dossier, instance.dossier_id))
        due = instance.next_timer_at
        try:
            workflow = process.load(platform, session, loaded.dossier, instance)
            fired = watch.timers_due(inspection.waiting_timers(workflow), now)
            inspection.mark_fired(workflow, [t.task_id for t in fired])
            runtime.fire_due_timers(workflow)
        except StepFailed as err:
            # A broken expression fails the same way every time: park it and say so, once.
            log.warning("timer of dossier %s failed at %s", loaded.dossier.code, err.element or "?")
            loaded.take(watch.timer_failed(loaded.state, due_at=due, error=str(err), element=err.element, now=now),
                        S.SCHEDULER)
            loaded.save()
            return False
        loaded.take(watch.timer_fired(loaded.state, due_at=due, fired=fired, now=now), S.SCHEDULER)
        process.advance(platform, session, loaded, workflow, S.SCHEDULER)
        parked = watch.park_stuck_timer(loaded.state, now=now)
        if parked is not loaded.state:
            log.warning("timer of dossier %s did not move past %s; parked", loaded.dossier.code,
                        loaded.state.process.next_timer_at)
            loaded.take((parked, []), None)  # a timer that cannot fire would wake this instance forever
            loaded.save()
        return True

    result = scan(platform, due_instances, [ProcessInstance, Dossier], ProcessInstance.id, wake,
                  what="timer of instance")
    return result["done"]
