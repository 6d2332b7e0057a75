"""One scheduler tick over many open dossiers, through the real database.

    python bench/bench_scheduler.py [--dossiers 20000] [--database-url URL]

Fills a fresh database with N open dossiers, each with one ready step (bench_recompute.fill:
received over 40 days from 02/11/2026, 3 working days each, a 2-day step), then times ticks:
- a quiet tick before anything is due (what every run costs most of the time),
- the tick that finds a day's worth of dossiers due soon and overdue (flags, drafts, events,
  notifications, late-handling records),
- the same instant again (nothing left: what repeated runs and a second process cost).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from bench.bench_recompute import fill  # noqa: E402
from motcua.clock import VN_TZ, Clock  # noqa: E402
from motcua.config import load_settings  # noqa: E402
from motcua.db.migrate import upgrade  # noqa: E402
from motcua.db.models import Event, Notification  # noqa: E402
from motcua.platform import build_platform  # noqa: E402
from scheduler.jobs import tick  # noqa: E402


def timed(platform, instant: datetime) -> tuple[float, dict]:
    started = time.perf_counter()
    result = tick(platform, instant)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    settings = load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"})
    clock = Clock()
    clock.freeze(datetime(2026, 11, 2, 7, 0, tzinfo=VN_TZ))
    platform = build_platform(settings, clock=clock)
    upgrade(platform.session_factory.kw["bind"])
    if platform.session_factory.kw["bind"].dialect.name == "postgresql":
        with platform.uow() as uow:
            tables = uow.session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                              "AND tablename <> 'alembic_version'")).all()
            uow.session.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            uow.commit()
    fill(platform, args.dossiers)
    print(f"database: {platform.session_factory.kw['bind'].dialect.name}; {args.dossiers} open dossiers")

    quiet, _ = timed(platform, datetime(2026, 11, 2, 7, 0, tzinfo=VN_TZ))
    busy, result = timed(platform, datetime(2026, 11, 5, 9, 0, tzinfo=VN_TZ))
    again, _ = timed(platform, datetime(2026, 11, 5, 9, 0, tzinfo=VN_TZ))
    with platform.uow() as uow:
        events = uow.session.scalar(select(func.count(Event.id)))
        notes = uow.session.scalar(select(func.count(Notification.id)))
    d = result["deadlines"]
    print(f"quiet tick (nothing due): {quiet:.2f} s")
    print(f"busy tick: {busy:.2f} s — {d['apology_required']} apology drafts, {d['overdue']} dossiers and "
          f"{d['steps_overdue']} steps overdue; {events} events, {notes} notifications written")
    print(f"same instant again (nothing left): {again:.2f} s")


if __name__ == "__main__":
    main()
