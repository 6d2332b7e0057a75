"""API answers are not cached or sniffed, an access log is kept without personal data, 403s and
429s are security events (issue 11 item 7), and reads never wait for a writer (item 1)."""
from __future__ import annotations

import logging
import sqlite3
import threading
import time

from sqlalchemy import create_engine, text

from tests.api.helpers import API, APPLICANT, SignedIn, receive, simple_package


def test_api_answers_are_not_stored_or_sniffed(client, publish):
    publish(simple_package())
    desk = SignedIn(client, "minhxuan.receiver")
    code = receive(desk)["code"]
    answers = [desk.get(f"{API}/dossiers/{code}"), desk.get(f"{API}/users/me"), desk.get(f"{API}/dossiers"),
               client.get(f"{API}/public/dossiers/{code}?phone4=5678"), desk.get(f"{API}/dossiers/KHONG-CO"),
               client.get(f"{API}/users/me"), desk.get(f"{API}/dossiers/{code}/documents/receipt")]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 404, 401, 200]
    for answer in answers:
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_access_log_and_security_events_carry_no_personal_data(client, publish, caplog):
    publish(simple_package())
    desk = SignedIn(client, "minhxuan.receiver")
    code = receive(desk)["code"]
    caplog.set_level(logging.INFO)
    client.get(f"{API}/public/dossiers/{code}?phone4=5678", environ_base={"REMOTE_ADDR": "192.0.2.33"})
    desk.get(f"{API}/dossiers/{code}")
    desk.post(f"{API}/offices", json={"code": "X.Y", "name": "Không được", "level": "commune"})  # 403
    access = [r.getMessage() for r in caplog.records if r.name == "motcua.access"]
    security = [r.getMessage() for r in caplog.records if r.name == "motcua.security"]
    assert any("GET /api/v1/public/dossiers/<code> 200" in line for line in access)
    assert any("GET /api/v1/dossiers/<code> 200" in line and "user_id=" in line for line in access)
    assert any(line.startswith("forbidden method=POST route=/api/v1/offices") for line in security)
    digits = APPLICANT["phone"].replace(" ", "")
    for line in access + security:
        for secret in (code, "5678", digits, APPLICANT["id_number"], APPLICANT["name"], "minhxuan.receiver",
                       "192.0.2.33", "phone4"):
            assert secret not in line, (secret, line)


def _hold_write_lock(db_url, ready: threading.Event, release: threading.Event):
    """Another writer in the middle of a long step: SQLite's write lock, or PostgreSQL row locks."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE users SET full_name = full_name")
        ready.set()
        release.wait(30)
        conn.execute("ROLLBACK")
        conn.close()
        return
    engine = create_engine(db_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1 FROM users FOR UPDATE"))
        conn.execute(text("SELECT 1 FROM api_tokens FOR UPDATE"))
        conn.execute(text("SELECT 1 FROM dossiers FOR UPDATE"))
        ready.set()
        release.wait(30)
        conn.rollback()
    engine.dispose()


def test_reads_do_not_wait_for_a_writer(client, publish, db_url):
    """Every authenticated request, even a read, used to open a write transaction: one slow step
    made everyone wait. Reads now answer while a writer holds its lock."""
    publish(simple_package())
    desk = SignedIn(client, "minhxuan.receiver")
    code = receive(desk)["code"]
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db_url, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        statuses = [desk.get(f"{API}/users/me").status_code, desk.get(f"{API}/dossiers/{code}").status_code,
                    desk.get(f"{API}/dossiers").status_code, desk.get(f"{API}/tasks?scope=candidate").status_code,
                    desk.get(f"{API}/offices").status_code, desk.get(f"{API}/dossiers/{code}/history").status_code]
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(30)
    assert statuses == [200] * 6
    assert elapsed < 5, elapsed  # the busy timeout is 30 s: a read that queued for the lock would show
