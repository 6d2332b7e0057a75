"""Issue 16.2: an override recomputes open due times set-based where the day cannot matter.

Due times whose span (receipt, or a step's ready time, to the due time) does not hold the changed
day keep their value and only take the new calendar's fingerprint, in SQL; the others go through
the core. Checked against the legal clock computed independently for every open dossier and step.
"""
from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from motcua.access import Actor
from motcua.db.models import Dossier, Event, Office, StepRow
from motcua.legal_clock import deadlines
from motcua.services.calendar_admin import add_override, remove_override
from motcua.services.office_calendars import calendar_for, hours_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.bench_recompute import fill  # noqa: E402  (N open dossiers of 3 working days, a 2-day step each)

ADMIN = Actor(user_id=None, username="admin", office_id=None, office_code=None, roles=frozenset({"admin"}))


def expected(platform):
    """Every open dossier's and ready step's due time on the calendar in force, from scratch."""
    with platform.uow(readonly=True) as uow:
        s = uow.session
        office = s.scalar(select(Office).where(Office.code == "UBND.MINHXUAN"))
        cal, hours = calendar_for(s, platform.settings, office), hours_for(platform.settings, office)
        dossiers = {d.id: (deadlines.clock_start(cal, hours, d.received_at),
                           deadlines.due_at(cal, hours, deadlines.clock_start(cal, hours, d.received_at), Decimal(3)),
                           cal.fingerprint) for d in s.scalars(select(Dossier))}
        steps = {t.id: (deadlines.due_at(cal, hours, deadlines.clock_start(cal, hours, t.ready_at), Decimal(2)),
                        cal.fingerprint) for t in s.scalars(select(StepRow))}
        stored_d = {d.id: (d.clock_start, d.due_at, d.due_calendar) for d in s.scalars(select(Dossier))}
        stored_t = {t.id: (t.due_at, t.due_calendar) for t in s.scalars(select(StepRow))}
        moved = s.scalar(select(func.count(Event.id)).where(Event.type == "due_recomputed"))
    return dossiers, steps, stored_d, stored_t, moved


def test_override_in_the_middle_of_many_spans(platform):
    fill(platform, 300)  # received 02/11–12/12/2026
    _, _, before_d, before_t, _ = expected(platform)
    result = add_override(platform, ADMIN, day=date(2026, 12, 4), kind="day_off", name="Nghỉ", office_code=None)
    want_d, want_t, got_d, got_t, moved = expected(platform)
    assert got_d == want_d and got_t == want_t
    changed = {i for i in want_d if want_d[i][1] != before_d[i][1]}
    steps_changed = {i for i in want_t if want_t[i][0] != before_t[i][0]}
    assert changed and len(changed) < len(want_d)  # some spans hold 04/12, most do not
    assert steps_changed
    dossiers_moved = {platform_id for platform_id in changed} | {
        int(t[2:]) + 1 for t in steps_changed}  # task t-NNNNNNN belongs to dossier NNNNNNN + 1
    assert result["recomputed"] == moved == len(dossiers_moved)

    remove_override(platform, ADMIN, result["id"])
    back_d, back_t, got_d, got_t, _ = expected(platform)
    assert got_d == back_d and got_t == back_t
    assert {i: v[:2] for i, v in got_d.items()} == {i: v[:2] for i, v in before_d.items()}
    assert {i: v[0] for i, v in got_t.items()} == {i: v[0] for i, v in before_t.items()}
