"""Reading the calendar, and changing it: every open due time is recomputed and the change recorded."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select, update

from motcua.access import Actor
from motcua.db.models import CalendarOverride, Dossier, Event, Office, ProcedureVersion, TaskRow
from motcua.errors import Conflict, Invalid, NotFound
from motcua.legal_clock import deadlines
from motcua.services import history
from motcua.services.calendars import calendar_for, forget_calendars, hours_for

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
        forget_calendars(session)
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
        forget_calendars(session)
        moved = recompute_open_deadlines(platform, session, actor.username, reason=reason)
        uow.commit()
        return {"id": override_id, "recomputed": moved}


def _pauses(session, dossier_ids) -> dict[int, list[tuple]]:
    """Pause intervals (paused_from, resumed_at) per dossier, from the 'supplemented' events."""
    from motcua.clock import parse_instant
    out: dict[int, list[tuple]] = {}
    ids = list(dossier_ids)
    for i in range(0, len(ids), 500):
        for ev in session.scalars(select(Event).where(Event.dossier_id.in_(ids[i:i + 500]),
                                                      Event.type == "supplemented").order_by(Event.seq)):
            if ev.data and ev.data.get("paused_from"):
                out.setdefault(ev.dossier_id, []).append((parse_instant(ev.data["paused_from"]), ev.at))
    return out


class _Clocks:
    """The calendar and hours of each office, looked up once per recomputation."""

    def __init__(self, session, settings):
        self.session, self.settings, self._by_office = session, settings, {}

    def __call__(self, office_id):
        if office_id not in self._by_office:
            office = self.session.get(Office, office_id)
            self._by_office[office_id] = (calendar_for(self.session, self.settings, office),
                                          hours_for(self.settings, office))
        return self._by_office[office_id]


def recompute_open_deadlines(platform, session, actor_name: str, *, reason: dict) -> int:
    """Due times of open dossiers and steps computed with an older calendar are computed again.

    Reads plain rows and writes in bulk: an override for the whole province touches every open
    dossier (100k in a large province), so this path avoids loading ORM objects it does not change.
    """
    now = platform.now()
    clocks = _Clocks(session, platform.settings)
    history.append(session, None, "calendar_changed", at=now, actor=actor_name, data=reason)
    legal_days = {pv_id: Decimal(m["legal_days"]) for pv_id, m in session.execute(
        select(ProcedureVersion.id, ProcedureVersion.manifest))}
    rows = session.execute(select(
        Dossier.id, Dossier.receiving_office_id, Dossier.procedure_version_id, Dossier.received_at,
        Dossier.clock_start, Dossier.due_at, Dossier.due_calendar, Dossier.supplement_count, Dossier.apology,
        Dossier.last_event_seq, Dossier.last_event_hash,
    ).where(Dossier.status.in_(OPEN))).all()
    steps = session.execute(select(
        TaskRow.id, TaskRow.dossier_id, TaskRow.office_id, TaskRow.ready_at, TaskRow.due_at, TaskRow.due_calendar,
        TaskRow.allotment_days).where(TaskRow.state == "ready")).all()
    pauses = _pauses(session, [r.id for r in rows if r.supplement_count])

    changes: dict[int, dict] = {}
    dossier_updates, fingerprints = [], {}
    for r in rows:
        cal, hours = clocks(r.receiving_office_id)
        fingerprints[r.id] = cal.fingerprint
        if r.due_calendar == cal.fingerprint or r.apology:
            continue
        start = deadlines.clock_start(cal, hours, r.received_at)
        due = deadlines.due_at(cal, hours, start, legal_days[r.procedure_version_id])
        for paused_from, resumed in pauses.get(r.id, ()):
            due = deadlines.shift_for_pause(cal, hours, due, paused_from, resumed)
        dossier_updates.append({"b_id": r.id, "b_start": start, "b_due": due, "b_cal": cal.fingerprint})
        if due != r.due_at:
            changes.setdefault(r.id, {})["dossier"] = {"old_due_at": r.due_at.isoformat(), "due_at": due.isoformat()}

    open_ids = set(fingerprints)
    step_updates = []
    for t in steps:
        if t.dossier_id not in open_ids:
            continue
        cal, hours = clocks(t.office_id)
        if t.due_calendar == cal.fingerprint:
            continue
        due = deadlines.due_at(cal, hours, deadlines.clock_start(cal, hours, t.ready_at), Decimal(t.allotment_days))
        for paused_from, resumed in pauses.get(t.dossier_id, ()):
            if resumed > t.ready_at:
                due = deadlines.shift_for_pause(cal, hours, due, max(paused_from, t.ready_at), resumed)
        step_updates.append({"b_id": t.id, "b_due": due, "b_cal": cal.fingerprint})
        if due != t.due_at:
            changes.setdefault(t.dossier_id, {}).setdefault("steps", []).append(
                {"task_id": t.id, "old_due_at": t.due_at.isoformat(), "due_at": due.isoformat()})

    _bulk_update(session, Dossier, dossier_updates, {"clock_start": "b_start", "due_at": "b_due",
                                                     "due_calendar": "b_cal"})
    _bulk_update(session, TaskRow, step_updates, {"due_at": "b_due", "due_calendar": "b_cal"})
    heads = {r.id: (r.last_event_seq, r.last_event_hash) for r in rows}
    history.append_many(session, [
        (d_id, *heads[d_id], {**change, "calendar": fingerprints[d_id], "reason": reason})
        for d_id, change in changes.items()], "due_recomputed", at=now, actor=actor_name)
    session.expire_all()
    return len(changes)


def _bulk_update(session, model, params: list[dict], columns: dict) -> None:
    """One executemany UPDATE; the row's version counter moves so concurrent writers notice."""
    if not params:
        return
    table = model.__table__
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(key, type_=table.c[name].type) for name, key in columns.items()}
                    | {"version": table.c.version + 1}))
    session.connection().execute(stmt, params)
