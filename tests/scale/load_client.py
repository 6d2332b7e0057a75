"""One client process of tests/scale/test_processes_many.py: works dossiers over HTTP as the desk and
the staff of phường Minh Xuân do, and prints (JSON, last line) what the server accepted.

    python tests/scale/load_client.py BASE_URL CLIENT_NO DOSSIERS RACE_TASK

- receives DOSSIERS dossiers (trích lục hộ tịch, direct; and đăng ký kết hôn online);
- works every step to the end, claiming first, with data generated from each step's form;
- for every third dossier asks for a supplement before the first step and then brings it;
- races the other clients to complete the step RACE_TASK (one of them wins).
"""
from __future__ import annotations

import json
import random
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from motcua.seed import STAFF  # noqa: E402
from motcua.simulation.form_data import form_data  # noqa: E402

PASSWORD = "motcua-demo"


class Client:
    def __init__(self, base: str):
        self.base, self.tokens, self.procedures = base, {}, {}

    def call(self, method: str, path: str, body=None, user: str | None = None):
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def token(self, user: str) -> str:
        if user not in self.tokens:
            status, body = self.call("POST", "/api/v1/auth/token", {"username": user, "password": PASSWORD})
            assert status == 200, (status, body)
            self.tokens[user] = body["access_token"]
        return self.tokens[user]


def person(step: dict) -> str:
    return f"{STAFF[step['office']]}.{step['lane'].rsplit(':', 1)[-1]}"


def application(client: Client, rng: random.Random, code: str) -> dict:
    if code not in client.procedures:
        client.procedures[code] = client.call("GET", f"/api/v1/procedures/{code}", user="minhxuan.receiver")[1]
    proc = client.procedures[code]
    return form_data(rng, proc["forms"][proc["manifest"]["application_form"]],
                     tuple(proc["manifest"].get("protected_variables") or ()))


def work(client: Client, rng: random.Random, code: str, out: dict, *, supplement: bool) -> None:
    if supplement:
        status, _ = client.call("POST", f"/api/v1/dossiers/{code}/supplement-request",
                                {"reason": "Thiếu giấy tờ", "items": ["Bản sao giấy khai sinh"]}, user="minhxuan.receiver")
        assert status == 200, status
        out["supplement_requests"] += 1
        status, _ = client.call("POST", f"/api/v1/dossiers/{code}/supplement",
                                {"documents": [{"name": "Bản sao giấy khai sinh", "digitized": True}]},
                                user="minhxuan.receiver")
        assert status == 200, status
        out["supplements"] += 1
    for _ in range(20):
        status, view = client.call("GET", f"/api/v1/dossiers/{code}", user="minhxuan.receiver")
        assert status == 200, (status, view)
        if not view["current_steps"]:
            out["finished"][code] = view["status"]
            return
        for step in view["current_steps"]:
            who = person(step)
            status, task = client.call("GET", f"/api/v1/tasks/{step['task_id']}", user=who)
            assert status == 200, (status, task)
            client.call("POST", f"/api/v1/tasks/{step['task_id']}/claim", {}, user=who)
            data = form_data(rng, task.get("form_schema"))
            status, body = client.call("POST", f"/api/v1/tasks/{step['task_id']}/complete", {"data": data}, user=who)
            if status == 200:
                out["completed"].append(step["task_id"])
            else:
                out["refused"].append([step["task_id"], status])


def main() -> None:
    base, number, count, race = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(number)
    client = Client(base)
    out = {"client": number, "received": [], "completed": [], "refused": [], "finished": {},
           "supplement_requests": 0, "supplements": 0, "race": None}
    # the race first: every client completes the same step at about the same time
    _, task = client.call("GET", f"/api/v1/tasks/{race}", user="minhxuan.receiver")
    status, _ = client.call("POST", f"/api/v1/tasks/{race}/complete",
                            {"data": form_data(random.Random(0), task.get("form_schema"))}, user="minhxuan.receiver")
    out["race"] = [race, status]
    for i in range(count):
        procedure = "trich-luc-ho-tich" if i % 2 == 0 else "dang-ky-ket-hon"
        body = {"procedure_code": procedure, "channel": "direct" if i % 2 == 0 else "online",
                "applicant": {"name": "Trần Thị Bình", "id_number": f"0010900{number:02d}{i:03d}",
                              "phone": f"09120{number:02d}{i:03d}"},
                "data": application(client, rng, procedure),
                "documents": [{"name": "Tờ khai", "digitized": True}]}
        status, dossier = client.call("POST", "/api/v1/dossiers", body, user="minhxuan.receiver")
        assert status == 201, (status, dossier)
        out["received"].append(dossier["code"])
        work(client, rng, dossier["code"], out, supplement=i % 3 == 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
