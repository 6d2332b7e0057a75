"""Complaints and recommendations (PAKN): the use cases, one transaction and one commit each.

The rules are motcua/domain/feedback.py; this module loads a `feedback` row as the core's state,
writes the new state and appends the events to the PAKN's hash-linked history. Who may read and
handle a PAKN: motcua/access.py. The sender's name, contact and content are personal data: they
are returned only to the office concerned, never by the public page, a notification or a log.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from motcua import access
from motcua import hash_chain as chain
from motcua.access import Actor
from motcua.clock import VN_TZ
from motcua.db.models import Dossier, Feedback, FeedbackEvent, Office
from motcua.domain import feedback as F
from motcua.errors import Invalid, NotFound
from motcua.services.history import _json_roundtrip
from motcua.services.office_calendars import OfficeCalendars

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from paper


def settings_of(settings) -> dict:
    return settings.section("feedback")


def times(settings) -> dict:
    return {duty: Decimal(str(days)) for duty, days in settings_of(settings)["times"].items()}


def _new_code(now: datetime) -> str:
    """`PAKN-yymmdd-XXXXXXXX`: 8 random letters (about 40 bits), so codes cannot be enumerated."""
    return f"PAKN-{now.astimezone(VN_TZ):%y%m%d}-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


# -- the row as the core's state, and back -------------------------------------------------------

_DONE = (("request_info", "info_requested_at"), ("refuse", "refused_at"), ("answer", "answered_at"),
         ("publish", "published_at"))


def state_of(row: Feedback) -> F.FeedbackState:
    due = {"refuse": row.refuse_due_at, "request_info": row.info_due_at, "answer": row.answer_due_at}
    if row.publish_due_at is not None:
        due["publish"] = row.publish_due_at
    return F.FeedbackState(code=row.code, office=row.office.code, kind=row.kind, status=row.status,
                           received_at=row.received_at, clock_start=row.clock_start, due=due,
                           category=row.category,
                           done={d: getattr(row, col) for d, col in _DONE if getattr(row, col) is not None},
                           overdue=tuple(row.overdue or ()), reminded=tuple(row.reminded or ()), rating=row.rating)


def _save(session, row: Feedback, state: F.FeedbackState, events: list, *, actor: str | None, at: datetime) -> None:
    row.status, row.category, row.rating = state.status, state.category, state.rating
    row.refuse_due_at, row.info_due_at = state.due["refuse"], state.due["request_info"]
    row.answer_due_at, row.publish_due_at = state.due["answer"], state.due.get("publish")
    for duty, col in _DONE:
        setattr(row, col, state.done.get(duty))
    row.overdue = list(state.overdue) or None
    row.reminded = list(state.reminded) or None
    for event in events:
        if event.type == "feedback_info_requested":
            row.info_reason = event.reason
        elif event.type == "feedback_refused":
            row.refuse_reason = event.reason
        elif event.type == "feedback_answered":
            row.answer_text = event.text
        elif event.type == "feedback_rated":
            row.rated_at = at
    _append(session, row, events, actor=actor, at=at)


def _append(session, row: Feedback, events: list, *, actor: str | None, at: datetime) -> None:
    if not events:
        return
    session.flush()  # the row's id
    last = session.execute(select(FeedbackEvent.seq, FeedbackEvent.hash).where(FeedbackEvent.feedback_id == row.id)
                           .order_by(FeedbackEvent.seq.desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, chain.GENESIS)
    at = at.astimezone(VN_TZ)
    for event in events:
        seq += 1
        type_, _, data = event.record()
        stored = _json_roundtrip(data)
        digest = chain.link(prev, chain.canonical(seq, at, type_, actor, None, stored))
        session.add(FeedbackEvent(feedback_id=row.id, seq=seq, at=at, type=type_, actor=actor, data=stored,
                                  prev_hash=prev, hash=digest))
        prev = digest


def history(session, row: Feedback) -> list[FeedbackEvent]:
    return list(session.scalars(select(FeedbackEvent).where(FeedbackEvent.feedback_id == row.id)
                                .order_by(FeedbackEvent.seq)))


# -- the citizen ----------------------------------------------------------------------------------

def _linked_dossier(session, code: str | None, phone4: str | None) -> Dossier | None:
    """The dossier named by code and the last four phone digits (compared in constant time)."""
    if not code or not phone4:
        return None
    dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip().upper()))
    if dossier is None or not hmac.compare_digest(dossier.phone4 or "", phone4):
        return None
    return dossier


def submit(platform, body: dict) -> tuple[dict, bool]:
    """A PAKN sent from the public page: ({id, code}, whether a named dossier matched). The office
    concerned is the dossier's competent office when `dossier_code` and `phone4` match, else
    `feedback.default_office`. A sender who names an earlier PAKN (`repeat_of`), or writes again
    about the same dossier from the same contact, repeats it (5.3)."""
    with platform.uow() as uow:
        session = uow.session
        now = platform.now()
        dossier = _linked_dossier(session, body.get("dossier_code"), body.get("phone4"))
        if dossier is not None:
            office = session.get(Office, dossier.competent_office_id)
        else:
            office = session.scalar(select(Office).where(Office.code == settings_of(platform.settings)["default_office"]))
            if office is None:
                raise NotFound("Chưa cấu hình cơ quan tiếp nhận phản ánh, kiến nghị.")
        contact = body["contact"].strip()
        blank = {key: ["Bắt buộc."] for key in ("name", "contact", "content") if not (body.get(key) or "").strip()}
        if blank:
            raise Invalid("Thiếu thông tin bắt buộc.", errors=blank)
        repeat = None
        if body.get("repeat_of"):
            repeat = session.scalar(select(Feedback).where(Feedback.code == body["repeat_of"].strip().upper()))
        if repeat is None and dossier is not None:
            repeat = session.scalar(select(Feedback).where(Feedback.dossier_id == dossier.id, Feedback.contact == contact)
                                    .order_by(Feedback.id.desc()).limit(1))
        code = _new_code(now)
        state, events = F.receive(code=code, office=office.code, kind=body["kind"],
                                  dossier=dossier.code if dossier else None,
                                  repeat_of=repeat.code if repeat else None, times=times(platform.settings),
                                  now=now, calendars=OfficeCalendars.of(session, platform.settings))
        row = Feedback(code=code, kind=body["kind"], name=body["name"].strip(), contact=contact,
                       content=body["content"].strip(), office_id=office.id,
                       dossier_id=dossier.id if dossier else None, repeat_of_id=repeat.id if repeat else None,
                       status=state.status, received_at=now, clock_start=state.clock_start,
                       refuse_due_at=state.due["refuse"], info_due_at=state.due["request_info"],
                       answer_due_at=state.due["answer"])
        row.office = office
        session.add(row)
        _save(session, row, state, events, actor=None, at=now)
        uow.commit()
        return {"id": row.id, "code": code}, dossier is not None


def public_view(platform, code: str) -> dict:
    """What anyone holding the code sees: status, dates, the office and the published answer;
    never the name, contact or content."""
    with platform.uow(readonly=True) as uow:
        row = _by_code(uow.session, code)
        published = row.status == F.PUBLISHED
        return {"code": row.code, "kind": row.kind, "status": row.status,
                "status_text": F.STATUS_TEXT[row.status], "office_name": row.office.name,
                "received_at": row.received_at, "answer_due_at": row.answer_due_at,
                "answered": row.answered_at is not None, "published_at": row.published_at,
                "answer": row.answer_text if published else None,
                "refused": row.status == F.REFUSED, "refuse_reason": row.refuse_reason,
                "info_requested": row.info_requested_at is not None, "info_reason": row.info_reason,
                "rating": row.rating, "may_rate": published and row.rating is None}


def _by_code(session, code: str) -> Feedback:
    row = session.scalar(select(Feedback).where(Feedback.code == (code or "").strip().upper()))
    if row is None:
        raise NotFound("Không tìm thấy phản ánh, kiến nghị với mã đã nhập.")
    return row


def rate(platform, code: str, rating: str) -> dict:
    with platform.uow() as uow:
        session = uow.session
        row = _lock(session, _by_code(session, code).id)
        now = platform.now()
        state, events = F.rate(state_of(row), rating=rating, now=now)
        _save(session, row, state, events, actor="citizen", at=now)
        uow.commit()
        return {"code": row.code, "rating": rating, "at": now}


# -- the office concerned -------------------------------------------------------------------------

def _lock(session, feedback_id: int) -> Feedback | None:
    query = select(Feedback).where(Feedback.id == feedback_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Feedback)
    return session.scalar(query.execution_options(populate_existing=True))


def overdue_condition(now: datetime):
    """SQL: the answer or the publication is past due and still owed (see `F.late_duties`)."""
    return or_(and_(Feedback.status.in_(F.OPEN), Feedback.answer_due_at < now),
               and_(Feedback.status == F.ANSWERED, Feedback.publish_due_at < now))


def is_overdue(state: F.FeedbackState, now: datetime) -> bool:
    return any(duty in ("answer", "publish") and now > due for duty, due in F.pending_duties(state).items())


def view(row: Feedback, now: datetime, *, full: bool = True) -> dict:
    state = state_of(row)
    out = {"id": row.id, "code": row.code, "kind": row.kind, "status": row.status,
           "status_text": F.STATUS_TEXT[row.status], "category": row.category, "office": row.office.code,
           "office_name": row.office.name, "received_at": row.received_at, "clock_start": row.clock_start,
           "due": {duty: at for duty, at in state.due.items()},
           "pending": sorted(F.pending_duties(state)), "overdue": is_overdue(state, now),
           "late": F.late_duties(state, now), "answered_at": row.answered_at, "published_at": row.published_at,
           "refused_at": row.refused_at, "info_requested_at": row.info_requested_at, "rating": row.rating}
    if full:
        out.update({"name": row.name, "contact": row.contact, "content": row.content,
                    "info_reason": row.info_reason, "refuse_reason": row.refuse_reason,
                    "answer": row.answer_text})
    return out


def list_for(platform, actor: Actor, *, status: str | None = None, overdue: bool | None = None, page: int = 1,
             per_page: int = 20) -> tuple[list, int]:
    with platform.uow(readonly=True) as uow:
        session = uow.session
        now = platform.now()
        conditions = [access.readable_feedback(actor)]
        if status:
            conditions.append(Feedback.status == status)
        if overdue is not None:
            conditions.append(overdue_condition(now) if overdue else ~overdue_condition(now))
        total = session.scalar(select(func.count(Feedback.id)).where(*conditions)) or 0
        rows = session.scalars(select(Feedback).where(*conditions).order_by(Feedback.answer_due_at, Feedback.id)
                               .offset((page - 1) * per_page).limit(per_page)).all()
        return [view(r, now, full=False) for r in rows], total


def get(platform, actor: Actor, feedback_id: int) -> dict:
    with platform.uow(readonly=True) as uow:
        session = uow.session
        row = access.check_feedback(actor, session.get(Feedback, feedback_id))
        out = view(row, platform.now())
        out["history"] = [{"seq": e.seq, "at": e.at, "type": e.type, "data": e.data} for e in history(session, row)]
        out["dossier_code"] = session.scalar(select(Dossier.code).where(Dossier.id == row.dossier_id)) \
            if row.dossier_id else None
        return out


def act(platform, actor: Actor, feedback_id: int, action: str, body: dict) -> dict:
    """classify / request-info / refuse / answer / publish: 404 outside the office, 403 for a
    reader who may not act, 409 from the wrong state."""
    with platform.uow() as uow:
        session = uow.session
        row = access.check_feedback(actor, _lock(session, feedback_id), act=True)
        now = platform.now()
        state = state_of(row)
        if action == "classify":
            moved = F.classify(state, category=body["category"], now=now)
        elif action == "request-info":
            moved = F.request_info(state, reason=body["reason"], now=now)
        elif action == "refuse":
            moved = F.refuse(state, reason=body["reason"], now=now)
        elif action == "answer":
            moved = F.answer(state, text=body["text"], publish=bool(body.get("publish")),
                             times=times(platform.settings), now=now,
                             calendars=OfficeCalendars.of(session, platform.settings))
        elif action == "publish":
            moved = F.publish_answer(state, now=now)
        else:
            raise Invalid(f"Thao tác không hợp lệ: {action}.")
        _save(session, row, *moved, actor=actor.username, at=now)
        uow.commit()
        return view(row, now)


def verify(platform, feedback_id: int) -> int | None:
    """The first broken sequence number of a PAKN's history, or None when its chain is intact."""
    with platform.uow(readonly=True) as uow:
        row = uow.session.get(Feedback, feedback_id)
        if row is None:
            raise NotFound("Không tìm thấy phản ánh, kiến nghị.")
        from types import SimpleNamespace
        return chain.verify_chain([SimpleNamespace(seq=e.seq, at=e.at, type=e.type, actor=e.actor, step=None,
                                                   data=e.data, prev_hash=e.prev_hash, hash=e.hash)
                                   for e in history(uow.session, row)])


__all__ = ["act", "get", "list_for", "public_view", "rate", "submit", "verify"]


# -- the scheduler's watch (scheduler/feedback_watch.py decides when) ------------------------------

WATCHED = (*F.OPEN, F.ANSWERED)


def watched():
    """The PAKN the watch looks at: anything still owing a duty."""
    return select(Feedback).where(Feedback.status.in_(WATCHED))


def watch_one(session, settings, row: Feedback, now: datetime) -> int:
    """Reminders before each owed duty's due time and the overdue flag, for one locked row; each
    effect once (its key names the PAKN, the duty and the due instant). Notifications name the
    PAKN's code and kind only. Returns the notifications created."""
    from motcua.services.notifications import claim_effect, fmt, instant_key, notify, users_with_role
    calendars = OfficeCalendars.of(session, settings)
    state = state_of(row)
    events, created = [], 0
    staff = users_with_role(session, row.office_id, "leader") + users_with_role(session, row.office_id, "specialist")
    label = f"{row.code} ({'phản ánh' if row.kind == 'complaint' else 'kiến nghị'})"
    for duty in F.duties_due_soon(state, now=now, warn_days=Decimal(str(settings_of(settings)["reminder_days"])),
                                  calendars=calendars):
        due = state.due[duty]
        state, moved = F.flag_due_soon(state, duty=duty, now=now)
        if moved and claim_effect(session, f"feedback_due_soon:{row.id}:{duty}:{instant_key(due)}", now):
            events += moved
            created += notify(session, settings, kind="feedback_due_soon", subject=f"{row.id}:{duty}:{instant_key(due)}",
                              users=staff, title=f"Sắp đến hạn {F.DUTY_TEXT[duty]} phản ánh, kiến nghị {row.code}",
                              body=f"Hạn {F.DUTY_TEXT[duty]} {label}: {fmt(due)}.", at=now,
                              office_id=row.office_id, due_at=due, data={"feedback_id": row.id, "duty": duty})
    state, moved = F.flag_overdue(state, now=now)
    for event in moved:
        if claim_effect(session, f"feedback_overdue:{row.id}:{event.duty}:{instant_key(event.due_at)}", now):
            events.append(event)
            created += notify(session, settings, kind="feedback_overdue",
                              subject=f"{row.id}:{event.duty}:{instant_key(event.due_at)}",
                              users=users_with_role(session, row.office_id, "leader"),
                              title=f"Quá hạn {F.DUTY_TEXT[event.duty]} phản ánh, kiến nghị {row.code}",
                              body=f"{label} đã quá hạn {F.DUTY_TEXT[event.duty]} lúc {fmt(event.due_at)}.", at=now,
                              office_id=row.office_id, due_at=event.due_at,
                              data={"feedback_id": row.id, "duty": event.duty})
    if events:
        _save(session, row, state, events, actor="scheduler", at=now)
    return created
