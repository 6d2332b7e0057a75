"""The working calendar and office hours that apply to an office: config + database overrides."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import or_, select

from motcua.db.models import CalendarOverride, Office
from motcua.domain.calendars import hours_of, merge_overrides
from motcua.legal_clock.calendar import WorkingCalendar
from motcua.legal_clock.hours import OfficeHours


@lru_cache(maxsize=256)
def _calendar(overrides: tuple) -> WorkingCalendar:
    return WorkingCalendar(overrides)


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
    code = office.code if office is not None else None
    rows = session.scalars(
        select(CalendarOverride).where(
            or_(CalendarOverride.office_id.is_(None),
                CalendarOverride.office_id == (office.id if office else -1)))
    ).all()
    stored = [(row.day, row.kind, row.name, None if row.office_id is None else code) for row in rows]
    return _calendar(merge_overrides(settings.section("calendar").get("overrides") or [], stored, code))


def fingerprints(session, settings) -> dict[int, str]:
    """The fingerprint of every office's calendar as the transaction sees it now (overrides read once)."""
    offices = session.execute(select(Office.id, Office.code)).all()
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name,
                                  CalendarOverride.office_id)).all()
    configured = settings.section("calendar").get("overrides") or []
    out = {}
    for office_id, code in offices:
        stored = [(r.day, r.kind, r.name, None if r.office_id is None else code)
                  for r in rows if r.office_id is None or r.office_id == office_id]
        out[office_id] = _calendar(merge_overrides(configured, stored, code)).fingerprint
    return out


def hours_for(settings, office: Office | None) -> OfficeHours:
    return hours_of(settings.section("office_hours"), office)


class OfficeCalendars:
    """The domain's `Calendars` protocol over the database: offices by code, read once per
    instance (one use case, one scheduler run), calendars cached per transaction."""

    def __init__(self, session, settings):
        self.session, self.settings = session, settings
        self._offices: dict[str | None, Office | None] = {None: None}
        self._hours: dict[str | None, OfficeHours] = {}

    @classmethod
    def of(cls, session, settings) -> "OfficeCalendars":
        """The one instance of this transaction (offices are read once per transaction)."""
        found = session.info.get("motcua_office_calendars")
        if found is None or found.settings is not settings:
            found = session.info["motcua_office_calendars"] = cls(session, settings)
        return found

    def by_id(self, office_id: int):
        """(calendar, hours) of an office known by its id (rows read without their office)."""
        office = self.session.get(Office, office_id)
        self.remember(office)
        return self.calendar(office.code), self.hours(office.code)

    def office(self, code: str | None) -> Office | None:
        if code not in self._offices:
            self._offices[code] = self.session.scalar(select(Office).where(Office.code == code))
        return self._offices[code]

    def remember(self, *offices: Office) -> None:
        for office in offices:
            if office is not None:
                self._offices[office.code] = office

    def calendar(self, code: str | None) -> WorkingCalendar:
        return calendar_for(self.session, self.settings, self.office(code))

    def hours(self, code: str | None) -> OfficeHours:
        if code not in self._hours:
            self._hours[code] = hours_for(self.settings, self.office(code))
        return self._hours[code]

    def knows(self, code: str) -> bool:
        return self.office(code) is not None

    def name(self, code: str) -> str:
        office = self.office(code)
        return office.name if office is not None else code
