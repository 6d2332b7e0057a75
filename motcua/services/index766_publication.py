"""Indicators 1.1–1.3 of the 766 index from the procedures' publication data (engine.publication).

domain.md ("The 766 index", group 1), as measured here:

- 1.1 procedures published on time: among the procedures the scope decides whose publication
  decision is dated in the period, those whose decision is dated at least `working_days` (5) working
  days before their legal basis takes effect: decision date ≤ the day reached by stepping back 5
  working days from the effective date (effective Tuesday 1/7/2025 → Tuesday 24/6/2025 at the latest);
- 1.2 procedures updated on the national database on time: the same population; the update date is
  at most `working_days` working days after the decision (decision Friday 20/6/2025 → Friday 27/6 at
  the latest). As of the period's end, like 2.1: not yet updated but still within the time counts as
  on time; not updated and past the time counts as late; an update after the period's end is ignored;
- 1.3 procedures published with all seven parts: among the procedures the scope decides (the latest
  version published before the period's end, like 3.1), those with a publication decision and every
  one of the seven parts (derived from the package or declared; engine.publication.parts).

Working days are the competent office's legal calendar (holidays, swaps, overrides). Counting the
period by the decision's date, and the "step back / step forward" convention, are our reading of
the national formula (chưa kiểm chứng).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from engine.publication import complete
from motcua.db.models import Office
from motcua.legal_clock.deadlines import to_local
from motcua.services.office_calendars import calendar_for

DEFAULT_WORKING_DAYS = 5


def step_working_days(cal, day: dt.date, n: int) -> dt.date:
    """The day `n` working days after `day` (n > 0) or before it (n < 0)."""
    step = dt.timedelta(days=1 if n > 0 else -1)
    left = abs(n)
    while left:
        day += step
        if cal.is_working_day(day):
            left -= 1
    return day


def _working_days(settings, code: str) -> int:
    """The indicator's `working_days` in config.yaml (`index766`), 5 when a deployment drops it."""
    for group in settings.section("index766").get("groups") or []:
        for ind in group["indicators"]:
            if str(ind["code"]) == code:
                return int(ind.get("working_days", DEFAULT_WORKING_DAYS))
    return DEFAULT_WORKING_DAYS


class _Calendars:
    def __init__(self, session, settings):
        self.session, self.settings, self.cache = session, settings, {}

    def __call__(self, code: str):
        if code not in self.cache:
            office = self.session.scalar(select(Office).where(Office.code == code))
            self.cache[code] = calendar_for(self.session, self.settings, office)
        return self.cache[code]


def decided_in_period(ctx) -> list[tuple[dict, dict]]:
    """(manifest, publication) of the scope's procedures whose decision is dated in the period."""
    first, last = to_local(ctx.start).date(), to_local(ctx.cut).date()  # [first, last)
    out = []
    for *_, manifest in ctx.catalogue:
        pub = manifest.get("publication") or {}
        if pub.get("decision_date") and first <= dt.date.fromisoformat(pub["decision_date"]) < last:
            out.append((manifest, pub))
    return out


def published_on_time(ctx) -> tuple[int, int]:
    n = _working_days(ctx.settings, "1.1")
    cals = _Calendars(ctx.session, ctx.settings)
    rows = decided_in_period(ctx)
    on_time = 0
    for manifest, pub in rows:
        latest = step_working_days(cals(manifest["competent_office"]),
                                   dt.date.fromisoformat(pub["legal_basis_effective"]), -n)
        on_time += dt.date.fromisoformat(pub["decision_date"]) <= latest
    return on_time, len(rows)


def updated_on_time(ctx) -> tuple[int, int]:
    n = _working_days(ctx.settings, "1.2")
    cals = _Calendars(ctx.session, ctx.settings)
    today = to_local(ctx.cut).date()  # the period's end: later updates are not known yet
    rows = decided_in_period(ctx)
    on_time = 0
    for manifest, pub in rows:
        limit = step_working_days(cals(manifest["competent_office"]), dt.date.fromisoformat(pub["decision_date"]), n)
        updated = pub.get("national_updated")
        updated = dt.date.fromisoformat(updated) if updated else None
        if updated is not None and updated >= today:
            updated = None
        on_time += (updated <= limit) if updated is not None else (today <= limit)
    return on_time, len(rows)


def published_complete(ctx) -> tuple[int, int]:
    catalogue = ctx.catalogue
    return sum(1 for *_, m in catalogue if complete(m)), len(catalogue)
