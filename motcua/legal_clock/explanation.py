"""A Vietnamese explanation of how a due time was computed, for the slip and for disputes.

An applicant who is told "24/02" for a 3-day procedure received on 12/02 deserves to see why:
the days counted, the days skipped and their reason, and the cut-off if it moved the start.

This module only words a computation that ``deadlines`` has done (``deadlines.explain`` calls
``describe``); it imports nothing from ``deadlines``, so the two do not import each other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .calendar import WorkingCalendar
from .hours import OfficeHours, time_us

_WEEKEND = "cuối tuần"


def _instant(t: dt.datetime) -> str:
    return f"{t:%H:%M %d/%m/%Y}"


def _day(d: dt.date, with_year: bool) -> str:
    return f"{d:%d/%m/%Y}" if with_year else f"{d:%d/%m}"


def _number(x: Decimal) -> str:
    """Vietnamese decimal notation: 1,5 not 1.5."""
    return format(x.normalize(), "f").replace(".", ",")


def _duration(us: int) -> str:
    minutes = us // 60_000_000
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} giờ {m} phút"
    return f"{h} giờ" if h else f"{m} phút"


def _receipt_note(cal: WorkingCalendar, hours: OfficeHours, received: dt.datetime) -> str:
    """Why a receipt at ``received`` did not start the clock at once."""
    d = received.date()
    tod = time_us(received.time())
    if not cal.is_working_day(d):
        reason = cal.holiday_name(d) or {5: "thứ Bảy", 6: "Chủ nhật"}.get(d.weekday(), "không làm việc")
        return f"ngày nghỉ ({reason})"
    if tod >= hours.cutoff_us:
        return f"từ giờ chốt {hours.cutoff:%H:%M} trở đi"
    if tod < hours.starts[0]:
        return "trước giờ mở cửa"
    if tod >= hours.ends[-1]:
        return "sau giờ làm việc"
    return "trong giờ nghỉ trưa"


def _run_label(cal: WorkingCalendar, run: list[dt.date]) -> str:
    names: list[str] = []
    for d in run:
        name = cal.holiday_name(d)
        if name and name not in names:
            names.append(name)
    if not names:
        return "nghỉ " + _WEEKEND
    return ", ".join(_as_reason(n) for n in names)


def _as_reason(name: str) -> str:
    """"Ngày nghỉ bù X" → "nghỉ bù X"; "Nghỉ Y" → "nghỉ Y"; "Ngày Quốc khánh" → "nghỉ ngày Quốc khánh"."""
    if name.startswith("Ngày nghỉ "):
        return name[len("Ngày "):]
    if name.lower().startswith("nghỉ "):
        return "nghỉ " + name[len("nghỉ "):]
    if name.startswith("Ngày "):
        return "nghỉ ngày " + name[len("Ngày "):]
    return "nghỉ " + name


def describe(
    cal: WorkingCalendar,
    hours: OfficeHours,
    start: dt.datetime,
    due: dt.datetime,
    amount: int,
    *,
    received: dt.datetime | None = None,
) -> str:
    """The sentences of ``deadlines.explain``: ``amount`` working microseconds from ``start`` end at
    ``due`` (both local times); ``received``, when it differs from ``start``, is explained too.

    e.g. "Tính từ 07:30 13/02/2026. 3 ngày làm việc: 13/02, 23/02, 24/02; nghỉ Tết Nguyên đán
    14/02–22/02. Hạn: 17:00 24/02/2026."
    """
    sentences = []

    if received is not None and received != start:
        note = _receipt_note(cal, hours, received)
        sentences.append(f"Nhận lúc {_instant(received)}, {note}: tính từ {_instant(start)}")
    else:
        sentences.append(f"Tính từ {_instant(start)}")

    if amount == 0:
        sentences.append(f"Giải quyết trong ngày {_day(due.date(), True)}")
    else:
        # the working days whose periods overlap (start, due)
        opening, closing = hours.periods[0][0], hours.periods[-1][1]
        counted = [
            d
            for d in cal.working_days(start.date(), due.date())
            if dt.datetime.combine(d, opening, tzinfo=start.tzinfo) < due
            and start < dt.datetime.combine(d, closing, tzinfo=start.tzinfo)
        ]
        with_year = counted[0].year != counted[-1].year
        parts = [", ".join(_day(d, with_year) for d in counted)]
        for prev, nxt in zip(counted, counted[1:]):
            gap = (nxt - prev).days - 1
            if gap:
                run = [prev + dt.timedelta(days=i) for i in range(1, gap + 1)]
                span = _day(run[0], with_year)
                if len(run) > 1:
                    span += "–" + _day(run[-1], with_year)
                parts.append(f"{_run_label(cal, run)} {span}")
        head = f"{_number(Decimal(amount) / Decimal(hours.day_us))} ngày làm việc"
        if amount % hours.day_us:
            head += f" ({_duration(amount)})"
        sentences.append(f"{head}: " + "; ".join(parts))

    sentences.append(f"Hạn: {_instant(due)}")
    return ". ".join(sentences) + "."


__all__ = ["describe"]
