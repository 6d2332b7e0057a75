"""A small per-client limit for the public pages (per process; put a proxy limit in front in production)."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from motcua.errors import TooManyRequests


class RateLimiter:
    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] > 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                raise TooManyRequests("Tra cứu quá nhiều lần; vui lòng thử lại sau một phút.",
                                      extra={"retry_after": int(60 - (now - hits[0])) + 1})
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory under a flood of addresses
                self._hits.clear()
