"""BPMN timers: the reminder on the building-permit appraisal fires at the right working instant."""
from __future__ import annotations

from motcua.services import dossiers
from tests.scheduler.helpers import (
    actor, at, complete, events, instance_of, notes, publish_library, receive, tick, view,
)


def _appraisal_started(platform, clock, when: str) -> str:
    """A building-permit dossier whose appraisal (with its 7-working-day reminder) starts at `when`."""
    clock.freeze(at(when))
    code = receive(platform, "giay-phep-xay-dung")
    complete(platform, code, "minhxuan.receiver")
    assert [s["name"] for s in view(platform, code)["current_steps"]] == ["Thẩm định hồ sơ, kiểm tra thực địa"]
    return code


def test_boundary_reminder_fires_at_the_working_instant_across_new_year(people, clock):
    platform = people
    publish_library(platform, "giay-phep-xay-dung")
    # Appraisal starts Thursday 24/12/2026 08:00; 7 working days = 56 working hours: Thu 7.5 h, Fri 8,
    # Mon-Thu 28/12-31/12 32 (47.5), Friday 1/1/2027 is New Year's Day, Monday 4/1 8 (55.5), and the
    # last half hour on Tuesday 5/1 07:30-08:00. Without the holiday it would be Monday 4/1 08:00.
    code = _appraisal_started(platform, clock, "2026-12-24T08:00:00+07:00")
    assert instance_of(platform, code).next_timer_at == at("2027-01-05T08:00:00+07:00")

    for early in ("2027-01-01T09:00:00+07:00", "2027-01-04T08:00:00+07:00", "2027-01-05T07:59:59+07:00"):
        assert tick(platform, early)["timers"] == 0
    assert events(platform, code, "timer_fired") == []
    assert notes(platform, "minhxuan.leader", "reminder") == []

    assert tick(platform, "2027-01-05T08:00:00+07:00")["timers"] == 1
    (fired,) = events(platform, code, "timer_fired")
    assert fired.at == at("2027-01-05T08:00:00+07:00") and fired.actor == "scheduler"
    assert fired.data["timers"][0]["timer"] == "nhac_han"

    # the end event says notify=leader: the leader of the appraisal's office is told, once
    (reminder,) = notes(platform, "minhxuan.leader", "reminder")
    assert code in reminder.title and "Thẩm định hồ sơ, kiểm tra thực địa" in reminder.body
    assert notes(platform, "yenson.leader", "reminder") == []  # another commune's leader is not
    assert notes(platform, "minhxuan.specialist", "reminder") == []
    # non-interrupting: the appraisal is still waiting for the specialist, and nothing is left to fire
    assert [s["name"] for s in view(platform, code)["current_steps"]] == ["Thẩm định hồ sơ, kiểm tra thực địa"]
    assert instance_of(platform, code).next_timer_at is None

    assert tick(platform, "2027-01-05T09:00:00+07:00")["timers"] == 0
    assert len(events(platform, code, "timer_fired")) == 1
    assert len(notes(platform, "minhxuan.leader", "reminder")) == 1


def test_only_the_instances_due_are_woken(people, clock):
    platform = people
    publish_library(platform, "giay-phep-xay-dung")
    first = _appraisal_started(platform, clock, "2026-11-25T08:00:00+07:00")
    second = _appraisal_started(platform, clock, "2026-11-26T08:00:00+07:00")
    first_due = instance_of(platform, first).next_timer_at
    second_before = instance_of(platform, second)
    assert first_due < second_before.next_timer_at

    assert tick(platform, first_due.isoformat())["timers"] == 1
    assert len(events(platform, first, "timer_fired")) == 1
    second_after = instance_of(platform, second)
    # the second instance was not loaded nor saved: same version, same state
    assert (second_after.version, second_after.state) == (second_before.version, second_before.state)
    assert events(platform, second, "timer_fired") == []


def test_a_completed_step_takes_its_reminder_with_it(people, clock):
    platform = people
    publish_library(platform, "giay-phep-xay-dung")
    code = _appraisal_started(platform, clock, "2026-11-25T08:00:00+07:00")
    clock.freeze(at("2026-11-26T09:00:00+07:00"))
    complete(platform, code, "minhxuan.specialist")
    assert instance_of(platform, code).next_timer_at is None
    assert tick(platform, "2026-12-31T09:00:00+07:00")["timers"] == 0
    assert notes(platform, "minhxuan.leader", "reminder") == []


def test_a_paused_dossier_sleeps_and_its_reminder_moves_with_the_pause(people, clock):
    platform = people
    publish_library(platform, "giay-phep-xay-dung")
    code = _appraisal_started(platform, clock, "2026-11-25T08:00:00+07:00")
    # 7 working days from Wed 25/11 08:00: due Friday 4/12 08:00
    assert instance_of(platform, code).next_timer_at == at("2026-12-04T08:00:00+07:00")

    clock.freeze(at("2026-12-01T08:00:00+07:00"))  # Tuesday: supplement requested
    specialist = actor(platform, "minhxuan.specialist")
    dossiers.request_supplement(platform, specialist, code, "Thiếu bản vẽ", ["Bản vẽ mặt bằng"])
    assert tick(platform, "2026-12-07T09:00:00+07:00")["timers"] == 0  # past the due time, but paused
    assert events(platform, code, "timer_fired") == []

    clock.freeze(at("2026-12-03T08:00:00+07:00"))  # resumed after 2 working days
    dossiers.supplement(platform, specialist, code, [{"name": "Bản vẽ mặt bằng", "digitized": True}], None)
    assert instance_of(platform, code).next_timer_at == at("2026-12-08T08:00:00+07:00")
    (supplemented,) = events(platform, code, "supplemented")
    assert supplemented.data["timers"][0]["due_at"] == "2026-12-08T08:00:00+07:00"

    assert tick(platform, "2026-12-07T17:00:00+07:00")["timers"] == 0
    assert tick(platform, "2026-12-08T08:00:00+07:00")["timers"] == 1
    assert len(notes(platform, "minhxuan.leader", "reminder")) == 1
