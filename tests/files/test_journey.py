"""Issue 12 end to end with real files: uploaded scans at receipt and in a supplement, the
electronic result, the citizen's key, payments; the history carries every file's sha256, replay
stays consistent, and an altered or missing stored file is named by `audit verify`."""
from __future__ import annotations

import hashlib
import hmac
import json

from motcua.storage import store_for
from tests.api.helpers import API, complete, only_step, problem, receive, simple_package, staff, vn
from tests.files.helpers import PDF, PNG, sha, uploaded


def _to_done(client, clock, code, first_step):
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")
    clock.freeze(vn("2026-11-25 09:00"))
    step = only_step(complete(desk, first_step["task_id"], {"checked": True, "note": "Đủ"}))
    specialist.post(f"{API}/tasks/{step['task_id']}/claim")
    step = only_step(complete(specialist, step["task_id"], {"decision": "approve", "opinion": "Đủ điều kiện"}))
    return leader, step


def test_journey_with_real_files(login, publish, client, clock, app):
    publish(simple_package())
    desk, = staff(client, "minhxuan.receiver")
    scan = uploaded(desk, PDF, "../../etc/passwd\u202e\x00Tờ khai.pdf")
    assert scan["sha256"] == sha(PDF) and scan["size"] == len(PDF) and scan["media_type"] == "application/pdf"
    assert "/" not in scan["name"] and "\x00" not in scan["name"] and "\u202e" not in scan["name"]

    dossier = receive(desk, documents=[{"name": "Tờ khai", "file_id": scan["id"]},
                                       {"name": "Bản sao", "copies": 2, "digitized": True}])
    code = dossier["code"]
    doc = dossier["documents"][0]
    assert (doc["file_id"], doc["sha256"], doc["digitized"]) == (scan["id"], sha(PDF), True)
    # a client's `digitized: true` without a file is ignored: digitized exactly when a file is there
    assert dossier["documents"][1] == {"name": "Bản sao", "copies": 2, "digitized": False}
    assert [c["digitized"] for c in dossier["checklist"] if c["name"] == "Bản sao"] in ([False], [])
    assert dossier["fee"] == 10000 and dossier["paid"] is False and dossier["payments"] == []
    key = dossier["lookup_key"]
    assert len(key) >= 16

    # the same upload cannot be attached twice
    problem(desk.post(f"{API}/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": dossier["applicant"],
        "data": {"copies": 2, "fee_per_copy": 5000}, "documents": [{"name": "Tờ khai", "file_id": scan["id"]}]}), 422)

    # the receipt prints the public address with the key and its QR code
    html = desk.get(f"{API}/dossiers/{code}/documents/receipt").get_data(as_text=True)
    assert f"key={key}" in html and "<svg" in html

    # bytes in = bytes out
    listed = desk.get(f"{API}/dossiers/{code}/files").get_json()["items"]
    assert [(f["id"], f["role"], f["sha256"]) for f in listed] == [(scan["id"], "component", sha(PDF))]
    got = desk.get(f"{API}/dossiers/{code}/files/{scan['id']}")
    assert got.status_code == 200 and got.data == PDF and hashlib.sha256(got.data).hexdigest() == scan["sha256"]

    # another office sees nothing of it
    other, = staff(client, "yenson.receiver")
    problem(other.get(f"{API}/dossiers/{code}/files"), 404)
    problem(other.get(f"{API}/dossiers/{code}/files/{scan['id']}"), 404)
    problem(client.get(f"{API}/dossiers/{code}/files/{scan['id']}"), 401)

    # fee at the desk, then an online payment confirmed by the gateway
    r = desk.post(f"{API}/dossiers/{code}/payments", json={"amount": 4000, "channel": "desk", "reference": "BL-1"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["paid"] is False
    raw = json.dumps({"dossier_code": code, "amount": 6000, "reference": "GW-77",
                      "paid_at": "2026-11-25T08:30:00+07:00"}).encode()
    secret = app.extensions["motcua"].settings.section("payments")["callback_secret"].encode()
    good = hmac.new(secret, raw, hashlib.sha256).hexdigest()
    bad = hmac.new(b"wrong", raw, hashlib.sha256).hexdigest()
    problem(client.post(f"{API}/payments/callback", data=raw, headers={"X-Signature": bad},
                        content_type="application/json"), 401)
    problem(client.post(f"{API}/payments/callback", data=raw, content_type="application/json"), 401)
    r = client.post(f"{API}/payments/callback", data=raw, headers={"X-Signature": good},
                    content_type="application/json")
    assert r.status_code == 200, r.get_json()
    problem(client.post(f"{API}/payments/callback", data=raw, headers={"X-Signature": good},
                        content_type="application/json"), 409)
    problem(desk.post(f"{API}/dossiers/{code}/payments", json={"amount": 1, "channel": "desk", "reference": "GW-77"}),
            409)
    dossier = desk.get(f"{API}/dossiers/{code}").get_json()
    assert dossier["paid"] is True
    assert [(p["channel"], p["amount"], p["reference"]) for p in dossier["payments"]] == [
        ("desk", 4000, "BL-1"), ("online", 6000, "GW-77")]

    leader, approve = _to_done(client, clock, code, only_step(dossier))
    # the leader issues the electronic result, then signs: the dossier is done
    result = uploaded(leader, PNG, "ket-qua.png")
    r = leader.post(f"{API}/dossiers/{code}/result", json={"file_id": result["id"], "number": "123/QĐ-UBND"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result_file"]["sha256"] == sha(PNG)
    # before the dossier is done the citizen cannot download it yet
    problem(client.get(f"{API}/public/dossiers/{code}/result?key={key}"), 404)
    dossier = complete(leader, approve["task_id"], {"signed": True})
    assert dossier["status"] == "done"

    # the citizen: status with the key (code in any case), then the result; nothing without the key
    r = client.get(f"{API}/public/dossiers/{code.lower()}?key={key}")
    assert r.status_code == 200 and r.get_json()["status"] == "done" and r.get_json()["result_available"] is True
    r = client.get(f"{API}/public/dossiers/{code.lower()}/result?key={key}")
    assert r.status_code == 200 and r.data == PNG
    problem(client.get(f"{API}/public/dossiers/{code}/result"), 404)
    problem(client.get(f"{API}/public/dossiers/{code}/result?key={key[:-1]}x"), 404)
    problem(client.get(f"{API}/public/dossiers/{code}?key=wrong-key"), 404)

    # every file's sha256 is in the hash-linked history, and replay runs the new events
    auditor = login("auditor")
    audit = auditor.get(f"{API}/dossiers/{code}/audit").get_json()
    assert audit["chain_valid"] is True and audit["replay"]["consistent"] is True, audit["replay"]
    types = [e["type"] for e in audit["events"]]
    assert "payment_recorded" in types and "result_issued" in types
    text = json.dumps(audit["events"])
    assert sha(PDF) in text and sha(PNG) in text

    verify = auditor.post(f"{API}/audit/verify").get_json()
    assert verify["broken"] == [] and "files_broken" not in verify
    # a stored file altered on disk, then missing: audit verify names the dossier
    store = store_for(app.extensions["motcua"].settings)
    path = store._path(sha(PDF))
    path.write_bytes(PDF + b"x")
    verify = auditor.post(f"{API}/audit/verify").get_json()
    assert verify["broken"] == [code]
    assert verify["files_broken"] == [{"code": code, "file_id": scan["id"], "document": "Tờ khai",
                                       "problem": "changed"}]
    path.unlink()
    verify = auditor.post(f"{API}/audit/verify").get_json()
    assert verify["broken"] == [code] and verify["files_broken"][0]["problem"] == "missing"
