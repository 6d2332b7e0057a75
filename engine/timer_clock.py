"""SpiffWorkflow's timers read `datetime.now()` directly; this points them at the platform clock.

SpiffWorkflow 3.2 has no clock hook, so the timer module's `datetime` name is replaced by a
subclass whose `now()` asks our clock: tests, simulations and replay then move timers too.

Two sources, first match wins:
- a per-context override (`frozen_at(instant)`, `following(now)`): a `ContextVar`, so each thread
  (each request, each replay) sees only its own. Replay freezes time at every recorded event
  without moving the clock that live requests in other threads read;
- the process-wide clock given to `install_clock` (the platform's Clock).

SpiffWorkflow also walks a duration month by month (`P99999999999Y` would hold the server for
hours): `_bound_durations` refuses durations longer than `limits.timer_max_years` first.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Callable, Iterator

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # noqa: E731
_override: ContextVar[Callable[[], datetime] | None] = ContextVar("motcua_timer_clock", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        source = _override.get() or _now
        value = source()
        return value.astimezone(tz) if tz is not None else value.replace(tzinfo=None)


def _bounded(original):
    def walk(parsed_duration, *args, **kwargs):
        from engine import limits
        from engine.script_guards import ScriptRefused
        cap = limits.current().timer_max_years
        years = parsed_duration.get("years", 0) or 0
        months = parsed_duration.get("months", 0) or 0
        days = parsed_duration.get("days", 0) or 0
        try:
            total_years = abs(float(years)) + abs(float(months)) / 12 + abs(float(days)) / 365
        except (TypeError, ValueError):
            total_years = float("inf")
        if not total_years <= cap:
            raise ScriptRefused(f"Thời hạn của bộ hẹn giờ quá dài (tối đa {cap:g} năm).")
        return original(parsed_duration, *args, **kwargs)
    walk.__wrapped__ = original
    return walk


def install_bounds() -> None:
    """Refuse absurd timer durations before SpiffWorkflow walks them (idempotent)."""
    cls = _timer_module.TimerEventDefinition
    for name in ("get_timedelta_from_start", "get_timedelta_from_end"):
        current = cls.__dict__[name].__func__
        if not hasattr(current, "__wrapped__"):
            setattr(cls, name, staticmethod(_bounded(current)))


def _patch() -> None:
    _timer_module.datetime = _ClockedDatetime
    install_bounds()


def install_clock(now: Callable[[], datetime]) -> None:
    global _now
    _now = now
    _patch()


def current_now() -> datetime:
    """What SpiffWorkflow's timers see as "now" in this context."""
    return (_override.get() or _now)()


@contextmanager
def following(now: Callable[[], datetime]) -> Iterator[None]:
    """Timers in this context (thread, task) read `now()` instead of the platform clock."""
    _patch()
    token = _override.set(now)
    try:
        yield
    finally:
        _override.reset(token)


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Timers in this context see time stopped at `instant` (an aware datetime)."""
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    with following(lambda: instant):
        yield
