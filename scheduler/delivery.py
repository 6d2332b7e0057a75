"""Delivering the notification outbox through its channels, with retries and backoff.

A batch is leased in one short transaction (status `sending`, lease_until, a lease token), sent
outside any transaction (an SMTP or HTTP call must not hold database locks, least of all
SQLite's single writer lock), and settled in another: `sent`, or back to `pending` with
exponential backoff, or `failed` after `max_attempts`. A process that dies while sending loses
its lease when it expires and another run sends again: delivery is at least once, and the
notification key travels with every attempt (Idempotency-Key header, Message-ID) so receivers
can drop a repeat.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from motcua.db.models import Notification, NotificationDelivery
from motcua.services.notifications import enabled_channels, message_of
from scheduler.claims import claim

log = logging.getLogger("motcua.scheduler")


def _cfg(settings) -> dict:
    cfg = settings.section("notifications")
    return {"max_attempts": int(cfg["max_attempts"]),
            "backoff": float(cfg["retry_backoff_seconds"]),
            "backoff_max": float(cfg["retry_backoff_max_seconds"]),
            "lease": float(cfg["lease_seconds"])}


def backoff(cfg: dict, attempts: int) -> timedelta:
    return timedelta(seconds=min(cfg["backoff_max"], cfg["backoff"] * 2 ** max(0, attempts - 1)))


def deliver_notifications(platform, now: datetime) -> dict:
    cfg = _cfg(platform.settings)
    channels = enabled_channels(platform.settings)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    while True:
        token = uuid.uuid4().hex
        with platform.uow() as uow:
            session = uow.session
            rows = claim(session, select(NotificationDelivery).where(
                NotificationDelivery.status.in_(("pending", "sending")), NotificationDelivery.next_attempt_at <= now,
                or_(NotificationDelivery.lease_until.is_(None), NotificationDelivery.lease_until <= now))
                .order_by(NotificationDelivery.id), NotificationDelivery)
            if not rows:
                return counts
            batch = []
            for row in rows:
                row.status, row.lease_until, row.lease_owner = "sending", now + timedelta(seconds=cfg["lease"]), token
                row.attempts += 1
                batch.append((row.id, row.channel, message_of(session, session.get(Notification, row.notification_id))))
            uow.commit()

        outcomes = {}
        for delivery_id, name, message in batch:
            channel = channels.get(name)
            try:
                if channel is None:
                    raise RuntimeError(f"kênh «{name}» không còn được bật trong cấu hình")
                channel.send(message)
                outcomes[delivery_id] = None
            except Exception as err:  # noqa: BLE001 - any failure of a channel is retried
                outcomes[delivery_id] = f"{type(err).__name__}: {err}"[:500]
                log.warning("delivery %s of notification %s via %s failed: %s", delivery_id, message["key"],
                            name, type(err).__name__)

        with platform.uow() as uow:
            session = uow.session
            for delivery_id, error in outcomes.items():
                row = session.get(NotificationDelivery, delivery_id)
                if row is None or row.lease_owner != token:
                    continue  # the lease expired and another run took it over
                row.lease_until, row.lease_owner = None, None
                if error is None:
                    row.status, row.sent_at, row.last_error = "sent", now, None
                    counts["sent"] += 1
                elif row.attempts >= cfg["max_attempts"]:
                    row.status, row.last_error = "failed", error
                    counts["failed"] += 1
                else:
                    row.status, row.last_error = "pending", error
                    row.next_attempt_at = now + backoff(cfg, row.attempts)
                    counts["retry"] += 1
            uow.commit()
