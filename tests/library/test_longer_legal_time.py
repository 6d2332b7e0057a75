"""A longer legal time on the verification path, through the API (issue 13.4).

Đăng ký kết hôn is a same-day procedure; when the conditions must be verified the law allows up
to 5 working days (Luật Hộ tịch 2014, art. 18(2)): the step `xac_minh` carries `legal_days` 5.
Hand-computed (07:30–11:30 + 13:00–17:00, cut-off 15:00):
- received Wed 25/11/2026 08:00 at UBND.MINHXUAN: clock start 08:00, same day → due 17:00 25/11;
- supplement asked Wed 09:00, brought Thu 26/11 09:00: 8 working hours paused → due Thu 17:00;
- verification decided Thu 10:00: 5 days from Wed 08:00 = 7.5 h (Wed) + 8 (Thu) + 8 (Fri) +
  8 (Mon) + 8 (Tue) + 0.5 → Wed 02/12 08:00, plus the 8 paused hours → Thu 03/12 08:00;
- an override adds Tue 01/12 as a day off: the longer time is kept, one more day → Fri 04/12 08:00.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from motcua.clock import VN_TZ
from tests.conftest import read_package
from tests.library.test_paths import APPROVE, VERIFY, facts, receive, sample

CODE = "dang-ky-ket-hon"


@pytest.fixture
def settings(settings):
    """Tokens that outlive the days the frozen clock is moved."""
    settings.raw["auth"] = {**settings.section("auth"), "token_lifetime_minutes": 60 * 24 * 60}
    return settings


def vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def _complete(api, dossier: dict, step_id: str, data: dict | None = None) -> dict:
    f = facts(CODE)
    (current,) = dossier["current_steps"]
    assert current["name"] == f.steps[step_id].name
    r = api.post(f"/api/v1/tasks/{current['task_id']}/complete",
                 json={"data": sample(f.forms[f.steps[step_id].form], **(data or {}))})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_verification_lengthens_the_appointment_once_pauses_excluded_and_replays(login, clock, publish):
    publish(read_package(CODE))
    desk, specialist, leader = (login(f"minhxuan.{r}") for r in ("receiver", "specialist", "leader"))
    clock.freeze(vn("2026-11-25T08:00:00"))
    r = receive(desk, CODE, {})
    assert r.status_code == 201, r.get_json()
    dossier = r.get_json()
    code = dossier["code"]
    assert dossier["due_at"] == "2026-11-25T17:00:00+07:00"

    clock.freeze(vn("2026-11-25T09:00:00"))
    r = desk.post(f"/api/v1/dossiers/{code}/supplement-request",
                  json={"reason": "Thiếu giấy xác nhận tình trạng hôn nhân", "items": ["Giấy xác nhận"]})
    assert r.status_code == 200, r.get_json()
    clock.freeze(vn("2026-11-26T09:00:00"))
    r = desk.post(f"/api/v1/dossiers/{code}/supplement", json={"documents": [{"name": "Giấy xác nhận"}]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_at"] == "2026-11-26T17:00:00+07:00"

    clock.freeze(vn("2026-11-26T09:30:00"))
    dossier = _complete(desk, r.get_json(), "kiem_tra_ho_so")
    assert dossier["due_at"] == "2026-11-26T17:00:00+07:00"
    clock.freeze(vn("2026-11-26T10:00:00"))
    dossier = _complete(specialist, dossier, "kiem_tra_dieu_kien", {**VERIFY, **APPROVE})
    assert dossier["due_at"] == "2026-12-03T08:00:00+07:00"

    events = desk.get(f"/api/v1/dossiers/{code}/history").get_json()["events"]
    (extended,) = [e for e in events if e["type"] == "legal_time_extended"]
    assert extended["step"] == "xac_minh"
    assert {k: extended["data"][k] for k in ("old_due_at", "due_at", "legal_days")} == {
        "old_due_at": "2026-11-26T17:00:00+07:00", "due_at": "2026-12-03T08:00:00+07:00", "legal_days": "5"}
    assert "Luật Hộ tịch" in extended["data"]["reason"]

    # the appointment slip printed again shows the new date (the legal time it names stays the
    # manifest's "same day", as the contract says)
    html = desk.get(f"/api/v1/dossiers/{code}/documents/receipt").get_data(as_text=True)
    assert "08:00, ngày 03/12/2026" in html and "17:00, ngày 26/11/2026" not in html
    # the desk is told, without the applicant's personal data
    notes = [n for n in desk.get("/api/v1/notifications").get_json()["items"] if n["kind"] == "legal_time_extended"]
    assert len(notes) == 1 and "03/12/2026" in notes[0]["body"]
    assert "Nguyễn Văn Bình" not in notes[0]["body"] + notes[0]["title"]

    # a calendar change recomputes with the longer time, not the manifest's same day
    r = login("admin").post("/api/v1/calendar/overrides",
                            json={"date": "2026-12-01", "kind": "day_off", "name": "Nghỉ theo thông báo"})
    assert r.status_code == 201, r.get_json()
    dossier = desk.get(f"/api/v1/dossiers/{code}").get_json()
    assert dossier["due_at"] == "2026-12-04T08:00:00+07:00"

    # the step becoming ready again would change nothing: finish the path, on time
    clock.freeze(vn("2026-11-26T10:00:00") + timedelta(days=5))  # Tue 01/12 10:00
    dossier = _complete(specialist, dossier, "xac_minh", APPROVE)
    dossier = _complete(leader, dossier, "ky_gcn")
    dossier = _complete(desk, dossier, "tra_ket_qua")
    assert dossier["status"] == "done" and dossier["result"]["on_time"] is True
    events = desk.get(f"/api/v1/dossiers/{code}/history").get_json()["events"]
    assert [e["type"] for e in events].count("legal_time_extended") == 1

    audit = login("auditor").get(f"/api/v1/dossiers/{code}/audit").get_json()
    assert audit["chain_valid"] is True
    assert audit["replay"]["consistent"] is True, audit["replay"]
