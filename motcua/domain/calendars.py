"""Which calendar and hours apply to an office: the protocol the rules read, and the merge.

The rules ask `calendars.calendar(code)` / `calendars.hours(code)`; services answer from the
configuration and the database (motcua/services/office_calendars.py), replay from the overrides in force
at each recorded event. Both build an office's calendar with `merge_overrides`, the one place
that says how configured and stored overrides combine.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Iterable, Protocol

from motcua.legal_clock.calendar import Override, WorkingCalendar
from motcua.legal_clock.hours import OfficeHours


class Calendars(Protocol):
    def calendar(self, office: str | None) -> WorkingCalendar:
        """The working calendar of the office (None: the province's)."""

    def hours(self, office: str | None) -> OfficeHours:
        """The office's hours (its Saturday service included)."""

    def knows(self, office: str) -> bool:
        """Is there such an office?"""

    def name(self, office: str) -> str:
        """The office's name, for the texts the rules write (the apology draft)."""


def merge_overrides(configured: Iterable[dict], stored: Iterable[tuple], office: str | None) -> tuple[Override, ...]:
    """The overrides in force at `office`, sorted by date.

    `configured`: `calendar.overrides` of the configuration (each may name an `office`);
    `stored`: (day, kind, name, office code or None) rows added by administrators. On one day the
    office's own override wins over the province's, and a stored one over a configured one.
    """
    by_day: dict[date, Override] = {}
    for item in configured or ():
        code = item.get("office")
        if code is None or code == office:
            ov = Override.from_config(item)
            by_day[ov.date] = ov
    stored = list(stored)
    for wanted in (None, office) if office is not None else (None,):
        for day, kind, name, code in stored:
            if code == wanted:
                by_day[day] = Override(date=day, kind=kind, name=name or "")
    return tuple(sorted(by_day.values(), key=lambda o: o.date))


def office_hours(base: dict, own: dict | None, saturday: str | None) -> OfficeHours:
    """The configured office hours, with the office's own and its Saturday service on top."""
    merged = dict(base)
    if own:
        merged.update(own)
    merged["saturday"] = saturday or "none"
    return OfficeHours.from_config(merged)


def hours_of(base: dict, office) -> OfficeHours:
    """The hours of `office` (anything with `hours` and `saturday`: an Office row, or the stored
    fields replay knows), on top of the configured `office_hours`; None: the province's default."""
    if office is None:
        return office_hours(base, None, "none")
    return office_hours(base, office.hours, office.saturday)


def desk_hours(hours: OfficeHours, manifest: dict) -> OfficeHours:
    """The office's hours for receiving one procedure: a full-day Saturday desk takes a procedure
    whose manifest says `saturday_hours: morning` in the morning only."""
    if hours.saturday == "full_day" and manifest.get("saturday_hours") == "morning":
        return replace(hours, saturday="morning")
    return hours


class FixedCalendars:
    """Calendars given in advance, per office code (tests, simulations)."""

    def __init__(self, calendars: dict, hours: dict, names: dict | None = None, default=None):
        self._calendars, self._hours, self._names = calendars, hours, names or {}
        self._default = default

    def calendar(self, office):
        return self._calendars.get(office) or self._calendars.get(self._default)

    def hours(self, office):
        return self._hours.get(office) or self._hours.get(self._default)

    def knows(self, office):
        return office in self._calendars

    def name(self, office):
        return self._names.get(office, office)
