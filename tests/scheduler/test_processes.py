"""`motcua serve` runs the scheduler in process, `motcua scheduler` alone, `motcua scheduler tick` once;
the schema of migration 0002 is what the models say; logs carry no citizen's personal data."""
from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from motcua.config import ROOT
from motcua.db.models import Base, SchedulerState
from motcua.db.session import make_engine
from tests.scheduler.helpers import PERSONAL, SIMPLE, at, complete, publish, publish_library, receive, tick

MOTCUA = [sys.executable, "-m", "motcua.cli"]
SCHEDULER_TABLES = {"scheduler_effects", "notifications", "notification_deliveries", "apology_drafts",
                    "late_handlings", "report_runs"}


def _env(db_url, **extra):
    return {**os.environ, "DATABASE_URL": db_url, "MOTCUA_ENV": "test", "PYTHONPATH": str(ROOT), **extra}


def _jobs_seen(db_url) -> set:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {r.job for r in conn.execute(select(SchedulerState.job, SchedulerState.heartbeat_at))
                    if r.heartbeat_at is not None}
    finally:
        engine.dispose()


def _wait(predicate, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_migration_0002_matches_the_models(db_url, people):
    engine = people.session_factory.kw["bind"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if any(t in repr(d) for t in SCHEDULER_TABLES | {"ix_tasks_state_due"})]
    assert ours == []


def test_tick_command_prints_what_each_job_did(db_url, people, clock):
    publish(people, SIMPLE)
    receive(people, "thu-tuc-thu")
    people.session_factory.kw["bind"].dispose()
    out = subprocess.run(MOTCUA + ["scheduler", "tick", "--now", "2026-11-30T08:00:00+07:00"], env=_env(db_url),
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(result) == {"timers", "deadlines", "feedback", "reports", "report_reminders", "saturday_desks",
                           "calendar_years", "files_cleanup", "notifications"}
    assert result["deadlines"]["overdue"] == 1
    assert not any(p in out.stdout + out.stderr for p in PERSONAL)
    bad = subprocess.run(MOTCUA + ["scheduler", "tick", "--now", "mai"], env=_env(db_url), cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "ISO 8601" in bad.stderr


def test_scheduler_command_runs_the_scheduler_alone(db_url, people):
    people.session_factory.kw["bind"].dispose()
    proc = subprocess.Popen(MOTCUA + ["scheduler"], env=_env(db_url), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        from scheduler.jobs import JOBS
        assert _wait(lambda: _jobs_seen(db_url) >= set(JOBS)), "the scheduler did not run every job"
        assert proc.poll() is None  # still running, waiting for the next intervals
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_the_scheduler_in_process(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    port = _free_port()
    proc = subprocess.Popen(MOTCUA + ["serve", "--port", str(port)], env=_env(db_url), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def health():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            return None
    try:
        assert _wait(lambda: health() is not None), "the server did not start"
        assert health()["scheduler"] == "running"
        assert _wait(lambda: len(_jobs_seen(db_url)) == 6), "the embedded scheduler did not run every job"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_scheduler_logs_and_notifications_carry_no_personal_data(people, clock, caplog):
    platform = people
    publish(platform, SIMPLE)
    publish_library(platform, "giay-phep-xay-dung")
    clock.freeze(at("2026-11-25T08:00:00+07:00"))
    receive(platform, "thu-tuc-thu")
    permit = receive(platform, "giay-phep-xay-dung")
    complete(platform, permit, "minhxuan.receiver")
    with caplog.at_level(logging.DEBUG):
        for instant in ("2026-11-27T08:00:00+07:00", "2026-12-04T08:00:00+07:00", "2026-12-14T09:00:00+07:00",
                        "2027-01-04T08:00:00+07:00"):
            tick(platform, instant)
    assert not any(p in caplog.text for p in PERSONAL)
    with platform.uow() as uow:
        rows = uow.session.execute(text("SELECT title, body, data FROM notifications")).all()
        drafts = uow.session.execute(text("SELECT reason FROM apology_drafts")).all()
        reports = uow.session.execute(text("SELECT figures FROM report_runs")).all()
    assert rows and drafts and reports
    blob = json.dumps([list(r) for r in rows + drafts + reports], ensure_ascii=False, default=str)
    assert not any(p in blob for p in PERSONAL)
