"""APScheduler wiring: in `motcua serve` (embedded default) or alone in `motcua scheduler`.

Every process may run it: the jobs coordinate through the database (scheduler/claims.py), so
two `motcua scheduler` processes, or one beside an embedded one, behave as one. Every job also
runs once right at start, which is how a scheduler back from downtime catches up: once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

from motcua.clock import VN_TZ
from motcua.db.models import SchedulerState
from scheduler.jobs import JOBS, run_job
from scheduler.claims import log_failure

log = logging.getLogger("motcua.scheduler")

# job -> the key of its interval (seconds) in the scheduler section of config.yaml
INTERVALS = {
    "timers": "timers_interval",
    "deadlines": "deadlines_interval",
    "feedback": "deadlines_interval",
    "notifications": "notifications_interval",
    "reports": "reports_interval",
    "report_reminders": "reports_interval",
    "saturday_desks": "reports_interval",
    "calendar_years": "reports_interval",
    "files_cleanup": "reports_interval",
}


def _wrap(platform, name):
    def run():
        try:
            run_job(platform, name, platform.now(), wall=datetime.now(VN_TZ))
        except Exception as err:  # noqa: BLE001 - one failed run must not stop the scheduler
            log_failure(f"scheduler job {name} failed; it runs again at its next interval", err)
    run.__name__ = f"motcua_{name}"
    return run


def build(platform, *, blocking: bool = False):
    cfg = platform.settings.section("scheduler")
    sched = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="Asia/Ho_Chi_Minh")
    start = datetime.now(VN_TZ)
    for i, name in enumerate(JOBS):
        key = INTERVALS.get(name, "reports_interval")
        sched.add_job(_wrap(platform, name), "interval", seconds=max(1, int(cfg[key])), id=name,
                      max_instances=1, coalesce=True, misfire_grace_time=None,
                      next_run_time=start + timedelta(seconds=i))  # every job once at start: the catch-up
    platform.state["scheduler_status"] = lambda: "running" if sched.running else "stopped"
    return sched


def status(platform, *, stale_after: timedelta = timedelta(minutes=5)) -> str:
    """`running` when this process runs the scheduler or another one beat recently; else `stopped`.

    For /health in an API process whose scheduler runs as its own `motcua scheduler` process.
    """
    local = platform.state.get("scheduler_status")
    if local is not None and local() == "running":
        return "running"
    with platform.uow() as uow:
        beat = uow.session.scalar(select(SchedulerState.heartbeat_at).order_by(
            SchedulerState.heartbeat_at.desc().nulls_last()).limit(1))
    return "running" if beat is not None and datetime.now(VN_TZ) - beat < stale_after else "stopped"
