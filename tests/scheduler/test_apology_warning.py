"""The due-soon warning comes early enough to apologise on time (issue 13.6): by default two
working days before the due time (config.yaml scheduler.apology_warning_days), counted in working
days, so an apology made when it comes is still at least one working day early."""
from __future__ import annotations

from datetime import timedelta

from motcua.services import dossiers
from tests.scheduler.helpers import SIMPLE, actor, at, complete, events, publish, receive, tick, view

# The simple procedure (3 working days) received Wed 25/11/2026 08:00 is due Mon 30/11 08:00.
# Two working days before: 16 working hours back over the weekend → Thu 26/11 08:00
# (Thu 08:00–17:00 7.5 h, Fri 8 h, Mon 07:30–08:00 0.5 h).
RECEIVED = "2026-11-25T08:00:00+07:00"
DUE = "2026-11-30T08:00:00+07:00"
TWO_DAYS_BEFORE = "2026-11-26T08:00:00+07:00"


def test_the_shipped_default_is_two_working_days(settings):
    assert str(settings.section("scheduler")["apology_warning_days"]) == "2"


def test_warning_two_working_days_before_and_the_apology_then_is_on_time(people, clock):
    platform = people
    publish(platform, SIMPLE)
    clock.freeze(at(RECEIVED))
    code = receive(platform, "thu-tuc-thu")
    complete(platform, code, "minhxuan.receiver", {"checked": True})
    assert view(platform, code)["due_at"] == at(DUE)

    assert tick(platform, "2026-11-26T07:59:59+07:00")["deadlines"]["apology_required"] == 0
    assert tick(platform, TWO_DAYS_BEFORE)["deadlines"]["apology_required"] == 1
    assert view(platform, code)["apology_required"] is True
    (event,) = events(platform, code, "apology_required")
    assert event.at == at(TWO_DAYS_BEFORE)

    # the leader signs the apology the next morning: still more than one working day before
    clock.freeze(at(TWO_DAYS_BEFORE) + timedelta(hours=24))
    dossiers.apologise(platform, actor(platform, "minhxuan.leader"), code, reason="Cần thêm thời gian thẩm định",
                       new_due_at=at("2026-12-03T08:00:00+07:00"))
    (apology,) = events(platform, code, "apology")
    assert apology.data["on_time"] is True
