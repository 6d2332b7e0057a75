"""Monthly snapshots of the figures and the 766 index: stored once, never rewritten.

The scheduler stores each office's (and the province's) month on the first working day of the
next month (scheduler/monthly_reports.py). A stored month is what was published: the database refuses
UPDATE and DELETE on report_runs (migration 0003). When a month must be corrected (late data, a
fixed rule), an administrator makes a *correction*: a new snapshot of the same subject with the
next revision, pointing at the one it corrects, with the reason; readers are served the latest.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from motcua.clock import parse_instant
from motcua.db.models import Office, ReportRun
from motcua.errors import Conflict, Invalid, NotFound
from motcua.services import index766 as index
from motcua.services.notifications import insert_ignore
from motcua.services.report_scope import month_text


def monthly_key(office: Office | None, year: int, month: int) -> str:
    """The subject of an office's month: also the key of its first snapshot."""
    return f"monthly:{office.code if office else '*'}:{month_text(year, month)}"


def monthly_report(session, settings, office: Office | None, year: int, month: int, until: datetime) -> dict:
    """The month's figures and index as JSON-ready data (what a snapshot holds)."""
    report = index.index766(session, settings, office, year, month, until)
    report["as_of"] = report["as_of"].isoformat()
    return report


def latest(session, subject: str) -> ReportRun | None:
    return session.scalar(select(ReportRun).where(ReportRun.subject == subject)
                          .order_by(ReportRun.revision.desc()).limit(1))


def store_first(session, settings, office: Office | None, year: int, month: int, now: datetime):
    """The scheduler's snapshot of a month: (id, report), or (None, None) if it exists already."""
    subject = monthly_key(office, year, month)
    if latest(session, subject) is not None:
        return None, None
    report = monthly_report(session, settings, office, year, month, now)
    new_id = insert_ignore(session, ReportRun, {
        "key": subject, "subject": subject, "revision": 1, "kind": "monthly",
        "office_id": office.id if office else None, "period": month_text(year, month),
        "figures": report, "created_at": now}, ["key"])
    return (new_id, report) if new_id is not None else (None, None)


def correct(session, settings, actor, office: Office | None, year: int, month: int, reason: str,
            now: datetime) -> ReportRun:
    """A new revision of a stored month, computed now, referring to the revision it corrects."""
    actor.require("admin")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Cần nêu lý do đính chính.", errors={"reason": ["Không được để trống."]})
    subject = monthly_key(office, year, month)
    previous = latest(session, subject)
    if previous is None:
        raise NotFound(f"Chưa có báo cáo tháng {month:02d}/{year} để đính chính.")
    revision = previous.revision + 1
    report = monthly_report(session, settings, office, year, month, now)
    new_id = insert_ignore(session, ReportRun, {
        "key": f"{subject}:r{revision}", "subject": subject, "revision": revision, "kind": "monthly",
        "office_id": office.id if office else None, "period": month_text(year, month), "figures": report,
        "created_at": now, "corrects_id": previous.id, "reason": reason, "created_by": actor.username}, ["key"])
    if new_id is None:
        raise Conflict("Một đính chính khác của tháng này vừa được lưu; hãy xem lại rồi thử lại.")
    return session.get(ReportRun, new_id)


def served(run: ReportRun) -> dict:
    """A stored snapshot as the API serves it."""
    report = dict(run.figures)
    if isinstance(report.get("as_of"), str):
        report["as_of"] = parse_instant(report["as_of"])
    return {**report, "stored": True, "created_at": run.created_at, "snapshot_id": run.id,
            "revision": run.revision, "corrects_id": run.corrects_id, "reason": run.reason}
