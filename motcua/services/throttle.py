"""Rate limits and sign-in throttles, counted in the database.

Why the database: the API runs as several worker processes on one PostgreSQL (and SQLite is one
file); a count kept in one process's memory is multiplied by the number of workers and forgotten at
every restart. Each counter is one row of `security_throttles`, changed in a short write
transaction of its own (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so the count is exact
across processes.

Two kinds of counter share the table:
- a window: at most `limit` hits per `window_seconds` (fixed windows);
- a backoff: after `free` consecutive failures every further failure doubles a delay (from
  `base_seconds` up to `max_seconds`) during which the subject is refused without any work.

Subjects (addresses, user names, dossier codes) are stored only as keyed digests (HMAC with the
secret key), never in clear.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from motcua.db.models import SecurityThrottle
from motcua.errors import TooManyRequests

security_log = logging.getLogger("motcua.security")
RETENTION = timedelta(days=2)  # a row untouched this long is forgotten (every window and delay is shorter)


@dataclass(frozen=True)
class Window:
    scope: str
    limit: int
    window_seconds: int
    message: str


@dataclass(frozen=True)
class Backoff:
    scope: str
    free: int
    base_seconds: int
    max_seconds: int
    message: str

    def delay(self, failures: int) -> int:
        """Seconds refused after the `failures`-th consecutive failure (0 while still free)."""
        if failures < self.free:
            return 0
        return min(self.max_seconds, self.base_seconds * 2 ** min(failures - self.free, 30))


def digest(platform, scope: str, subject: str) -> str:
    key = (platform.settings.secret_key or "").encode("utf-8")
    return hmac.new(key, f"{scope}\x00{subject}".encode("utf-8"), hashlib.sha256).hexdigest()


def _seconds(delta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _refuse(scope: str, message: str, retry_after: int):
    # the API logs every 429 as a security event (api/security.py); the scope is a detail for debugging
    security_log.debug("rate_limited scope=%s retry_after=%s", scope, retry_after)
    raise TooManyRequests(message, extra={"retry_after": retry_after})


def _insert(session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(SecurityThrottle.__table__)


def _row(session, key: str, scope: str, now) -> SecurityThrottle:
    """The counter row, created when missing, locked for this transaction."""
    created = session.execute(_insert(session).values(
        key=key, scope=scope, window_start=now, hits=0, failures=0, blocked_until=None, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["key"]))
    # a new subject: a good moment to forget the old ones (never this one: some drivers answer -1
    # for an insert that did nothing, and the subject's own old row would vanish under the SELECT)
    if created.rowcount and created.rowcount > 0:
        session.execute(delete(SecurityThrottle).where(SecurityThrottle.updated_at < now - RETENTION,
                                                       SecurityThrottle.key != key))
    return session.scalar(select(SecurityThrottle).where(SecurityThrottle.key == key)
                          .with_for_update().execution_options(populate_existing=True))


def _read(platform, key: str) -> SecurityThrottle | None:
    with platform.uow(readonly=True) as uow:
        return uow.session.get(SecurityThrottle, key)


def window_retry(rule: Window, row: SecurityThrottle | None, now) -> int | None:
    if row is None or rule.limit <= 0:
        return None
    end = row.window_start + timedelta(seconds=rule.window_seconds)
    if now < end and row.hits >= rule.limit:
        return _seconds(end - now)
    return None


def check_window(platform, rule: Window, subject: str) -> None:
    """429 when `subject` used up its allowance in the current window; records nothing."""
    now = platform.now()
    retry = window_retry(rule, _read(platform, digest(platform, rule.scope, subject)), now)
    if retry is not None:
        _refuse(rule.scope, rule.message, retry)


def hit_window(platform, rule: Window, subject: str, *, enforce: bool = True) -> None:
    """Count one hit; with `enforce`, a hit over the limit is refused (429) and not counted."""
    now = platform.now()
    key = digest(platform, rule.scope, subject)
    retry = None
    with platform.uow(write=True) as uow:
        row = _row(uow.session, key, rule.scope, now)
        if now >= row.window_start + timedelta(seconds=rule.window_seconds):
            row.window_start, row.hits = now, 0
        retry = window_retry(rule, row, now) if enforce else None
        if retry is None:
            row.hits += 1
            row.updated_at = now
            uow.commit()
    if retry is not None:
        _refuse(rule.scope, rule.message, retry)


def check_backoff(platform, rule: Backoff, subject: str) -> None:
    """429 while `subject` waits out the delay earned by its failures."""
    now = platform.now()
    row = _read(platform, digest(platform, rule.scope, subject))
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        _refuse(rule.scope, rule.message, _seconds(row.blocked_until - now))


def add_failure(platform, rule: Backoff, subject: str) -> int:
    """Count one failure; returns the delay (seconds) it earned, 0 while failures are still free."""
    now = platform.now()
    with platform.uow(write=True) as uow:
        row = _row(uow.session, digest(platform, rule.scope, subject), rule.scope, now)
        row.failures += 1
        delay = rule.delay(row.failures)
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
        row.updated_at = now
        uow.commit()
    return delay


def clear(platform, scope: str, subject: str) -> None:
    """Forget a subject's counter (a successful sign-in ends the account's run of failures)."""
    key = digest(platform, scope, subject)
    if _read(platform, key) is None:
        return
    with platform.uow(write=True) as uow:
        uow.session.execute(delete(SecurityThrottle).where(SecurityThrottle.key == key))
        uow.commit()
