"""APScheduler wiring: in `motcua serve` (embedded default) or alone in `motcua scheduler`."""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from scheduler.jobs import fire_timers, watch_deadlines

log = logging.getLogger("motcua.scheduler")


def _wrap(platform, job):
    def run():
        try:
            job(platform, platform.now())
        except Exception:  # noqa: BLE001 - one failed run must not stop the scheduler
            log.exception("scheduler job %s failed; it runs again at its next interval", job.__name__)
    run.__name__ = job.__name__
    return run


def build(platform, *, blocking: bool = False):
    cfg = platform.settings.section("scheduler")
    sched = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="Asia/Ho_Chi_Minh")
    sched.add_job(_wrap(platform, fire_timers), "interval", seconds=int(cfg.get("timers_interval", 30)),
                  id="timers", max_instances=1, coalesce=True)
    sched.add_job(_wrap(platform, watch_deadlines), "interval", seconds=int(cfg.get("deadlines_interval", 60)),
                  id="deadlines", max_instances=1, coalesce=True)
    platform.state["scheduler_status"] = lambda: "running" if sched.running else "stopped"
    return sched
