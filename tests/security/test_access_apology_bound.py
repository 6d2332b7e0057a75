"""Issue 11 item 5 / issue 13 item 6: an apology's new date lies after the current due time and
within a configurable bound (config.yaml `dossier.apology_max_extension_days`, working days on the
receiving office's calendar). The rule is in the core (`lifecycle.apologise`), so replay applies
it too.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from motcua.clock import parse_instant
from motcua.domain import lifecycle
from motcua.errors import Invalid
from tests.api.helpers import API, SignedIn, receive, simple_package

LEADER = "minhxuan.leader"


def _apologise(api, code, new_due):
    return api.post(f"{API}/dossiers/{code}/apology", json={"reason": "Cần xác minh thêm", "new_due_at": new_due})


def _problem_422(response):
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["errors"]["new_due_at"], body
    return body


def test_apology_in_2099_is_refused_and_the_bound_is_reachable(client, publish):
    publish(simple_package())
    desk, leader = SignedIn(client, "minhxuan.receiver"), SignedIn(client, LEADER)
    d = receive(desk)
    code, due = d["code"], parse_instant(d["due_at"])
    history = desk.get(f"{API}/dossiers/{code}/history").get_json()["events"]

    far = _problem_422(_apologise(leader, code, "2099-12-31T17:00:00+07:00"))
    assert "10 ngày làm việc" in far["detail"], far["detail"]
    latest = parse_instant(far["latest_new_due_at"])
    # 10 working days after the due time: at most 5.5 of them a week (Saturday mornings)
    assert due + timedelta(days=12) <= latest < due + timedelta(days=21)
    _problem_422(_apologise(leader, code, d["due_at"]))  # not after the current due time
    _problem_422(_apologise(leader, code, (latest + timedelta(minutes=1)).isoformat()))
    assert desk.get(f"{API}/dossiers/{code}/history").get_json()["events"] == history  # nothing recorded

    r = _apologise(leader, code, latest.isoformat())  # the bound itself is allowed
    assert r.status_code == 200, r.get_json()
    assert parse_instant(r.get_json()["due_at"]) == latest
    assert parse_instant(r.get_json()["apology"]["original_due_at"]) == due
    # replay runs the same rule with the same bound, and agrees
    audit = SignedIn(client, "auditor").get(f"{API}/dossiers/{code}/audit").get_json()
    assert audit["replay"]["consistent"] is True, audit["replay"]
    assert "apology" in [e["type"] for e in audit["events"]]


def test_the_bound_comes_from_the_configuration(client, publish, settings):
    settings.raw.setdefault("dossier", {})["apology_max_extension_days"] = 2
    publish(simple_package())
    desk, leader = SignedIn(client, "minhxuan.receiver"), SignedIn(client, LEADER)
    d = receive(desk)
    due = parse_instant(d["due_at"])
    body = _problem_422(_apologise(leader, d["code"], (due + timedelta(days=7)).isoformat()))
    assert "2 ngày làm việc" in body["detail"]
    latest = parse_instant(body["latest_new_due_at"])
    assert due + timedelta(days=2) <= latest < due + timedelta(days=5)
    assert _apologise(leader, d["code"], latest.isoformat()).status_code == 200


def test_the_core_rule_takes_the_bound_as_an_input():
    """The transition itself refuses a date past the bound (what live and replay both call)."""
    from tests.domain.test_transitions import T0, with_step
    state, _, cals = with_step()
    latest = lifecycle.latest_apology_date(state, cals, Decimal(3), T0)
    # due Monday 30/11 08:00; three working days later: Thursday 03/12 08:00
    assert state.due_at == T0.replace(day=30) and latest == T0.replace(month=12, day=3)
    with pytest.raises(Invalid, match="3 ngày làm việc"):
        lifecycle.apologise(state, reason="r", new_due_at=latest + timedelta(seconds=1), by="l", now=T0,
                            calendars=cals, max_extension_days=Decimal(3))
    after, [event] = lifecycle.apologise(state, reason="r", new_due_at=latest, by="l", now=T0, calendars=cals,
                                         max_extension_days=Decimal(3))
    assert after.due_at == latest and event.data["new_due_at"] == latest.isoformat()
    # a late dossier counts its window from now, so it can still apologise
    late = T0.replace(year=T0.year + 1)
    after, _ = lifecycle.apologise(state, reason="r", new_due_at=late + timedelta(days=1), by="l", now=late,
                                   calendars=cals, max_extension_days=Decimal(3))
    assert after.apology["on_time"] is False
