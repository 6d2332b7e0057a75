"""Issue 2: publish → start → complete every step → completed, with what each step wrote."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

FIXTURE = Path(__file__).parent / "fixtures" / "simple"


def simple_package() -> dict:
    return {
        "manifest": yaml.safe_load((FIXTURE / "manifest.yaml").read_text(encoding="utf-8")),
        "bpmn": (FIXTURE / "process.bpmn").read_text(encoding="utf-8"),
        "forms": {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (FIXTURE / "forms").glob("*.json")},
    }


APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}


def receive(api, code="thu-tuc-thu", data=None, channel="direct"):
    response = api.post("/api/v1/dossiers", json={
        "procedure_code": code, "channel": channel, "applicant": APPLICANT,
        "data": data if data is not None else {"copies": 2, "fee_per_copy": 5000},
        "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def only_step(dossier):
    assert len(dossier["current_steps"]) == 1, dossier["current_steps"]
    return dossier["current_steps"][0]


def test_publish_start_complete_every_step(login, publish, clock):
    published = publish(simple_package())
    assert {k: published[k] for k in ("code", "version", "process_id")} == \
        {"code": "thu-tuc-thu", "version": 1, "process_id": "simple_process"}
    assert [w["element"] for w in published["warnings"]] == ["manifest.publication"]  # no publication data

    desk = login("minhxuan.receiver")
    dossier = receive(desk)
    assert dossier["code"].startswith("UBND.MINHXUAN-261125-")
    assert dossier["status"] == "processing"
    # received 08:00 Wednesday 25/11/2026; 3 working days = 24 working hours: Wed 7.5 h
    # (08:00-11:30, 13:00-17:00), Thu 8 h, Fri 8 h = 23.5 h, the last 0.5 h on Monday 30/11 07:30-08:00
    assert dossier["clock_start"] == "2026-11-25T08:00:00+07:00"
    assert dossier["due_at"] == "2026-11-30T08:00:00+07:00"
    step = only_step(dossier)
    assert (step["name"], step["lane"], step["office"]) == ("Tiếp nhận và chuyển hồ sơ", "receiver", "UBND.MINHXUAN")
    # 0.5 day from 08:00 → 12:00 wall time = 4 working hours → 11:30 + 30 min after lunch = 13:30
    assert step["due_at"] == "2026-11-25T13:30:00+07:00"

    r = desk.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": {"checked": True, "note": "đủ"}})
    assert r.status_code == 200, r.get_json()
    step = only_step(r.get_json())
    assert (step["lane"], step["office"]) == ("specialist", "UBND.MINHXUAN")

    specialist = login("minhxuan.specialist")
    r = specialist.post(f"/api/v1/tasks/{step['task_id']}/complete",
                        json={"data": {"decision": "approve", "opinion": "Đủ điều kiện"}})
    assert r.status_code == 200, r.get_json()
    step = only_step(r.get_json())
    assert step["lane"] == "leader"

    leader = login("minhxuan.leader")
    r = leader.post(f"/api/v1/tasks/{step['task_id']}/complete", json={"data": {"signed": True}})
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["status"] == "done"
    assert done["current_steps"] == []
    assert done["finished_at"] is not None

    events = desk.get(f"/api/v1/dossiers/{done['code']}/history").get_json()["events"]
    completed = [e for e in events if e["type"] == "step_completed"]
    assert [e["step"] for e in completed] == ["receive", "appraise", "approve"]
    assert completed[0]["data"]["data"] == {"checked": True, "note": "đủ"}
    assert completed[1]["data"]["data"] == {"decision": "approve", "opinion": "Đủ điều kiện"}
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    finished = [e for e in events if e["type"] == "finished"][0]
    # the script task ran in the sandbox with the dossier's data: 2 copies × 5000
    assert finished["data"]["result"]["fee_total"] == 10000
    assert finished["data"]["result"]["decision"] == "approve"


def test_refusal_path_ends_rejected(login, publish):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    dossier = receive(desk)
    desk.post(f"/api/v1/tasks/{only_step(dossier)['task_id']}/complete", json={"data": {"checked": True}})
    dossier = desk.get(f"/api/v1/dossiers/{dossier['code']}").get_json()
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{only_step(dossier)['task_id']}/complete",
                                          json={"data": {"decision": "refuse", "opinion": "Không đủ điều kiện"}})
    assert r.status_code == 200
    assert r.get_json()["status"] == "rejected"


def test_form_errors_are_422_per_field_in_vietnamese(login, publish):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    dossier = receive(desk)
    task = only_step(dossier)["task_id"]
    r = desk.post(f"/api/v1/tasks/{task}/complete", json={"data": {"note": 5}})
    assert r.status_code == 422
    body = r.get_json()
    assert r.mimetype == "application/problem+json"
    assert set(body["errors"]) == {"checked", "note"}
    assert "bắt buộc" in body["errors"]["checked"][0]
    # nothing moved
    again = desk.get(f"/api/v1/dossiers/{dossier['code']}").get_json()
    assert only_step(again)["task_id"] == task


def test_new_version_keeps_running_dossiers_on_theirs(login, publish):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    first = receive(desk)
    package = simple_package()
    package["manifest"]["legal_days"] = 5
    assert publish(package)["version"] == 2
    second = receive(desk)
    assert (first["procedure_version"], second["procedure_version"]) == (1, 2)
    # 40 working hours from Wed 08:00: 7.5 + 8 (Thu) + 8 (Fri) + 8 (Mon) + 8 (Tue) = 39.5, +0.5 h Wed 2/12
    assert second["due_at"] == "2026-12-02T08:00:00+07:00"
    info = login("designer").get("/api/v1/procedures/thu-tuc-thu").get_json()
    assert [v["version"] for v in info["versions"]] == [1, 2]
    # publishing identical content again is not a new version
    assert publish(package)["version"] == 2
