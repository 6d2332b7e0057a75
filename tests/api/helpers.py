"""Shared pieces of the API tests: the small test procedure in variants, and receipt over HTTP."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml

from motcua.clock import VN_TZ

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "simple"
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912 345 678",
             "email": "an@example.vn", "address": "Tổ 5, phường Minh Xuân"}
API = "/api/v1"


def simple_package(*, lanes: dict | None = None, **manifest) -> dict:
    """tests/fixtures/simple (receiver → specialist → script → leader, competent UBND.MINHXUAN,
    3 legal days), with manifest keys overridden and lanes renamed ({"specialist": "CA.MINHXUAN:specialist"})."""
    bpmn = (FIXTURE / "process.bpmn").read_text(encoding="utf-8")
    for old, new in (lanes or {}).items():
        bpmn = bpmn.replace(f'name="{old}">', f'name="{new}">')
    package = {
        "manifest": yaml.safe_load((FIXTURE / "manifest.yaml").read_text(encoding="utf-8")),
        "bpmn": bpmn,
        "forms": {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (FIXTURE / "forms").glob("*.json")},
    }
    package["manifest"].update(manifest)
    return package


def receipt_body(code="thu-tuc-thu", channel="direct", **extra) -> dict:
    body = {"procedure_code": code, "channel": channel, "applicant": dict(APPLICANT),
            "data": {"copies": 2, "fee_per_copy": 5000},
            "documents": [{"name": "Tờ khai", "digitized": True},
                          {"name": "Bản sao giấy khai sinh", "digitized": False, "copies": 2}]}
    body.update(extra)
    return body


def receive(api, **kw) -> dict:
    response = api.post(f"{API}/dossiers", json=receipt_body(**kw))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def only_step(dossier: dict) -> dict:
    assert len(dossier["current_steps"]) == 1, dossier["current_steps"]
    return dossier["current_steps"][0]


def vn(text: str) -> datetime:
    """'2026-11-25 10:00' in Vietnamese time."""
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def complete(api, task_id: str, data: dict, status: int = 200) -> dict:
    response = api.post(f"{API}/tasks/{task_id}/complete", json={"data": data})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def problem(response, status: int) -> dict:
    """Assert an application/problem+json answer with this status; return its body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert body["status"] == status
    assert body["type"].startswith("https://motcua.gov.vn/problems/")
    assert body["title"] and body["detail"]
    return body


class SignedIn:
    """A client signed in afresh (the `login` fixture caches tokens, which expire after 8 hours)."""

    def __init__(self, client, username: str, password: str = "motcua-demo"):
        response = client.post(f"{API}/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        self.client, self.username = client, username
        self.token = response.get_json()["access_token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json if json is not None else {}, headers=self.headers, **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json if json is not None else {}, headers=self.headers, **kw)


def staff(client, *usernames):
    return [SignedIn(client, u) for u in usernames]
