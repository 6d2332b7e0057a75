"""Receipt: desk-open rules, the legal clock at receipt, receiving vs competent office, inter-agency
lanes, and receipt codes that stay unique and gap-free under concurrent receipts."""
from __future__ import annotations

import threading

import pytest

from tests.api.helpers import (
    API, complete, only_step, problem, receipt_body, receive, simple_package, staff, vn,
)


@pytest.mark.parametrize("at, next_opening", [
    ("2026-11-25 18:00", "2026-11-26T07:30:00+07:00"),  # evening → tomorrow's opening
    ("2026-11-25 12:00", "2026-11-25T13:00:00+07:00"),  # lunch break → 13:00 the same day
    ("2026-11-25 06:45", "2026-11-25T07:30:00+07:00"),  # before opening
    ("2026-11-29 09:00", "2026-11-30T07:30:00+07:00"),  # Sunday
    ("2026-11-24 09:00", "2026-11-25T07:30:00+07:00"),  # 24/11: Vietnam Cultural Day (holiday)
    ("2026-11-28 09:00", "2026-11-30T07:30:00+07:00"),  # Saturday, procedure without Saturday service
])
def test_direct_receipt_at_a_closed_desk_is_409_with_the_next_opening(login, publish, client, clock, at,
                                                                      next_opening):
    publish(simple_package())
    clock.freeze(vn(at))
    (desk,) = staff(client, "minhxuan.receiver")
    body = problem(desk.post(f"{API}/dossiers", json=receipt_body()), 409)
    assert body["type"].endswith("/desk-closed")
    assert next_opening in body["detail"]
    hhmm, day = next_opening[11:16], next_opening[:10].split("-")
    assert f"{hhmm} ngày {day[2]}/{day[1]}/{day[0]}" in body["detail"]  # and in words for people
    assert body["next_opening"] == next_opening
    # nothing was stored and no code was used
    assert desk.get(f"{API}/dossiers").get_json()["total"] == 0


def test_online_and_postal_are_received_any_time_and_the_clock_starts_at_the_next_opening(login, publish,
                                                                                          client, clock):
    publish(simple_package())
    clock.freeze(vn("2026-11-25 18:00"))
    (desk,) = staff(client, "minhxuan.receiver")
    online = receive(desk, channel="online")
    assert online["clock_start"] == "2026-11-26T07:30:00+07:00"
    assert online["due_at"] == "2026-11-30T17:00:00+07:00"
    postal = receive(desk, channel="postal")
    assert postal["code"].endswith("-0002")


def test_after_the_cutoff_the_clock_starts_next_working_day(publish, client, clock):
    publish(simple_package())
    clock.freeze(vn("2026-11-25 15:30"))  # desk open, but after 15:00
    (desk,) = staff(client, "minhxuan.receiver")
    dossier = receive(desk)
    assert dossier["received_at"] == "2026-11-25T15:30:00+07:00"
    assert dossier["clock_start"] == "2026-11-26T07:30:00+07:00"


def test_saturday_service_follows_the_office_and_the_procedure(publish, client, clock):
    publish(simple_package(saturday_service=True))
    clock.freeze(vn("2026-11-28 09:00"))
    desk, yenson = staff(client, "minhxuan.receiver", "yenson.receiver")  # MINHXUAN: Saturday mornings
    dossier = receive(desk)
    assert dossier["clock_start"] == "2026-11-30T07:30:00+07:00"  # Saturday does not count
    clock.freeze(vn("2026-11-28 14:00"))
    body = problem(desk.post(f"{API}/dossiers", json=receipt_body()), 409)
    assert "2026-11-30T07:30:00+07:00" in body["detail"]
    # UBND.YENSON has no Saturday service at all (and the procedure is not boundary-free there anyway)
    clock.freeze(vn("2026-11-28 09:00"))
    problem(yenson.post(f"{API}/dossiers", json=receipt_body()), 403)


def test_receipt_input_is_checked(publish, client):
    publish(simple_package(channels=["direct", "online"]))
    (desk,) = staff(client, "minhxuan.receiver")
    body = problem(desk.post(f"{API}/dossiers", json=receipt_body(channel="postal")), 422)
    assert "channel" in body["errors"]
    body = problem(desk.post(f"{API}/dossiers", json=receipt_body(data={"copies": "hai"})), 422)
    assert set(body["errors"]) == {"data.copies", "data.fee_per_copy"}
    body = problem(desk.post(f"{API}/dossiers", json=receipt_body(code="khong-co")), 422)
    assert "procedure_code" in body["errors"]
    bad = receipt_body()
    bad["applicant"] = {"name": "", "phone": "abc"}
    body = problem(desk.post(f"{API}/dossiers", json=bad), 422)
    assert {"applicant.name", "applicant.phone", "applicant.id_number"} <= set(body["errors"])
    assert body["errors"]["applicant.id_number"] == ["Trường này là bắt buộc."]
    body = problem(desk.post(f"{API}/dossiers", json={**receipt_body(), "surprise": 1}), 422)
    assert body["errors"] == {"surprise": ["Trường không được phép."]}
    assert desk.get(f"{API}/dossiers").get_json()["total"] == 0


def test_boundary_free_procedure_is_received_anywhere_and_routed_to_the_competent_office(publish, client):
    publish(simple_package(boundary_free=True))
    yenson_desk, yenson_specialist, mx_specialist = staff(
        client, "yenson.receiver", "yenson.specialist", "minhxuan.specialist")
    dossier = receive(yenson_desk)
    assert dossier["code"] == "UBND.YENSON-261125-0001"  # the receiving office's code and sequence
    assert (dossier["receiving_office"], dossier["competent_office"]) == ("UBND.YENSON", "UBND.MINHXUAN")
    step = only_step(dossier)
    assert (step["lane"], step["office"]) == ("receiver", "UBND.YENSON")  # the desk step stays at the desk
    dossier = complete(yenson_desk, step["task_id"], {"checked": True})
    appraise = only_step(dossier)
    assert appraise["office"] == "UBND.MINHXUAN"  # routed to the competent office
    assert [t["id"] for t in mx_specialist.get(f"{API}/tasks").get_json()["items"]] == [appraise["task_id"]]
    assert yenson_specialist.get(f"{API}/tasks").get_json()["total"] == 0
    problem(yenson_specialist.get(f"{API}/tasks/{appraise['task_id']}"), 404)
    assert mx_specialist.get(f"{API}/dossiers/{dossier['code']}").status_code == 200
    # a procedure that is not boundary-free: only its competent office or the provincial centre
    publish(simple_package(code="thu-tuc-rieng"))
    problem(yenson_desk.post(f"{API}/dossiers", json=receipt_body(code="thu-tuc-rieng")), 403)
    (centre,) = staff(client, "ttpvhcc.receiver")
    centre_dossier = receive(centre, code="thu-tuc-rieng")
    assert (centre_dossier["receiving_office"], centre_dossier["competent_office"]) == ("TTPVHCC", "UBND.MINHXUAN")


def test_office_role_lane_routes_a_step_to_that_agency(publish, client):
    publish(simple_package(lanes={"specialist": "CA.MINHXUAN:specialist"}))
    desk, mx_specialist, police, police_desk, leader = staff(
        client, "minhxuan.receiver", "minhxuan.specialist", "caminhxuan.specialist", "caminhxuan.receiver",
        "minhxuan.leader")
    dossier = receive(desk)
    code = dossier["code"]
    problem(police.get(f"{API}/dossiers/{code}"), 404)  # not yet theirs
    dossier = complete(desk, only_step(dossier)["task_id"], {"checked": True})
    step = only_step(dossier)
    assert (step["lane"], step["office"]) == ("CA.MINHXUAN:specialist", "CA.MINHXUAN")
    assert [t["id"] for t in police.get(f"{API}/tasks?scope=candidate").get_json()["items"]] == [step["task_id"]]
    assert mx_specialist.get(f"{API}/tasks").get_json()["total"] == 0
    problem(mx_specialist.get(f"{API}/tasks/{step['task_id']}"), 404)
    problem(mx_specialist.post(f"{API}/tasks/{step['task_id']}/complete", json={"data": {}}), 404)
    assert police.get(f"{API}/dossiers/{code}").status_code == 200  # the police see the dossier now
    assert police_desk.get(f"{API}/tasks/{step['task_id']}").status_code == 200  # same office: may read
    problem(police_desk.post(f"{API}/tasks/{step['task_id']}/claim"), 403)  # but not work: not their role
    dossier = complete(police, step["task_id"], {"decision": "approve", "opinion": "Đã xác minh cư trú"})
    assert only_step(dossier)["office"] == "UBND.MINHXUAN"
    # the police office keeps reading what it worked on, but no longer acts on it
    assert police.get(f"{API}/dossiers/{code}").status_code == 200
    problem(police.post(f"{API}/dossiers/{code}/supplement-request", json={"reason": "x", "items": []}), 403)
    complete(leader, only_step(dossier)["task_id"], {"signed": True})
    slip = desk.get(f"{API}/dossiers/{code}/documents/control-slip").get_data(as_text=True)
    assert "Công an phường Minh Xuân" in slip  # the coordinating agency on form 06


def _concurrent(n_threads, work):
    barrier = threading.Barrier(n_threads)
    results: list = [None] * n_threads

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_concurrent_receipts_get_unique_gap_free_codes(app, publish, client, clock):
    publish(simple_package(boundary_free=True))
    mx_token = staff(client, "minhxuan.receiver")[0].token
    ys_token = staff(client, "yenson.receiver")[0].token

    def receipt(i):
        token = mx_token if i < 30 else ys_token  # 30 at one desk, 10 at another, all at once
        response = app.test_client().post(f"{API}/dossiers", json=receipt_body(),
                                          headers={"Authorization": f"Bearer {token}"})
        return response.status_code, (response.get_json() or {}).get("code")

    results = _concurrent(40, receipt)
    assert [status for status, _ in results] == [201] * 40, results
    minhxuan = sorted(code for _, code in results[:30])
    yenson = sorted(code for _, code in results[30:])
    assert minhxuan == [f"UBND.MINHXUAN-261125-{i:04d}" for i in range(1, 31)]
    assert yenson == [f"UBND.YENSON-261125-{i:04d}" for i in range(1, 11)]
    # the next day starts again at 0001
    clock.freeze(vn("2026-11-26 08:00"))
    (desk,) = staff(client, "minhxuan.receiver")
    assert receive(desk)["code"] == "UBND.MINHXUAN-261126-0001"
