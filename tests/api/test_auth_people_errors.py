"""Tokens, people administration, the problem+json errors and the OpenAPI document."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from motcua.db.models import ApiToken, User
from tests.api.helpers import API, SignedIn, problem, simple_package, staff


def test_tokens_expire_and_can_be_revoked(client, clock, app):
    r = client.post(f"{API}/auth/token", json={"username": "minhxuan.receiver", "password": "motcua-demo"})
    assert r.status_code == 200
    issued = r.get_json()
    assert issued["token_type"] == "Bearer"
    assert issued["expires_at"] == "2026-11-25T16:00:00+07:00"  # 480 minutes
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    me = client.get(f"{API}/users/me", headers=headers).get_json()
    assert (me["username"], me["office_code"], me["roles"]) == ("minhxuan.receiver", "UBND.MINHXUAN", ["receiver"])
    assert "password" not in str(me) and "hash" not in str(me)

    # stored as a digest only; the password with a memory-hard KDF
    with app.extensions["motcua"].uow() as uow:
        stored = uow.session.scalars(select(ApiToken.token_hash)).all()
        user = uow.session.scalar(select(User).where(User.username == "minhxuan.receiver"))
        assert issued["access_token"] not in stored and len(stored[0]) == 64
        assert user.password_hash.startswith("$argon2id$")

    clock.advance(timedelta(minutes=479))
    assert client.get(f"{API}/users/me", headers=headers).status_code == 200
    clock.advance(timedelta(minutes=1))
    body = problem(client.get(f"{API}/users/me", headers=headers), 401)
    assert "hết hạn" in body["detail"]

    other = SignedIn(client, "minhxuan.receiver")
    assert client.post(f"{API}/auth/revoke", headers=other.headers).status_code == 204
    r = client.get(f"{API}/users/me", headers=other.headers)
    problem(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_sign_in_failures(client):
    problem(client.post(f"{API}/auth/token", json={"username": "minhxuan.receiver", "password": "sai-mat-khau"}), 401)
    problem(client.post(f"{API}/auth/token", json={"username": "khong-ton-tai", "password": "motcua-demo"}), 401)
    problem(client.post(f"{API}/auth/token", json={"username": "admin"}), 422)
    problem(client.get(f"{API}/users/me"), 401)
    problem(client.get(f"{API}/users/me", headers={"Authorization": "Bearer nonsense"}), 401)
    problem(client.get(f"{API}/users/me", headers={"Authorization": "Basic YWRtaW46eA=="}), 401)
    # guessing a password meets a limit
    for _ in range(10):
        client.post(f"{API}/auth/token", json={"username": "minhxuan.leader", "password": "doan-mo"})
    problem(client.post(f"{API}/auth/token", json={"username": "minhxuan.leader", "password": "motcua-demo"}), 429)
    assert client.post(f"{API}/auth/token",
                       json={"username": "minhxuan.specialist", "password": "motcua-demo"}).status_code == 200


def test_admins_administer_offices_and_users(client):
    admin, desk, auditor = staff(client, "admin", "minhxuan.receiver", "auditor")
    office = {"code": "UBND.TANTRAO", "name": "Ủy ban nhân dân xã Tân Trào", "level": "commune",
              "parent_code": "UBND.TINH", "saturday": "morning"}
    problem(desk.post(f"{API}/offices", json=office), 403)
    r = admin.post(f"{API}/offices", json=office)
    assert r.status_code == 201 and r.get_json()["code"] == "UBND.TANTRAO"
    problem(admin.post(f"{API}/offices", json=office), 409)
    problem(admin.post(f"{API}/offices", json={**office, "code": "X", "saturday": "sunday"}), 422)
    problem(admin.post(f"{API}/offices", json={**office, "code": "Y", "parent_code": "KHONG.CO"}), 422)
    assert desk.get(f"{API}/offices/UBND.TANTRAO").get_json()["saturday"] == "morning"

    user = {"username": "tantrao.receiver", "password": "mot-cua-2026", "full_name": "Ma Thị Hoa",
            "office_code": "UBND.TANTRAO", "roles": ["receiver"]}
    problem(desk.post(f"{API}/users", json=user), 403)
    r = admin.post(f"{API}/users", json=user)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["office_code"] == "UBND.TANTRAO" and "password" not in r.get_json()
    problem(admin.post(f"{API}/users", json=user), 409)
    body = problem(admin.post(f"{API}/users", json={**user, "username": "x.y.z", "password": "ngan",
                                                      "roles": ["boss"]}), 422)
    assert {"password", "roles.0"} <= set(body["errors"])
    problem(admin.post(f"{API}/users", json={**user, "username": "abc.def", "office_code": "KHONG.CO"}), 422)

    listing = admin.get(f"{API}/users?office=UBND.TANTRAO").get_json()
    assert [u["username"] for u in listing["items"]] == ["tantrao.receiver"] and listing["total"] == 1
    assert auditor.get(f"{API}/users?role=auditor").get_json()["total"] == 1
    paged = admin.get(f"{API}/users?per_page=5&page=2").get_json()
    assert paged["total"] == 34 and len(paged["items"]) == 5
    problem(desk.get(f"{API}/users"), 403)

    clerk = SignedIn(client, "tantrao.receiver", "mot-cua-2026")
    assert clerk.get(f"{API}/users/me").get_json()["office_code"] == "UBND.TANTRAO"
    problem(desk.patch(f"{API}/users/tantrao.receiver", json={"active": False}), 403)
    r = admin.patch(f"{API}/users/tantrao.receiver", json={"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False
    problem(clerk.get(f"{API}/users/me"), 401)  # deactivation ends open sessions
    problem(client.post(f"{API}/auth/token", json={"username": "tantrao.receiver", "password": "mot-cua-2026"}), 401)
    problem(admin.patch(f"{API}/users/khong-co", json={"active": True}), 404)
    problem(admin.patch(f"{API}/users/admin", json={"active": False}), 409)  # not oneself


def test_errors_are_problem_json(client, app):
    (admin,) = staff(client, "admin")
    body = problem(client.post(f"{API}/auth/token", data="{not json", content_type="application/json"), 400)
    assert body["type"].endswith("/bad-request")
    problem(client.post(f"{API}/auth/token", json=["a", "list"]), 400)
    problem(admin.get(f"{API}/khong-co"), 404)
    problem(admin.get(f"{API}/dossiers/KHONG-CO-0001"), 404)
    problem(admin.get(f"{API}/tasks/khong-co"), 404)
    problem(admin.get(f"{API}/procedures/khong-co"), 404)
    r = client.delete(f"{API}/dossiers")
    problem(r, 405)
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    body = problem(client.post(f"{API}/procedures", data=big, content_type="application/json",
                               headers=admin.headers), 413)
    assert body["type"].endswith("/too-large")
    body = problem(admin.post(f"{API}/offices", json={"code": "A"}), 422)
    assert body["errors"]["name"] == ["Trường này là bắt buộc."]


def test_openapi_document_describes_the_contract(client):
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    contract = {
        "/api/v1/auth/token": ["post"], "/api/v1/auth/revoke": ["post"], "/api/v1/offices": ["get", "post"],
        "/api/v1/users": ["get", "post"], "/api/v1/users/me": ["get"],
        "/api/v1/procedures": ["get", "post"], "/api/v1/procedures/validate": ["post"],
        "/api/v1/procedures/{code}": ["get"], "/api/v1/dossiers": ["get", "post"],
        "/api/v1/dossiers/{code}": ["get"], "/api/v1/dossiers/{code}/history": ["get"],
        "/api/v1/dossiers/{code}/documents/{form}": ["get"], "/api/v1/tasks": ["get"],
        "/api/v1/tasks/{task_id}": ["get"], "/api/v1/tasks/{task_id}/claim": ["post"],
        "/api/v1/tasks/{task_id}/unclaim": ["post"], "/api/v1/tasks/{task_id}/complete": ["post"],
        "/api/v1/public/dossiers/{code}": ["get"], "/api/v1/public/dossiers/{code}/rating": ["post"],
    }
    for action in ("supplement-request", "supplement", "apology", "reject", "stop", "withdraw", "return"):
        contract[f"/api/v1/dossiers/{{code}}/{action}"] = ["post"]
    for path, methods in contract.items():
        assert path in paths, path
        for method in methods:
            operation = paths[path][method]
            assert operation["responses"], (path, method)
            assert "application/problem+json" in operation["responses"]["default"]["content"]
    dossier = doc["components"]["schemas"]["DossierSchema"]["properties"]
    for field in ("code", "status", "procedure_code", "procedure_version", "channel", "receiving_office",
                  "competent_office", "received_at", "clock_start", "due_at", "finished_at", "returned_at",
                  "supplement_count", "paused", "overdue", "apology_required", "apology", "current_steps", "result"):
        assert field in dossier, field
    page = doc["components"]["schemas"]["DossierPageSchema"]["properties"]
    assert set(page) == {"items", "page", "per_page", "total", "total_exact"}  # total_exact: issue 16.3
    create = paths["/api/v1/dossiers"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create["$ref"].endswith("/DossierCreate")
    assert "bearer" in doc["components"]["securitySchemes"]
    assert paths["/api/v1/public/dossiers/{code}"]["get"]["security"] == []
    html = client.get("/api/docs")
    assert html.status_code == 200 and b"swagger-ui" in html.data and b"/api/v1/openapi.json" in html.data


def test_public_lookup_is_rate_limited(client, publish, app, clock):
    publish(simple_package())
    from tests.api.helpers import receive
    (desk,) = staff(client, "minhxuan.receiver")
    code = receive(desk)["code"]
    allowed = app.extensions["motcua"].settings.section("security")["lookup_failures_per_client_code"]
    statuses = []
    for i in range(allowed + 2):
        statuses.append(client.get(f"{API}/public/dossiers/{code}?phone4=0000").status_code)
        if i % 10 == 9:
            clock.advance(timedelta(seconds=61))  # under the per-minute limit: the per-code one answers
    assert statuses == [404] * allowed + [429] * 2
    body = problem(client.get(f"{API}/public/dossiers/{code}?phone4=5678"), 429)  # even the right digits now
    assert body["retry_after"] >= 1
    problem(client.get(f"{API}/public/dossiers/{code}?phone4=56789"), 429)
    # ... for the guessing client only: the citizen, elsewhere, still reads their dossier
    citizen = client.get(f"{API}/public/dossiers/{code}?phone4=5678", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert citizen.status_code == 200, citizen.get_json()
