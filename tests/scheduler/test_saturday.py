"""Saturday service: each office's desk by its Saturday mode; a holiday Saturday stays closed."""
from __future__ import annotations

import pytest

from motcua.errors import DeskClosed
from tests.scheduler.helpers import at, notes, publish_library, receive, tick, view


def test_saturday_plan_is_sent_from_the_last_working_day_before(people, clock):
    platform = people
    assert tick(platform, "2026-11-27T07:29:59+07:00")["saturday_desks"] == 0  # Friday before opening
    # five offices serve on Saturdays in the demo province (TTPVHCC, SNNMT full day; STP, STC, Minh Xuân morning)
    assert tick(platform, "2026-11-27T07:30:00+07:00")["saturday_desks"] == 5
    assert tick(platform, "2026-11-27T15:00:00+07:00")["saturday_desks"] == 0

    (morning,) = notes(platform, "minhxuan.receiver", "saturday_desk")
    assert "28/11/2026" in morning.title
    assert "07:30–11:30 (buổi sáng)" in morning.body and "13:00" not in morning.body
    assert morning.data["open"] is True and morning.data["mode"] == "morning"
    (full,) = notes(platform, "ttpvhcc.receiver", "saturday_desk")
    assert "07:30–11:30, 13:00–17:00 (cả ngày)" in full.body
    assert len(notes(platform, "ttpvhcc.leader", "saturday_desk")) == 1
    assert notes(platform, "yenson.receiver", "saturday_desk") == []  # no Saturday service


def test_a_saturday_that_is_a_holiday_stays_closed(people, clock):
    platform = people
    # Saturday 01/05/2027 is International Labour Day; Friday 30/04 is a holiday too, so the notice
    # goes out on Thursday 29/04.
    assert tick(platform, "2027-04-29T08:00:00+07:00")["saturday_desks"] == 5
    (closed,) = notes(platform, "minhxuan.receiver", "saturday_desk")
    assert closed.data["open"] is False and "không làm việc" in closed.body and "01/05/2027" in closed.body

    publish_library(platform, "dang-ky-ho-kinh-doanh")
    clock.freeze(at("2027-05-01T09:00:00+07:00"))
    with pytest.raises(DeskClosed) as err:
        receive(platform, "dang-ky-ho-kinh-doanh")
    assert err.value.extra["next_opening"] == "2027-05-04T07:30:00+07:00"  # Monday 03/05 is the substitute day


def test_a_saturday_receipt_follows_the_legal_clock(people, clock):
    platform = people
    publish_library(platform, "dang-ky-ho-kinh-doanh")
    clock.freeze(at("2026-11-28T09:00:00+07:00"))  # Saturday morning at Minh Xuân: open
    code = receive(platform, "dang-ky-ho-kinh-doanh")
    d = view(platform, code)
    assert d["received_at"] == at("2026-11-28T09:00:00+07:00")
    assert d["clock_start"] == at("2026-11-30T07:30:00+07:00")  # the next working day's opening
    clock.freeze(at("2026-11-28T14:00:00+07:00"))  # Saturday afternoon: a morning-only desk is closed
    with pytest.raises(DeskClosed):
        receive(platform, "dang-ky-ho-kinh-doanh")
    # the scheduler flags nothing for a Saturday receipt before its clock even started
    assert tick(platform, "2026-11-28T15:00:00+07:00")["deadlines"]["apology_required"] == 0
