"""Issue 4 end to end over HTTP: publish, receive at the desk, work every step with one supplement
round trip, return the result, and the citizen looks it up and rates it; with the papers printed
on the way."""
from __future__ import annotations

from tests.api.helpers import API, APPLICANT, complete, only_step, problem, receive, simple_package, staff, vn


def test_dossier_from_desk_to_rating(login, publish, client, clock):
    published = publish(simple_package())
    assert {k: published[k] for k in ("code", "version", "process_id")} == \
        {"code": "thu-tuc-thu", "version": 1, "process_id": "simple_process"}
    # the test procedure has no publication data: it publishes, with that warning
    assert [w["element"] for w in published["warnings"]] == ["manifest.publication"]
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")

    # Wednesday 25/11/2026 08:00: received at the desk of the competent office
    dossier = receive(desk)
    code = dossier["code"]
    assert code == "UBND.MINHXUAN-261125-0001"
    assert (dossier["status"], dossier["channel"]) == ("processing", "direct")
    assert (dossier["receiving_office"], dossier["competent_office"]) == ("UBND.MINHXUAN", "UBND.MINHXUAN")
    assert dossier["received_at"] == "2026-11-25T08:00:00+07:00"
    assert dossier["clock_start"] == "2026-11-25T08:00:00+07:00"
    assert dossier["due_at"] == "2026-11-30T08:00:00+07:00"  # 3 working days = 24 working hours
    assert dossier["supplement_count"] == 0 and dossier["paused"] is False
    # the helper sends `digitized: true` without a file: ignored (digitized exactly when a file is there)
    assert dossier["documents"][0] == {"name": "Tờ khai", "copies": 1, "digitized": False}
    assert dossier["checklist"] == [{"name": "Tờ khai", "copies": 1, "received": True, "digitized": False}]
    receive_step = only_step(dossier)
    assert receive_step["due_at"] == "2026-11-25T13:30:00+07:00"  # 0.5 day: 08:00 + 4 working hours

    # the desk hands over at 14:00, half an hour after its step was due
    clock.freeze(vn("2026-11-25 14:00"))
    dossier = complete(desk, receive_step["task_id"], {"checked": True, "note": "Đủ thành phần"})
    appraise = only_step(dossier)
    assert (appraise["lane"], appraise["office"]) == ("specialist", "UBND.MINHXUAN")
    # 2 days = 16 h from Wed 14:00: Wed 3 h, Thu 8 h, Fri 07:30-11:30 and 13:00-14:00
    assert appraise["due_at"] == "2026-11-27T14:00:00+07:00"
    inbox = specialist.get(f"{API}/tasks?scope=candidate").get_json()
    assert [t["id"] for t in inbox["items"]] == [appraise["task_id"]]
    assert specialist.post(f"{API}/tasks/{appraise['task_id']}/claim").get_json()["assignee"] == "minhxuan.specialist"
    assert specialist.get(f"{API}/tasks?scope=mine").get_json()["total"] == 1

    # 15:00: the specialist finds a document missing; the clock stops
    clock.freeze(vn("2026-11-25 15:00"))
    r = specialist.post(f"{API}/dossiers/{code}/supplement-request",
                        json={"reason": "Thiếu bản sao giấy khai sinh có chứng thực",
                              "items": ["Bản sao giấy khai sinh (có chứng thực)"]})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["paused"]) == ("supplement_requested", True)
    # while paused the step cannot be completed
    problem(specialist.post(f"{API}/tasks/{appraise['task_id']}/complete",
                            json={"data": {"decision": "approve", "opinion": "Đủ điều kiện"}}), 409)
    page = desk.get(f"{API}/dossiers/{code}/documents/supplement")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" in html and "Bản sao giấy khai sinh (có chứng thực)" in html

    # Thursday 10:00: the applicant brings it; paused working time = Wed 15:00-17:00 (2 h) +
    # Thu 07:30-10:00 (2.5 h) = 4.5 h, and every due time moves by exactly that
    clock.freeze(vn("2026-11-26 10:00"))
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")
    r = desk.post(f"{API}/dossiers/{code}/supplement",
                  json={"documents": [{"name": "Bản sao giấy khai sinh (có chứng thực)", "digitized": True}]})
    assert r.status_code == 200, r.get_json()
    dossier = r.get_json()
    assert (dossier["status"], dossier["paused"], dossier["supplement_count"]) == ("processing", False, 1)
    assert dossier["due_at"] == "2026-11-30T14:00:00+07:00"  # Mon 08:00 + 4.5 h (3.5 h + lunch + 1 h)
    assert only_step(dossier)["due_at"] == "2026-11-30T09:00:00+07:00"  # Fri 14:00 + 3 h + Mon 1.5 h
    events = desk.get(f"{API}/dossiers/{code}/history").get_json()["events"]
    supplemented = [e for e in events if e["type"] == "supplemented"][0]
    assert supplemented["data"]["paused_working_days"] == "0.5625"  # 4.5 h / 8 h

    clock.freeze(vn("2026-11-26 11:00"))
    dossier = complete(specialist, appraise["task_id"], {"decision": "approve", "opinion": "Đủ điều kiện"})
    approve = only_step(dossier)
    assert (approve["lane"], approve["office"]) == ("leader", "UBND.MINHXUAN")
    assert approve["due_at"] == "2026-11-26T16:30:00+07:00"

    clock.freeze(vn("2026-11-26 16:00"))
    dossier = complete(leader, approve["task_id"], {"signed": True})
    assert dossier["status"] == "done" and dossier["current_steps"] == []
    assert dossier["finished_at"] == "2026-11-26T16:00:00+07:00"
    assert dossier["result"]["on_time"] is True

    # the citizen cannot rate before the result is handed over
    problem(client.post(f"{API}/public/dossiers/{code}/rating", json={"phone4": "5678", "satisfied": True}), 409)

    clock.freeze(vn("2026-11-27 08:00"))
    (desk,) = staff(client, "minhxuan.receiver")  # a new working day, a new sign-in
    r = desk.post(f"{API}/dossiers/{code}/return")
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["returned_at"]) == ("returned", "2026-11-27T08:00:00+07:00")
    problem(desk.post(f"{API}/dossiers/{code}/return"), 409)

    # the history, in order, with every hand-over
    events = desk.get(f"{API}/dossiers/{code}/history").get_json()["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    kinds = [e["type"] for e in events]
    assert kinds[0] == "received" and kinds[-1] == "returned"
    for expected in ("step_ready", "claimed", "supplement_requested", "supplemented", "step_completed", "finished"):
        assert expected in kinds

    # the control slip: one row per hand-over with early / on time / late
    html = desk.get(f"{API}/dossiers/{code}/documents/control-slip").get_data(as_text=True)
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ" in html
    rows = html.split('<tr class="')[1:]
    results = [row.split('"', 1)[0] for row in rows]
    # receive (late), supplement request, supplement, appraise (early), approve (on time), return (early)
    assert results == ["late", "pending", "pending", "early", "on_time", "early"], results
    assert "14:00, ngày 25/11/2026" in html and "Trần Văn Hùng" in html  # the specialist, by name

    receipt = desk.get(f"{API}/dossiers/{code}/documents/receipt").get_data(as_text=True)
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in receipt and "size: A5" in receipt
    assert code in receipt and "08:00, ngày 25/11/2026" in receipt
    assert "08:00, ngày 30/11/2026" in receipt  # the appointment promised at receipt
    assert APPLICANT["id_number"] not in receipt
    problem(desk.get(f"{API}/dossiers/{code}/documents/apology"), 404)  # no apology was made
    problem(desk.get(f"{API}/dossiers/{code}/documents/refusal"), 404)
    problem(desk.get(f"{API}/dossiers/{code}/documents/certificate"), 404)

    # the citizen: code and the last four digits of the phone; nothing personal comes back
    r = client.get(f"{API}/public/dossiers/{code}?phone4=5678")
    assert r.status_code == 200, r.get_json()
    public = r.get_json()
    assert public["status"] == "returned" and public["procedure_name"] == "Thủ tục thử nghiệm"
    assert public["due_at"] == "2026-11-30T14:00:00+07:00"
    text = r.get_data(as_text=True)
    for private in (APPLICANT["name"], "0912", APPLICANT["id_number"], APPLICANT["address"], "example.vn"):
        assert private not in text
    problem(client.get(f"{API}/public/dossiers/{code}?phone4=1234"), 404)
    problem(client.get(f"{API}/public/dossiers/NOPE-000000-0001?phone4=5678"), 404)

    r = client.post(f"{API}/public/dossiers/{code}/rating",
                    json={"phone4": "5678", "satisfied": True, "comment": "Nhanh, chu đáo"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["satisfied"] is True
    problem(client.post(f"{API}/public/dossiers/{code}/rating", json={"phone4": "5678", "satisfied": False}), 409)
    assert client.get(f"{API}/public/dossiers/{code}?phone4=5678").get_json()["rated"] is True
    assert [e["type"] for e in desk.get(f"{API}/dossiers/{code}/history").get_json()["events"]][-1] == "rated"


def test_dossiers_keep_their_version_and_procedures_list_versions(login, publish):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    first = receive(desk)
    assert publish(simple_package(legal_days=5))["version"] == 2
    second = receive(desk)
    assert (first["procedure_version"], second["procedure_version"]) == (1, 2)
    assert second["code"].endswith("-0002")
    assert desk.get(f"{API}/dossiers/{first['code']}").get_json()["procedure_version"] == 1
    detail = login("designer").get(f"{API}/procedures/thu-tuc-thu").get_json()
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["latest_version"] == 2 and detail["legal_days"] == 5 and detail["manifest"]["legal_days"] == 5
    assert detail["versions"][0]["manifest"]["legal_days"] == 3
    listing = desk.get(f"{API}/procedures").get_json()
    assert listing["total"] == 1 and listing["items"][0]["code"] == "thu-tuc-thu"
    r = login("designer").post(f"{API}/procedures/validate", json=simple_package(legal_days=1))
    body = problem(r, 422)  # allotments 0.5 + 2 + 0.5 exceed one legal day
    assert body["problems"] and all("message" in p for p in body["problems"])
    assert login("designer").get(f"{API}/procedures/thu-tuc-thu").get_json()["latest_version"] == 2
    ok = login("designer").post(f"{API}/procedures/validate", json=simple_package())
    assert ok.status_code == 200 and ok.get_json()["valid"] is True
    assert [s["id"] for s in ok.get_json()["steps"]] == ["receive", "appraise", "approve"]
