"""What every use case needs: settings, the clock and the unit of work (cosmicpython's bootstrap)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import sessionmaker

from engine import timers
from motcua.clock import Clock, get_clock, parse_instant
from motcua.config import Settings
from motcua.db.session import UnitOfWork, make_engine, make_session_factory


@dataclass
class Platform:
    settings: Settings
    clock: Clock
    session_factory: sessionmaker
    state: dict = field(default_factory=dict)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, readonly=readonly)

    def now(self):
        return self.clock.now()

    @property
    def limits(self) -> dict:
        return self.settings.limits


def build_platform(settings: Settings, *, engine=None, clock: Clock | None = None) -> Platform:
    clock = clock or get_clock()
    if settings.clock_start:
        clock.start_at(parse_instant(settings.clock_start))
    timers.install_clock(clock.now)
    engine = engine or make_engine(settings.database_url)
    return Platform(settings=settings, clock=clock, session_factory=make_session_factory(engine))
