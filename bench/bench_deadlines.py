"""Benchmark of the legal clock: deadlines per second, and a full recompute after an override.

Run: python bench/bench_deadlines.py [--n 100000]

Why: when a province announces a day off, every open dossier's due time must be recomputed
(~100k open deadlines for a big province). Target: under 2 s on one core. Figures are compared
with a naive ``datetime + timedelta`` loop of the same count measured in the same run, so the
ratio says something on any machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from motcua.legal_clock import OfficeHours, Override, WorkingCalendar, clock_start, due_at  # noqa: E402

ICT = dt.timezone(dt.timedelta(hours=7))


def _receipts(n: int, seed: int = 7) -> list[dt.datetime]:
    """Receipts spread over 2025–2027, minute resolution, many outside office hours."""
    rnd = random.Random(seed)
    base = dt.datetime(2025, 1, 1, tzinfo=ICT)
    return [base + dt.timedelta(minutes=rnd.randrange(3 * 365 * 24 * 60)) for _ in range(n)]


def _baseline(starts: list[dt.datetime], days: int) -> float:
    """Seconds for a naive ``start + timedelta(days)`` over the same inputs."""
    delta = dt.timedelta(days=days)
    t = time.perf_counter()
    for s in starts:
        s + delta
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="deadlines per measurement")
    args = ap.parse_args()
    n = args.n

    hours = OfficeHours()
    cal = WorkingCalendar()
    receipts = _receipts(n)
    t = time.perf_counter()
    starts = [clock_start(cal, hours, r) for r in receipts]
    t_start = time.perf_counter() - t
    print(f"clock_start: {n / t_start:,.0f}/s ({n} receipts)")

    print(f"{'span (working days)':>20} {'deadlines/s':>14} {'naive +timedelta/s':>20} {'ratio':>8}")
    for days in (1, 5, 15, 30, 60):
        due_at(cal, hours, starts[0], days)  # warm the per-year tables
        t = time.perf_counter()
        for s in starts:
            due_at(cal, hours, s, days)
        elapsed = time.perf_counter() - t
        base = _baseline(starts, days)
        print(f"{days:>20} {n / elapsed:>14,.0f} {n / base:>20,.0f} {elapsed / base:>7.1f}x")

    # 100k open deadlines with mixed allotments, then a province announces a day off:
    # build the new calendar (its per-year tables are empty) and recompute everything.
    rnd = random.Random(11)
    allotments = [rnd.choice((Decimal("0.25"), Decimal("0.5"), 1, 3, 5, 12, 15, 30, 60)) for _ in starts]
    before = [due_at(cal, hours, s, d) for s, d in zip(starts, allotments)]
    t = time.perf_counter()
    changed = WorkingCalendar([Override(dt.date(2026, 3, 4), "day_off", "Nghỉ theo thông báo của tỉnh")])
    after = [due_at(changed, hours, s, d) for s, d in zip(starts, allotments)]
    recompute = time.perf_counter() - t
    moved = sum(a != b for a, b in zip(before, after))
    t = time.perf_counter()
    for s, d in zip(starts, allotments):
        s + dt.timedelta(days=int(d))
    base = time.perf_counter() - t
    verdict = "OK" if recompute < 2.0 else "TOO SLOW"
    print(
        f"recompute {n} open deadlines after an override change: {recompute:.3f} s "
        f"(target < 2 s: {verdict}; {moved} due times moved; naive loop {base:.3f} s, ratio {recompute / base:.1f}x)"
    )


if __name__ == "__main__":
    main()
