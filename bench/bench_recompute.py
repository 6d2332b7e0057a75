"""Recomputing every open due time after a calendar override, through the real database.

    python bench/bench_recompute.py [--dossiers 100000] [--database-url URL]

Fills a fresh database with N open dossiers (each with one ready step) computed on the current
calendar, then times the admin use case "add an override" (which recomputes all of them and
records the change), against a baseline measured in the same run: one bulk UPDATE of the same
rows' due times, i.e. what the database itself needs to write that much.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, insert, select, text, update  # noqa: E402

from bench.common import add_database_flags, databases, table  # noqa: E402
from engine.package import load_package_dir  # noqa: E402
from motcua.access import Actor  # noqa: E402
from motcua.clock import VN_TZ, Clock  # noqa: E402
from motcua.config import ROOT, load_settings  # noqa: E402
from motcua.db.migrate import upgrade  # noqa: E402
from motcua.db.models import Dossier, Office, ProcedureVersion, ProcessInstance, StepRow  # noqa: E402
from motcua.legal_clock import deadlines  # noqa: E402
from motcua.platform import build_platform  # noqa: E402
from motcua.seed import seed_people  # noqa: E402
from motcua.services.calendar_admin import add_override  # noqa: E402
from motcua.services.office_calendars import calendar_for, hours_for  # noqa: E402
from motcua.services.procedures import compile_or_reject, store_version  # noqa: E402


def fill(platform, count: int) -> None:
    from datetime import datetime
    with platform.uow() as uow:
        s = uow.session
        seed_people(s, platform.now())
        compiled = compile_or_reject(platform, load_package_dir(ROOT / "tests" / "fixtures" / "simple"))
        version = store_version(s, compiled, None, platform.now())
        office = s.scalar(select(Office).where(Office.code == "UBND.MINHXUAN"))
        cal, hours = calendar_for(s, platform.settings, office), hours_for(platform.settings, office)
        uow.commit()
    rnd = random.Random(7)
    base = datetime(2026, 11, 2, 7, 30, tzinfo=VN_TZ)
    batch = 5000
    for first in range(0, count, batch):
        dossiers, instances, tasks = [], [], []
        for i in range(first, min(count, first + batch)):
            received = base + timedelta(days=rnd.randint(0, 40), minutes=rnd.randint(0, 600))
            start = deadlines.clock_start(cal, hours, received)
            due = deadlines.due_at(cal, hours, start, 3)
            dossiers.append(dict(id=i + 1, code=f"B-{i:07d}", procedure_version_id=version.id, status="processing",
                                 channel="online", receiving_office_id=office.id, competent_office_id=office.id,
                                 applicant={}, phone4="0000", data={}, documents=[], received_at=received,
                                 clock_start=start, due_at=due, due_calendar=cal.fingerprint, supplement_count=0,
                                 overdue=False, apology_required=False, last_event_seq=0,
                                 last_event_hash="0" * 64, version=1))
            instances.append(dict(id=i + 1, dossier_id=i + 1, procedure_version_id=version.id, state="",
                                  status="running", updated_at=received, version=1))
            tasks.append(dict(id=f"t-{i:07d}", instance_id=i + 1, dossier_id=i + 1, bpmn_id="appraise",
                              name="Thẩm định", lane="specialist", role="specialist", office_id=office.id,
                              allotment_days="2", form=None, pause_clock=False, state="ready", ready_at=start,
                              due_at=deadlines.due_at(cal, hours, start, 2), due_calendar=cal.fingerprint,
                              overdue=False, version=1))
        with platform.uow() as uow:
            uow.session.execute(insert(Dossier), dossiers)
            uow.session.execute(insert(ProcessInstance), instances)
            uow.session.execute(insert(StepRow), tasks)
            uow.commit()


def baseline(platform) -> float:
    """One bulk UPDATE of every open dossier's and step's due time: the database's own cost."""
    with platform.uow() as uow:
        s = uow.session
        ids = [(r.id, r.due_at) for r in s.execute(select(Dossier.id, Dossier.due_at))]
        tids = [(r.id, r.due_at) for r in s.execute(select(StepRow.id, StepRow.due_at))]
        started = time.perf_counter()
        t = Dossier.__table__
        s.connection().execute(update(t).where(t.c.id == bindparam("b_id")).values(
            due_at=bindparam("b_due", type_=t.c.due_at.type)), [{"b_id": i, "b_due": d} for i, d in ids])
        tt = StepRow.__table__
        s.connection().execute(update(tt).where(tt.c.id == bindparam("b_id")).values(
            due_at=bindparam("b_due", type_=tt.c.due_at.type)), [{"b_id": i, "b_due": d} for i, d in tids])
        uow.commit()
        return time.perf_counter() - started


def measure(url: str, n: int) -> dict:
    settings = load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"})
    clock = Clock()
    clock.freeze(__import__("datetime").datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ))
    platform = build_platform(settings, clock=clock)
    upgrade(platform.session_factory.kw["bind"])
    started = time.perf_counter()
    fill(platform, n)
    filled = time.perf_counter() - started
    base = baseline(platform)
    admin = Actor(user_id=None, username="bench", office_id=None, office_code=None, roles=frozenset({"admin"}))
    started = time.perf_counter()
    result = add_override(platform, admin, day=date(2026, 12, 4), kind="day_off", name="Nghỉ (bench)",
                          office_code=None)
    elapsed = time.perf_counter() - started
    platform.session_factory.kw["bind"].dispose()
    return {"fill": filled, "base": base, "override": elapsed, "moved": result["recomputed"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="one database only (instead of SQLite + PostgreSQL)")
    add_database_flags(parser)
    args = parser.parse_args()
    targets = [("given", args.database_url)] if args.database_url else databases(args)
    rows = []
    for label, url in targets:
        f = measure(url, args.dossiers)
        rows.append([label, f"{f['fill']:.0f} s", f"{f['base']:.2f}", f"{f['override']:.2f}",
                     f"{f['override'] / f['base']:.2f}×", f"{f['moved']:,}",
                     "yes" if f["override"] < 2 else "no"])
    print(table(f"bench_recompute: an override (04/12/2026 off) over {args.dossiers:,} open dossiers, same run",
                ["database", "fill", "baseline bulk UPDATE s", "override s", "override / baseline",
                 "moved and recorded", "< 2 s"], rows))


if __name__ == "__main__":
    main()
