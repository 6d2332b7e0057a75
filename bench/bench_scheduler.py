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
from bench.common import add_database_flags, databases, table  # noqa: E402
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


def measure(url: str, n: int) -> dict:
    settings = load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"})
    clock = Clock()
    clock.freeze(datetime(2026, 11, 2, 7, 0, tzinfo=VN_TZ))
    platform = build_platform(settings, clock=clock)
    upgrade(platform.session_factory.kw["bind"])
    fill(platform, n)
    quiet, _ = timed(platform, datetime(2026, 11, 2, 7, 0, tzinfo=VN_TZ))
    busy, result = timed(platform, datetime(2026, 11, 5, 9, 0, tzinfo=VN_TZ))
    again, _ = timed(platform, datetime(2026, 11, 5, 9, 0, tzinfo=VN_TZ))
    with platform.uow() as uow:
        events = uow.session.scalar(select(func.count(Event.id)))
        notes = uow.session.scalar(select(func.count(Notification.id)))
        # baseline, same run: the database writing as many rows as the tick wrote (events and
        # notifications), one committed transaction per hundred rows
        uow.session.execute(text("CREATE TABLE IF NOT EXISTS bench_rows (v TEXT)"))
        uow.commit()
    rows = [{"v": "x" * 200} for _ in range(max(1, events + notes))]
    started = time.perf_counter()
    for i in range(0, len(rows), 100):
        with platform.uow() as uow:
            uow.session.execute(text("INSERT INTO bench_rows (v) VALUES (:v)"), rows[i:i + 100])
            uow.commit()
    base = time.perf_counter() - started
    platform.session_factory.kw["bind"].dispose()
    d = result["deadlines"]
    return {"quiet": quiet, "busy": busy, "again": again, "events": events, "notes": notes, "base": base,
            "overdue": d["overdue"], "steps_overdue": d["steps_overdue"], "drafts": d["apology_required"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--database-url", default=None, help="one database only (instead of SQLite + PostgreSQL)")
    add_database_flags(parser)
    args = parser.parse_args()
    targets = [("given", args.database_url)] if args.database_url else databases(args)
    rows = []
    for label, url in targets:
        f = measure(url, args.dossiers)
        rows.append([label, f"{f['quiet']:.2f}", f"{f['busy']:.2f}", f"{f['again']:.2f}",
                     f"{f['events']:,} / {f['notes']:,}", f"{f['base']:.3f}", f"{f['busy'] / f['base']:.0f}×"])
    print(table(f"bench_scheduler: a tick over {args.dossiers:,} open dossiers (one ready step each), same run",
                ["database", "quiet tick s", "busy tick s", "same instant again s", "events / notifications",
                 "baseline: write as many rows s", "busy / baseline"], rows))


if __name__ == "__main__":
    main()
