"""Issue 14 over the API: dry run, run, blocked, renamed, moved due times, refusals (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from motcua.clock import VN_TZ
from tests.migration.packages import add_field, allotment, base, complete, move_to_lane, receive, rename, only_step

URL = "/api/v1/procedures/thu-tuc-thu/migrations"
TABLES = ("dossiers", "tasks", "process_instances", "events", "notifications")


def snapshot(platform) -> dict:
    """Every row of the tables a migration could touch, as text."""
    out = {}
    with platform.session_factory() as session:
        for table in TABLES:
            rows = session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            out[table] = [tuple(str(v) for v in row) for row in rows]
    return out


def three_dossiers(login, clock):
    """One dossier at each step: receive, appraise, approve."""
    desk, specialist = login("minhxuan.receiver"), login("minhxuan.specialist")
    at_receive = receive(desk)
    at_appraise = complete(desk, receive(desk), {"checked": True})
    at_approve = complete(specialist, complete(desk, receive(desk), {"checked": True}),
                          {"decision": "approve", "opinion": "Đủ điều kiện"})
    return at_receive, at_appraise, at_approve


def by_code(result):
    return {item["code"]: item for item in result["items"]}


def test_dry_run_changes_nothing_and_says_what_would_move(login, publish, platform, clock):
    publish(base())
    d1, d2, d3 = three_dossiers(login, clock)
    publish(add_field(allotment(base(), "appraise", "3", legal_days=4), "tham_dinh", "ghi_chu"))
    designer = login("designer")
    before = snapshot(platform)
    r = designer.post(URL, json={"from_version": 1, "to_version": 2, "dry_run": True})
    assert r.status_code == 200, r.get_json()
    result = r.get_json()
    assert snapshot(platform) == before
    assert result["migrated"] == 0 and result["dry_run"] is True
    items = by_code(result)
    assert set(items) == {d1["code"], d2["code"], d3["code"]}
    assert all(i["migratable"] and not i["problems"] for i in items.values())
    step = [c for c in items[d2["code"]]["changes"] if c["kind"] == "step"][0]
    assert (step["before"]["step"], step["after"]["step"]) == ("appraise", "appraise")
    assert (step["before"]["allotment_days"], step["after"]["allotment_days"]) == ("2", "3")
    assert step["due_moved_days"] == "1"
    assert step["after"]["office_name"] == "UBND phường Minh Xuân" or step["after"]["office_name"]
    forms = [c for c in items[d2["code"]]["changes"] if c["kind"] == "form"]
    assert forms == [{"kind": "form", "form": "tham_dinh", "added": ["ghi_chu"], "removed": [], "changed": [],
                      "required_changed": False}]
    dossier_change = [c for c in items[d1["code"]]["changes"] if c["kind"] == "dossier"][0]
    assert dossier_change["due_moved_days"] == "1"
    assert (dossier_change["before"]["legal_days"], dossier_change["after"]["legal_days"]) == ("3", "4")


def audit_ok(api, code):
    r = api.get(f"/api/v1/dossiers/{code}/audit")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["chain_valid"] is True
    assert body["replay"]["consistent"] is True, body["replay"]
    return body


def test_run_over_dossiers_at_different_steps_then_audit_replay_and_finish(login, publish, platform, clock):
    publish(base())
    d1, d2, d3 = three_dossiers(login, clock)
    publish(allotment(base(), "appraise", "3", legal_days=4))
    designer, auditor = login("designer"), login("auditor")
    r = designer.post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False})
    assert r.status_code == 200, r.get_json()
    result = r.get_json()
    assert result["migrated"] == 3 and all(i["migratable"] for i in result["items"])
    desk, specialist, leader = (login(u) for u in ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader"))
    for d in (d1, d2, d3):
        view = desk.get(f"/api/v1/dossiers/{d['code']}").get_json()
        assert view["procedure_version"] == 2
        body = audit_ok(auditor, d["code"])
        migrated = [e for e in body["events"] if e["type"] == "migrated"]
        assert len(migrated) == 1 and migrated[0]["data"]["from_version"] == 1
        assert migrated[0]["data"]["to_version"] == 2
    # the dossier at receive follows the new version: appraise becomes ready with 3 days
    later = complete(desk, desk.get(f"/api/v1/dossiers/{d1['code']}").get_json(), {"checked": True})
    assert only_step(later)["name"] == "Thẩm định hồ sơ"
    with platform.session_factory() as session:
        rows = session.execute(text(
            "SELECT allotment_days FROM tasks WHERE bpmn_id = 'appraise' AND state = 'ready'")).scalars().all()
    assert sorted(rows) == ["3", "3"]
    # every dossier finishes on the new version and still replays
    for d in (d1, d2, d3):
        view = desk.get(f"/api/v1/dossiers/{d['code']}").get_json()
        while view["status"] == "processing":
            step = only_step(view)
            api = {"receiver": desk, "specialist": specialist, "leader": leader}[step["lane"]]
            data = {"receiver": {"checked": True}, "specialist": {"decision": "approve", "opinion": "Đủ điều kiện"},
                    "leader": {"signed": True}}[step["lane"]]
            view = complete(api, view, data)
        assert view["status"] == "done"
        audit_ok(auditor, d["code"])
    # nothing left to migrate: a second run finds no open dossier of version 1
    assert designer.post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False}).get_json()["items"] == []
