"""Issue 10/11: replay survives hostile histories without false alarms.

Step data nested as deep as the platform accepted, and text that looks like a printed Python
function, replay consistently when nobody touched them; the same things changed behind the
platform's back (a 100k-deep list written into a stored row or into an event) give a finding at
the right event, never a crash or a 500.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.audit.test_replay import (
    assert_consistent, audit, engine_of, receive, step_of,
)

PRINTED = "<function kiem_tra at 0x7f3a2c1d9e40>"
DEEP = 100_000


def deep_text(depth: int) -> str:
    return "[" * depth + "]" * depth


def try_complete(login, user, dossier, data, raw: str | None = None):
    """Complete the dossier's step; `raw`: the JSON text of `data` (too deep for the test client)."""
    api = login(user)
    body = '{"data": ' + (raw if raw is not None else json.dumps(data)) + "}"
    return api.client.post(f"/api/v1/tasks/{step_of(dossier)}/complete", data=body,
                           content_type="application/json", headers=api.headers)


def seq_of(events, type_, step=None) -> int:
    return next(e["seq"] for e in events if e["type"] == type_ and (step is None or e["step"] == step))


def test_deep_step_data_the_platform_accepted_replays_consistently(simple, login, clock):
    dossier = receive(login)
    clock.advance(timedelta(hours=1))
    accepted = None
    # Forms are closed: the deep value goes where the desk form leaves an object open (items[].extra);
    # the API refuses JSON nested deeper than security.json_max_depth (64) with a 400.
    for depth in (2000, 900, 500, 300, 150, 55):
        r = try_complete(login, "minhxuan.receiver", dossier, None,
                         raw='{"checked": true, "items": [{"name": "Tờ khai", "extra": {"deep": '
                             + deep_text(depth) + "}}]}")
        if r.status_code == 200:
            accepted, dossier = depth, r.get_json()
            break
        assert r.status_code < 500 or depth > 150, (depth, r.status_code)
    assert accepted is not None and accepted >= 55
    print("deepest step data the platform stored:", accepted)
    assert_consistent(login, dossier["code"])


def test_text_that_prints_a_function_replays_consistently_and_its_change_is_found(simple, app, login, clock):
    dossier = receive(login)
    clock.advance(timedelta(hours=1))
    r = try_complete(login, "minhxuan.receiver", dossier, {"checked": True, "note": PRINTED})
    assert r.status_code == 200, r.get_json()
    dossier = r.get_json()
    r = try_complete(login, "minhxuan.specialist", dossier, {"decision": "approve", "opinion": f"Xem {PRINTED}"})
    assert r.status_code == 200, r.get_json()
    code = r.get_json()["code"]
    result = assert_consistent(login, code)
    completed = seq_of(result["events"], "step_completed", "receive")

    # the same text with another address, written straight into the stored row
    with engine_of(app).begin() as conn:
        conn.execute(text("UPDATE tasks SET data = :d WHERE bpmn_id = 'receive' AND dossier_id = "
                          "(SELECT id FROM dossiers WHERE code = :c)"),
                     {"d": json.dumps({"checked": True, "note": PRINTED.replace("9e40", "0000")}), "c": code})
    replay = audit(login, code)["replay"]
    assert (replay["consistent"], replay["diverged_at"]) == (False, completed), replay
    assert "receive" in replay["detail"] and "data" in replay["detail"]


@pytest.fixture
def approving(simple, login, clock):
    dossier = receive(login)
    clock.advance(timedelta(hours=1))
    r = try_complete(login, "minhxuan.receiver", dossier, {"checked": True})
    assert r.status_code == 200, r.get_json()
    result = assert_consistent(login, dossier["code"])
    return dossier["code"], seq_of(result["events"], "step_completed", "receive")


def test_a_100k_deep_list_written_into_a_stored_row_is_a_finding(approving, app, login):
    code, completed = approving
    with engine_of(app).begin() as conn:
        conn.execute(text("UPDATE tasks SET data = :d WHERE bpmn_id = 'receive' AND dossier_id = "
                          "(SELECT id FROM dossiers WHERE code = :c)"), {"d": deep_text(DEEP), "c": code})
    result = audit(login, code)                       # answered, not a 500
    assert result["chain_valid"] is True
    replay = result["replay"]
    assert (replay["consistent"], replay["diverged_at"]) == (False, completed), replay
    assert "receive" in replay["detail"] and "data" in replay["detail"]


def test_a_100k_deep_list_written_into_the_stored_workflow_is_a_finding(approving, app, login):
    code, completed = approving
    with engine_of(app).begin() as conn:
        row = conn.execute(text("SELECT p.id, p.state FROM process_instances p JOIN dossiers d "
                                "ON d.id = p.dossier_id WHERE d.code = :c"), {"c": code}).one()
        state = row.state.replace('"checked": true', '"checked": ' + deep_text(DEEP), 1)
        assert state != row.state
        conn.execute(text("UPDATE process_instances SET state = :s WHERE id = :i"), {"s": state, "i": row.id})
    replay = audit(login, code)["replay"]
    assert replay["consistent"] is False and replay["diverged_at"] is not None, replay


def test_a_100k_deep_list_written_into_an_event_is_a_finding(approving, app, login):
    code, completed = approving
    with engine_of(app).begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")
        else:
            conn.exec_driver_sql("DROP TRIGGER events_no_update")
        conn.execute(text("UPDATE events SET data = :d WHERE seq = :s AND dossier_id = "
                          "(SELECT id FROM dossiers WHERE code = :c)"),
                     {"d": '{"task_id": "x", "data": ' + deep_text(DEEP) + "}", "s": completed, "c": code})
        if pg:
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_append_only")
        else:
            conn.exec_driver_sql("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                                 "BEGIN SELECT RAISE(ABORT, 'events are append-only (UPDATE refused)'); END")
    result = audit(login, code)
    assert result["chain_valid"] is False and result["first_broken"] == completed
    replay = result["replay"]
    assert (replay["consistent"], replay["diverged_at"]) == (False, completed), replay
