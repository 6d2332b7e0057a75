"""The citizen's three-level rating (issue 15.8): `level` with the receipt's key or the phone
digits; the contract's `satisfied: bool` still works (true: satisfied, false: dissatisfied); the
level is stored and recorded in the `rated` event only when given, so older chains still verify."""
from __future__ import annotations

from sqlalchemy import select

from motcua.db.models import Rating
from tests.api.helpers import API, complete, only_step, problem, receive, simple_package, staff
from tests.files.test_journey import _to_done


def _returned(client, clock, desk):
    dossier = receive(desk)
    leader, approve = _to_done(client, clock, dossier["code"], only_step(dossier))
    assert complete(leader, approve["task_id"], {"signed": True})["status"] == "done"
    r = desk.post(f"{API}/dossiers/{dossier['code']}/return")
    assert r.status_code == 200, r.get_json()
    return dossier


def _rated_event(user, code):
    events = user.get(f"{API}/dossiers/{code}/history").get_json()["events"]
    return [e for e in events if e["type"] == "rated"]


def test_three_levels_with_the_key_and_the_old_yes_no(login, publish, client, clock, app):
    publish(simple_package())
    desk, = staff(client, "minhxuan.receiver")
    first = _returned(client, clock, desk)
    code, key = first["code"], first["lookup_key"]
    url = f"{API}/public/dossiers/{code.lower()}/rating"

    body = problem(client.post(url, json={"key": key}), 422)                     # no level, no yes/no
    assert "level" in body["errors"]
    problem(client.post(url, json={"level": "satisfied"}), 422)                   # neither key nor digits
    problem(client.post(url, json={"key": key, "level": "so-so"}), 422)           # not one of the three
    problem(client.post(url, json={"key": key, "level": "dissatisfied", "satisfied": True}), 422)  # contradictory
    problem(client.post(url, json={"key": key + "x", "level": "satisfied"}), 404)  # a wrong key

    r = client.post(url, json={"key": key, "level": "very_satisfied", "comment": "Rất nhanh"})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["level"], r.get_json()["satisfied"]) == ("very_satisfied", True)
    problem(client.post(url, json={"key": key, "level": "dissatisfied"}), 409)    # once per dossier
    assert client.get(f"{API}/public/dossiers/{code}?key={key}").get_json()["rated"] is True
    assert [e["data"] for e in _rated_event(desk, code)] == [{"satisfied": True, "level": "very_satisfied"}]

    # the contract's yes/no, by the phone digits: stored as a level, recorded as before (no level key)
    second = _returned(client, clock, desk)
    r = client.post(f"{API}/public/dossiers/{second['code']}/rating", json={"phone4": "5678", "satisfied": False})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["level"], r.get_json()["satisfied"]) == ("dissatisfied", False)
    assert [e["data"] for e in _rated_event(desk, second["code"])] == [{"satisfied": False}]

    platform = app.extensions["motcua"]
    with platform.uow(readonly=True) as uow:
        stored = sorted((r.level, r.satisfied) for r in uow.session.scalars(select(Rating)))
    assert stored == [("dissatisfied", False), ("very_satisfied", True)]

    auditor = login("auditor")
    for c in (code, second["code"]):
        audit = auditor.get(f"{API}/dossiers/{c}/audit").get_json()
        assert audit["chain_valid"] is True and audit["replay"]["consistent"] is True, audit["replay"]
