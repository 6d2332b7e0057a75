"""Reading the calendar, and changing it: every open due time is recomputed and the change recorded."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, bindparam, exists, or_, select, true, update

from motcua.access import Actor
from motcua.clock import VN_TZ
from motcua.db.models import CalendarOverride, Dossier, Office, ProcedureVersion, StepRow
from motcua.domain import events as E
from motcua.domain import statuses as S
from motcua.domain.recompute import recompute_due_times
from motcua.domain.state import DossierState, StepState
from motcua.errors import Conflict, Invalid, NotFound
from motcua.legal_clock import deadlines
from motcua.services import history
from motcua.services.office_calendars import (
    OfficeCalendars, calendar_for, fingerprints, forget_calendars, hours_for,
)
from motcua.services.legal_time import extended_legal_days
from motcua.services.store import pauses_of

MAX_DAYS_RANGE = 400


def _office(session, code: str | None) -> Office | None:
    if not code:
        return None
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        raise NotFound(f"Không có cơ quan mã «{code}».")
    return office


def deadline(platform, office_code: str | None, start, days: Decimal) -> dict:
    with platform.uow(readonly=True) as uow:
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
    with platform.uow(readonly=True) as uow:
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
                name = name or cal.holiday_break_name(day)  # a Saturday inside a holiday break
                if name:
                    entry["holiday"] = name
                entry["saturday_service"] = hours.saturday != "none" and name is None
            out.append(entry)
            day += timedelta(days=1)
        return out


def list_overrides(platform) -> list[CalendarOverride]:
    with platform.uow(readonly=True) as uow:
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
        before = fingerprints(session, platform.settings)
        row = CalendarOverride(day=day, kind=kind, name=name, office_id=office.id if office else None,
                               created_at=platform.now(), created_by=actor.user_id)
        session.add(row)
        session.flush()
        forget_calendars(session)
        moved = recompute_open_deadlines(platform, session, actor.username, reason={
            "change": "added", "date": day.isoformat(), "kind": kind, "name": name, "office": office_code},
            changed_day=day, before=before)
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
        before, day = fingerprints(session, platform.settings), row.day
        session.delete(row)
        session.flush()
        forget_calendars(session)
        moved = recompute_open_deadlines(platform, session, actor.username, reason=reason,
                                         changed_day=day, before=before)
        uow.commit()
        return {"id": override_id, "recomputed": moved}


def _by_fingerprint(prints: dict[int, str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for office_id, fp in prints.items():
        groups.setdefault(fp, []).append(office_id)
    return groups


def _settle_outside(session, day: date, before: dict[int, str], after: dict[int, str]) -> None:
    """Set-based: due times whose span does not hold the changed day keep their value under the
    new calendar (clock start and due time depend only on the days from the receipt, or the
    step's ready time, to the due time: pauses and longer legal times lie inside that span), so
    only their calendar fingerprint moves, in one UPDATE per group of offices. Due times set by
    an apology are left alone, as `recompute_due_times` leaves them."""
    first = datetime.combine(day, time(0), tzinfo=VN_TZ)
    after_day = first + timedelta(days=1)
    moves: dict[tuple[str, str], list[int]] = {}
    for office_id, new in after.items():
        old = before.get(office_id)
        if old is not None and old != new:
            moves.setdefault((old, new), []).append(office_id)
    d, t = Dossier.__table__, StepRow.__table__
    open_ids = select(d.c.id).where(d.c.status.in_(S.OPEN_STATUSES))
    for (old, new), ids in moves.items():
        session.execute(update(d).where(
            d.c.status.in_(S.OPEN_STATUSES), d.c.apology.is_(None), d.c.receiving_office_id.in_(ids),
            d.c.due_calendar == old, or_(d.c.due_at < first, d.c.received_at >= after_day),
        ).values(due_calendar=new, version=d.c.version + 1))
        session.execute(update(t).where(
            t.c.state == S.READY, t.c.office_id.in_(ids), t.c.due_calendar == old,
            or_(t.c.due_at < first, t.c.ready_at >= after_day), t.c.dossier_id.in_(open_ids),
        ).values(due_calendar=new, version=t.c.version + 1))


def _stale_only(after: dict[int, str]):
    """SQL twin of recompute._stale: a due time of the dossier (or of a ready step) was computed
    with a calendar other than its office's now (the dossier's own apology case is left to the core)."""
    groups = _by_fingerprint(after)
    dossier_stale = or_(*[and_(Dossier.receiving_office_id.in_(ids),
                               or_(Dossier.due_calendar.is_(None), Dossier.due_calendar != fp))
                          for fp, ids in groups.items()])
    step_stale = exists().where(StepRow.dossier_id == Dossier.id, StepRow.state == S.READY, or_(
        *[and_(StepRow.office_id.in_(ids), or_(StepRow.due_calendar.is_(None), StepRow.due_calendar != fp))
          for fp, ids in groups.items()]))
    return or_(dossier_stale, step_stale)


def recompute_open_deadlines(platform, session, actor_name: str, *, reason: dict,
                             changed_day: date | None = None, before: dict[int, str] | None = None) -> int:
    """Due times of open dossiers and steps computed with an older calendar are computed again
    (motcua.domain.recompute decides each); returns the number of dossiers whose due times moved.

    Reads plain rows and writes in bulk: an override for the whole province touches every open
    dossier (100k in a large province), so this path builds light states (no form data, no
    documents) and never loads ORM objects it does not change. With `changed_day` and `before`
    (the offices' fingerprints before the change of that one day), the due times whose span does
    not hold that day are settled in SQL first (`_settle_outside`), and only the rest go through
    the core.
    """
    now = platform.now()
    calendars = _Memo(OfficeCalendars(session, platform.settings))
    codes = dict(session.execute(select(Office.id, Office.code)).all())
    changed = E.CalendarChanged(reason)
    history.append(session, None, changed.type, at=now, actor=actor_name, data=changed.data)
    stale = true()
    if changed_day is not None and before is not None:
        after = fingerprints(session, platform.settings)
        _settle_outside(session, changed_day, before, after)
        stale = _stale_only(after)
    legal_days = {pv_id: Decimal(str(m["legal_days"])) for pv_id, m in session.execute(
        select(ProcedureVersion.id, ProcedureVersion.manifest))}
    rows = session.execute(select(
        Dossier.id, Dossier.code, Dossier.receiving_office_id, Dossier.competent_office_id,
        Dossier.procedure_version_id, Dossier.status, Dossier.received_at, Dossier.clock_start, Dossier.due_at,
        Dossier.due_calendar, Dossier.supplement_count, Dossier.apology, Dossier.last_event_seq,
        Dossier.last_event_hash,
    ).where(Dossier.status.in_(S.OPEN_STATUSES), stale)).all()
    pauses = pauses_of(session, [r.id for r in rows if r.supplement_count])
    # a longer legal time that applied on the dossier's path stays in force (issue 13.4)
    longer = extended_legal_days(session)
    states = {r.id: DossierState(
        code=r.code, receiving_office=codes[r.receiving_office_id], competent_office=codes[r.competent_office_id],
        legal_days=max(legal_days[r.procedure_version_id], longer.get(r.id, Decimal(0))), status=r.status, received_at=r.received_at,
        clock_start=r.clock_start, due_at=r.due_at, due_calendar=r.due_calendar, apology=r.apology,
        pauses=pauses.get(r.id, [])) for r in rows}
    steps = select(StepRow.id, StepRow.dossier_id, StepRow.bpmn_id, StepRow.name, StepRow.lane, StepRow.role,
                   StepRow.office_id, StepRow.ready_at, StepRow.due_at, StepRow.due_calendar,
                   StepRow.allotment_days).where(StepRow.state == S.READY)
    if len(states) < 20_000:  # the few dossiers left: their steps by id (else one pass over all)
        ids = list(states)
        chunks = [steps.where(StepRow.dossier_id.in_(ids[i:i + 500])) for i in range(0, len(ids), 500)]
    else:
        chunks = [steps]
    for t in (row for chunk in chunks for row in session.execute(chunk)):
        state = states.get(t.dossier_id)
        if state is not None:
            state.steps[t.id] = StepState(
                task_id=t.id, bpmn_id=t.bpmn_id, name=t.name, lane=t.lane, role=t.role, office=codes[t.office_id],
                allotment_days=Decimal(t.allotment_days), ready_at=t.ready_at, due_at=t.due_at,
                due_calendar=t.due_calendar)

    dossier_updates, step_updates, recorded = [], [], []
    for r in rows:
        old = states[r.id]
        new, events = recompute_due_times(old, reason=reason, calendars=calendars)
        if new.due_calendar != old.due_calendar:
            dossier_updates.append({"b_id": r.id, "b_start": new.clock_start, "b_due": new.due_at,
                                    "b_cal": new.due_calendar})
        for task_id, step in new.steps.items():
            if step.due_calendar != old.steps[task_id].due_calendar:
                step_updates.append({"b_id": task_id, "b_due": step.due_at, "b_cal": step.due_calendar})
        for event in events:
            recorded.append((r.id, r.last_event_seq, r.last_event_hash, event.data))

    _bulk_update(session, Dossier, dossier_updates, {"clock_start": "b_start", "due_at": "b_due",
                                                     "due_calendar": "b_cal"})
    _bulk_update(session, StepRow, step_updates, {"due_at": "b_due", "due_calendar": "b_cal"})
    history.append_many(session, recorded, E.DueRecomputed.type, at=now, actor=actor_name)
    session.expire_all()
    return len(recorded)


class _Memo:
    """The calendars protocol with each office's answers kept: asked 100k times in a row."""

    def __init__(self, calendars):
        self._inner, self._calendars, self._hours = calendars, {}, {}

    def calendar(self, code):
        found = self._calendars.get(code)
        if found is None:
            found = self._calendars[code] = self._inner.calendar(code)
        return found

    def hours(self, code):
        found = self._hours.get(code)
        if found is None:
            found = self._hours[code] = self._inner.hours(code)
        return found

    def knows(self, code):
        return self._inner.knows(code)

    def name(self, code):
        return self._inner.name(code)


def _bulk_update(session, model, params: list[dict], columns: dict) -> None:
    """One executemany UPDATE; the row's version counter moves so concurrent writers notice."""
    if not params:
        return
    table = model.__table__
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(key, type_=table.c[name].type) for name, key in columns.items()}
                    | {"version": table.c.version + 1}))
    session.connection().execute(stmt, params)
