"""The working calendar and office hours that apply to an office: config + database overrides."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import or_, select

from motcua.db.models import CalendarOverride, Office
from motcua.legal_clock.calendar import Override, WorkingCalendar
from motcua.legal_clock.hours import OfficeHours


@lru_cache(maxsize=256)
def _calendar(overrides: tuple) -> WorkingCalendar:
    return WorkingCalendar(overrides)


def _config_overrides(settings, office_code: str | None) -> list[Override]:
    out = []
    for item in (settings.section("calendar").get("overrides") or []):
        code = item.get("office")
        if code is None or code == office_code:
            out.append(Override.from_config(item))
    return out


def calendar_for(session, settings, office: Office | None) -> WorkingCalendar:
    """Province-wide overrides, then the office's own (an office override wins on its day).

    Read once per office per transaction: a use case asks for the same office's calendar several
    times (receipt, steps, timers), and overrides change only through their own use case."""
    cache = session.info.setdefault("motcua_calendars", {})
    key = office.id if office is not None else None
    if key not in cache:
        cache[key] = _load_calendar(session, settings, office)
    return cache[key]


def forget_calendars(session) -> None:
    """After an override changes within this transaction."""
    session.info.pop("motcua_calendars", None)


def _load_calendar(session, settings, office: Office | None) -> WorkingCalendar:
    rows = session.scalars(
        select(CalendarOverride).where(
            or_(CalendarOverride.office_id.is_(None),
                CalendarOverride.office_id == (office.id if office else -1)))
    ).all()
    by_day: dict[date, Override] = {}
    for ov in _config_overrides(settings, office.code if office else None):
        by_day[ov.date] = ov
    for row in sorted(rows, key=lambda r: r.office_id is not None):
        by_day[row.day] = Override(date=row.day, kind=row.kind, name=row.name)
    return _calendar(tuple(sorted(by_day.values(), key=lambda o: o.date)))


def hours_for(settings, office: Office | None) -> OfficeHours:
    base = dict(settings.section("office_hours"))
    if office is not None and office.hours:
        base.update(office.hours)
    base["saturday"] = office.saturday if office is not None else "none"
    return OfficeHours.from_config(base)
