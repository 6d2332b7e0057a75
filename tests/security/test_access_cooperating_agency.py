"""Issue 11 item 5: a cooperating agency acts only on its own step.

Reproduction: a police desk clerk, while the police's step of a birth inter-agency dossier
(lien-thong-khai-sinh) was open, apologised with a new date in 2099 and withdrew the dossier.
Dossier-level actions belong to the competent office (and, for withdraw and return, the
receiving desk); the police office may claim and complete its step, nothing else.
"""
from __future__ import annotations

from tests.api.helpers import API
from tests.audit.test_replay_library import library, sample
from tests.conftest import read_package

CODE = "lien-thong-khai-sinh"
ACTIONS = {
    "apology": {"reason": "Cần xác minh thêm", "new_due_at": "2099-12-31T17:00:00+07:00"},
    "withdraw": {},
    "reject": {"reason": "Không đủ điều kiện"},
    "stop": {"reason": "Dừng xử lý"},
    "supplement-request": {"reason": "Thiếu giấy tờ", "items": ["Bản sao có chứng thực"]},
    "supplement": {"documents": [{"name": "Bản sao có chứng thực", "digitized": True}]},
    "return": {},
}
POLICE = "Công an phường Minh Xuân"
COMPETENT, DESK = "Ủy ban nhân dân phường Minh Xuân", "Ủy ban nhân dân xã Yên Sơn"


def _receive(login, desk_user: str) -> dict:
    manifest, forms, _ = library(CODE)
    r = login(desk_user).post(f"{API}/dossiers", json={
        "procedure_code": CODE, "channel": "direct",
        "applicant": {"name": "Nguyễn Văn Bình", "id_number": "008090001234", "phone": "0912345678"},
        "data": sample(forms[manifest["application_form"]]),
        "documents": [{"name": d["name"], "digitized": True} for d in manifest["documents"]]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _complete(login, user: str, dossier: dict, step_id: str, **choices) -> dict:
    _, forms, steps = library(CODE)
    step = steps[step_id]
    task = [s["task_id"] for s in dossier["current_steps"] if s["name"] == step.name]
    assert len(task) == 1, dossier["current_steps"]
    r = login(user).post(f"{API}/tasks/{task[0]}/complete", json={"data": sample(forms[step.form], **choices)})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _to_police_step(login, desk: str) -> dict:
    """Receipt at `desk`, then the desk check, the registration and its signature: the police's
    permanent-residence step (lane CA.MINHXUAN:specialist) is open."""
    d = _receive(login, desk)
    d = _complete(login, desk, d, "kiem_tra_ho_so")
    d = _complete(login, "minhxuan.specialist", d, "dang_ky_khai_sinh")
    d = _complete(login, "minhxuan.leader", d, "ky_giay_khai_sinh")
    assert "CA.MINHXUAN" in [s["office"] for s in d["current_steps"]], d["current_steps"]
    return d


def test_police_clerk_cannot_apologise_or_withdraw_while_its_step_is_open(publish, login):
    publish(read_package(CODE))
    dossier = _to_police_step(login, "minhxuan.receiver")
    code = dossier["code"]
    before = login("minhxuan.receiver").get(f"{API}/dossiers/{code}/history").get_json()["events"]
    for clerk in ("caminhxuan.receiver", "caminhxuan.specialist", "caminhxuan.leader"):
        assert login(clerk).get(f"{API}/dossiers/{code}").status_code == 200  # the police read it
        for action, body in ACTIONS.items():
            r = login(clerk).post(f"{API}/dossiers/{code}/{action}", json=body)
            assert r.status_code == 403, (clerk, action, r.get_json())
            assert r.mimetype == "application/problem+json"
            assert POLICE in r.get_json()["detail"], r.get_json()["detail"]  # names the office
    after = login("minhxuan.receiver").get(f"{API}/dossiers/{code}")
    assert after.get_json()["status"] == "processing" and after.get_json()["apology"] is None
    assert login("minhxuan.receiver").get(f"{API}/dossiers/{code}/history").get_json()["events"] == before
    # their own step stays theirs: the police specialist completes it
    done = _complete(login, "caminhxuan.specialist", after.get_json(), "dang_ky_thuong_tru", needs_verification=False)
    assert "CA.MINHXUAN" not in [s["office"] for s in done["current_steps"]]
    # the competent office keeps the dossier-level actions (within the apology bound)
    r = login("minhxuan.leader").post(f"{API}/dossiers/{code}/withdraw", json={})
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"


def test_desk_of_another_office_withdraws_but_does_not_decide(publish, login):
    """Received at UBND.YENSON (boundary-free), decided by UBND.MINHXUAN: the desk may ask for and
    take a supplement and withdraw; apology, reject and stop belong to the competent office."""
    publish(read_package(CODE))
    desk = "yenson.receiver"
    dossier = _receive(login, desk)
    code = dossier["code"]
    assert (dossier["receiving_office"], dossier["competent_office"]) == ("UBND.YENSON", "UBND.MINHXUAN")
    for action in ("apology", "reject", "stop"):
        r = login(desk).post(f"{API}/dossiers/{code}/{action}", json=ACTIONS[action])
        assert r.status_code == 403, (action, r.get_json())
        detail = r.get_json()["detail"]
        assert COMPETENT in detail and DESK in detail, detail  # whose action it is, and who asked
    r = login(desk).post(f"{API}/dossiers/{code}/supplement-request", json=ACTIONS["supplement-request"])
    assert r.status_code == 200, r.get_json()
    r = login(desk).post(f"{API}/dossiers/{code}/supplement", json=ACTIONS["supplement"])
    assert r.status_code == 200 and r.get_json()["supplement_count"] == 1
    r = login(desk).post(f"{API}/dossiers/{code}/withdraw", json={})
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    # a second dossier: the competent office's leader apologises (a date within the bound)
    other = _receive(login, desk)
    r = login("minhxuan.leader").post(f"{API}/dossiers/{other['code']}/apology",
                                      json={"reason": "Cần xác minh", "new_due_at": _plus_days(other["due_at"], 2)})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["apology"]["by"] == "minhxuan.leader"


def _plus_days(instant: str, days: int) -> str:
    from datetime import timedelta

    from motcua.clock import parse_instant
    return (parse_instant(instant) + timedelta(days=days)).isoformat()


def test_each_predicate_agrees_with_its_sql_filter(app, publish, login):
    """The rules are stated twice (a row predicate, a SQL filter for lists): over real dossiers and
    steps at several offices, for every demo user, both give the same answer."""
    from sqlalchemy import select

    from motcua import access
    from motcua.db.models import Dossier, StepRow, User
    from motcua.services import people

    publish(read_package(CODE))
    _to_police_step(login, "minhxuan.receiver")
    _receive(login, "yenson.receiver")
    platform = app.extensions["motcua"]
    with platform.uow(readonly=True) as uow:
        session = uow.session
        dossiers, tasks = session.scalars(select(Dossier)).all(), session.scalars(select(StepRow)).all()
        assert len(dossiers) == 2 and len({t.office_id for t in tasks}) >= 3
        for user in session.scalars(select(User)).all():
            actor = people.actor_of(user)
            readable = set(session.scalars(select(Dossier.id).where(access.readable_dossiers(actor))))
            assert readable == {d.id for d in dossiers
                                if access.may_read_dossier(actor, d, access.step_offices(session, d.id))}, user.username
            for action in access.DOSSIER_ACTIONS:
                acting = set(session.scalars(select(Dossier.id).where(access.actionable_dossiers(actor, action))))
                assert acting == {d.id for d in dossiers if access.may_act_on_dossier(actor, d, action)}, \
                    (user.username, action)
            assert set(session.scalars(select(StepRow.id).where(access.readable_tasks(actor)))) == {
                t.id for t in tasks if access.may_read_task(actor, t)}, user.username
            assert set(session.scalars(select(StepRow.id).where(access.workable_tasks(actor)))) == {
                t.id for t in tasks if access.may_work_task(actor, t)}, user.username
