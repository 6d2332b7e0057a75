"""The 766 index over a province-year of dossiers, through the real database.

    python bench/bench_index766.py [--dossiers 250000] [--pg URL | --no-pg]

Fills a fresh database with N dossiers received over 2026 at the demo offices (a province is
~250,000 a year): each with its clock start and appointment from the legal clock, most finished
(some late), the last weeks still open. Then times, on SQLite and on PostgreSQL when reachable:
- the province's index for one month (June: its own dossiers and those carried over);
- the twelve months of the year, one after the other (what a yearly review computes);
against a baseline measured in the same run: one SELECT of the month's population with the
columns the index reads (what the database itself needs to hand the rows over).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, or_, select  # noqa: E402

from bench.common import add_database_flags, databases, table  # noqa: E402
from engine.package import load_package_dir  # noqa: E402
from motcua.clock import VN_TZ, Clock  # noqa: E402
from motcua.config import ROOT, load_settings  # noqa: E402
from motcua.db.migrate import upgrade  # noqa: E402
from motcua.db.models import Dossier, Office  # noqa: E402
from motcua.legal_clock import deadlines  # noqa: E402
from motcua.platform import build_platform  # noqa: E402
from motcua.seed import seed_people  # noqa: E402
from motcua.services.index766 import index766  # noqa: E402
from motcua.services.office_calendars import calendar_for, hours_for  # noqa: E402
from motcua.services.procedures import compile_or_reject, store_version  # noqa: E402
from motcua.services.report_scope import month_range  # noqa: E402

YEAR = 2026
CHANNELS = ("online", "direct", "online", "postal")


def fill(platform, count: int) -> None:
    with platform.uow() as uow:
        s = uow.session
        seed_people(s, platform.now())
        compiled = compile_or_reject(platform, load_package_dir(ROOT / "tests" / "fixtures" / "simple"))
        version_id = store_version(s, compiled, None, platform.now()).id
        offices = [(o.id, calendar_for(s, platform.settings, o), hours_for(platform.settings, o))
                   for o in s.scalars(select(Office).where(Office.code.like("UBND.%")))]
        uow.commit()
    rnd = random.Random(766)
    first = datetime(YEAR, 1, 2, 7, 30, tzinfo=VN_TZ)
    span = (datetime(YEAR, 12, 31, 17, 0, tzinfo=VN_TZ) - first).total_seconds()
    cut = datetime(YEAR, 12, 15, tzinfo=VN_TZ)
    batch = 5000
    for lo in range(0, count, batch):
        rows = []
        for i in range(lo, min(count, lo + batch)):
            office_id, cal, hours = offices[i % len(offices)]
            received = first + timedelta(seconds=rnd.random() * span)
            start = deadlines.clock_start(cal, hours, received)
            due = deadlines.due_at(cal, hours, start, Decimal(3))
            took = timedelta(hours=rnd.choice((4, 20, 50, 70, 75, 120, 200)))
            finished = start + took if start + took < cut else None
            rows.append(dict(
                code=f"BENCH-{i:07d}", procedure_version_id=version_id,
                status="done" if finished else "processing", channel=CHANNELS[i % 4], receiving_office_id=office_id,
                competent_office_id=office_id, applicant={}, phone4="0000", data={}, documents=[],
                received_at=received, clock_start=start, due_at=due, due_calendar=cal.fingerprint,
                finished_at=finished, supplement_count=0, overdue=False, apology_required=False,
                last_event_seq=0, last_event_hash="0" * 64, version=1))
        with platform.uow() as uow:
            uow.session.execute(insert(Dossier), rows)
            uow.commit()


def baseline(platform, month: int) -> float:
    start, end = month_range(YEAR, month)
    started = time.perf_counter()
    with platform.uow(readonly=True) as uow:
        uow.session.execute(select(
            Dossier.id, Dossier.receiving_office_id, Dossier.clock_start, Dossier.due_at, Dossier.finished_at,
            Dossier.apology, Dossier.supplement_count).where(
            Dossier.received_at < end, or_(Dossier.finished_at.is_(None), Dossier.finished_at >= start))).all()
    return time.perf_counter() - started


def one_month(platform, month: int) -> tuple[float, dict]:
    started = time.perf_counter()
    with platform.uow(readonly=True) as uow:
        result = index766(uow.session, platform.settings, None, YEAR, month, month_range(YEAR, month)[1])
    return time.perf_counter() - started, result


def measure(url: str, n: int) -> dict:
    clock = Clock()
    clock.freeze(datetime(YEAR + 1, 1, 5, 8, 0, tzinfo=VN_TZ))
    platform = build_platform(load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"}), clock=clock)
    upgrade(platform.session_factory.kw["bind"])
    started = time.perf_counter()
    fill(platform, n)
    filled = time.perf_counter() - started
    one_month(platform, 1)  # warm-up (calendars, holidays of the year)
    base = min(baseline(platform, 6) for _ in range(3))
    june, result = min((one_month(platform, 6) for _ in range(3)), key=lambda r: r[0])
    started = time.perf_counter()
    for month in range(1, 13):
        one_month(platform, month)
    year = time.perf_counter() - started
    platform.session_factory.kw["bind"].dispose()
    return {"fill": filled, "base": base, "june": june, "year": year, "handled": result["figures"]["handled"],
            "total": result["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=250_000)
    add_database_flags(parser)
    args = parser.parse_args()
    rows = []
    for label, url in databases(args):
        f = measure(url, args.dossiers)
        rows.append([label, f"{f['fill']:.0f} s", f"{f['handled']:,}", f"{f['base']:.3f}", f"{f['june']:.3f}",
                     f"{f['june'] / f['base']:.1f}×", f"{f['year']:.2f}", "yes" if f["year"] < 2 else "no"])
    print(table(f"bench_index766: {args.dossiers:,} dossiers received in {YEAR} (the province's index), same run",
                ["database", "fill", "June's population", "baseline SELECT s", "one month s", "month / baseline",
                 "12 months s", "year < 2 s"], rows))


if __name__ == "__main__":
    main()
