"""What every use case needs: settings, the clock and the unit of work (cosmicpython's bootstrap).

It also refuses to start a production process that is not set up as production (issue 11 item 7):
a secret key that is missing, empty, short or the development default.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy.orm import sessionmaker

from engine import limits as engine_limits, timer_clock
from motcua.clock import Clock, get_clock, parse_instant
from motcua.config import ConfigError, Settings
from motcua.db.session import UnitOfWork, make_engine, make_session_factory

DEV_SECRET = "dev-secret-change-me"  # config.py's default: never good enough for production


class ReadIntentUnitOfWork(UnitOfWork):
    """The unit of work of a request that only reads (GET): on SQLite its transaction starts with a
    plain BEGIN and takes no write lock, so one slow read never makes other users wait (issue 11
    item 1). Committing stays possible, for the rare read that records something, but such a use
    case should ask for `uow(write=True)`, which starts a writer's transaction at once."""

    def __init__(self, session_factory):
        super().__init__(session_factory, readonly=True)

    def commit(self) -> None:
        self.session.commit()


@dataclass
class Platform:
    settings: Settings
    clock: Clock
    session_factory: sessionmaker
    state: dict = field(default_factory=dict)
    # Set by the API: true while serving a request that only reads (GET, HEAD).
    read_intent: Callable[[], bool] = field(default=lambda: False)

    def uow(self, *, readonly: bool = False, write: bool = False) -> UnitOfWork:
        if readonly:
            return UnitOfWork(self.session_factory, readonly=True)
        if not write and self.read_intent():
            return ReadIntentUnitOfWork(self.session_factory)
        return UnitOfWork(self.session_factory)

    def now(self):
        return self.clock.now()

    @property
    def limits(self) -> dict:
        return self.settings.limits


def check_startup(settings: Settings) -> None:
    """Refuse settings that would make a production process unsafe."""
    key = settings.secret_key or ""
    if not key.strip():
        raise ConfigError("MOTCUA_SECRET_KEY không được để trống.")
    if settings.env == "production":
        minimum = int(settings.section("security")["secret_key_min_length"])
        if key == DEV_SECRET:
            raise ConfigError("MOTCUA_SECRET_KEY đang là giá trị mặc định dùng khi phát triển; "
                              "hãy đặt một khóa bí mật ngẫu nhiên khi MOTCUA_ENV=production.")
        if len(key) < minimum:
            raise ConfigError(f"MOTCUA_SECRET_KEY quá ngắn: cần ít nhất {minimum} ký tự khi MOTCUA_ENV=production "
                              "(ví dụ: python -c 'import secrets; print(secrets.token_urlsafe(48))').")


def build_platform(settings: Settings, *, engine=None, clock: Clock | None = None) -> Platform:
    check_startup(settings)
    clock = clock or get_clock()
    if settings.clock_start:
        clock.start_at(parse_instant(settings.clock_start))
    timer_clock.install_clock(clock.now)
    engine_limits.configure(settings.limits)  # the script workers' OS limits, loop caps, timer bounds
    engine = engine or make_engine(settings.database_url)
    return Platform(settings=settings, clock=clock, session_factory=make_session_factory(engine))
