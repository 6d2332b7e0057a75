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


def dossier_rows(platform, code, snapshot_of=None) -> dict:
    """The rows of one dossier in every table a migration could touch (now, or in a snapshot)."""
    if snapshot_of is None:
        snapshot_of = snapshot(platform)
    with platform.session_factory() as session:
        dossier_id = session.execute(text("SELECT id FROM dossiers WHERE code = :c"), {"c": code}).scalar()
        columns = {t: list(session.execute(text(f"SELECT * FROM {t} WHERE 1 = 0")).keys()) for t in TABLES}
    out = {}
    for table in TABLES:
        key = "id" if table == "dossiers" else "dossier_id"
        if key not in columns[table]:
            continue
        at = columns[table].index(key)
        out[table] = [row for row in snapshot_of[table] if row[at] == str(dossier_id)]
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
    assert step["after"]["office_name"] == "Ủy ban nhân dân phường Minh Xuân" and step["rerouted"] is False
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


def test_blocked_dossier_with_its_reason_then_renamed_step_via_the_map(login, publish, platform, clock):
    publish(base())
    d1, d2, d3 = three_dossiers(login, clock)
    publish(rename(base(), "approve", "ky_duyet"))
    designer, auditor = login("designer"), login("auditor")
    before = snapshot(platform)
    r = designer.post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False})
    result = r.get_json()
    items = by_code(result)
    assert result["migrated"] == 2
    assert items[d1["code"]]["migratable"] and items[d2["code"]]["migratable"]
    blocked = items[d3["code"]]
    assert blocked["migratable"] is False and blocked["changes"] == []
    assert blocked["problems"][0]["element"] == "approve"
    assert "«Phê duyệt» (approve) không có trong phiên bản mới" in blocked["problems"][0]["message"]
    # the blocked dossier stays exactly as it was: its row, its steps, its workflow, its history
    code3 = d3["code"]
    kept = dossier_rows(platform, code3, snapshot_of=before)
    assert all(kept[t] for t in ("dossiers", "tasks", "process_instances", "events"))
    assert dossier_rows(platform, code3) == kept
    # the same dossier moves with the map old=new
    r = designer.post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False, "dossiers": [code3],
                                 "map": {"approve": "ky_duyet"}})
    item = r.get_json()["items"][0]
    assert item["migratable"] and r.get_json()["migrated"] == 1, item
    step = item["changes"][0]
    assert (step["before"]["step"], step["after"]["step"]) == ("approve", "ky_duyet")
    assert step["due_moved_days"] == "0"
    leader = login("minhxuan.leader")
    view = leader.get(f"/api/v1/dossiers/{code3}").get_json()
    task = only_step(view)
    with platform.session_factory() as session:
        bpmn_id = session.execute(text("SELECT bpmn_id FROM tasks WHERE id = :t"), {"t": task["task_id"]}).scalar()
    assert bpmn_id == "ky_duyet"
    assert leader.get(f"/api/v1/tasks/{task['task_id']}").get_json()["name"] == "Phê duyệt"
    done = complete(leader, view, {"signed": True})
    assert done["status"] == "done"
    body = audit_ok(auditor, code3)
    assert [e["step"] for e in body["events"] if e["type"] == "step_completed"] == ["receive", "appraise", "ky_duyet"]


def test_changed_allotment_moves_the_due_time_by_the_working_time(login, publish, platform, clock):
    publish(base())
    desk = login("minhxuan.receiver")
    # received Wednesday 25/11/2026 08:00; receive completed at 08:00: appraise (2 days) due Fri 27/11 08:00
    at_appraise = complete(desk, receive(desk), {"checked": True})
    step = only_step(at_appraise)
    assert step["due_at"] == "2026-11-27T08:00:00+07:00"
    publish(allotment(base(), "appraise", "3.5", legal_days=5))
    designer, auditor = login("designer"), login("auditor")
    # 11:00 the same day: the migration recomputes from the step's ready time, not from now
    clock.freeze(datetime(2026, 11, 25, 11, 0, tzinfo=VN_TZ))
    r = designer.post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False})
    assert r.status_code == 200, r.get_json()
    item = r.get_json()["items"][0]
    change = [c for c in item["changes"] if c["kind"] == "step"][0]
    # 3.5 days from Wed 08:00: Mon 30/11 08:00 + 0.5 day (4 h: 08:00-11:30, 13:00-13:30) = 13:30
    assert change["after"]["due_at"] == "2026-11-30T13:30:00+07:00"
    assert change["due_moved_days"] == "1.5"
    # the dossier's appointment: clock start + 5 days instead of 3 (Mon 30/11 08:00 → Wed 02/12 08:00)
    dossier = [c for c in item["changes"] if c["kind"] == "dossier"][0]
    assert (dossier["before"]["due_at"], dossier["after"]["due_at"]) == (
        "2026-11-30T08:00:00+07:00", "2026-12-02T08:00:00+07:00")
    view = desk.get(f"/api/v1/dossiers/{at_appraise['code']}").get_json()
    assert view["due_at"] == "2026-12-02T08:00:00+07:00"
    assert only_step(view)["due_at"] == "2026-11-30T13:30:00+07:00"
    audit_ok(auditor, at_appraise["code"])


def test_rerouted_step_goes_to_the_new_office_and_its_taker_is_released(login, publish, platform, clock):
    publish(base())
    desk, specialist = login("minhxuan.receiver"), login("minhxuan.specialist")
    at_appraise = complete(desk, receive(desk), {"checked": True})
    task_id = only_step(at_appraise)["task_id"]
    assert specialist.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    publish(move_to_lane(base(), "appraise", "UBND.YENSON:specialist"))
    r = login("designer").post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False})
    change = r.get_json()["items"][0]["changes"][0]
    assert change["rerouted"] is True
    assert (change["before"]["office"], change["after"]["office"]) == ("UBND.MINHXUAN", "UBND.YENSON")
    assert specialist.post(f"/api/v1/tasks/{task_id}/complete",
                           json={"data": {"decision": "approve", "opinion": "Đủ điều kiện"}}).status_code in (403, 404)
    yenson = login("yenson.specialist")
    told = yenson.get("/api/v1/notifications").get_json()["items"]
    assert any(n["kind"] == "assigned" and at_appraise["code"] in n["title"] for n in told), told
    r = yenson.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "approve", "opinion": "Đủ điều kiện"}})
    assert r.status_code == 200, r.get_json()
    audit_ok(login("auditor"), at_appraise["code"])


def test_paused_and_finished_dossiers_are_refused_and_kept(login, publish, platform, clock):
    publish(base())
    desk, specialist, leader = (login(u) for u in ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader"))
    paused = complete(desk, receive(desk), {"checked": True})
    r = desk.post(f"/api/v1/dossiers/{paused['code']}/supplement-request",
                  json={"reason": "Thiếu giấy tờ", "items": ["Bản sao giấy khai sinh"]})
    assert r.status_code == 200, r.get_json()
    done = complete(desk, receive(desk), {"checked": True})
    done = complete(specialist, done, {"decision": "approve", "opinion": "Đủ điều kiện"})
    done = complete(leader, done, {"signed": True})
    assert done["status"] == "done"
    publish(allotment(base(), "appraise", "1"))
    before = snapshot(platform)
    r = login("designer").post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False,
                                          "dossiers": [paused["code"], done["code"], "KHONG-CO"]})
    result = r.get_json()
    items = by_code(result)
    assert result["migrated"] == 0
    assert "chờ bổ sung" in items[paused["code"]]["problems"][0]["message"]
    assert "đã kết thúc" in items[done["code"]]["problems"][0]["message"]
    assert "Không có hồ sơ này" in items["KHONG-CO"]["problems"][0]["message"]
    assert snapshot(platform) == before


def test_only_designers_and_admins(login, publish):
    publish(base())
    publish(allotment(base(), "appraise", "1"))
    for user in ("minhxuan.receiver", "minhxuan.leader", "auditor"):
        assert login(user).post(URL, json={"from_version": 1, "to_version": 2}).status_code == 403
    assert login("admin").post(URL, json={"from_version": 1, "to_version": 2}).status_code == 200
    r = login("designer").post(URL, json={"from_version": 1, "to_version": 9})
    assert r.status_code == 422 and "to_version" in str(r.get_json())
    assert login("designer").post("/api/v1/procedures/khong-co/migrations",
                                  json={"from_version": 1, "to_version": 2}).status_code == 404
