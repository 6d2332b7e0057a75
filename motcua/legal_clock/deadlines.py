"""The legal clock: when it starts, when a deadline falls, how pauses move it.

Working time is mapped onto one integer axis, in microseconds: the position of an instant is
(number of working days before its date) × (working time of a day) + (working time already
elapsed that day). Adding working time is then integer addition followed by the inverse map,
and "working time between" is a subtraction. Days are found by ``bisect`` over the calendar's
sorted working-day ordinals, so a 60-day deadline costs the same as a 1-day one, and
fractional allotments (0.25 day = 2 h) are exact.

Conventions (see the contract, "The legal clock"):
- a result landing exactly on an opening is reported as the closing of the working period
  before it (07:30 Thursday → 17:00 Wednesday, 13:00 → 11:30 the same day): on the axis a
  position that is a whole multiple of a period boundary maps to the *end* of that period;
- ``days == 0`` (same day) is the closing time of the clock-start day.

All inputs must be timezone-aware; results are in Asia/Ho_Chi_Minh (+07:00, no DST since 1975).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from .calendar import WorkingCalendar, _Span
from .explanation import describe
from .hours import US_PER_SECOND, OfficeHours

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# A desk closed this long (days) has no next opening worth reporting: configuration error.
_MAX_CLOSED_DAYS = 3 * 366

Days = Decimal | int | float | str


def to_local(at: dt.datetime) -> dt.datetime:
    """``at`` in Asia/Ho_Chi_Minh; naive datetimes are refused (their zone is a guess)."""
    if not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"Thời điểm phải có múi giờ (ví dụ 2026-02-13T08:00:00+07:00): {at!r}")
    return at.astimezone(TZ)


def _tod(t: dt.datetime) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def _at_us(d: dt.date, us: int) -> dt.datetime:
    s, micro = divmod(us, US_PER_SECOND)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return dt.datetime(d.year, d.month, d.day, h, m, s, micro, tzinfo=TZ)


def to_working_us(hours: OfficeHours, days: Days) -> int:
    """An allotment in working days as working microseconds (0.25 day = 2 h by default)."""
    if isinstance(days, bool):
        raise ValueError("Số ngày làm việc không hợp lệ")
    if isinstance(days, float):
        d = Decimal(repr(days))  # 0.1 means one tenth, not its binary approximation
    else:
        try:
            d = Decimal(days)
        except Exception as exc:  # noqa: BLE001 - any unparsable input is the same user error
            raise ValueError(f"Số ngày làm việc không hợp lệ: {days!r}") from exc
    if not d.is_finite() or d < 0:
        raise ValueError(f"Số ngày làm việc phải là số không âm: {days!r}")
    return int((d * hours.day_us).to_integral_value(ROUND_HALF_UP))


# -- the working-time axis ------------------------------------------------------------------


def _position(span: _Span, hours: OfficeHours, local: dt.datetime) -> int:
    """Working microseconds from the start of ``span`` to the instant ``local``."""
    o = local.toordinal()
    ords = span.ords
    i = bisect_left(ords, o)
    pos = i * hours.day_us
    if i < len(ords) and ords[i] == o:
        tod = _tod(local)
        for s, e, b in zip(hours.starts, hours.ends, hours.before):
            if tod <= s:
                return pos + b
            if tod < e:
                return pos + b + tod - s
        return pos + hours.day_us
    return pos


def _instant(cal: WorkingCalendar, span: _Span, hours: OfficeHours, pos: int) -> dt.datetime:
    """Inverse of ``_position`` for ``pos >= 1``, reporting period ends rather than openings."""
    if pos < 1:
        raise ValueError("position before the calendar span")
    k, r = divmod(pos - 1, hours.day_us)
    r += 1  # 1..day_us: a whole day maps to its closing, not to the next opening
    if k >= len(span.ords):
        span = cal._span_extended(span, span.hi + 1 + (k - len(span.ords)) // 240)
        while k >= len(span.ords):
            span = cal._span_extended(span, span.hi + 1)
    for s, e, b in zip(hours.starts, hours.ends, hours.before):
        if r <= b + (e - s):
            return _at_us(dt.date.fromordinal(span.ords[k]), s + r - b)
    raise AssertionError("unreachable: r <= day_us")


def _add_us(cal: WorkingCalendar, hours: OfficeHours, start: dt.datetime, amount: int) -> dt.datetime:
    local = to_local(start)
    if amount == 0:
        return local
    if amount < 0:
        raise ValueError("Không cộng được thời gian âm")
    span = cal._span_covering(local.year, local.year)
    return _instant(cal, span, hours, _position(span, hours, local) + amount)


def working_us_between(cal: WorkingCalendar, hours: OfficeHours, a: dt.datetime, b: dt.datetime) -> int:
    """Working microseconds from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
    la, lb = to_local(a), to_local(b)
    span = cal._span_covering(min(la.year, lb.year), max(la.year, lb.year))
    return _position(span, hours, lb) - _position(span, hours, la)


# -- public functions -------------------------------------------------------------------------


def add_working_time(cal: WorkingCalendar, hours: OfficeHours, start: dt.datetime, days: Days) -> dt.datetime:
    """``start`` plus ``days`` × hours-per-day of working time, inside working periods only."""
    return _add_us(cal, hours, start, to_working_us(hours, days))


def due_at(cal: WorkingCalendar, hours: OfficeHours, clock_start: dt.datetime, days: Days) -> dt.datetime:
    """The due time of an allotment of ``days`` working days counted from ``clock_start``.

    ``days == 0`` is a same-day procedure: due at the closing of the clock-start day.
    """
    amount = to_working_us(hours, days)
    if amount == 0:
        d = cal.working_day_on_or_after(to_local(clock_start).date())
        return _at_us(d, hours.ends[-1])
    return _add_us(cal, hours, clock_start, amount)


def working_seconds_between(cal: WorkingCalendar, hours: OfficeHours, a: dt.datetime, b: dt.datetime) -> Decimal:
    """Working seconds from ``a`` to ``b``, counted only in working periods of working days."""
    us = working_us_between(cal, hours, a, b)
    q, r = divmod(us, US_PER_SECOND)
    return Decimal(q) if r == 0 else Decimal(us).scaleb(-6)


def working_time_between(cal: WorkingCalendar, hours: OfficeHours, a: dt.datetime, b: dt.datetime) -> Decimal:
    """Working days (working time / hours per day) from ``a`` to ``b``; exact for quarter days."""
    return Decimal(working_us_between(cal, hours, a, b)) / Decimal(hours.day_us)


def shift_for_pause(
    cal: WorkingCalendar,
    hours: OfficeHours,
    due: dt.datetime,
    paused_from: dt.datetime,
    resumed_at: dt.datetime,
) -> dt.datetime:
    """``due`` moved later by the working time between ``paused_from`` and ``resumed_at``.

    Time paused outside working periods (nights, weekends, Tết) moves nothing.
    """
    paused = working_us_between(cal, hours, paused_from, resumed_at)
    return _add_us(cal, hours, due, max(paused, 0))


def clock_start(cal: WorkingCalendar, hours: OfficeHours, received_at: dt.datetime) -> dt.datetime:
    """When the legal clock starts for a receipt at ``received_at``.

    In a working period of a working day before the cut-off → the receipt itself; in the lunch
    break → the next period's start (if before the cut-off); before opening → that day's
    opening; at or after the cut-off, after closing, or on a non-working day (a Saturday with
    desk service included, unless declared a working day) → the next working day's opening.
    """
    local = to_local(received_at)
    d = local.date()
    cutoff = hours.cutoff_us
    if cal.is_working_day(d):
        tod = _tod(local)
        if tod < cutoff:
            for s, e in zip(hours.starts, hours.ends):
                if tod < s:
                    if s < cutoff:
                        return _at_us(d, s)
                    break
                if tod < e:
                    return local
    return _at_us(cal.next_working_day(d), hours.starts[0])


def _open_periods(
    cal: WorkingCalendar, hours: OfficeHours, d: dt.date, saturday_service_allowed: bool
) -> tuple[tuple[int, int], ...]:
    """The periods the desk is open on ``d`` (microseconds since midnight)."""
    if cal.is_working_day(d):
        return tuple(zip(hours.starts, hours.ends))
    if (
        d.weekday() == 5
        and saturday_service_allowed
        and hours.saturday != "none"
        and cal.holiday_break_name(d) is None
    ):
        periods = tuple(zip(hours.starts, hours.ends))
        return periods[:1] if hours.saturday == "morning" else periods
    return ()


def desk_open(
    cal: WorkingCalendar, hours: OfficeHours, at: dt.datetime, *, saturday_service_allowed: bool
) -> bool:
    """Is the desk open at ``at`` for a procedure (periods include their start, not their end)?

    A Saturday that is not a declared working day opens only when the office serves on
    Saturdays, the procedure allows Saturday service, and the Saturday is neither a holiday nor
    inside a holiday break (``WorkingCalendar.holiday_break_name``).
    """
    local = to_local(at)
    tod = _tod(local)
    return any(s <= tod < e for s, e in _open_periods(cal, hours, local.date(), saturday_service_allowed))


def next_opening(
    cal: WorkingCalendar, hours: OfficeHours, at: dt.datetime, *, saturday_service_allowed: bool
) -> dt.datetime:
    """When the desk next opens: ``at`` itself if it is open then."""
    local = to_local(at)
    d = local.date()
    tod = _tod(local)
    for s, e in _open_periods(cal, hours, d, saturday_service_allowed):
        if s <= tod < e:
            return local
        if tod < s:
            return _at_us(d, s)
    for i in range(1, _MAX_CLOSED_DAYS):
        day = d + dt.timedelta(days=i)
        periods = _open_periods(cal, hours, day, saturday_service_allowed)
        if periods:
            return _at_us(day, periods[0][0])
    raise ValueError("Bộ phận một cửa không mở cửa ngày nào trong ba năm tới: kiểm tra lịch làm việc")


def closing_of(cal: WorkingCalendar, hours: OfficeHours, d: dt.date) -> dt.datetime:
    """Closing time of ``d`` (or of the next working day if ``d`` is not one)."""
    return _at_us(cal.working_day_on_or_after(d), hours.ends[-1])


def explain(
    cal: WorkingCalendar,
    hours: OfficeHours,
    clock_start: dt.datetime,
    days: Days,
    *,
    received_at: dt.datetime | None = None,
) -> str:
    """How the due time of ``days`` working days from ``clock_start`` comes about, in Vietnamese.

    Give ``received_at`` to also explain a start moved by the cut-off, the lunch break, the
    opening hour or a day off. The wording lives in ``explanation.describe``.
    """
    start = to_local(clock_start)
    received = None if received_at is None else to_local(received_at)
    return describe(cal, hours, start, due_at(cal, hours, start, days), to_working_us(hours, days),
                    received=received)

__all__ = [
    "TZ",
    "add_working_time",
    "clock_start",
    "closing_of",
    "desk_open",
    "due_at",
    "explain",
    "next_opening",
    "shift_for_pause",
    "to_local",
    "to_working_us",
    "working_seconds_between",
    "working_time_between",
    "working_us_between",
]
