"""The citizen cannot be locked out by someone else (issue 11 item 8): look-ups are limited per
client and per client-and-code, in the database (shared by workers)."""
from __future__ import annotations

from datetime import timedelta

from api import create_app
from tests.api.helpers import API, SignedIn, problem, receive, simple_package

ATTACKER, CITIZEN = "198.51.100.66", "203.0.113.20"


def _look(client, code, phone4, address):
    return client.get(f"{API}/public/dossiers/{code}?phone4={phone4}", environ_base={"REMOTE_ADDR": address})


def _rules(app):
    settings = app.extensions["motcua"].settings
    return settings.section("security"), settings.section("auth")


def test_guesses_from_another_address_never_lock_the_citizen_out(client, app, publish, clock):
    publish(simple_package())
    code = receive(SignedIn(client, "minhxuan.receiver"))["code"]
    security, auth = _rules(app)
    allowed = security["lookup_failures_per_client_code"]
    guesses = []
    for i in range(25):  # twenty wrong guesses locked everyone out before; the window of one client
        guesses.append(_look(client, code, f"{i:04d}", ATTACKER).status_code)
        if i % (auth["public_lookups_per_minute"] - 1) == 0:
            clock.advance(timedelta(seconds=61))  # stay under the per-minute client limit
    assert guesses == [404] * allowed + [429] * (25 - allowed)
    body = problem(_look(client, code, "5678", ATTACKER), 429)  # the guesser stays stopped, right digits or not
    assert body["retry_after"] >= 1
    assert _look(client, code, "5678", CITIZEN).status_code == 200
    # the citizen's own typo does not lock them either
    assert _look(client, code, "1111", CITIZEN).status_code == 404
    assert _look(client, code, "5678", CITIZEN).get_json()["code"] == code
    # the rating (same check of code and digits) follows the same rule
    problem(client.post(f"{API}/public/dossiers/{code}/rating", json={"phone4": "5678", "satisfied": True},
                        environ_base={"REMOTE_ADDR": ATTACKER}), 429)

    clock.advance(timedelta(seconds=security["lookup_failure_window_seconds"] + 1))
    assert _look(client, code, "5678", ATTACKER).status_code == 200  # the window ends


def test_one_client_is_limited_across_codes(client, app, publish):
    publish(simple_package())
    code = receive(SignedIn(client, "minhxuan.receiver"))["code"]
    per_minute = _rules(app)[1]["public_lookups_per_minute"]
    statuses = [_look(client, f"KHONG-CO-{i}", "1234", ATTACKER).status_code for i in range(per_minute + 2)]
    assert statuses == [404] * per_minute + [429] * 2
    assert _look(client, code, "5678", CITIZEN).status_code == 200


def test_lookup_limits_are_shared_by_worker_processes(settings, clock, people, client, publish):
    publish(simple_package())
    code = receive(SignedIn(client, "minhxuan.receiver"))["code"]
    other = create_app(settings, clock=clock).test_client()
    allowed = settings.section("security")["lookup_failures_per_client_code"]
    for i in range(allowed):
        worker = client if i % 2 else other
        assert _look(worker, code, f"{i:04d}", ATTACKER).status_code == 404
    assert _look(client, code, "5678", ATTACKER).status_code == 429
    assert _look(other, code, "5678", ATTACKER).status_code == 429
