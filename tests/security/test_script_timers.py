"""The timer path fails cleanly too: a bomb that runs when the scheduler fires a timer is stopped,
the instance keeps its stored state and the dossier's history says `timer_failed`."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from motcua.db.models import Event, ProcessInstance
from scheduler.bpmn_timers import fire_timers
from tests.conftest import T0
from tests.security.script_support import APPRAISAL, dossier_at_appraisal, with_timer

BOMB = 'len(str([[0] * 1000000] * 300)) &gt; 0 and decision == "approve"'


def test_a_bomb_behind_a_timer_fails_the_timer_cleanly(login, people):
    package = with_timer('"PT1H"')
    package["bpmn"] = package["bpmn"].replace('decision == "approve"', BOMB)
    assert login("designer").post("/api/v1/procedures", json=package).status_code == 201
    code, task = dossier_at_appraisal(login)
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 200, r.get_json()  # now waiting for the timer
    with people.uow() as uow:
        before = uow.session.scalars(select(ProcessInstance.state)).one()

    started = time.monotonic()
    assert fire_timers(people, T0 + timedelta(hours=3)) == 0
    assert time.monotonic() - started < 10

    with people.uow() as uow:
        instance = uow.session.scalars(select(ProcessInstance)).one()
        assert instance.state == before and instance.status == "running"
        assert instance.next_timer_at is None  # parked, not woken forever
        kinds = [e.type for e in uow.session.scalars(select(Event).order_by(Event.id))]
        assert kinds[-1] == "timer_failed"
