"""Properties of the legal clock over random receipts, allotments, calendars and office hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.legal_clock import (
    OfficeHours,
    Override,
    WorkingCalendar,
    add_working_time,
    clock_start,
    due_at,
    shift_for_pause,
    working_time_between,
)
from motcua.legal_clock.deadlines import TZ, to_local

ICT = dt.timezone(dt.timedelta(hours=7))

CALENDARS = {
    "plain": WorkingCalendar(),
    "overrides": WorkingCalendar(
        [
            Override(dt.date(2026, 3, 4), "day_off", "Nghỉ"),
            Override(dt.date(2026, 3, 7), "working_day", "Làm bù"),
            Override(dt.date(2026, 11, 24), "working_day", "Làm việc"),
            Override(dt.date(2027, 2, 13), "working_day", "Làm bù Tết"),
            Override(dt.date(2025, 12, 31), "day_off", "Nghỉ"),
        ]
    ),
}
HOURS = {
    "default": OfficeHours(),
    "late": OfficeHours.from_config({"periods": ["08:00-12:00", "13:30-17:30"]}),
    "three_periods": OfficeHours.from_config(
        {"periods": ["07:00-09:00", "09:15-11:45", "13:30-16:45"], "cutoff": "16:00", "saturday": "morning"}
    ),
}
SETUPS = [(c, h) for c in CALENDARS for h in HOURS]

# Instants from 2024 to 2028, at second resolution, in +07:00.
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=ICT)
instants = st.integers(min_value=0, max_value=5 * 366 * 86400).map(lambda s: _EPOCH + dt.timedelta(seconds=s))
quarter_days = st.integers(min_value=1, max_value=240).map(lambda q: Decimal(q) / 4)


def _in_working_period(cal, hours, t, *, closed_end: bool) -> bool:
    local = to_local(t)
    if not cal.is_working_day(local.date()):
        return False
    tod = local.time()
    if closed_end:  # a due time: inside a period or at its end, never at its start
        return any(a < tod <= b for a, b in hours.periods)
    return any(a <= tod < b for a, b in hours.periods)


@pytest.mark.parametrize("cal_name, hours_name", SETUPS)
@settings(max_examples=150, deadline=None)
@given(received=instants, days=quarter_days)
def test_due_is_exactly_the_allotment_after_the_start(cal_name, hours_name, received, days) -> None:
    cal, hours = CALENDARS[cal_name], HOURS[hours_name]
    start = clock_start(cal, hours, received)
    due = due_at(cal, hours, start, days)
    assert working_time_between(cal, hours, start, due) == days
    assert _in_working_period(cal, hours, due, closed_end=True)
    assert due.tzinfo is TZ


@pytest.mark.parametrize("cal_name, hours_name", SETUPS)
@settings(max_examples=150, deadline=None)
@given(received=instants)
def test_clock_start_is_in_office_hours_before_cutoff(cal_name, hours_name, received) -> None:
    cal, hours = CALENDARS[cal_name], HOURS[hours_name]
    start = clock_start(cal, hours, received)
    assert start >= received
    assert _in_working_period(cal, hours, start, closed_end=False)
    assert start.time() < hours.cutoff
    # the receipt is its own clock start exactly when it is already a valid one
    if _in_working_period(cal, hours, received, closed_end=False) and to_local(received).time() < hours.cutoff:
        assert start == received


@pytest.mark.parametrize("cal_name, hours_name", SETUPS)
@settings(max_examples=150, deadline=None)
@given(a=instants, b=instants, days=st.integers(min_value=0, max_value=240).map(lambda q: Decimal(q) / 4))
def test_later_receipt_never_gives_earlier_due(cal_name, hours_name, a, b, days) -> None:
    cal, hours = CALENDARS[cal_name], HOURS[hours_name]
    a, b = min(a, b), max(a, b)
    sa, sb = clock_start(cal, hours, a), clock_start(cal, hours, b)
    assert sa <= sb
    assert due_at(cal, hours, sa, days) <= due_at(cal, hours, sb, days)


@pytest.mark.parametrize("cal_name, hours_name", SETUPS)
@settings(max_examples=100, deadline=None)
@given(start=instants, days=quarter_days)
def test_add_working_time_from_any_instant(cal_name, hours_name, start, days) -> None:
    cal, hours = CALENDARS[cal_name], HOURS[hours_name]
    end = add_working_time(cal, hours, start, days)
    assert end > start
    assert working_time_between(cal, hours, start, end) == days
    assert _in_working_period(cal, hours, end, closed_end=True)


@pytest.mark.parametrize("cal_name, hours_name", SETUPS)
@settings(max_examples=100, deadline=None)
@given(received=instants, days=quarter_days, p=instants, q=instants)
def test_pause_moves_due_by_paused_working_time(cal_name, hours_name, received, days, p, q) -> None:
    cal, hours = CALENDARS[cal_name], HOURS[hours_name]
    paused_from, resumed_at = min(p, q), max(p, q)
    due = due_at(cal, hours, clock_start(cal, hours, received), days)
    moved = shift_for_pause(cal, hours, due, paused_from, resumed_at)
    assert moved >= due
    assert working_time_between(cal, hours, due, moved) == working_time_between(cal, hours, paused_from, resumed_at)
    assert _in_working_period(cal, hours, moved, closed_end=True)


@settings(max_examples=200, deadline=None)
@given(received=instants)
def test_same_day_is_the_closing_of_the_clock_start_day(received) -> None:
    cal, hours = CALENDARS["plain"], HOURS["default"]
    start = clock_start(cal, hours, received)
    due = due_at(cal, hours, start, 0)
    assert due.date() == start.date() and due.time() == dt.time(17, 0)
