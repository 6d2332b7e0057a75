"""The platform's one clock.

Everything that needs "now" asks a Clock, so tests and simulations can set or move time:
the legal deadlines, the scheduler, token expiry and SpiffWorkflow's timers all read it.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as Vietnamese time."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    return value


class Clock:
    """Real time, optionally started at another instant and running on from there."""

    def __init__(self, start: datetime | None = None):
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen: datetime | None = None
        if start is not None:
            self.start_at(start)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen is not None:
                return self._frozen.astimezone(VN_TZ)
            return (datetime.now(timezone.utc) + self._offset).astimezone(VN_TZ)

    def start_at(self, instant: datetime) -> None:
        """Run from `instant` on, at the real pace."""
        with self._lock:
            self._frozen = None
            self._offset = instant - datetime.now(timezone.utc)

    def freeze(self, instant: datetime) -> None:
        """Stop the clock at `instant` (tests, replay)."""
        with self._lock:
            self._frozen = instant

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen = self._frozen + delta
            else:
                self._offset += delta

    def monotonic(self) -> float:
        return time.monotonic()


_clock = Clock()


def get_clock() -> Clock:
    return _clock


def now() -> datetime:
    return _clock.now()
