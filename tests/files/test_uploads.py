"""Uploads: type judged from the bytes, the size limit answered before the body is read, nothing
left behind, reuse of the applicant's earlier files, supplements keeping earlier versions, and
unattached uploads removed after their time."""
from __future__ import annotations

import tracemalloc
from datetime import timedelta

from motcua.services import files
from motcua.storage import store_for
from tests.api.helpers import API, problem, receive, simple_package, staff
from tests.files.conftest import UPLOAD_LIMIT
from tests.files.helpers import EXE, PDF, PNG, sha, upload, uploaded


def _stored(app) -> list:
    root = store_for(app.extensions["motcua"].settings).root
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_type_from_content_not_name(publish, client, app):
    desk, = staff(client, "minhxuan.receiver")
    body = problem(upload(desk, EXE, "to-khai.pdf"), 415)
    assert "nội dung" in body["detail"]
    problem(upload(desk, b"just some text, named like a scan", "scan.jpg"), 415)
    assert _stored(app) == []  # the rejected bytes are not kept
    assert uploaded(desk, PNG, "anh-chup.pdf")["media_type"] == "image/png"
    problem(desk.client.post(f"{API}/files", data={}, content_type="multipart/form-data",
                             headers=desk.headers), 422)
    auditor, = staff(client, "auditor")
    problem(upload(auditor, PDF), 403)


def test_over_the_limit_is_413_with_flat_memory(client, app, tmp_path):
    desk, = staff(client, "minhxuan.receiver")
    # a body far over the limit, streamed from disk: refused before it is read
    big = tmp_path / "big.bin"
    boundary = "xyzBOUNDARYxyz"
    with open(big, "wb") as out:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
                  f'Content-Type: application/pdf\r\n\r\n'.encode() + PDF)
        chunk = b"\0" * (1024 * 1024)
        for _ in range(4 * UPLOAD_LIMIT // len(chunk)):
            out.write(chunk)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    tracemalloc.start()
    try:
        with open(big, "rb") as stream:
            r = client.post(f"{API}/files", input_stream=stream, headers={
                **desk.headers, "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(big.stat().st_size)})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    problem(r, 413)
    assert peak < UPLOAD_LIMIT // 2, peak  # nothing like the body's size was held in memory
    # a file just over the limit inside an envelope that fits: refused while copying, nothing kept
    r = upload(desk, PDF + b"\0" * (UPLOAD_LIMIT - len(PDF) + 1))
    problem(r, 413)
    assert _stored(app) == []
    # exactly at the limit is fine
    at_limit = PDF + b"\0" * (UPLOAD_LIMIT - len(PDF))
    assert uploaded(desk, at_limit)["size"] == UPLOAD_LIMIT
    assert _stored(app) == [sha(at_limit)]


def test_reuse_supplement_versions_and_cleanup(publish, client, clock, app, login):
    publish(simple_package())
    desk, specialist = staff(client, "minhxuan.receiver", "minhxuan.specialist")
    first_scan = uploaded(desk, PDF)
    first = receive(desk, documents=[{"name": "Tờ khai", "file_id": first_scan["id"]}])

    # a second dossier of the same applicant: the look-up lists the earlier file and is recorded
    r = desk.get(f"{API}/applicants/{first['applicant']['id_number']}/files")
    assert [f["id"] for f in r.get_json()["items"]] == [first_scan["id"]]
    second = receive(desk, documents=[{"name": "Tờ khai", "reused_from": first_scan["id"]}])
    doc = second["documents"][0]
    assert (doc["reused_from"], doc["sha256"], doc["digitized"]) == (first_scan["id"], sha(PDF), True)
    assert doc["file_id"] != first_scan["id"]
    got = desk.get(f"{API}/dossiers/{second['code']}/files/{doc['file_id']}")
    assert got.status_code == 200 and got.data == PDF
    # another applicant cannot take it
    problem(desk.post(f"{API}/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct",
        "applicant": {**first["applicant"], "id_number": "001122334455"}, "data": {"copies": 1, "fee_per_copy": 1},
        "documents": [{"name": "Tờ khai", "reused_from": first_scan["id"]}]}), 422)
    r = desk.get(f"{API}/applicants/{first['applicant']['id_number']}/files?dossier={second['code']}")
    assert r.status_code == 200
    assert [f["id"] for f in r.get_json()["items"]] == [first_scan["id"]]
    history = desk.get(f"{API}/dossiers/{second['code']}/history").get_json()["events"]
    looked = [e for e in history if e["type"] == "files_reused"]
    assert looked and looked[0]["data"] == {"id_number": first["applicant"]["id_number"], "files": [first_scan["id"]]}

    # a supplement brings a new version of the same document; the earlier one stays
    r = specialist.post(f"{API}/dossiers/{first['code']}/supplement-request",
                        json={"reason": "Tờ khai mờ", "items": ["Tờ khai"]})
    assert r.status_code == 200, r.get_json()
    rescan = uploaded(desk, PNG, "to-khai-moi.png")
    r = desk.post(f"{API}/dossiers/{first['code']}/supplement",
                  json={"documents": [{"name": "Tờ khai", "file_id": rescan["id"]}]})
    assert r.status_code == 200, r.get_json()
    docs = r.get_json()["documents"]
    assert [(d["name"], d["sha256"], d.get("version")) for d in docs] == [
        ("Tờ khai", sha(PDF), None), ("Tờ khai", sha(PNG), 2)]
    assert r.get_json()["code"] == first["code"]
    roles = [(f["role"], f["sha256"]) for f in desk.get(f"{API}/dossiers/{first['code']}/files").get_json()["items"]]
    assert roles == [("component", sha(PDF)), ("supplement", sha(PNG))]

    auditor = login("auditor")
    for code in (first["code"], second["code"]):
        replay = auditor.get(f"{API}/dossiers/{code}/audit").get_json()["replay"]
        assert replay["consistent"] is True, replay

    # an upload attached to nothing goes after files.unattached_ttl_hours, by the scheduler's
    # claimed `files_cleanup` job; attached ones stay; a second run removes nothing
    from scheduler.jobs import run_job
    orphan_bytes = PDF + b"orphan"
    uploaded(desk, orphan_bytes)
    platform = app.extensions["motcua"]
    assert run_job(platform, "files_cleanup", clock.now() + timedelta(hours=23)) == 0
    assert sha(orphan_bytes) in _stored(app)
    assert run_job(platform, "files_cleanup", clock.now() + timedelta(hours=25)) == 1
    assert sha(orphan_bytes) not in _stored(app) and sha(PDF) in _stored(app)
    assert run_job(platform, "files_cleanup", clock.now() + timedelta(hours=26)) == 0
    assert files.remove_unattached(platform) == 0
