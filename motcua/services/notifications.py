"""Notifications to officials: the in-app inbox, an outbox, and the channels that deliver it.

A notification is one row per recipient with a unique `key` = kind : subject : recipient, where
the subject names the dossier or step and the instant concerned (e.g. its due time). Creating one
is an INSERT … ON CONFLICT DO NOTHING, so whoever creates it twice (a retried job, a second
scheduler process, a catch-up run) creates it once. Each new notification also gets one outbox
row per enabled outside channel (e-mail, webhook, or a registered one); the scheduler delivers
those with retries (scheduler/delivery.py).

Privacy: titles and bodies name the dossier code and the procedure only, never the applicant.
"""
from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from datetime import datetime
from email.message import EmailMessage
from typing import Callable, Iterable, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from motcua.access import Actor
from motcua.db.models import Dossier, Notification, NotificationDelivery, Office, SchedulerEffect, StepRow, User
from motcua.errors import NotFound

log = logging.getLogger("motcua.notifications")

KINDS = ("assigned", "reminder", "step_due_soon", "step_overdue", "due_soon", "overdue",
         "monthly_report", "report_deadline", "saturday_desk", "calendar_unconfirmed", "feedback_due_soon",
         "feedback_overdue")


# --- idempotent inserts ----------------------------------------------------------------------

def insert_ignore(session, model, values: dict, index_elements: list[str]):
    """INSERT … ON CONFLICT DO NOTHING; the new primary key, or None when the row already existed.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and then
    does nothing: the unique index, not a read-then-write, decides who produced the row.
    (A Core insert on the table: the column types still convert instants and JSON.)
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    pk = table.c[model.__mapper__.primary_key[0].name]
    stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=index_elements).returning(pk)
    return session.execute(stmt).scalar_one_or_none()


def claim_effect(session, key: str, at: datetime) -> bool:
    """True exactly once per key across every process and retry: the caller then produces the effect
    in the same transaction (if that transaction rolls back, the claim goes with it)."""
    return insert_ignore(session, SchedulerEffect, {"key": key[:255], "at": at}, ["key"]) is not None


def instant_key(at: datetime) -> str:
    """An instant as it appears in keys: UTC, to the second, whatever the offset it came with."""
    from datetime import timezone
    return at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


# --- recipients --------------------------------------------------------------------------------

def users_with_role(session, office_id: int, role: str) -> list[User]:
    """Active officials of an office holding `role` (the office's staff is read once per transaction)."""
    cache = session.info.setdefault("motcua_staff", {})
    if office_id not in cache:
        cache[office_id] = session.scalars(select(User).where(User.office_id == office_id, User.active.is_(True))
                                           .order_by(User.id)).all()
    return [u for u in cache[office_id] if role in (u.roles or [])]


def leaders_of(session, office_id: int) -> list[User]:
    return users_with_role(session, office_id, "leader")


def holders_of(session, row: StepRow) -> list[User]:
    """Who holds a step: the official who claimed it, else everyone who may claim it."""
    if row.assignee_id is not None:
        user = session.get(User, row.assignee_id)
        return [user] if user is not None else []
    return users_with_role(session, row.office_id, row.role)


# --- channels ----------------------------------------------------------------------------------

class Channel(Protocol):
    name: str

    def accepts(self, user: User) -> bool: ...

    def send(self, message: dict) -> None: ...


class SmtpChannel:
    """E-mail through the SMTP server of `notifications.smtp_*`; only to officials with an address."""

    name = "email"

    def __init__(self, cfg: dict):
        self.host = cfg["smtp_host"]
        self.port = int(cfg.get("smtp_port") or 25)
        self.sender = cfg.get("smtp_from") or "motcua@localhost"
        self.user = cfg.get("smtp_user") or None
        self.password = cfg.get("smtp_password") or None
        self.starttls = bool(cfg["smtp_starttls"])
        self.timeout = float(cfg["timeout_seconds"])

    def accepts(self, user: User) -> bool:
        return bool(user.email)

    def send(self, message: dict) -> None:
        mail = EmailMessage()
        mail["Subject"] = message["title"]
        mail["From"] = self.sender
        mail["To"] = message["recipient_email"]
        mail["Message-ID"] = f"<{message['key'].replace(':', '.')}@motcua>"
        mail.set_content(message["body"])
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(mail)


class WebhookChannel:
    """POST of the notification as JSON to `notifications.webhook_url` (e.g. a chat bridge).

    The `Idempotency-Key` header carries the notification key: a receiver that sees a retry of a
    delivery whose acknowledgement was lost can drop the duplicate.
    """

    name = "webhook"

    def __init__(self, cfg: dict):
        self.url = cfg["webhook_url"]
        self.timeout = float(cfg["timeout_seconds"])

    def accepts(self, user: User) -> bool:
        return True

    def send(self, message: dict) -> None:
        payload = {k: v for k, v in message.items() if k != "recipient_email"}
        request = urllib.request.Request(
            self.url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message["key"]})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")


ChannelFactory = Callable[[dict], "Channel | None"]
_CHANNELS: dict[str, ChannelFactory] = {
    "email": lambda cfg: SmtpChannel(cfg) if cfg.get("smtp_host") else None,
    "webhook": lambda cfg: WebhookChannel(cfg) if cfg.get("webhook_url") else None,
}


def register_channel(name: str, factory: ChannelFactory) -> None:
    """Add a delivery channel: `factory(notifications config)` returns the channel, or None when off."""
    _CHANNELS[name] = factory


def unregister_channel(name: str) -> None:
    _CHANNELS.pop(name, None)


def enabled_channels(settings) -> dict[str, Channel]:
    cfg = settings.section("notifications")
    out = {}
    for name, factory in list(_CHANNELS.items()):
        channel = factory(cfg)
        if channel is not None:
            out[name] = channel
    return out


# --- creating ----------------------------------------------------------------------------------

def notify(session, settings, *, kind: str, subject: str, users: Iterable[User], title: str, body: str,
           at: datetime, dossier: Dossier | None = None, office_id: int | None = None,
           due_at: datetime | None = None, data: dict | None = None) -> int:
    """One notification per distinct recipient, at most once per (kind, subject, recipient)."""
    channels = enabled_channels(settings)
    created = 0
    seen = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        key = f"{kind}:{subject}:{user.id}"[:255]
        new_id = insert_ignore(session, Notification, {
            "key": key, "kind": kind, "user_id": user.id, "dossier_id": dossier.id if dossier else None,
            "office_id": office_id, "title": title[:500], "body": body, "data": data, "due_at": due_at,
            "created_at": at}, ["key"])
        if new_id is None:
            continue
        created += 1
        for name, channel in channels.items():
            if channel.accepts(user):
                session.add(NotificationDelivery(notification_id=new_id, channel=name, status="pending",
                                                 attempts=0, next_attempt_at=at, created_at=at))
    if created:
        log.info("notification %s %s: %d recipient(s)", kind, subject, created)
    return created


def fmt(at: datetime | None) -> str:
    from motcua.clock import VN_TZ
    return "" if at is None else at.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y")


def dossier_label(dossier: Dossier) -> str:
    """`code – procedure name`: all a notification may say about a dossier."""
    return f"{dossier.code} – {dossier.procedure_version.manifest['name']}"


# --- reading (GET /api/v1/notifications) -------------------------------------------------------

def _view(row: Notification, dossier_code: str | None) -> dict:
    return {"id": row.id, "kind": row.kind, "title": row.title, "body": row.body, "dossier_code": dossier_code,
            "due_at": row.due_at, "created_at": row.created_at, "read_at": row.read_at, "read": row.read_at is not None,
            "data": row.data or {}}


def list_for(platform, actor: Actor, *, page: int = 1, per_page: int = 20, unread: bool | None = None,
             kind: str | None = None):
    """The signed-in official's notifications, newest first."""
    with platform.uow(readonly=True) as uow:
        session = uow.session
        query = select(Notification, Dossier.code).outerjoin(Dossier, Dossier.id == Notification.dossier_id).where(
            Notification.user_id == actor.user_id)
        if unread is True:
            query = query.where(Notification.read_at.is_(None))
        elif unread is False:
            query = query.where(Notification.read_at.is_not(None))
        if kind:
            query = query.where(Notification.kind == kind)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
        return [_view(n, code) for n, code in rows], total


def mark_read(platform, actor: Actor, notification_id: int) -> dict:
    with platform.uow() as uow:
        session = uow.session
        row = session.get(Notification, notification_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound("Không tìm thấy thông báo này.")
        if row.read_at is None:
            row.read_at = platform.now()
        code = session.get(Dossier, row.dossier_id).code if row.dossier_id else None
        result = _view(row, code)
        uow.commit()
        return result


def mark_all_read(platform, actor: Actor) -> int:
    with platform.uow() as uow:
        result = uow.session.execute(update(Notification).where(
            Notification.user_id == actor.user_id, Notification.read_at.is_(None)).values(read_at=platform.now()))
        uow.commit()
        return result.rowcount or 0


def message_of(session, notification: Notification) -> dict:
    """What a channel sends: the notification, its recipient's username and (for e-mail) address."""
    user = session.get(User, notification.user_id)
    dossier = session.get(Dossier, notification.dossier_id) if notification.dossier_id else None
    office = session.get(Office, notification.office_id) if notification.office_id else None
    return {"key": notification.key, "kind": notification.kind, "title": notification.title,
            "body": notification.body, "dossier_code": dossier.code if dossier else None,
            "procedure": dossier.procedure_version.manifest["name"] if dossier else None,
            "office": office.code if office else None, "recipient": user.username,
            "recipient_email": user.email, "due_at": notification.due_at.isoformat() if notification.due_at else None,
            "created_at": notification.created_at.isoformat()}
