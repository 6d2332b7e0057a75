"""The working calendars in force at any point of the global event order: replay's calendars.

A due time depends on the calendar in force when it was computed, and administrators change
calendars later (`calendar_changed` events in the global chain). `CalendarTimeline` rebuilds the
overrides in force before any event id from today's overrides by undoing the changes since;
`CalendarTimeline.at(event_id)` is the core's `Calendars` protocol (motcua/domain/calendars.py) at
that moment, so replay hands the rules the same kind of object the services do. Offices' calendars
are built with `merge_overrides`, the one place that says how overrides combine.
"""
from __future__ import annotations

import bisect
from datetime import date
from types import SimpleNamespace
from typing import Callable

from motcua.clock import Clock, parse_instant
from motcua.domain.calendars import desk_hours, hours_of, merge_overrides
from motcua.legal_clock import deadlines
from motcua.legal_clock.calendar import WorkingCalendar


class CalendarTimeline:
    """Working calendars of offices as they were before any event of the global order.

    `rows` are the database overrides now: (day, kind, name, office_code or None); `changes` are
    the `calendar_changed` events (id, data) in order. The overrides in force before event id P are
    today's with every change from P on undone, newest first.
    """

    def __init__(self, settings, offices: dict, rows, changes):
        self.settings = settings
        self.offices = offices  # code -> object with .code, .hours, .saturday (and .name)
        self._ids = [cid for cid, _ in changes]
        self._changes = [data or {} for _, data in changes]
        now = {(r[0], r[3]): (r[1], r[2]) for r in rows}
        self._states: dict[int, dict] = {len(changes): now}
        self._calendars: dict = {}
        self._by_overrides: dict = {}
        self._hours: dict = {}

    def _state(self, k: int) -> dict:
        if k in self._states:
            return self._states[k]
        upper = min(i for i in self._states if i > k)
        state = dict(self._states[upper])
        for i in range(upper - 1, k - 1, -1):
            change = self._changes[i]
            try:
                key = (date.fromisoformat(change["date"]), change.get("office"))
            except (KeyError, TypeError, ValueError):
                continue
            if change.get("change") == "added":
                state.pop(key, None)
            elif change.get("change") == "removed":
                state[key] = (change.get("kind"), change.get("name") or "")
            self._states[i] = dict(state)
        return self._states[k]

    def calendar(self, office_code: str | None, before_id: int | None = None) -> WorkingCalendar:
        k = len(self._ids) if before_id is None else bisect.bisect_left(self._ids, before_id)
        key = (office_code, k)
        cal = self._calendars.get(key)
        if cal is None:
            stored = [(day, kind, name, office) for (day, office), (kind, name) in self._state(k).items()]
            configured = self.settings.section("calendar").get("overrides") or []
            overrides = merge_overrides(configured, stored, office_code)
            cal = self._by_overrides.get(overrides)
            if cal is None:
                cal = self._by_overrides[overrides] = WorkingCalendar(overrides)
            self._calendars[key] = cal
        return cal

    def hours(self, office_code: str | None, manifest: dict | None = None):
        """The office's hours; with a manifest, its desk's hours for that procedure."""
        key = (office_code, (manifest or {}).get("saturday_hours"))
        if key not in self._hours:
            hours = hours_of(self.settings.section("office_hours"), self.offices.get(office_code))
            self._hours[key] = desk_hours(hours, manifest) if manifest is not None else hours
        return self._hours[key]

    def knows(self, office_code: str) -> bool:
        return office_code in self.offices

    def name(self, office_code: str) -> str:
        return getattr(self.offices.get(office_code), "name", None) or office_code

    def at(self, before_id: int | None) -> "CalendarsAt":
        return CalendarsAt(self, before_id)


class CalendarsAt:
    """The `Calendars` protocol of the core, as it was just before one event of the global order."""

    __slots__ = ("timeline", "before_id")

    def __init__(self, timeline: CalendarTimeline, before_id: int | None):
        self.timeline, self.before_id = timeline, before_id

    def calendar(self, office):
        return self.timeline.calendar(office, self.before_id)

    def hours(self, office):
        return self.timeline.hours(office)

    def knows(self, office):
        return self.timeline.knows(office)

    def name(self, office):
        return self.timeline.name(office)


def legal_functions(clock: Clock, calendar: Callable[[], WorkingCalendar], hours) -> dict:
    """The BPMN expression functions of services/process.py, on the replay's clock and calendar."""

    def working_days_from_now(days):
        return deadlines.add_working_time(calendar(), hours, clock.now(), days).isoformat()

    def working_days_after(start, days):
        start = parse_instant(start) if isinstance(start, str) else start
        return deadlines.add_working_time(calendar(), hours, start, days).isoformat()

    return {"working_days_from_now": working_days_from_now, "working_days_after": working_days_after}


def office_like(code: str, hours, saturday: str, name: str | None = None):
    """An object `hours_of` accepts, for offices known only by their stored fields."""
    return SimpleNamespace(code=code, hours=hours, saturday=saturday, name=name or code)


__all__ = ["CalendarTimeline", "CalendarsAt", "legal_functions", "office_like"]
