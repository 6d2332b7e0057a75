"""Every endpoint × every role × own office / other office: nothing leaks, nothing is writable that
should not be (motcua/access.py states the rules).

The shared dossier D is received at UBND.MINHXUAN, its first step (receiver lane) waiting there.
Denied requests run against D and must leave it untouched; allowed writes run on fresh dossiers so
that each one is seen to succeed.
"""
from __future__ import annotations

from tests.api.helpers import API, SignedIn, complete, only_step, receipt_body, receive, simple_package

OWN = ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader", "minhxuan.designer")
OTHER = ("yenson.receiver", "yenson.specialist", "yenson.leader", "designer")  # designer: TTPVHCC
GLOBAL = ("admin", "auditor")
EVERYONE = OWN + OTHER + GLOBAL
DOSSIER_ACTORS = ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader", "admin")
ACTIONS = {
    "supplement-request": {"reason": "Thiếu giấy tờ", "items": ["Bản sao CCCD"]},
    "supplement": {"documents": [{"name": "Bản sao CCCD", "digitized": True}]},
    "apology": {"reason": "Cần xác minh", "new_due_at": "2026-12-10T17:00:00+07:00"},
    "reject": {"reason": "Không thuộc thẩm quyền"},
    "stop": {"reason": "Dừng theo đề nghị"},
    "withdraw": {},
    "return": {},
}


def _sees(user):
    return 200 if user in OWN + GLOBAL else 404


def _acts(user, allowed, ok):
    """ok for the allowed; 403 for those who may see but not act; 404 for those who may not see."""
    if user in allowed:
        return ok
    return 403 if user in OWN + GLOBAL else 404


def _setup(client, publish):
    publish(simple_package())
    admin = SignedIn(client, "admin")
    r = admin.post(f"{API}/users", json={"username": "minhxuan.designer", "password": "thiet-ke-2026",
                                         "full_name": "Vũ Thiết Kế", "office_code": "UBND.MINHXUAN",
                                         "roles": ["designer"]})
    assert r.status_code == 201
    users = {u: SignedIn(client, u, "thiet-ke-2026" if u == "minhxuan.designer" else "motcua-demo")
             for u in EVERYONE}
    return users


def test_authorization_matrix(client, publish):
    users = _setup(client, publish)
    desk = users["minhxuan.receiver"]
    d = receive(desk)
    code, task = d["code"], only_step(d)["task_id"]
    before = desk.get(f"{API}/dossiers/{code}/history").get_json()["events"]
    wrong: list = []

    def check(user, method, url, expected, body=None):
        api = users[user]
        if method == "GET":
            response = api.get(url)
        elif method == "PATCH":
            response = api.patch(url, json=body)
        else:
            response = api.post(url, json=body)
        if response.status_code != expected:
            wrong.append((user, method, url, expected, response.status_code))
        elif response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
        return response

    # --- reading: own office and admins/auditors see D and its task; others get 404, as if absent
    for user in EVERYONE:
        for url in (f"/dossiers/{code}", f"/dossiers/{code}/history", f"/dossiers/{code}/documents/receipt",
                    f"/dossiers/{code}/documents/control-slip", f"/tasks/{task}"):
            check(user, "GET", API + url, _sees(user))
        listed = check(user, "GET", f"{API}/dossiers", 200).get_json()
        if (code in [x["code"] for x in listed["items"]]) != (user in OWN + GLOBAL):
            wrong.append((user, "GET", "/dossiers lists D", user in OWN + GLOBAL))
        all_tasks = check(user, "GET", f"{API}/tasks?scope=all", 200).get_json()
        if (task in [t["id"] for t in all_tasks["items"]]) != (user in OWN + GLOBAL):
            wrong.append((user, "GET", "/tasks?scope=all lists T", user in OWN + GLOBAL))
        inbox = check(user, "GET", f"{API}/tasks", 200).get_json()
        if (task in [t["id"] for t in inbox["items"]]) != (user in ("minhxuan.receiver",) + GLOBAL):
            wrong.append((user, "GET", "/tasks lists T", user))
        for url in ("/users/me", "/offices", "/offices/UBND.MINHXUAN", "/procedures", "/procedures/thu-tuc-thu"):
            check(user, "GET", API + url, 200)
        check(user, "GET", f"{API}/users", 200 if user in GLOBAL else 403)
        me = users[user].get(f"{API}/users/me").get_json()
        assert me["username"] == user

    # --- writing, denied (and state conflicts for the allowed that cannot apply to D now)
    for user in EVERYONE:
        for verb in ("claim", "complete"):
            expected = _acts(user, ("minhxuan.receiver",), None)
            if expected is not None:
                check(user, "POST", f"{API}/tasks/{task}/{verb}", expected, {"data": {"checked": True}})
        check(user, "POST", f"{API}/tasks/{task}/unclaim", _acts(user, ("minhxuan.receiver",), 409))
        for action, body in ACTIONS.items():
            allowed = ("minhxuan.receiver", "admin") if action == "return" else DOSSIER_ACTORS
            state_conflict = 409 if action in ("supplement", "return") else None  # D is processing
            expected = _acts(user, allowed, state_conflict)
            if expected is not None:
                check(user, "POST", f"{API}/dossiers/{code}/{action}", expected, body)
        receiver_ok = user == "minhxuan.receiver"
        if not receiver_ok:  # yenson.receiver: a desk, but the procedure is not boundary-free
            check(user, "POST", f"{API}/dossiers", 403, receipt_body())
        designs = user in ("minhxuan.designer", "designer", "admin")
        if not designs:
            check(user, "POST", f"{API}/procedures", 403, simple_package())
            check(user, "POST", f"{API}/procedures/validate", 403, simple_package())
        if user != "admin":
            check(user, "POST", f"{API}/offices", 403,
                  {"code": "UBND.MOI", "name": "Xã mới", "level": "commune"})
            check(user, "POST", f"{API}/users", 403,
                  {"username": "nguoi.moi", "password": "mat-khau-moi", "full_name": "Người mới",
                   "office_code": "UBND.MINHXUAN", "roles": ["admin"]})
            check(user, "PATCH", f"{API}/users/minhxuan.leader", 403, {"roles": ["admin"]})

    # nothing above changed D
    after = desk.get(f"{API}/dossiers/{code}/history").get_json()["events"]
    assert after == before
    assert desk.get(f"{API}/dossiers/{code}").get_json()["status"] == "processing"

    # --- writing, allowed: each succeeds on a dossier in the right state
    for user in DOSSIER_ACTORS:
        api = users[user]
        for action in ("supplement-request", "apology", "reject", "stop", "withdraw"):
            fresh = receive(desk)["code"]
            check(user, "POST", f"{API}/dossiers/{fresh}/{action}", 200, ACTIONS[action])
        fresh = receive(desk)["code"]
        check(user, "POST", f"{API}/dossiers/{fresh}/supplement-request", 200, ACTIONS["supplement-request"])
        check(user, "POST", f"{API}/dossiers/{fresh}/supplement", 200, ACTIONS["supplement"])
        assert api.get(f"{API}/dossiers/{fresh}").get_json()["supplement_count"] == 1
    for user in ("minhxuan.receiver", "admin"):
        fresh = receive(desk)
        step = only_step(fresh)
        step = only_step(complete(desk, step["task_id"], {"checked": True}))
        step = only_step(complete(users["minhxuan.specialist"], step["task_id"],
                                  {"decision": "approve", "opinion": "Đủ điều kiện"}))
        assert complete(users["minhxuan.leader"], step["task_id"], {"signed": True})["status"] == "done"
        for other in ("minhxuan.specialist", "minhxuan.leader", "auditor", "yenson.receiver"):
            check(other, "POST", f"{API}/dossiers/{fresh['code']}/return", _acts(other, (), None))
        check(user, "POST", f"{API}/dossiers/{fresh['code']}/return", 200)
    check("minhxuan.receiver", "POST", f"{API}/tasks/{task}/claim", 200)
    check("minhxuan.receiver", "POST", f"{API}/tasks/{task}/unclaim", 200)
    check("minhxuan.receiver", "POST", f"{API}/tasks/{task}/complete", 200, {"data": {"checked": True}})
    check("minhxuan.receiver", "POST", f"{API}/dossiers", 201, receipt_body())
    for user in ("minhxuan.designer", "designer", "admin"):
        check(user, "POST", f"{API}/procedures/validate", 200, simple_package())
        check(user, "POST", f"{API}/procedures", 201, simple_package())
    check("admin", "POST", f"{API}/offices", 201, {"code": "UBND.MOI", "name": "Xã mới", "level": "commune"})
    check("admin", "POST", f"{API}/users", 201,
          {"username": "nguoi.moi", "password": "mat-khau-moi", "full_name": "Người mới",
           "office_code": "UBND.MOI", "roles": ["receiver"]})
    check("admin", "PATCH", f"{API}/users/nguoi.moi", 200, {"full_name": "Người mới đổi tên"})

    assert wrong == [], "\n".join(map(str, wrong))


def test_without_a_token_every_operation_not_documented_public_is_401(client):
    """The OpenAPI document says which operations are public (security: []); every other one
    refuses an anonymous caller with 401 before looking at anything else."""
    doc = client.get(f"{API}/openapi.json").get_json()
    checked = 0
    for path, operations in doc["paths"].items():
        url = path
        for name in ("code", "task_id", "form", "username", "override_id", "notification_id", "feedback_id"):
            url = url.replace("{" + name + "}", "1" if name.endswith("_id") and name != "task_id" else "x")
        for method, operation in operations.items():
            if operation.get("security") == []:
                continue
            response = client.open(url, method=method.upper(), json={})
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 30
