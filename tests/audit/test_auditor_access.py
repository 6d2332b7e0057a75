"""Issue 6: auditors read every office's dossiers and histories, and change nothing.

Who may read an audit: auditors and admins (any office), staff who see the dossier. Who may
check every chain: auditors and admins. And an auditor's attempt at every state-changing route of
the API, each with a body that would be accepted from the right person, is refused with 403 and
leaves the database exactly as it was.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from motcua.db.models import Base

FIXTURE = Path(__file__).parent.parent / "fixtures" / "simple"
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}
# Routes that change nothing of the platform's records, or only the caller's own session and inbox:
# signing in and out, validating a package, checking chains, marking one's own notifications read,
# and the citizen's public pages (no sign-in at all).
NOT_STATE_CHANGING = {"auth.token", "auth.revoke", "procedures.validate", "audit.verify"}
# The public endpoints take no login (a citizen's rating or complaint, with its rate-limit counter):
# a token sent along changes nothing about who may use them, so they are not the auditor's acts.
PUBLIC = "public."
OWN_INBOX = "notifications."


def simple_package() -> dict:
    return {
        "manifest": yaml.safe_load((FIXTURE / "manifest.yaml").read_text(encoding="utf-8")),
        "bpmn": (FIXTURE / "process.bpmn").read_text(encoding="utf-8"),
        "forms": {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (FIXTURE / "forms").glob("*.json")},
    }


@pytest.fixture
def dossier(login, publish):
    """A dossier of UBND.MINHXUAN waiting at the specialist's appraisal."""
    publish(simple_package())
    desk = login("minhxuan.receiver")
    r = desk.post("/api/v1/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": {"copies": 2, "fee_per_copy": 5000}, "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert r.status_code == 201, r.get_json()
    task = r.get_json()["current_steps"][0]["task_id"]
    r = desk.post(f"/api/v1/tasks/{task}/complete", json={"data": {"checked": True}})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_who_reads_an_audit(dossier, login, client):
    code = dossier["code"]
    url = f"/api/v1/dossiers/{code}/audit"
    for user in ("auditor", "admin", "minhxuan.specialist", "minhxuan.leader"):
        r = login(user).get(url)
        assert r.status_code == 200, (user, r.get_json())
        body = r.get_json()
        assert body["code"] == code and body["chain_valid"] is True and body["replay"]["consistent"] is True
        assert [e["type"] for e in body["events"]][:3] == ["received", "step_ready", "step_completed"]
    assert login("yenson.specialist").get(url).status_code == 404   # another office: as if it did not exist
    assert login("designer").get(url).status_code == 403
    assert client.get(url).status_code == 401
    assert login("auditor").get("/api/v1/dossiers/KHONG-CO/audit").status_code == 404
    export = login("auditor").get(f"{url}/export")
    assert export.status_code == 200 and export.mimetype == "application/json"
    assert login("yenson.leader").get(f"{url}/export").status_code == 404


def test_who_checks_every_chain(dossier, login, client):
    for user in ("auditor", "admin"):
        r = login(user).post("/api/v1/audit/verify")
        assert r.status_code == 200, r.get_json()
        assert (r.get_json()["checked"], r.get_json()["broken"]) == (1, [])
    for user in ("minhxuan.leader", "designer", "minhxuan.receiver"):
        r = login(user).post("/api/v1/audit/verify")
        assert r.status_code == 403, (user, r.get_json())
        assert r.mimetype == "application/problem+json"
    assert client.post("/api/v1/audit/verify", json={}).status_code == 401
    assert login("auditor").post("/api/v1/audit/verify", json={"replay": True}).status_code == 422


def bodies(dossier, override_id) -> dict:
    """A body each state-changing route would accept from someone allowed to call it."""
    code, task = dossier["code"], dossier["current_steps"][0]["task_id"]
    return {
        ("POST", "/api/v1/dossiers"): {
            "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
            "data": {"copies": 1, "fee_per_copy": 5000}, "documents": []},
        ("POST", f"/api/v1/dossiers/{code}/supplement-request"): {"reason": "Thiếu giấy tờ", "items": []},
        ("POST", f"/api/v1/dossiers/{code}/supplement"): {"documents": []},
        ("POST", f"/api/v1/dossiers/{code}/apology"): {"reason": "Chậm", "new_due_at": "2026-12-31T17:00:00+07:00"},
        ("POST", f"/api/v1/dossiers/{code}/reject"): {"reason": "Không đủ điều kiện"},
        ("POST", f"/api/v1/dossiers/{code}/stop"): {"reason": "Dừng"},
        ("POST", f"/api/v1/dossiers/{code}/withdraw"): {},
        ("POST", f"/api/v1/dossiers/{code}/return"): {},
        ("POST", f"/api/v1/tasks/{task}/claim"): {},
        ("POST", f"/api/v1/tasks/{task}/unclaim"): {},
        ("POST", f"/api/v1/tasks/{task}/complete"): {"data": {"decision": "approve", "opinion": "Đủ điều kiện"}},
        ("POST", "/api/v1/procedures"): simple_package(),
        ("POST", "/api/v1/offices"): {"code": "UBND.MOI", "name": "UBND xã Mới", "level": "commune"},
        ("POST", "/api/v1/users"): {"username": "nguoi.moi", "password": "mat-khau-dai", "full_name": "Người Mới",
                                    "office_code": "UBND.MINHXUAN", "roles": ["auditor", "leader"]},
        ("PATCH", "/api/v1/users/auditor"): {"roles": ["admin"]},
        ("POST", "/api/v1/calendar/overrides"): {"date": "2026-12-04", "kind": "day_off", "name": "Nghỉ"},
        ("DELETE", f"/api/v1/calendar/overrides/{override_id}"): None,
    }


def concrete(rule: str, dossier, override_id) -> str:
    values = {"code": dossier["code"], "task_id": dossier["current_steps"][0]["task_id"],
              "override_id": str(override_id), "username": "auditor"}
    path = rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", value).replace(f"<int:{name}>", value)
    return path


def test_an_auditor_changes_nothing(dossier, app, login):
    admin = login("admin")
    r = admin.post("/api/v1/calendar/overrides", json={"date": "2026-12-03", "kind": "day_off", "name": "Nghỉ"})
    assert r.status_code in (200, 201), r.get_json()
    override_id = r.get_json()["id"]
    known = bodies(dossier, override_id)
    auditor = login("auditor")
    engine = app.extensions["motcua"].session_factory.kw["bind"]

    def snapshot():
        with engine.connect() as conn:
            return {t.name: conn.execute(t.select().order_by(*t.primary_key.columns)).all()
                    for t in Base.metadata.sorted_tables if t.name != "api_tokens"}

    before = snapshot()
    tried = set()
    for rule in app.url_map.iter_rules():
        if (not rule.rule.startswith("/api/v1/") or rule.endpoint in NOT_STATE_CHANGING
                or rule.endpoint.startswith((OWN_INBOX, PUBLIC))):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            path = concrete(rule.rule, dossier, override_id)
            body = known.get((method, path), {})
            response = auditor.client.open(path, method=method, headers=auditor.headers,
                                           **({} if body is None else {"json": body}))
            tried.add((method, path))
            if (method, path) in known:
                assert response.status_code == 403, (method, path, response.get_json())
                assert response.mimetype == "application/problem+json"
            else:   # a route added since this test was written: at least it must not succeed
                assert response.status_code >= 400, (method, path, response.status_code)
    assert set(known) <= tried, set(known) - tried
    assert snapshot() == before
    # and the same bodies do work for the people allowed to send them (the 403s were not luck)
    task = dossier["current_steps"][0]["task_id"]
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/claim")
    assert r.status_code == 200, r.get_json()
    after = login("auditor").get(f"/api/v1/dossiers/{dossier['code']}/audit").get_json()
    assert after["chain_valid"] is True and after["replay"]["consistent"] is True


def test_the_audit_routes_are_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert set(doc["paths"]["/api/v1/dossiers/{code}/audit"]) == {"get"}
    assert set(doc["paths"]["/api/v1/dossiers/{code}/audit/export"]) == {"get"}
    assert set(doc["paths"]["/api/v1/audit/verify"]) == {"post"}
    audit = doc["components"]["schemas"]["AuditSchema"]["properties"]
    assert {"chain_valid", "events", "replay"} <= set(audit)
    assert {"consistent", "detail", "diverged_at"} <= set(doc["components"]["schemas"]["ReplaySchema"]["properties"])
    assert {"checked", "broken"} <= set(doc["components"]["schemas"]["VerifyResultSchema"]["properties"])
