"""The yearly routine of the calendar (issue 13.5): next year's schedule is confirmed.

Every year the government announces next year's days off and swaps (e.g. Công văn
12729/VPCP-KGVX for New Year 2026). The administrator enters them as overrides, then confirms
the year; the confirmation is recorded in the global chain. A year is also confirmed when the
shipped configuration says so (`calendar.confirmed_years`). From `calendar.confirm_warning_from`
(default 1 October) the scheduler warns the administrators, once a year, while next year is not
confirmed (scheduler/calendar_years.py).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from motcua.access import Actor
from motcua.clock import VN_TZ
from motcua.db.models import Event, User
from motcua.domain import events as E
from motcua.errors import Conflict, Invalid
from motcua.services import history

DEFAULT_WARNING_FROM = "10-01"


def configured_years(settings) -> dict[int, str]:
    """Years the shipped or deployed configuration confirms, with their source."""
    out = {}
    for item in settings.section("calendar").get("confirmed_years") or []:
        if isinstance(item, dict) and "year" in item:
            out[int(item["year"])] = str(item.get("source") or "")
        elif isinstance(item, int):
            out[item] = ""
    return out


def confirmed_years(session, settings) -> dict[int, dict]:
    """Every confirmed year: {year: {source, confirmed_at, by}} (configuration, then the chain)."""
    out = {year: {"year": year, "source": source, "confirmed_at": None, "by": "config.yaml"}
           for year, source in configured_years(settings).items()}
    for at, actor, data in session.execute(select(Event.at, Event.actor, Event.data).where(
            Event.dossier_id.is_(None), Event.type == E.CalendarYearConfirmed.type).order_by(Event.seq)):
        year = (data or {}).get("year")
        if isinstance(year, int) and year not in out:
            out[year] = {"year": year, "source": (data or {}).get("source") or "", "confirmed_at": at, "by": actor}
    return out


def list_years(platform) -> list[dict]:
    with platform.uow(readonly=True) as uow:
        return [v for _, v in sorted(confirmed_years(uow.session, platform.settings).items())]


def confirm_year(platform, actor: Actor, year: int, *, source: str) -> dict:
    """The administrator says next year's notice is entered (admin; once per year)."""
    actor.require("admin")
    today = platform.now().astimezone(VN_TZ).date()
    if not today.year <= year <= today.year + 1:
        message = f"Chỉ xác nhận được lịch năm nay hoặc năm sau ({today.year}, {today.year + 1})."
        raise Invalid(message, errors={"year": [message]})
    source = (source or "").strip()
    if not source:
        message = "Cần ghi văn bản thông báo lịch nghỉ của Chính phủ (số, ký hiệu)."
        raise Invalid(message, errors={"source": [message]})
    with platform.uow() as uow:
        session = uow.session
        if year in confirmed_years(session, platform.settings):
            raise Conflict(f"Lịch làm việc năm {year} đã được xác nhận.")
        event = E.CalendarYearConfirmed(year=year, source=source)
        now = platform.now()
        history.append(session, None, event.type, at=now, actor=actor.username, data=event.data)
        uow.commit()
        return {"year": year, "source": source, "confirmed_at": now, "by": actor.username}


def warning_starts(settings, year: int) -> date:
    """The day of `year` from which next year's missing confirmation is warned about."""
    text = str(settings.section("calendar").get("confirm_warning_from") or DEFAULT_WARNING_FROM)
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def unconfirmed_next_year(session, settings, now: datetime) -> int | None:
    """Next year, when the warning period has begun and it is not confirmed; else None."""
    today = now.astimezone(VN_TZ).date()
    if today < warning_starts(settings, today.year):
        return None
    nxt = today.year + 1
    return None if nxt in confirmed_years(session, settings) else nxt


def administrators(session) -> list[User]:
    return [u for u in session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
            if "admin" in (u.roles or [])]
