"""Many processes on one PostgreSQL (issue 16 item 4): four API workers under gunicorn
(`motcua serve --workers 4`) and two `motcua scheduler` processes, all real subprocesses with a
clock started by MOTCUA_CLOCK_START, under concurrent load from several client processes
(tests/scale/load_client.py: receipts, claims, completions, supplements, a race on one step) while
the schedulers tick on their own every second (a configuration file). Then nothing is lost or
done twice: every accepted receipt and completion is stored once, each history is gap-free and
verifies (`POST /audit/verify`), each deadline effect and notification exists once."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from motcua.clock import VN_TZ, Clock
from motcua.config import ROOT, load_settings
from motcua.db.migrate import upgrade
from motcua.platform import build_platform
from motcua.seed import seed_demo
from tests.conftest import PG_AVAILABLE, PG_URL
from tests.scheduler.helpers import receive

pytestmark = pytest.mark.skipif(not PG_AVAILABLE, reason="needs PostgreSQL (TEST_DATABASE_URL): several "
                                "processes share one database only there")

MOTCUA = [sys.executable, "-m", "motcua.cli"]
CLOCK_START = "2026-11-25T08:00:00+07:00"  # Wednesday, desks open
CLIENTS, PER_CLIENT = 4, 3
CONFIG = """
scheduler:
  in_process: false
  timers_interval: 1
  deadlines_interval: 1
  notifications_interval: 1
  reports_interval: 3
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, seconds=90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def database():
    """A database of its own, created and dropped here (the processes connect to it by name)."""
    name = f"motcua_many_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url: str, env: dict) -> list[str]:
    """Migrate, seed, and receive three dossiers a week earlier: by the clock start they are late,
    so the two schedulers race to flag them (overdue, apology draft, notifications)."""
    clock = Clock()
    clock.freeze(datetime(2026, 11, 17, 9, 0, tzinfo=VN_TZ))
    platform = build_platform(load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"}), clock=clock)
    upgrade(platform.session_factory.kw["bind"])
    seed_demo(platform)
    late = [receive(platform, "trich-luc-ho-tich") for _ in range(3)]
    platform.session_factory.kw["bind"].dispose()
    return late


def _health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=3) as r:
            return json.loads(r.read())
    except OSError:
        return None


def _verify(port) -> dict:
    def call(path, body, token=None):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": "application/json",
                                                                 **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(request, timeout=300) as r:
            return json.loads(r.read())
    token = call("/api/v1/auth/token", {"username": "auditor", "password": "motcua-demo"})["access_token"]
    return call("/api/v1/audit/verify", {}, token)


def test_four_workers_and_two_schedulers_lose_and_repeat_nothing(database, tmp_path):
    config = tmp_path / "many.yaml"
    config.write_text(CONFIG)
    env = {**os.environ, "DATABASE_URL": database, "MOTCUA_ENV": "test", "MOTCUA_CONFIG": str(config),
           "PYTHONPATH": str(ROOT), "MOTCUA_INSTANCE": str(tmp_path / "instance")}
    late = _prepare(database, env)
    env["MOTCUA_CLOCK_START"] = CLOCK_START
    port = _free_port()
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("api", "scheduler1", "scheduler2")}
    api = subprocess.Popen(MOTCUA + ["serve", "--workers", "4", "--port", str(port)], env=env, cwd=ROOT,
                           stdout=logs["api"], stderr=subprocess.STDOUT)
    schedulers = [subprocess.Popen(MOTCUA + ["scheduler"], env=env, cwd=ROOT, stdout=logs[f"scheduler{i}"],
                                   stderr=subprocess.STDOUT) for i in (1, 2)]
    started = time.monotonic()
    try:
        assert _wait(lambda: _health(port) is not None), (tmp_path / "api.log").read_text()[-3000:]
        workers = subprocess.run(["pgrep", "-P", str(api.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) == 4  # gunicorn's master and its four workers
        # the race is on one step, named before the clients start: a client that read the dossier
        # after the winner moved it would otherwise aim at the next step (another lane: a 403)
        with create_engine(database).connect() as conn:
            race = conn.execute(text("SELECT t.id FROM tasks t JOIN dossiers d ON d.id = t.dossier_id "
                                     "WHERE d.code = :code AND t.state = 'ready'"), {"code": late[0]}).scalar_one()
        clients = [subprocess.Popen([sys.executable, str(ROOT / "tests" / "scale" / "load_client.py"),
                                     f"http://127.0.0.1:{port}", str(n), str(PER_CLIENT), race],
                                    env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for n in range(CLIENTS)]
        results = []
        for c in clients:
            out, err = c.communicate(timeout=240)
            assert c.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
        time.sleep(3)  # the schedulers' next ticks: notifications delivered, nothing left due
        assert api.poll() is None and all(s.poll() is None for s in schedulers)
        audit = _verify(port)
    finally:
        for proc in [api, *schedulers]:
            proc.terminate()
        for proc in [api, *schedulers]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for f in logs.values():
            f.close()
    elapsed = time.monotonic() - started

    received = [code for r in results for code in r["received"]]
    completed = [task for r in results for task in r["completed"]]
    assert len(received) == CLIENTS * PER_CLIENT == len(set(received))
    race_wins = [r["race"][1] for r in results]
    assert race_wins.count(200) == 1 and set(race_wins) <= {200, 409}, race_wins
    assert len(completed) == len(set(completed))

    engine = create_engine(database)
    with engine.connect() as conn:
        codes = set(conn.scalars(text("SELECT code FROM dossiers")))
        assert codes == set(received) | set(late)
        # every completion a client was told of is stored, once; no other completion exists
        done = dict(conn.execute(text("SELECT id, state FROM tasks WHERE state = 'completed'")).all())
        expected = set(completed) | {r["race"][0] for r in results if r["race"][1] == 200}
        assert set(done) == expected
        per_step = Counter(conn.scalars(text(
            "SELECT data::json->>'task_id' FROM events WHERE type = 'step_completed'")))
        assert set(per_step) == expected and set(per_step.values()) == {1}
        # histories: gap-free, numbered 1..last, as the dossier row says
        for dossier_id, count, low, high, last in conn.execute(text(
                "SELECT d.id, count(e.id), min(e.seq), max(e.seq), d.last_event_seq FROM dossiers d "
                "JOIN events e ON e.dossier_id = d.id GROUP BY d.id")):
            assert (count, low, high) == (last, 1, last), dossier_id
        supplements = sum(r["supplement_requests"] for r in results)
        assert conn.scalar(text("SELECT count(*) FROM events WHERE type = 'supplement_requested'")) == supplements
        assert conn.scalar(text("SELECT count(*) FROM events WHERE type = 'supplemented'")) == supplements
        # the late dossiers: flagged once each, by one of the two schedulers, with one notice each
        overdue = Counter(conn.scalars(text(
            "SELECT d.code FROM events e JOIN dossiers d ON d.id = e.dossier_id WHERE e.type = 'overdue'")))
        assert overdue == Counter({code: 1 for code in late[1:]}) or overdue == Counter({code: 1 for code in late})
        flagged = set(conn.scalars(text("SELECT code FROM dossiers WHERE overdue")))
        assert set(late[1:]) <= flagged
        notices = conn.execute(text(
            "SELECT kind, user_id, dossier_id, due_at, data, count(*) FROM notifications "
            "GROUP BY kind, user_id, dossier_id, due_at, data HAVING count(*) > 1")).all()
        assert notices == []
        assert conn.scalar(text("SELECT count(*) FROM notifications WHERE kind = 'overdue'")) >= 2
        deliveries = conn.execute(text(
            "SELECT notification_id, channel, count(*) FROM notification_deliveries "
            "GROUP BY notification_id, channel HAVING count(*) > 1")).all()
        assert deliveries == []
        drafts = conn.execute(text("SELECT dossier_id, due_at, count(*) FROM apology_drafts "
                                   "GROUP BY dossier_id, due_at HAVING count(*) > 1")).all()
        assert drafts == []
    engine.dispose()
    assert audit["broken"] == [] and audit["checked"] == len(codes)
    assert elapsed < 420  # a bound for a machine shared with other test runs (4.4 min measured at load 30)
