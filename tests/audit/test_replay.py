"""Issue 6: replay rebuilds a dossier from its events alone and finds what changed without one.

Dossiers are driven over the REST API (receipt, claims, a supplement round, the deadline watch,
an apology, the end, the hand-over, a rating, calendar changes), then audited as the auditor:
the rebuilt workflow must agree with the stored one everywhere. Then stored state is changed
directly in the database, without an event, and replay must say where: the workflow's serialized
state, a task's data or due time, the dossier's status or due time.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import text

from motcua.cli import main
from motcua.db.models import Base

FIXTURE = Path(__file__).parent.parent / "fixtures" / "simple"
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}
APPRAISAL = {"decision": "approve", "opinion": "Đủ điều kiện"}


def simple_package() -> dict:
    return {
        "manifest": yaml.safe_load((FIXTURE / "manifest.yaml").read_text(encoding="utf-8")),
        "bpmn": (FIXTURE / "process.bpmn").read_text(encoding="utf-8"),
        "forms": {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (FIXTURE / "forms").glob("*.json")},
    }


@pytest.fixture
def simple(publish):
    publish(simple_package())


class _Api:
    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, json=None):
        return self.client.post(url, json=json if json is not None else {}, headers=self.headers)

    def delete(self, url):
        return self.client.delete(url, headers=self.headers)


@pytest.fixture
def login(client, clock):
    """Signed-in clients that sign in again once the moved clock nears a token's expiry."""
    from motcua.clock import parse_instant
    tokens = {}

    def _login(username):
        token, expires = tokens.get(username, (None, None))
        if token is None or expires <= clock.now() + timedelta(hours=1):
            r = client.post("/api/v1/auth/token", json={"username": username, "password": "motcua-demo"})
            assert r.status_code == 200, r.get_json()
            token, expires = r.get_json()["access_token"], parse_instant(r.get_json()["expires_at"])
            tokens[username] = (token, expires)
        return _Api(client, token)
    return _login


def receive(login, desk="minhxuan.receiver"):
    r = login(desk).post("/api/v1/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": {"copies": 2, "fee_per_copy": 5000}, "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def step_of(dossier) -> str:
    assert len(dossier["current_steps"]) == 1, dossier["current_steps"]
    return dossier["current_steps"][0]["task_id"]


def complete(login, user, dossier, data) -> dict:
    r = login(user).post(f"/api/v1/tasks/{step_of(dossier)}/complete", json={"data": data})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def act(login, user, code, action, body=None) -> dict:
    r = login(user).post(f"/api/v1/dossiers/{code}/{action}", json=body or {})
    assert r.status_code == 200, (action, r.get_json())
    return r.get_json()


def audit(login, code) -> dict:
    r = login("auditor").get(f"/api/v1/dossiers/{code}/audit")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def assert_consistent(login, code) -> dict:
    result = audit(login, code)
    assert result["chain_valid"] is True, result["first_broken"]
    replay = result["replay"]
    assert replay["consistent"] is True, replay
    assert (replay["detail"], replay["diverged_at"], replay["differences"]) == (None, None, [])
    assert replay["events_replayed"] == len(result["events"])
    return result


def tick(app, clock):
    from scheduler.jobs import tick as run
    return run(app.extensions["motcua"], clock.now())


def seq_of(events, type_, step=None) -> int:
    return next(e["seq"] for e in events if e["type"] == type_ and (step is None or e["step"] == step))


# ------------------------------------------------------------------------------ consistent replays

def test_every_kind_of_event_replays_consistently(simple, app, login, clock, client):
    dossier = receive(login)
    code = dossier["code"]
    clock.advance(timedelta(hours=1))
    dossier = complete(login, "minhxuan.receiver", dossier, {"checked": True, "note": "đủ"})
    task = step_of(dossier)
    specialist = login("minhxuan.specialist")
    clock.advance(timedelta(minutes=30))
    assert specialist.post(f"/api/v1/tasks/{task}/claim").status_code == 200
    assert specialist.post(f"/api/v1/tasks/{task}/unclaim").status_code == 200
    assert specialist.post(f"/api/v1/tasks/{task}/claim").status_code == 200
    clock.advance(timedelta(hours=1))
    act(login, "minhxuan.specialist", code, "supplement-request",
        {"reason": "Thiếu bản sao", "items": ["Bản sao giấy tờ"]})
    clock.advance(timedelta(days=1))
    dossier = act(login, "minhxuan.receiver", code, "supplement",
                  {"documents": [{"name": "Bản sao giấy tờ", "digitized": True}],
                   "data": {"copies": 3, "fee_per_copy": 5000}})
    assert dossier["supplement_count"] == 1
    assert_consistent(login, code)

    clock.advance(timedelta(days=6))       # well past every due time: the deadline watch flags it
    tick(app, clock)
    flagged = login("minhxuan.receiver").get(f"/api/v1/dossiers/{code}").get_json()
    assert flagged["overdue"] is True
    new_due = (clock.now() + timedelta(days=3)).isoformat()
    act(login, "minhxuan.leader", code, "apology", {"reason": "Cần thêm thời gian thẩm định", "new_due_at": new_due})
    clock.advance(timedelta(hours=1))
    dossier = complete(login, "minhxuan.specialist", dossier, APPRAISAL)
    clock.advance(timedelta(hours=1))
    dossier = complete(login, "minhxuan.leader", dossier, {"signed": True})
    assert dossier["status"] == "done"
    clock.advance(timedelta(hours=1))
    act(login, "minhxuan.receiver", code, "return")
    r = client.post(f"/api/v1/public/dossiers/{code}/rating", json={"phone4": "5678", "satisfied": True})
    assert r.status_code in (200, 201), r.get_json()

    result = assert_consistent(login, code)
    types = {e["type"] for e in result["events"]}
    assert {"received", "step_ready", "claimed", "unclaimed", "supplement_requested", "supplemented", "overdue",
            "step_overdue", "apology", "step_completed", "finished", "returned", "rated"} <= types
    assert result["replay"]["ignored_types"] == []


@pytest.mark.parametrize("ending", ["reject", "stop", "withdraw"])
def test_dossiers_ended_by_staff_replay_consistently(ending, simple, login, clock):
    dossier = receive(login)
    clock.advance(timedelta(hours=1))
    dossier = complete(login, "minhxuan.receiver", dossier, {"checked": True})
    if ending == "stop":   # stopped while waiting for the applicant
        act(login, "minhxuan.specialist", dossier["code"], "supplement-request", {"reason": "Thiếu giấy tờ"})
        clock.advance(timedelta(hours=2))
    body = {"reason": "Hồ sơ không thuộc thẩm quyền"} if ending != "withdraw" else {}
    ended = act(login, "minhxuan.specialist" if ending != "withdraw" else "minhxuan.receiver",
                dossier["code"], ending, body)
    assert ended["status"] == {"reject": "rejected", "stop": "stopped", "withdraw": "withdrawn"}[ending]
    assert_consistent(login, dossier["code"])


def test_the_refusal_path_replays_consistently(simple, login, clock):
    dossier = receive(login)
    dossier = complete(login, "minhxuan.receiver", dossier, {"checked": True})
    clock.advance(timedelta(days=1))
    dossier = complete(login, "minhxuan.specialist", dossier, {"decision": "refuse", "opinion": "Không đủ"})
    assert dossier["status"] == "rejected"
    assert_consistent(login, dossier["code"])


def test_due_times_follow_the_calendar_in_force_at_each_event(simple, login, clock):
    """A day off announced later moves open due times (due_recomputed) but not past ones: replay
    computes every due time with the calendar of its moment."""
    before = receive(login)
    before = complete(login, "minhxuan.receiver", before, {"checked": True})
    before = complete(login, "minhxuan.specialist", before, APPRAISAL)
    before = complete(login, "minhxuan.leader", before, {"signed": True})
    assert before["status"] == "done"
    open_one = receive(login)
    clock.advance(timedelta(hours=1))
    open_one = complete(login, "minhxuan.receiver", open_one, {"checked": True})

    admin = login("admin")
    r = admin.post("/api/v1/calendar/overrides", json={"date": "2026-11-27", "kind": "day_off",
                                                       "name": "Nghỉ đột xuất (thử)"})
    assert r.status_code in (200, 201), r.get_json()
    moved = login("minhxuan.receiver").get(f"/api/v1/dossiers/{open_one['code']}").get_json()
    assert moved["due_at"] != open_one["due_at"]
    after = receive(login)
    clock.advance(timedelta(hours=2))
    open_one = complete(login, "minhxuan.specialist", open_one, APPRAISAL)

    override_id = r.get_json()["id"]
    assert admin.delete(f"/api/v1/calendar/overrides/{override_id}").status_code in (200, 204)
    clock.advance(timedelta(hours=1))
    open_one = complete(login, "minhxuan.leader", open_one, {"signed": True})

    events = audit(login, open_one["code"])["events"]
    assert sum(e["type"] == "due_recomputed" for e in events) == 2
    for code in (before["code"], open_one["code"], after["code"]):
        assert_consistent(login, code)


def test_the_cli_replays_a_dossier(simple, login, db_url):
    dossier = receive(login)
    dossier = complete(login, "minhxuan.receiver", dossier, {"checked": True})
    out = CliRunner().invoke(main, ["replay", dossier["code"]], env={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})
    assert out.exit_code == 0, out.output
    shown = json.loads(out.output)
    assert shown["chain_valid"] is True and shown["replay"]["consistent"] is True
    missing = CliRunner().invoke(main, ["replay", "KHONG-CO"], env={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})
    assert missing.exit_code != 0 and "KHONG-CO" in missing.output


# ------------------------------------------------------------------- stored state changed silently

def engine_of(app):
    return app.extensions["motcua"].session_factory.kw["bind"]


def at_approval(simple, login, clock) -> dict:
    """received 1, ready 2, completed 3, ready 4, completed (appraisal) 5, ready (approval) 6."""
    dossier = receive(login)
    clock.advance(timedelta(hours=1))
    dossier = complete(login, "minhxuan.receiver", dossier, {"checked": True})
    clock.advance(timedelta(hours=1))
    dossier = complete(login, "minhxuan.specialist", dossier, APPRAISAL)
    result = assert_consistent(login, dossier["code"])
    assert [e["type"] for e in result["events"]] == [
        "received", "step_ready", "step_completed", "step_ready", "step_completed", "step_ready"]
    return dossier


def edit_state(app, code, change):
    with engine_of(app).begin() as conn:
        row = conn.execute(text("SELECT p.id, p.state FROM process_instances p JOIN dossiers d "
                                "ON d.id = p.dossier_id WHERE d.code = :c"), {"c": code}).one()
        state = json.loads(row.state)
        change(state)
        conn.execute(text("UPDATE process_instances SET state = :s WHERE id = :i"),
                     {"s": json.dumps(state), "i": row.id})


def task_named(state, spec):
    return next(t for t in state["tasks"].values() if t["task_spec"] == spec)


def refuse_in_appraisal(state):
    task_named(state, "appraise")["data"]["decision"] = "refuse"


def rewrite_workflow_data(state):
    state["data"]["fee_total"] = 1


def skip_the_approval(state):
    task_named(state, "approve")["state"] = 64  # COMPLETED, though nobody completed it


@pytest.mark.parametrize("change,seq,words", [
    (refuse_in_appraisal, 5, ["appraise", "decision"]),
    (rewrite_workflow_data, 5, ["fee_total"]),
    (skip_the_approval, 6, ["approve", "COMPLETED"]),
], ids=["task data", "workflow data", "task state"])
def test_a_changed_workflow_state_is_found_by_replay(change, seq, words, simple, app, login, clock):
    code = at_approval(simple, login, clock)["code"]
    edit_state(app, code, change)
    result = audit(login, code)
    assert result["chain_valid"] is True        # no event changed: only replay can see this
    replay = result["replay"]
    assert replay["consistent"] is False
    assert replay["diverged_at"] == seq, replay
    for word in words:
        assert word in replay["detail"], replay["detail"]


def test_a_changed_task_data_is_found_at_the_completion(simple, app, login, clock):
    code = at_approval(simple, login, clock)["code"]
    with engine_of(app).begin() as conn:
        conn.execute(text("UPDATE tasks SET data = :d WHERE bpmn_id = 'appraise' AND dossier_id = "
                          "(SELECT id FROM dossiers WHERE code = :c)"),
                     {"d": json.dumps({"decision": "refuse", "opinion": "Không đủ"}), "c": code})
    replay = audit(login, code)["replay"]
    assert replay["consistent"] is False
    assert replay["diverged_at"] == 5
    assert "appraise" in replay["detail"] and "data" in replay["detail"]


def test_a_changed_step_due_time_is_found_at_its_ready_event(simple, app, login, clock):
    code = at_approval(simple, login, clock)["code"]
    from sqlalchemy import select, update

    from motcua.db.models import StepRow
    with engine_of(app).begin() as conn:
        due = conn.execute(select(StepRow.due_at).where(StepRow.bpmn_id == "approve")).scalar_one()
        conn.execute(update(StepRow).where(StepRow.bpmn_id == "approve").values(due_at=due + timedelta(days=2)))
    replay = audit(login, code)["replay"]
    assert (replay["consistent"], replay["diverged_at"]) == (False, 6)
    assert "approve" in replay["detail"] and "due_at" in replay["detail"]


def test_a_changed_dossier_is_found(simple, app, login, clock):
    code = at_approval(simple, login, clock)["code"]
    with engine_of(app).begin() as conn:
        conn.execute(text("UPDATE dossiers SET status = 'done', overdue = :f WHERE code = :c"),
                     {"c": code, "f": False})
    replay = audit(login, code)["replay"]
    assert replay["consistent"] is False
    assert replay["diverged_at"] == 1 and "status" in replay["detail"]


def rewrite_history(app, code, seq, change):
    """Change one event and recompute every hash and the dossier's head: the chain holds again."""
    from sqlalchemy import select

    from motcua import hash_chain as chain
    from motcua.db.models import Dossier, Event
    with engine_of(app).begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")
        else:
            conn.exec_driver_sql("DROP TRIGGER events_no_update")
        d = conn.execute(select(Dossier.id).where(Dossier.code == code)).scalar_one()
        rows = conn.execute(select(Event.id, Event.seq, Event.at, Event.type, Event.actor, Event.step, Event.data)
                            .where(Event.dossier_id == d).order_by(Event.seq)).all()
        prev = chain.GENESIS
        for row in rows:
            data = row.data
            if row.seq == seq:
                change(data)
            digest = chain.link(prev, chain.canonical(row.seq, row.at, row.type, row.actor, row.step, data))
            conn.execute(text("UPDATE events SET data = :v, prev_hash = :p, hash = :h WHERE id = :i"),
                         {"v": json.dumps(data, ensure_ascii=False), "p": prev, "h": digest, "i": row.id})
            prev = digest
        conn.execute(text("UPDATE dossiers SET last_event_hash = :h WHERE id = :d"), {"h": prev, "d": d})
        if pg:
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_append_only")
        else:
            conn.exec_driver_sql("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                                 "BEGIN SELECT RAISE(ABORT, 'events are append-only (UPDATE refused)'); END")


def test_a_rewritten_history_with_a_valid_chain_is_still_found(simple, app, login, clock):
    """Someone with database access rewrites the appraisal to a refusal and recomputes every hash:
    the chain is valid again, but the events after it no longer follow from the workflow."""
    code = at_approval(simple, login, clock)["code"]

    def refuse(data):
        data["data"]["decision"] = "refuse"
    rewrite_history(app, code, 5, refuse)
    result = audit(login, code)
    assert result["chain_valid"] is True
    replay = result["replay"]
    assert replay["consistent"] is False
    # the refusal ends the process: replay expects `finished`, the log shows the approval step ready
    assert replay["diverged_at"] == 6, replay
    assert "finished" in replay["detail"] and "step_ready" in replay["detail"]


def test_replay_writes_nothing(simple, app, login, clock, db_url):
    dossier = at_approval(simple, login, clock)
    auditor = login("auditor")

    def snapshot():
        # chain_checkpoints: the one thing a verification writes (issue 16, incremental verify), checked below
        with engine_of(app).connect() as conn:
            return {t.name: conn.execute(t.select().order_by(*t.primary_key.columns)).all()
                    for t in Base.metadata.sorted_tables if t.name not in ("api_tokens", "chain_checkpoints")}

    before = snapshot()
    assert auditor.get(f"/api/v1/dossiers/{dossier['code']}/audit").status_code == 200
    assert auditor.get(f"/api/v1/dossiers/{dossier['code']}/audit/export").status_code == 200
    assert auditor.post("/api/v1/audit/verify").status_code == 200
    out = CliRunner().invoke(main, ["replay", dossier["code"]], env={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})
    assert out.exit_code == 0, out.output
    assert snapshot() == before
    with engine_of(app).connect() as conn:
        marks = conn.execute(Base.metadata.tables["chain_checkpoints"].select()).all()
        anchor = conn.execute(Base.metadata.tables["dossiers"].select()).one()
    assert [(m.dossier_id, m.seq, m.hash) for m in marks] == [(anchor.id, anchor.last_event_seq,
                                                               anchor.last_event_hash)]


def test_audit_sessions_refuse_to_write(people):
    """The guard under every audit read: no flush, and on PostgreSQL a READ ONLY transaction."""
    from datetime import datetime

    from sqlalchemy.exc import DBAPIError

    from motcua.clock import VN_TZ
    from motcua.db.models import Office
    from motcua.services import audit as audit_service
    platform = people
    with platform.uow() as uow, audit_service._read_only(uow.session) as session:
        session.add(Office(code="X", name="X", level="commune", saturday="none",
                           created_at=datetime(2026, 11, 25, tzinfo=VN_TZ)))
        with pytest.raises(RuntimeError, match="read-only"):
            session.flush()
        session.expunge_all()
        if session.get_bind().dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="read-only"):
                session.execute(text("UPDATE offices SET name = 'x'"))
    with platform.uow() as uow:
        assert uow.session.scalar(text("SELECT count(*) FROM offices WHERE code = 'X' OR name = 'x'")) == 0
