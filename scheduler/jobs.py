"""The scheduler's jobs. Each takes `now` explicitly, so a tick can run them at any instant.

Each job claims its rows (SKIP LOCKED on PostgreSQL) or its singleton lock, and every effect is
keyed so that a job run twice, in two processes, or after a week offline does its work once
(scheduler/claims.py). The order of a tick matters: timers first (they may open steps), then
the deadline watch, the periodic jobs, and last the delivery of what they all produced.
"""
from __future__ import annotations

from datetime import datetime

from engine import timer_clock
from scheduler.calendar_years import warn_unconfirmed_year
from scheduler.deadline_watch import watch_deadlines
from scheduler.delivery import deliver_notifications
from scheduler.desks import saturday_desks
from scheduler.files_cleanup import remove_unattached_files
from scheduler.feedback_watch import watch_feedback
from scheduler.claims import log_failure, record_run
from scheduler.monthly_reports import monthly_reports, report_reminders
from scheduler.bpmn_timers import fire_timers

JOBS = {
    "timers": fire_timers,
    "deadlines": watch_deadlines,
    "feedback": watch_feedback,
    "reports": monthly_reports,
    "report_reminders": report_reminders,
    "saturday_desks": saturday_desks,
    "calendar_years": warn_unconfirmed_year,
    "files_cleanup": remove_unattached_files,
    "notifications": deliver_notifications,
}


class JobsFailed(RuntimeError):
    """Some jobs of a tick raised; the others ran. Each is retried at its next run."""

    def __init__(self, failed: dict, results: dict):
        super().__init__("scheduler jobs failed: " + ", ".join(f"{k} ({v})" for k, v in failed.items()))
        self.failed, self.results = failed, results


def run_job(platform, name: str, now: datetime, *, wall: datetime | None = None):
    """One job at `now`: SpiffWorkflow's timers in this thread see `now` too (engine.timer_clock)."""
    with timer_clock.frozen_at(now):
        result = JOBS[name](platform, now)
    record_run(platform, name, now, wall=wall)
    return result


def tick(platform, now: datetime) -> dict:
    """Run every job once at `now` (CLI `motcua scheduler tick --now ISO`), then return what each did."""
    results, failed = {}, {}
    for name in JOBS:
        try:
            results[name] = run_job(platform, name, now)
        except Exception as err:  # noqa: BLE001 - the other jobs still run; this one is retried
            log_failure(f"scheduler job {name} failed", err)
            failed[name] = type(err).__name__
    if failed:
        raise JobsFailed(failed, results)
    return results


__all__ = ["JOBS", "JobsFailed", "fire_timers", "run_job", "tick", "watch_deadlines"]
