"""Reports: the 766 service index, the monthly snapshots, and the public list of late handling.

The pieces live in their own modules: report_scope (periods, an office with its children),
index766 (scoring) with index766_indicators and index766_timing (the indicators), report_snapshots
(immutable monthly snapshots and their corrections), register (form 07). This module holds the use
cases the API calls, each in one unit of work.

Stored months are served as stored (the latest revision); a month not stored yet (the current one,
or one the scheduler has not reached) is computed as of now.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from motcua.db.models import Dossier, LateHandling, Office, ProcedureVersion
from motcua.services import report_snapshots as snapshots
from motcua.services.index766 import index766
from motcua.services.report_scope import (  # noqa: F401  (the scheduler's and the API's names)
    month_range, month_text, office_by_code, parse_month, previous_month,
)
from motcua.services.report_snapshots import monthly_key, monthly_report  # noqa: F401


def _stored_or_live(platform, office_code: str | None, month: str | None) -> dict:
    year, mon = parse_month(month, default=platform.now())
    with platform.uow(readonly=True) as uow:
        session = uow.session
        office = office_by_code(session, office_code)
        run = snapshots.latest(session, monthly_key(office, year, mon))
        if run is not None and "measured_max" in (run.figures or {}):
            return snapshots.served(run)
        report = index766(session, platform.settings, office, year, mon, platform.now())
        return {**report, "stored": False, "created_at": None, "snapshot_id": None, "revision": None,
                "corrects_id": None, "reason": None}


def index766_for(platform, actor, office_code: str | None, month: str | None) -> dict:
    """GET /api/v1/reports/index766: the index is published monthly, so any official may read any
    office's. A month the scheduler stored is served from its latest snapshot."""
    return _stored_or_live(platform, office_code, month)


def monthly_for(platform, actor, office_code: str | None, month: str | None) -> dict:
    """GET /api/v1/reports/monthly: the stored monthly report (latest revision), else as of now."""
    return _stored_or_live(platform, office_code, month)


def correct_monthly(platform, actor, office_code: str | None, month: str, reason: str) -> dict:
    """POST /api/v1/reports/monthly/corrections (admin): a new revision of a stored month."""
    actor.require("admin")
    year, mon = parse_month(month)
    with platform.uow() as uow:
        session = uow.session
        office = office_by_code(session, office_code)
        run = snapshots.correct(session, platform.settings, actor, office, year, mon, reason, platform.now())
        result = snapshots.served(run)
        uow.commit()
        return result


# --- the public list of late handling (Directive, seed 002, §1.4) --------------------------------

def late_list(platform, office_code: str | None, month: str | None, page: int, per_page: int):
    """Late dossiers and steps with the officials responsible: names and roles, no citizen data."""
    with platform.uow(readonly=True) as uow:
        session = uow.session
        office = office_by_code(session, office_code)
        query = select(LateHandling, Dossier.code, ProcedureVersion.manifest, Office.code, Office.name).join(
            Dossier, Dossier.id == LateHandling.dossier_id).join(
            ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id).join(
            Office, Office.id == LateHandling.office_id)
        if office is not None:
            query = query.where(LateHandling.office_id == office.id)
        if month:
            start, end = month_range(*parse_month(month))
            query = query.where(LateHandling.due_at >= start, LateHandling.due_at < end)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(query.order_by(LateHandling.due_at.desc(), LateHandling.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
        items = [{"kind": late.kind, "dossier_code": code, "procedure_name": manifest["name"], "step": late.step,
                  "office": office_code_, "office_name": office_name, "due_at": late.due_at,
                  "recorded_at": late.recorded_at,
                  "officials": [{"full_name": o["full_name"], "role": o["role"], "claimed": o.get("claimed", False)}
                                for o in late.officials]}
                 for late, code, manifest, office_code_, office_name in rows]
        return items, total


def first_working_day(cal, year: int, month: int) -> date:
    return cal.working_day_on_or_after(date(year, month, 1))
