"""Sign-in resists guessing (issue 11 item 6): per-address and per-account throttles kept in the
database, a cap on concurrent hashing, and failed sign-ins logged without personal data."""
from __future__ import annotations

import logging
from datetime import timedelta

from api import create_app
from motcua.services import passwords
from tests.api.helpers import API, problem

DEMO = "motcua-demo"


def _sign_in(client, username, password=DEMO, address="127.0.0.1"):
    return client.post(f"{API}/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _security(app) -> dict:
    return app.extensions["motcua"].settings.section("security")


def test_a_spray_of_user_names_from_one_address_meets_a_limit(client, app):
    """653 user names a minute from one address met no limit: now the address is stopped."""
    allowed = _security(app)["login_failures_per_address"]
    statuses = [_sign_in(client, f"nguoi.doan.{i}", "doan-bua-di", "198.51.100.9").status_code
                for i in range(allowed + 3)]
    assert statuses == [401] * allowed + [429] * 3
    refused = _sign_in(client, "minhxuan.receiver", DEMO, "198.51.100.9")  # even a right password, from there
    body = problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1 and body["retry_after"] >= 1
    assert _sign_in(client, "minhxuan.receiver", DEMO, "198.51.100.10").status_code == 200  # others are not


def test_failures_per_account_across_addresses_meet_increasing_delays(client, app, clock):
    rules = _security(app)
    free, base = rules["login_account_free_failures"], rules["login_account_delay_seconds"]
    for i in range(free):  # each guess from a different address: the per-address limit never fires
        assert _sign_in(client, "minhxuan.leader", f"doan-{i}-sai", f"192.0.2.{i + 1}").status_code == 401
    refused = _sign_in(client, "minhxuan.leader", DEMO, "192.0.2.200")  # the owner, elsewhere, waits too
    assert refused.status_code == 429 and base - 1 <= int(refused.headers["Retry-After"]) <= base
    assert _sign_in(client, "minhxuan.specialist", DEMO, "192.0.2.200").status_code == 200  # other accounts: fine

    clock.advance(timedelta(seconds=base + 1))
    assert _sign_in(client, "minhxuan.leader", "van-doan-sai", "192.0.2.50").status_code == 401
    second = _sign_in(client, "minhxuan.leader", DEMO, "192.0.2.201")
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > base  # the delay doubled

    clock.advance(timedelta(seconds=2 * base + 1))
    assert _sign_in(client, "minhxuan.leader", DEMO, "192.0.2.202").status_code == 200
    # a success clears the run of failures: the next mistake is free again
    assert _sign_in(client, "minhxuan.leader", "lai-sai-mot-lan", "192.0.2.203").status_code == 401
    assert _sign_in(client, "minhxuan.leader", DEMO, "192.0.2.204").status_code == 200


def test_throttles_are_shared_by_worker_processes(settings, clock, people, client):
    """Two applications on one database (two API workers) see one count."""
    other = create_app(settings, clock=clock).test_client()
    for i in range(3):
        assert _sign_in(client, "stp.leader", f"sai-{i}-lan", "192.0.2.77").status_code == 401
    for i in range(2):
        assert _sign_in(other, "stp.leader", f"sai-khac-{i}", "192.0.2.78").status_code == 401
    assert _sign_in(other, "stp.leader", DEMO, "192.0.2.79").status_code == 429
    assert _sign_in(client, "stp.leader", DEMO, "192.0.2.79").status_code == 429


def test_hashing_is_capped_and_a_request_without_a_slot_gets_503(settings, clock, people):
    settings.raw["security"] = {**settings.section("security"), "password_hash_concurrency": 1,
                                "password_hash_wait_seconds": 0.05}
    app = create_app(settings, clock=clock)
    client = app.test_client()
    slots = passwords.slots(app.extensions["motcua"])
    with slots:  # another request is hashing
        busy = _sign_in(client, "minhxuan.receiver")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert busy.mimetype == "application/problem+json"
    assert _sign_in(client, "minhxuan.receiver").status_code == 200  # the slot is free again
    # a busy answer is not a failed sign-in: it counted nothing against the account
    assert _sign_in(client, "minhxuan.receiver").status_code == 200


def test_failed_sign_ins_are_security_events_without_personal_data(client, caplog):
    caplog.set_level(logging.INFO)
    _sign_in(client, "minhxuan.receiver", "sai-mat-khau-roi", "192.0.2.90")
    _sign_in(client, "ai.do.khong.co", "sai-mat-khau-roi", "192.0.2.90")
    events = [r.getMessage() for r in caplog.records if r.name == "motcua.security"]
    failed = [e for e in events if e.startswith("login_failed")]
    assert len(failed) == 2
    assert "account_id=unknown" in failed[1] and "account_id=unknown" not in failed[0]
    for line in events + [r.getMessage() for r in caplog.records if r.name == "motcua.access"]:
        assert "minhxuan" not in line and "ai.do" not in line and "192.0.2.90" not in line
        assert "sai-mat-khau" not in line
