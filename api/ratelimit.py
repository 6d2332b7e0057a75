"""A small per-key limit (per process; put a proxy limit in front in production).

Used for the public look-ups (per client address and per dossier code, so that guessing the four
phone digits of one dossier is slow from any number of addresses) and for failed sign-ins.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from motcua.errors import TooManyRequests

WINDOW = 60.0
DEFAULT_MESSAGE = "Tra cứu quá nhiều lần; vui lòng thử lại sau một phút."


class RateLimiter:
    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque:
        hits = self._hits[key]
        while hits and now - hits[0] > WINDOW:
            hits.popleft()
        return hits

    def ensure_allowed(self, key: str, message: str = DEFAULT_MESSAGE) -> None:
        """429 when `key` used up its allowance in the last minute; records nothing."""
        now = time.monotonic()
        with self._lock:
            hits = self._prune(key, now)
            if len(hits) >= self.per_minute:
                raise TooManyRequests(message, extra={"retry_after": int(WINDOW - (now - hits[0])) + 1})

    def record(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 100_000:  # bound memory under a flood of addresses
                self._hits.clear()
            self._prune(key, now).append(now)

    def check(self, key: str, message: str = DEFAULT_MESSAGE) -> None:
        """429 when over the limit, else count this hit."""
        now = time.monotonic()
        with self._lock:
            hits = self._prune(key, now)
            if len(hits) >= self.per_minute:
                raise TooManyRequests(message, extra={"retry_after": int(WINDOW - (now - hits[0])) + 1})
            if len(self._hits) > 100_000:
                self._hits.clear()
                hits = self._hits[key]
            hits.append(now)
