"""Issue 6: a changed, deleted or swapped event is detected, and the first broken seq is named.

The database refuses UPDATE and DELETE on events (triggers); to tamper, each test switches the
guard off inside its own transaction, the way someone with direct database access would, and
puts it back before committing. Detection is checked on every surface: the dossier's audit
(GET …/audit), the check of all chains (POST /audit/verify) and the CLI (`motcua audit verify`).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from motcua.cli import main

FIXTURE = Path(__file__).parent.parent / "fixtures" / "simple"
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}


def simple_package() -> dict:
    return {
        "manifest": yaml.safe_load((FIXTURE / "manifest.yaml").read_text(encoding="utf-8")),
        "bpmn": (FIXTURE / "process.bpmn").read_text(encoding="utf-8"),
        "forms": {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (FIXTURE / "forms").glob("*.json")},
    }


def engine_of(app):
    return app.extensions["motcua"].session_factory.kw["bind"]


@contextmanager
def tampering(app):
    """A connection on which events can be changed: the append-only guard is off until the end."""
    engine = engine_of(app)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")
            yield conn
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_append_only")
        else:
            conn.exec_driver_sql("DROP TRIGGER events_no_update")
            conn.exec_driver_sql("DROP TRIGGER events_no_delete")
            yield conn
            for verb in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
                                     f"BEGIN SELECT RAISE(ABORT, 'events are append-only ({verb} refused)'); END")


def dossier_id(conn, code) -> int:
    return conn.execute(text("SELECT id FROM dossiers WHERE code = :c"), {"c": code}).scalar_one()


def drive_to_done(login) -> str:
    """A dossier of the test procedure through all three steps: 8 events."""
    desk = login("minhxuan.receiver")
    r = desk.post("/api/v1/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": {"copies": 2, "fee_per_copy": 5000}, "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert r.status_code == 201, r.get_json()
    dossier = r.get_json()
    for user, data in (("minhxuan.receiver", {"checked": True}),
                       ("minhxuan.specialist", {"decision": "approve", "opinion": "Đủ điều kiện"}),
                       ("minhxuan.leader", {"signed": True})):
        task = dossier["current_steps"][0]["task_id"]
        r = login(user).post(f"/api/v1/tasks/{task}/complete", json={"data": data})
        assert r.status_code == 200, r.get_json()
        dossier = r.get_json()
    assert dossier["status"] == "done"
    return dossier["code"]


@pytest.fixture
def two_dossiers(login, publish):
    publish(simple_package())
    return drive_to_done(login), drive_to_done(login)


def audit_of(login, code) -> dict:
    r = login("auditor").get(f"/api/v1/dossiers/{code}/audit")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def verify(login) -> dict:
    r = login("auditor").post("/api/v1/audit/verify")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def cli(db_url, *args):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})


def assert_detected(login, db_url, tampered, intact, seq):
    audit = audit_of(login, tampered)
    assert audit["chain_valid"] is False
    assert audit["first_broken"] == seq
    assert audit_of(login, intact)["chain_valid"] is True
    result = verify(login)
    assert result["checked"] == 2
    assert result["broken"] == [tampered]
    assert result["first_broken"] == {tampered: seq}
    out = cli(db_url, "audit", "verify")
    assert out.exit_code == 1, out.output
    assert tampered in out.output and intact not in out.output
    assert "2 hồ sơ" in out.output


def test_intact_histories_verify(two_dossiers, login, db_url):
    first, second = two_dossiers
    audit = audit_of(login, first)
    assert audit["chain_valid"] is True and audit["first_broken"] is None
    events = audit["events"]
    assert [e["seq"] for e in events] == list(range(1, 9))
    assert events[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:]))
    assert verify(login) == {"checked": 2, "broken": [], "first_broken": {}, "calendar_chain_valid": True,
                             "calendar_first_broken": None, "full": False}
    out = cli(db_url, "audit", "verify")
    assert out.exit_code == 0, out.output
    assert "Đã kiểm tra 2 hồ sơ; 0 hồ sơ" in out.output


def test_the_database_itself_refuses_to_change_events(two_dossiers, app):
    with pytest.raises(DBAPIError):
        with engine_of(app).begin() as conn:
            conn.execute(text("UPDATE events SET actor = 'x' WHERE seq = 3"))
    with pytest.raises(DBAPIError):
        with engine_of(app).begin() as conn:
            conn.execute(text("DELETE FROM events WHERE seq = 3"))


def test_changed_event_data_is_detected_at_its_seq(two_dossiers, app, login, db_url):
    tampered, intact = two_dossiers
    with tampering(app) as conn:
        d = dossier_id(conn, tampered)
        raw = conn.execute(text("SELECT data FROM events WHERE dossier_id = :d AND seq = 5"), {"d": d}).scalar_one()
        data = json.loads(raw)
        assert data["data"]["decision"] == "approve"
        data["data"]["opinion"] = "Không đủ điều kiện"   # rewrite what the specialist wrote
        conn.execute(text("UPDATE events SET data = :v WHERE dossier_id = :d AND seq = 5"),
                     {"v": json.dumps(data, ensure_ascii=False), "d": d})
    assert_detected(login, db_url, tampered, intact, 5)


def test_changed_actor_or_time_is_detected(two_dossiers, app, login, db_url):
    tampered, intact = two_dossiers
    with tampering(app) as conn:
        conn.execute(text("UPDATE events SET actor = 'minhxuan.leader' WHERE dossier_id = :d AND seq = 3"),
                     {"d": dossier_id(conn, tampered)})
    assert_detected(login, db_url, tampered, intact, 3)


def test_deleted_event_is_detected_at_the_gap(two_dossiers, app, login, db_url):
    tampered, intact = two_dossiers
    with tampering(app) as conn:
        conn.execute(text("DELETE FROM events WHERE dossier_id = :d AND seq = 4"), {"d": dossier_id(conn, tampered)})
    assert_detected(login, db_url, tampered, intact, 4)


def test_deleted_last_event_is_detected_by_the_dossier_anchor(two_dossiers, app, login, db_url):
    tampered, intact = two_dossiers
    with tampering(app) as conn:
        conn.execute(text("DELETE FROM events WHERE dossier_id = :d AND seq = 8"), {"d": dossier_id(conn, tampered)})
    assert_detected(login, db_url, tampered, intact, 8)


def test_swapped_events_are_detected_at_the_first(two_dossiers, app, login, db_url):
    tampered, intact = two_dossiers
    with tampering(app) as conn:
        d = dossier_id(conn, tampered)
        for old, new in ((6, -6), (7, 6), (-6, 7)):  # the leader's step before its ready event
            conn.execute(text("UPDATE events SET seq = :new WHERE dossier_id = :d AND seq = :old"),
                         {"new": new, "old": old, "d": d})
    assert_detected(login, db_url, tampered, intact, 6)


def test_a_rehashed_chain_is_still_caught_by_the_anchor(two_dossiers, app, login):
    """Someone recomputes every hash after a change: the links hold, the dossier's head does not."""
    from motcua import hash_chain as chain
    from motcua.clock import parse_instant
    tampered, _ = two_dossiers
    audit_before = audit_of(login, tampered)["events"]
    with tampering(app) as conn:
        d = dossier_id(conn, tampered)
        rows = conn.execute(text("SELECT id, seq, at, type, actor, step, data FROM events "
                                 "WHERE dossier_id = :d ORDER BY seq"), {"d": d}).all()
        prev = chain.GENESIS
        for row, shown in zip(rows, audit_before):
            data = json.loads(row.data) if row.data else None
            if row.seq == 5:
                data["data"]["opinion"] = "Không đủ điều kiện"
            digest = chain.link(prev, chain.canonical(row.seq, parse_instant(shown["at"]), row.type, row.actor,
                                                      row.step, data))
            conn.execute(text("UPDATE events SET data = :v, prev_hash = :p, hash = :h WHERE id = :i"),
                         {"v": json.dumps(data, ensure_ascii=False) if data is not None else None,
                          "p": prev, "h": digest, "i": row.id})
            prev = digest
    audit = audit_of(login, tampered)
    assert audit["chain_valid"] is False and audit["first_broken"] == 8
    assert verify(login)["first_broken"] == {tampered: 8}


def test_the_export_verifies_offline_with_sha256_alone(two_dossiers, login):
    import hashlib
    code, _ = two_dossiers
    r = login("auditor").get(f"/api/v1/dossiers/{code}/audit/export")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert f'filename="lich-su-{code}.json"' in r.headers["Content-Disposition"]
    document = json.loads(r.data)
    assert document["format"] == "motcua-audit-export/1"
    assert document["chain_valid"] is True and document["replay"]["consistent"] is True
    prev = document["hash"]["genesis"]
    for e in document["events"]:
        canonical = json.dumps({k: e[k] for k in ("seq", "at", "type", "actor", "step", "data")},
                               sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert e["prev_hash"] == prev
        assert hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest() == e["hash"], e["seq"]
        prev = e["hash"]
    assert document["anchor"] == {"last_event_seq": len(document["events"]), "last_event_hash": prev}


def test_nonsense_in_an_event_is_a_finding_not_an_error(two_dossiers, app, login):
    tampered, _ = two_dossiers
    with tampering(app) as conn:
        conn.execute(text("UPDATE events SET data = :v WHERE dossier_id = :d AND seq = 3"),
                     {"v": json.dumps(["không", "phải", "đối tượng"]), "d": dossier_id(conn, tampered)})
    audit = audit_of(login, tampered)
    assert (audit["chain_valid"], audit["first_broken"]) == (False, 3)
    assert audit["replay"]["consistent"] is False
    assert audit["replay"]["diverged_at"] == 3
