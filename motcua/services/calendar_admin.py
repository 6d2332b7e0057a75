"""Reading the calendar, and changing it: every open due time is recomputed and the change recorded."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from motcua.access import Actor
from motcua.db.models import CalendarOverride, Dossier, Office, TaskRow
from motcua.errors import Conflict, Invalid, NotFound
from motcua.legal_clock import deadlines
from motcua.services import history
from motcua.services.calendars import calendar_for, hours_for

OPEN = ("processing", "supplement_requested")
MAX_DAYS_RANGE = 400


def _office(session, code: str | None) -> Office | None:
    if not code:
        return None
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        raise NotFound(f"Không có cơ quan mã «{code}».")
    return office


def deadline(platform, office_code: str | None, start, days: Decimal) -> dict:
    with platform.uow() as uow:
        office = _office(uow.session, office_code)
        cal = calendar_for(uow.session, platform.settings, office)
        hours = hours_for(platform.settings, office)
        begin = deadlines.clock_start(cal, hours, start)
        due = deadlines.due_at(cal, hours, begin, days)
        return {"clock_start": begin, "due_at": due, "calendar": cal.fingerprint,
                "explanation": deadlines.explain(cal, hours, begin, days, received_at=start)}


def days(platform, office_code: str | None, first: date, last: date) -> list[dict]:
    if last < first:
        raise Invalid("Khoảng ngày không hợp lệ.", errors={"to": ["Ngày kết thúc phải sau ngày bắt đầu."]})
    if (last - first).days > MAX_DAYS_RANGE:
        raise Invalid("Khoảng ngày quá dài.", errors={"to": [f"Tối đa {MAX_DAYS_RANGE} ngày một lần."]})
    with platform.uow() as uow:
        office = _office(uow.session, office_code)
        cal = calendar_for(uow.session, platform.settings, office)
        hours = hours_for(platform.settings, office)
        out = []
        day = first
        while day <= last:
            entry = {"date": day, "working": cal.is_working_day(day)}
            override = cal.override_on(day)
            name = cal.holiday_name(day) or (override.name if override and override.kind == "day_off" else None)
            if name and not entry["working"]:
                entry["holiday"] = name
            if day.weekday() == 5 and not entry["working"]:
                entry["saturday_service"] = hours.saturday != "none" and name is None
            out.append(entry)
            day += timedelta(days=1)
        return out


def list_overrides(platform) -> list[CalendarOverride]:
    with platform.uow() as uow:
        return list(uow.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))


def add_override(platform, actor: Actor, *, day: date, kind: str, name: str, office_code: str | None) -> dict:
    actor.require("admin")
    with platform.uow() as uow:
        session = uow.session
        office = _office(session, office_code)
        exists = session.scalar(select(CalendarOverride).where(
            CalendarOverride.day == day,
            CalendarOverride.office_id.is_(None) if office is None else CalendarOverride.office_id == office.id))
        if exists is not None:
            raise Conflict("Ngày này đã có điều chỉnh; hãy xóa trước khi thêm mới.")
        row = CalendarOverride(day=day, kind=kind, name=name, office_id=office.id if office else None,
                               created_at=platform.now(), created_by=actor.user_id)
        session.add(row)
        session.flush()
        moved = recompute_open_deadlines(platform, session, actor.username, reason={
            "change": "added", "date": day.isoformat(), "kind": kind, "name": name, "office": office_code})
        uow.commit()
        return {"id": row.id, "date": day, "kind": kind, "name": name, "office": office_code, "recomputed": moved}


def remove_override(platform, actor: Actor, override_id: int) -> dict:
    actor.require("admin")
    with platform.uow() as uow:
        session = uow.session
        row = session.get(CalendarOverride, override_id)
        if row is None:
            raise NotFound("Không có ngày điều chỉnh này.")
        office = session.get(Office, row.office_id) if row.office_id else None
        reason = {"change": "removed", "date": row.day.isoformat(), "kind": row.kind, "name": row.name,
                  "office": office.code if office else None}
        session.delete(row)
        session.flush()
        moved = recompute_open_deadlines(platform, session, actor.username, reason=reason)
        uow.commit()
        return {"id": override_id, "recomputed": moved}


def _pauses(session, dossier: Dossier) -> list[tuple]:
    from motcua.clock import parse_instant
    out = []
    for ev in history.events_of(session, dossier.id):
        if ev.type == "supplemented" and ev.data and ev.data.get("paused_from"):
            out.append((parse_instant(ev.data["paused_from"]), ev.at))
    return out


def recompute_open_deadlines(platform, session, actor_name: str, *, reason: dict) -> int:
    """Due times of open dossiers and steps computed with an older calendar are computed again."""
    settings = platform.settings
    moved = 0
    history.append(session, None, "calendar_changed", at=platform.now(), actor=actor_name, data=reason)
    for dossier in session.scalars(select(Dossier).where(Dossier.status.in_(OPEN))):
        cal = calendar_for(session, settings, dossier.receiving_office)
        hours = hours_for(settings, dossier.receiving_office)
        pauses = _pauses(session, dossier)
        changes = {}
        if dossier.due_calendar != cal.fingerprint and not dossier.apology:
            legal_days = Decimal(dossier.procedure_version.manifest["legal_days"])
            start = deadlines.clock_start(cal, hours, dossier.received_at)
            due = deadlines.due_at(cal, hours, start, legal_days)
            for paused_from, resumed in pauses:
                due = deadlines.shift_for_pause(cal, hours, due, paused_from, resumed)
            if (start, due) != (dossier.clock_start, dossier.due_at):
                changes["dossier"] = {"old_due_at": dossier.due_at.isoformat(), "due_at": due.isoformat()}
            dossier.clock_start, dossier.due_at = start, due
            dossier.due_calendar = cal.fingerprint
        steps = []
        for row in session.scalars(select(TaskRow).where(TaskRow.dossier_id == dossier.id, TaskRow.state == "ready")):
            row_cal = calendar_for(session, settings, row.office)
            if row.due_calendar == row_cal.fingerprint:
                continue
            row_hours = hours_for(settings, row.office)
            due = deadlines.due_at(row_cal, row_hours, deadlines.clock_start(row_cal, row_hours, row.ready_at),
                                   Decimal(row.allotment_days))
            for paused_from, resumed in pauses:
                if resumed > row.ready_at:
                    due = deadlines.shift_for_pause(row_cal, row_hours, due, max(paused_from, row.ready_at), resumed)
            if due != row.due_at:
                steps.append({"task_id": row.id, "old_due_at": row.due_at.isoformat(), "due_at": due.isoformat()})
            row.due_at, row.due_calendar = due, row_cal.fingerprint
        if steps:
            changes["steps"] = steps
        if changes:
            moved += 1
            history.append(session, dossier, "due_recomputed", at=platform.now(), actor=actor_name,
                           data={**changes, "calendar": cal.fingerprint, "reason": reason})
    return moved
