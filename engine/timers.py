"""SpiffWorkflow's timers read `datetime.now()` directly; this points them at the platform clock.

SpiffWorkflow 3.2 has no clock hook, so the timer module's `datetime` name is replaced by a
subclass whose `now()` asks our clock: tests, simulations and replay then move timers too.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # noqa: E731


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        value = _now()
        return value.astimezone(tz) if tz is not None else value.replace(tzinfo=None)


def install_clock(now: Callable[[], datetime]) -> None:
    global _now
    _now = now
    _timer_module.datetime = _ClockedDatetime
