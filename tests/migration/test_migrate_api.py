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
