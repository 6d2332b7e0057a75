"""The inbox (claim, unclaim, complete and their conflicts) and the dossier actions with their papers."""
from __future__ import annotations

from tests.api.helpers import (
    API, complete, only_step, problem, receipt_body, receive, simple_package, staff, vn,
)


def _second_specialist(client):
    (admin,) = staff(client, "admin")
    r = admin.post(f"{API}/users", json={"username": "minhxuan.specialist2", "password": "mat-khau-2026",
                                         "full_name": "Hoàng Thu Trang", "office_code": "UBND.MINHXUAN",
                                         "roles": ["specialist"]})
    assert r.status_code == 201, r.get_json()
    return staff(client, "minhxuan.specialist")[0], _signin(client, "minhxuan.specialist2", "mat-khau-2026")


def _signin(client, username, password):
    from tests.api.helpers import SignedIn
    return SignedIn(client, username, password)


def _at_appraisal(client, publish):
    publish(simple_package())
    (desk,) = staff(client, "minhxuan.receiver")
    dossier = receive(desk)
    dossier = complete(desk, only_step(dossier)["task_id"], {"checked": True})
    return desk, dossier


def test_claim_unclaim_complete_and_their_conflicts(client, publish):
    desk, dossier = _at_appraisal(client, publish)
    first, second = _second_specialist(client)
    task = only_step(dossier)["task_id"]
    assert {t["id"] for t in second.get(f"{API}/tasks?scope=candidate").get_json()["items"]} == {task}

    detail = first.get(f"{API}/tasks/{task}").get_json()
    assert detail["form"] == "tham_dinh" and detail["form_schema"]["required"] == ["decision", "opinion"]
    assert detail["dossier_code"] == dossier["code"] and detail["allotment_days"] == "2"

    assert first.post(f"{API}/tasks/{task}/claim").get_json()["assignee"] == "minhxuan.specialist"
    assert first.post(f"{API}/tasks/{task}/claim").status_code == 200  # claiming again is harmless
    problem(second.post(f"{API}/tasks/{task}/claim"), 409)
    problem(second.post(f"{API}/tasks/{task}/unclaim"), 409)
    problem(second.post(f"{API}/tasks/{task}/complete",
                        json={"data": {"decision": "approve", "opinion": "Đồng ý"}}), 409)
    assert second.get(f"{API}/tasks?scope=candidate").get_json()["total"] == 0
    assert second.get(f"{API}/tasks?scope=all").get_json()["total"] == 1  # still readable in the office

    assert first.post(f"{API}/tasks/{task}/unclaim").get_json()["assignee"] is None
    assert second.post(f"{API}/tasks/{task}/claim").get_json()["assignee"] == "minhxuan.specialist2"

    # the form decides what is valid: 422, one Vietnamese message per field, nothing moves
    body = problem(second.post(f"{API}/tasks/{task}/complete", json={"data": {"decision": "maybe", "opinion": 1}}),
                   422)
    assert set(body["errors"]) == {"decision", "opinion"}
    assert all(isinstance(m, str) and m for msgs in body["errors"].values() for m in msgs)
    assert "không" in " ".join(body["errors"]["decision"]).lower() or "một trong" in " ".join(
        body["errors"]["decision"])
    problem(second.post(f"{API}/tasks/{task}/complete", json={"data": "không phải đối tượng"}), 422)
    assert only_step(desk.get(f"{API}/dossiers/{dossier['code']}").get_json())["task_id"] == task

    after = complete(second, task, {"decision": "approve", "opinion": "Đủ điều kiện"})
    assert only_step(after)["lane"] == "leader"
    # no longer ready: 409 for everyone who may work it
    problem(second.post(f"{API}/tasks/{task}/complete", json={"data": {"decision": "approve", "opinion": "Lần 2"}}),
            409)
    problem(first.post(f"{API}/tasks/{task}/claim"), 409)
    done = second.get(f"{API}/tasks/{task}").get_json()
    assert (done["state"], done["assignee"]) == ("completed", "minhxuan.specialist2")
    assert done["data"] == {"decision": "approve", "opinion": "Đủ điều kiện"}
    history = [e["type"] for e in desk.get(f"{API}/dossiers/{dossier['code']}/history").get_json()["events"]]
    assert history.count("claimed") == 2 and history.count("unclaimed") == 1


def test_apology_once_with_on_time_flag_and_form_04(client, publish, clock):
    publish(simple_package())
    (desk,) = staff(client, "minhxuan.receiver")
    early, late = receive(desk), receive(desk)
    assert early["due_at"] == late["due_at"] == "2026-11-30T08:00:00+07:00"

    # Wednesday 09:00: well over a working day before Monday 08:00
    clock.freeze(vn("2026-11-25 09:00"))
    (leader,) = staff(client, "minhxuan.leader")
    body = problem(leader.post(f"{API}/dossiers/{early['code']}/apology",
                               json={"reason": "Cần xác minh", "new_due_at": "2026-11-27T17:00:00+07:00"}), 422)
    assert "new_due_at" in body["errors"]  # not later than the current appointment
    r = leader.post(f"{API}/dossiers/{early['code']}/apology",
                    json={"reason": "Cần xác minh thêm tại địa phương", "new_due_at": "2026-12-03T17:00:00+07:00"})
    assert r.status_code == 200, r.get_json()
    apologised = r.get_json()
    assert apologised["apology"]["on_time"] is True
    assert apologised["apology"]["new_due_at"] == "2026-12-03T17:00:00+07:00"
    assert apologised["due_at"] == "2026-12-03T17:00:00+07:00"
    body = problem(leader.post(f"{API}/dossiers/{early['code']}/apology",
                               json={"reason": "Lần nữa", "new_due_at": "2026-12-10T17:00:00+07:00"}), 409)
    assert "một lần" in body["detail"]

    # Friday 10:00: only 6 working hours left before Monday 08:00
    clock.freeze(vn("2026-11-27 10:00"))
    (leader,) = staff(client, "minhxuan.leader")
    r = leader.post(f"{API}/dossiers/{late['code']}/apology",
                    json={"reason": "Chậm do quá tải", "new_due_at": "2026-12-03T17:00:00+07:00"})
    assert r.get_json()["apology"]["on_time"] is False

    html = leader.get(f"{API}/dossiers/{early['code']}/documents/apology").get_data(as_text=True)
    assert "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết" in html and "Cần xác minh thêm tại địa phương" in html
    assert "17:00, ngày 03/12/2026" in html and "08:00, ngày 30/11/2026" in html  # new and original dates
    # the receipt keeps the appointment promised at receipt
    receipt = leader.get(f"{API}/dossiers/{early['code']}/documents/receipt").get_data(as_text=True)
    assert "08:00, ngày 30/11/2026" in receipt


def test_reject_stop_withdraw_close_the_dossier_with_their_papers(client, publish):
    publish(simple_package())
    desk, specialist = staff(client, "minhxuan.receiver", "minhxuan.specialist")
    rejected, stopped, withdrawn = receive(desk), receive(desk), receive(desk)

    r = desk.post(f"{API}/dossiers/{rejected['code']}/reject", json={"reason": "Không thuộc thẩm quyền"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected" and r.get_json()["current_steps"] == []
    html = desk.get(f"{API}/dossiers/{rejected['code']}/documents/refusal").get_data(as_text=True)
    assert "Phiếu từ chối tiếp nhận, giải quyết hồ sơ" in html and "Không thuộc thẩm quyền" in html
    problem(desk.post(f"{API}/dossiers/{rejected['code']}/stop", json={"reason": "x"}), 409)
    problem(desk.post(f"{API}/dossiers/{rejected['code']}/supplement-request", json={"reason": "x"}), 409)
    problem(desk.get(f"{API}/dossiers/{rejected['code']}/documents/stop"), 404)
    problem(desk.get(f"{API}/dossiers/{rejected['code']}/documents/supplement"), 404)  # none was asked

    r = specialist.post(f"{API}/dossiers/{stopped['code']}/stop", json={"reason": "Người nộp đề nghị dừng"})
    assert r.get_json()["status"] == "stopped"
    html = desk.get(f"{API}/dossiers/{stopped['code']}/documents/stop").get_data(as_text=True)
    assert "Thông báo dừng giải quyết hồ sơ" in html and "Người nộp đề nghị dừng" in html

    problem(desk.post(f"{API}/dossiers/{withdrawn['code']}/return"), 409)  # no result yet
    r = desk.post(f"{API}/dossiers/{withdrawn['code']}/withdraw")
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    problem(desk.post(f"{API}/dossiers/{withdrawn['code']}/reject"), 422)  # reason is required
    assert desk.get(f"{API}/tasks").get_json()["total"] == 0  # every open step was cancelled
    events = desk.get(f"{API}/dossiers/{withdrawn['code']}/history").get_json()["events"]
    assert events[-1]["type"] == "finished" and events[-1]["data"]["status"] == "withdrawn"


def test_refusal_reached_through_the_process_prints_the_specialists_reason(client, publish):
    desk, dossier = _at_appraisal(client, publish)
    (specialist,) = staff(client, "minhxuan.specialist")
    after = complete(specialist, only_step(dossier)["task_id"],
                     {"decision": "refuse", "opinion": "Người nộp không cư trú tại phường"})
    assert after["status"] == "rejected"
    html = desk.get(f"{API}/dossiers/{dossier['code']}/documents/refusal").get_data(as_text=True)
    assert "Người nộp không cư trú tại phường" in html


def test_lists_are_paginated_and_filtered(client, publish):
    publish(simple_package())
    (desk,) = staff(client, "minhxuan.receiver")
    codes = [receive(desk)["code"] for _ in range(5)]
    desk.post(f"{API}/dossiers/{codes[0]}/reject", json={"reason": "Sai thẩm quyền"})
    page = desk.get(f"{API}/dossiers?per_page=2&page=2").get_json()
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 5)
    assert [d["code"] for d in page["items"]] == [codes[2], codes[1]]  # newest first
    assert desk.get(f"{API}/dossiers?page=9").get_json()["items"] == []
    assert desk.get(f"{API}/dossiers?status=rejected").get_json()["total"] == 1
    assert desk.get(f"{API}/dossiers?overdue=false&procedure=thu-tuc-thu").get_json()["total"] == 5
    assert desk.get(f"{API}/dossiers?procedure=khac").get_json()["total"] == 0
    problem(desk.get(f"{API}/dossiers?per_page=1000"), 422)
    problem(desk.get(f"{API}/dossiers?status=lost"), 422)
    tasks = desk.get(f"{API}/tasks?per_page=3").get_json()
    assert (tasks["total"], len(tasks["items"])) == (4, 3)
    assert desk.get(f"{API}/tasks?dossier={codes[1]}").get_json()["total"] == 1
    due = [t["due_at"] for t in desk.get(f"{API}/tasks").get_json()["items"]]
    assert due == sorted(due)
    offices = desk.get(f"{API}/offices?per_page=4").get_json()
    assert offices["total"] == 10 and len(offices["items"]) == 4


def test_admin_acts_on_any_dossier_but_works_no_step(client, publish):
    publish(simple_package())
    desk, admin, auditor = staff(client, "minhxuan.receiver", "admin", "auditor")
    dossier = receive(desk)
    task = only_step(dossier)["task_id"]
    assert admin.get(f"{API}/tasks/{task}").status_code == 200
    problem(admin.post(f"{API}/tasks/{task}/claim"), 403)
    problem(auditor.post(f"{API}/tasks/{task}/claim"), 403)
    problem(auditor.post(f"{API}/dossiers/{dossier['code']}/stop", json={"reason": "Thanh tra"}), 403)
    r = admin.post(f"{API}/dossiers/{dossier['code']}/stop", json={"reason": "Xử lý theo chỉ đạo của tỉnh"})
    assert r.status_code == 200 and r.get_json()["status"] == "stopped"
    assert desk.get(f"{API}/dossiers/{dossier['code']}/history").get_json()["events"][-1]["actor"] == "admin"
    problem(admin.post(f"{API}/dossiers", json=receipt_body()), 403)  # receipt is a desk act


def test_items_and_documents_may_be_plain_text_or_objects(client, publish):
    publish(simple_package())
    (desk,) = staff(client, "minhxuan.receiver")
    dossier = receive(desk, documents=["Tờ khai", {"name": "Giấy ủy quyền", "digitized": True}])
    # `digitized: true` without a file is ignored: digitized exactly when a file is there
    assert dossier["documents"] == [{"name": "Tờ khai", "copies": 1, "digitized": False},
                                    {"name": "Giấy ủy quyền", "copies": 1, "digitized": False}]
    r = desk.post(f"{API}/dossiers/{dossier['code']}/supplement-request", json={
        "reason": "Thiếu giấy tờ", "items": ["Ảnh 4x6", {"name": "Bản sao CCCD", "kind": "bản sao có chứng thực"}]})
    assert r.status_code == 200, r.get_json()
    html = desk.get(f"{API}/dossiers/{dossier['code']}/documents/supplement").get_data(as_text=True)
    assert "Ảnh 4x6" in html and "Bản sao CCCD (bản sao có chứng thực)" in html
    body = problem(desk.post(f"{API}/dossiers/{dossier['code']}/supplement", json={"documents": [5]}), 422)
    assert "documents.0" in body["errors"]
    r = desk.post(f"{API}/dossiers/{dossier['code']}/supplement",
                  json={"documents": ["Bản sao CCCD"], "data": {"copies": 3}})
    assert r.status_code == 200 and r.get_json()["data"] == {"copies": 3, "fee_per_copy": 5000}
    assert r.get_json()["documents"][-1] == {"name": "Bản sao CCCD", "copies": 1, "digitized": False}
