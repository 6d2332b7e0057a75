"""Several schedulers on one database behave as one; downtime is caught up once; a crashed run is retried."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import yaml
from sqlalchemy import func, select

from motcua.config import DEFAULT_CONFIG_FILE, ROOT, load_settings
from motcua.db.models import (
    Event, Notification, NotificationDelivery, Office, ReportRun, SchedulerState, StepRow,
)
from motcua.platform import build_platform
from motcua.seed import seed_people
from motcua.services import dossiers
from scheduler import deadline_watch as deadline_module
from tests.scheduler.helpers import (
    APPLICANT, SIMPLE, actor, at, complete, event_counts, notes, publish, publish_library, receive, tick,
)
from tests.scheduler.test_delivery import Webhook

X = "2026-12-14T09:00:00+07:00"  # Monday: timers, due times, November's report and a reminder all due


def _platform(db_url, clock, config_path=None):
    settings = load_settings(config_path, environ={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})
    return build_platform(settings, clock=clock)


def _workload(platform, clock) -> dict:
    """At Wed 25/11/2026 08:00: dossiers that by X have fired timers, passed due times, or stay paused."""
    with platform.uow() as uow:
        seed_people(uow.session, platform.now())
        uow.commit()
    publish(platform, SIMPLE)
    publish_library(platform, "giay-phep-xay-dung")
    clock.freeze(at("2026-11-25T08:00:00+07:00"))
    simple = [receive(platform, "thu-tuc-thu") for _ in range(8)]
    for code in simple[:4]:
        complete(platform, code, "minhxuan.receiver", {"checked": True})
    permits = [receive(platform, "giay-phep-xay-dung") for _ in range(5)]
    for code in permits:
        complete(platform, code, "minhxuan.receiver")  # appraisal: reminder due Fri 04/12 08:00
    paused = [receive(platform, "thu-tuc-thu") for _ in range(2)]
    for code in paused:
        dossiers.request_supplement(platform, actor(platform, "minhxuan.receiver"), code, "Thiếu", ["Tờ khai"])
    return {"simple": simple, "permits": permits, "paused": paused}


def _offices(platform) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(func.count(Office.id)))


def _assert_each_effect_once(platform, work, results):
    active = work["simple"] + work["permits"]
    offices = _offices(platform)
    assert event_counts(platform, "timer_fired") == Counter({c: 1 for c in work["permits"]})
    assert event_counts(platform, "overdue") == Counter({c: 1 for c in active})
    assert event_counts(platform, "apology_required") == Counter({c: 1 for c in active})
    with platform.uow() as uow:
        s = uow.session
        per_task = Counter(e.data["task_id"] for e in s.scalars(select(Event).where(Event.type == "step_overdue")))
        ready = {t.id for t in s.scalars(select(StepRow).where(StepRow.state == "ready", StepRow.overdue.is_(True)))}
        assert set(per_task) == ready and set(per_task.values()) == {1}
        assert s.scalar(select(func.count(ReportRun.id))) == offices + 1
        reminders = s.scalars(select(Notification).where(Notification.kind == "report_deadline")).all()
        assert len(reminders) == offices  # one leader per office, once
        assert s.scalar(select(func.count(Notification.id)).where(Notification.kind == "reminder")) == len(
            work["permits"])  # one leader at Minh Xuân per fired reminder
    for code in work["paused"]:
        assert code not in event_counts(platform, "overdue")
    # what the processes report adds up: each effect was produced by exactly one of them
    total = Counter()
    for r in results:
        total["timers"] += r["timers"]
        total["overdue"] += r["deadlines"]["overdue"]
        total["apology_required"] += r["deadlines"]["apology_required"]
        total["reports"] += r["reports"]
        total["report_reminders"] += r["report_reminders"]
    assert total == Counter({"timers": len(work["permits"]), "overdue": len(active),
                             "apology_required": len(active), "reports": offices + 1,
                             "report_reminders": 1})


def _config_with_webhook(tmp_path, url) -> str:
    raw = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8"))
    raw["notifications"]["webhook_url"] = url
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


def _ticks(db_url, config, n):
    env = {**os.environ, "DATABASE_URL": db_url, "MOTCUA_ENV": "test", "MOTCUA_CONFIG": config,
           "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "motcua.cli", "scheduler", "tick", "--now", X], env=env,
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(n)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def test_scheduler_processes_racing_produce_each_effect_once(db_url, clock, tmp_path):
    hook = Webhook()
    try:
        config = _config_with_webhook(tmp_path, hook.url)
        platform = _platform(db_url, clock, config)
        work = _workload(platform, clock)
        platform.session_factory.kw["bind"].dispose()

        results = _ticks(db_url, config, 3)
        _assert_each_effect_once(platform, work, results)
        # every notification went out through the webhook exactly once
        with platform.uow() as uow:
            keys = set(uow.session.scalars(select(Notification.key).join(
                NotificationDelivery, NotificationDelivery.notification_id == Notification.id)))
            statuses = set(uow.session.scalars(select(NotificationDelivery.status)))
        posted = Counter(key for key, _ in hook.received)
        assert set(posted) == keys and set(posted.values()) == {1}
        assert statuses == {"sent"}

        again = _ticks(db_url, config, 2)  # nothing is left to do at that instant
        assert all(r["timers"] == 0 and r["reports"] == 0 and r["report_reminders"] == 0 and
                   r["deadlines"]["overdue"] == 0 and r["notifications"]["sent"] == 0 for r in again)
        assert sum(Counter(key for key, _ in hook.received).values()) == len(keys)
        platform.session_factory.kw["bind"].dispose()
    finally:
        hook.close()


def test_scheduler_threads_with_their_own_engines_racing(db_url, clock):
    platform = _platform(db_url, clock)
    work = _workload(platform, clock)
    workers = [_platform(db_url, clock) for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    results, errors = [None] * len(workers), []

    def run(i):
        barrier.wait()
        try:
            results[i] = tick(workers[i], X)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(repr(err))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    _assert_each_effect_once(platform, work, results)
    for p in workers + [platform]:
        p.session_factory.kw["bind"].dispose()


def test_a_scheduler_back_after_a_week_offline_catches_up_once(db_url, clock):
    platform = _platform(db_url, clock)
    work = _workload(platform, clock)
    tick(platform, "2026-11-25T08:00:00+07:00")
    # offline until Monday 14/12 09:00: reminders (due Fri 04/12), due times (30/11, 11/12), the
    # November report (01/12) and both report reminders (08/12, 14/12) fell in the gap. The
    # restarted scheduler (the real APScheduler runner, every job at start, short intervals) runs.
    clock.freeze(at(X))
    from scheduler.runner import build
    fast = _platform(db_url, clock)
    for key in ("timers_interval", "deadlines_interval", "notifications_interval", "reports_interval"):
        fast.settings.raw["scheduler"][key] = 1
    sched = build(fast)
    sched.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with platform.uow() as uow:
                beats = uow.session.scalars(select(SchedulerState).where(SchedulerState.last_run_at == at(X))).all()
            if len(beats) == 6:
                break
            time.sleep(0.2)
        assert len(beats) == 6, [b.job for b in beats]
        time.sleep(3)  # several more runs of every job at the same instant
        assert fast.state["scheduler_status"]() == "running"
    finally:
        sched.shutdown(wait=True)
    assert fast.state["scheduler_status"]() == "stopped"

    active = work["simple"] + work["permits"]
    assert event_counts(platform, "timer_fired") == Counter({c: 1 for c in work["permits"]})
    assert event_counts(platform, "overdue") == Counter({c: 1 for c in active})
    offices = _offices(platform)
    with platform.uow() as uow:
        assert uow.session.scalar(select(func.count(ReportRun.id))) == offices + 1
    (reminder,) = notes(platform, "minhxuan.leader", "report_deadline")  # the 1-day one only
    assert reminder.data["days_before"] == 1
    assert len(notes(platform, "minhxuan.leader", "monthly_report")) == 1
    assert len(notes(platform, "minhxuan.leader", "overdue")) == len(active)
    for p in (fast, platform):
        p.session_factory.kw["bind"].dispose()


def test_a_crashed_run_is_retried_and_does_its_work_once(people, clock, monkeypatch, caplog):
    platform = people
    publish(platform, SIMPLE)
    clock.freeze(at("2026-11-25T08:00:00+07:00"))
    codes = [receive(platform, "thu-tuc-thu") for _ in range(3)]
    real_notify = deadline_module.notify
    broken = []

    def flaky(session, settings, **kw):
        if kw["kind"] == "overdue" and (not broken or broken[0] == kw["subject"]):
            broken[:1] = [kw["subject"]]
            raise ConnectionError(f"lost the database while writing {APPLICANT['name']}'s dossier")
        return real_notify(session, settings, **kw)

    monkeypatch.setattr(deadline_module, "notify", flaky)
    first = tick(platform, "2026-11-30T08:00:00+07:00")["deadlines"]
    assert first["overdue"] == 2  # the failed dossier was rolled back alone; the others committed
    assert sum(event_counts(platform, "overdue").values()) == 2
    # logged by type and place, not by message (a database error's message quotes data)
    assert "ConnectionError" in caplog.text and APPLICANT["name"] not in caplog.text
    monkeypatch.setattr(deadline_module, "notify", real_notify)  # the fault is gone
    second = tick(platform, "2026-11-30T08:01:00+07:00")["deadlines"]
    assert second["overdue"] == 1
    assert event_counts(platform, "overdue") == Counter({c: 1 for c in codes})
    assert len(notes(platform, "minhxuan.leader", "overdue")) == 3
    assert tick(platform, "2026-11-30T09:00:00+07:00")["deadlines"]["overdue"] == 0


@pytest.mark.parametrize("job", ["reports", "report_reminders"])
def test_a_job_that_raises_is_retried_at_the_next_tick(people, clock, monkeypatch, job):
    from scheduler import jobs
    real = jobs.JOBS[job]
    calls = []

    def crash_once(platform, now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("killed")
        return real(platform, now)

    monkeypatch.setitem(jobs.JOBS, job, crash_once)
    with pytest.raises(jobs.JobsFailed) as err:
        tick(people, X)
    assert list(err.value.failed) == [job] and "timers" in err.value.results  # the others ran
    assert tick(people, X)[job] >= 1
    assert tick(people, X)[job] == 0
