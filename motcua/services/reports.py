"""Reports: monthly figures per office, the 766 service index, and the public list of late handling.

The 766 index (QĐ 766/QĐ-TTg) has five groups worth 100 points. The group totals are from the
decision; the indicators inside each group, their weights and their thresholds are not verified
(domain.md) and come from the `index766` section of config.yaml. An indicator is worth
`weight × min(1, value / target)`; one the platform cannot measure (online payment, reuse of data,
complaints) or without any dossier to measure scores `weight × no_data`.

Which dossiers belong to an office: those it received or is competent for (as the lists show them).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select

from motcua.clock import VN_TZ
from motcua.db.models import Dossier, LateHandling, Office, Procedure, ProcedureVersion, Rating, ReportRun
from motcua.errors import Invalid, NotFound
from motcua.legal_clock import deadlines
from motcua.services.calendars import calendar_for, hours_for

COUNTED = ("done", "returned", "rejected", "stopped")  # a withdrawal is the applicant's decision

DEFAULT_INDEX766 = {"groups": [
    {"key": "publicity", "name": "Công khai, minh bạch", "points": 18, "indicators": [
        {"key": "procedures_published", "name": "Thủ tục công bố kèm biểu mẫu điện tử và quy trình điện tử",
         "weight": 10, "target": 1.0},
        {"key": "late_apologised", "name": "Hồ sơ trễ hạn có phiếu xin lỗi và hẹn lại", "weight": 8, "target": 1.0,
         "no_data": 1.0}]},
    {"key": "progress", "name": "Tiến độ giải quyết", "points": 20, "indicators": [
        {"key": "finished_on_time", "name": "Hồ sơ giải quyết trước hạn và đúng hạn", "weight": 14, "target": 1.0},
        {"key": "processing_time", "name": "Thời gian giải quyết so với thời hạn quy định", "weight": 6,
         "target": 1.0}]},
    {"key": "online", "name": "Cung cấp dịch vụ trực tuyến", "points": 22, "indicators": [
        {"key": "procedures_online", "name": "Thủ tục cung cấp dịch vụ công trực tuyến", "weight": 6, "target": 0.8},
        {"key": "dossiers_online", "name": "Hồ sơ nộp trực tuyến", "weight": 6, "target": 0.5},
        {"key": "paid_online", "name": "Hồ sơ có phí thanh toán trực tuyến", "weight": 10, "target": 0.5}]},
    {"key": "digitisation", "name": "Số hóa hồ sơ", "points": 22, "indicators": [
        {"key": "digitised_at_receipt", "name": "Hồ sơ được số hóa khi tiếp nhận", "weight": 8, "target": 0.8},
        {"key": "results_electronic", "name": "Kết quả giải quyết được cấp dưới dạng điện tử", "weight": 7,
         "target": 0.8},
        {"key": "data_reused", "name": "Tái sử dụng dữ liệu đã số hóa", "weight": 7, "target": 0.8}]},
    {"key": "satisfaction", "name": "Mức độ hài lòng", "points": 18, "indicators": [
        {"key": "satisfaction", "name": "100% trừ tỷ lệ trễ hạn và tỷ lệ không hài lòng", "weight": 14,
         "target": 0.9},
        {"key": "complaints_handled", "name": "Phản ánh, kiến nghị xử lý trong 15 ngày làm việc", "weight": 4,
         "target": 1.0}]},
]}


# --- periods -------------------------------------------------------------------------------------

def parse_month(text: str | None, default: datetime | None = None) -> tuple[int, int]:
    if not text:
        if default is None:
            raise Invalid("Thiếu tháng báo cáo.", errors={"month": ["Cần tháng dạng YYYY-MM."]})
        local = default.astimezone(VN_TZ)
        return local.year, local.month
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise Invalid("Tháng báo cáo không hợp lệ.", errors={"month": ["Cần tháng dạng YYYY-MM, ví dụ 2026-11."]})
    return int(m.group(1)), int(m.group(2))


def month_range(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=VN_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=VN_TZ)
    return start, end


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def office_by_code(session, code: str | None) -> Office | None:
    if not code:
        return None
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        raise NotFound(f"Không có cơ quan mã «{code}».")
    return office


# --- figures -------------------------------------------------------------------------------------

def _in_scope(query, office: Office | None):
    if office is None:
        return query
    return query.where(or_(Dossier.receiving_office_id == office.id, Dossier.competent_office_id == office.id))


def _ratio(num, den):
    return None if not den else num / den


def _classify(finished_at: datetime, due_at: datetime, apology, supplements: int) -> str:
    """early / on_time / late; an apology or more than one supplement request counts as late (766)."""
    if finished_at > due_at or apology is not None or (supplements or 0) > 1:
        return "late"
    if finished_at.astimezone(VN_TZ).date() < due_at.astimezone(VN_TZ).date():
        return "early"
    return "on_time"


def figures(session, settings, office: Office | None, start: datetime, end: datetime, until: datetime) -> dict:
    """The month's counts for an office (None: the whole province), as of `until`."""
    cut = min(end, until)
    cols = select(Dossier.id, Dossier.status, Dossier.channel, Dossier.documents, Dossier.received_at,
                  Dossier.clock_start, Dossier.due_at, Dossier.finished_at, Dossier.apology,
                  Dossier.supplement_count, Dossier.receiving_office_id, Dossier.procedure_version_id,
                  Dossier.result)
    received = session.execute(_in_scope(cols, office).where(
        Dossier.received_at >= start, Dossier.received_at < cut)).all()
    finished = session.execute(_in_scope(cols, office).where(
        Dossier.finished_at >= start, Dossier.finished_at < cut, Dossier.status.in_(COUNTED))).all()
    still_open = session.execute(_in_scope(cols, office).where(
        Dossier.received_at < cut, or_(Dossier.finished_at.is_(None), Dossier.finished_at >= cut),
        Dossier.status != "withdrawn")).all()

    classes = {"early": 0, "on_time": 0, "late": 0}
    late_ids, apologised_ids = set(), set()
    for d in finished:
        kind = _classify(d.finished_at, d.due_at, d.apology, d.supplement_count)
        classes[kind] += 1
        if kind == "late":
            late_ids.add(d.id)
            if d.apology is not None:
                apologised_ids.add(d.id)
    overdue_open = [d for d in still_open if d.due_at < cut]
    for d in overdue_open:
        late_ids.add(d.id)
        if d.apology is not None:
            apologised_ids.add(d.id)

    # processing time against the legal time, in working days of the receiving office's calendar
    legal = _legal_days(session, {d.procedure_version_id for d in finished})
    cals: dict[int, tuple] = {}
    spent = allowed = Decimal(0)
    for d in finished:
        if d.receiving_office_id not in cals:
            o = session.get(Office, d.receiving_office_id)
            cals[d.receiving_office_id] = (calendar_for(session, settings, o), hours_for(settings, o))
        cal, hours = cals[d.receiving_office_id]
        spent += max(Decimal(0), deadlines.working_time_between(cal, hours, d.clock_start, d.finished_at))
        allowed += legal.get(d.procedure_version_id, Decimal(0))

    ratings = session.execute(_in_scope(select(Rating.satisfied).join(Dossier, Dossier.id == Rating.dossier_id),
                                        office).where(Rating.at >= start, Rating.at < cut)).all()
    documents_ok = sum(1 for d in received if d.documents and all(x.get("digitized") for x in d.documents))
    done = [d for d in finished if d.status in ("done", "returned")]
    return {
        "received": len(received),
        "received_online": sum(1 for d in received if d.channel == "online"),
        "received_postal": sum(1 for d in received if d.channel == "postal"),
        "received_on_saturday": sum(1 for d in received if d.received_at.astimezone(VN_TZ).weekday() == 5),
        "digitised_at_receipt": documents_ok,
        "finished": len(finished),
        "early": classes["early"], "on_time": classes["on_time"], "late": classes["late"],
        "done": len(done),
        "results_electronic": sum(1 for d in done if d.result is not None),
        "in_progress": len(still_open),
        "overdue_in_progress": len(overdue_open),
        "late_total": len(late_ids),
        "late_apologised": len(apologised_ids),
        "working_days_spent": str(spent),
        "working_days_allowed": str(allowed),
        "ratings": len(ratings),
        "dissatisfied": sum(1 for r in ratings if not r.satisfied),
    }


def _legal_days(session, version_ids) -> dict[int, Decimal]:
    if not version_ids:
        return {}
    rows = session.execute(select(ProcedureVersion.id, ProcedureVersion.manifest).where(
        ProcedureVersion.id.in_(version_ids))).all()
    return {r.id: Decimal(str(r.manifest.get("legal_days", 0))) for r in rows}


def _procedures(session, office: Office | None) -> list[dict]:
    """Manifests of the latest version of each procedure the office is competent for."""
    latest = (Procedure.id == ProcedureVersion.procedure_id) & (Procedure.latest_version == ProcedureVersion.version)
    rows = session.execute(select(ProcedureVersion.manifest).join(Procedure, latest)).all()
    manifests = [r.manifest for r in rows]
    if office is not None:
        manifests = [m for m in manifests if m.get("competent_office") == office.code]
    return manifests


# --- the 766 index -------------------------------------------------------------------------------

def index_config(settings) -> dict:
    cfg = settings.section("index766")
    return cfg if cfg.get("groups") else DEFAULT_INDEX766


def _measures(session, office: Office | None, f: dict) -> dict:
    """Each indicator's (numerator, denominator); None where the platform has no data."""
    procedures = _procedures(session, office)
    finished = f["finished"]
    late_rate = f["late"] / finished if finished else None
    unhappy_rate = f["dissatisfied"] / f["ratings"] if f["ratings"] else None
    if late_rate is None and unhappy_rate is None:
        satisfaction = None
    else:
        satisfaction = (max(0.0, 1 - (late_rate or 0) - (unhappy_rate or 0)), 1)
    spent, allowed = Decimal(f["working_days_spent"]), Decimal(f["working_days_allowed"])
    return {
        "procedures_published": (sum(1 for m in procedures if m.get("application_form")), len(procedures)),
        "late_apologised": (f["late_apologised"], f["late_total"]),
        "finished_on_time": (f["early"] + f["on_time"], finished),
        "processing_time": None if not finished else (float(min(Decimal(1), allowed / spent)) if spent else 1.0, 1),
        "procedures_online": (sum(1 for m in procedures if "online" in (m.get("channels") or [])), len(procedures)),
        "dossiers_online": (f["received_online"], f["received"]),
        "paid_online": None,
        "digitised_at_receipt": (f["digitised_at_receipt"], f["received"]),
        "results_electronic": (f["results_electronic"], f["done"]),
        "data_reused": None,
        "satisfaction": satisfaction,
        "complaints_handled": None,
    }


def score(settings, measures: dict) -> dict:
    groups, total, max_total = [], 0.0, 0.0
    for group in index_config(settings)["groups"]:
        items, points, max_points = [], 0.0, 0.0
        for ind in group["indicators"]:
            weight, target = float(ind["weight"]), float(ind.get("target", 1.0))
            measure = measures.get(ind["key"])
            num, den = measure if measure is not None else (None, None)
            value = _ratio(num, den) if measure is not None else None
            share = min(1.0, value / target) if value is not None and target > 0 else (
                1.0 if value is not None else float(ind.get("no_data", 0.0)))
            got = round(weight * share, 2)
            items.append({"key": ind["key"], "name": ind.get("name", ind["key"]), "weight": weight, "target": target,
                          "value": None if value is None else round(value, 4), "numerator": num, "denominator": den,
                          "available": measure is not None, "points": got})
            points += got
            max_points += weight
        groups.append({"key": group["key"], "name": group.get("name", group["key"]), "max_points": max_points,
                       "points": round(points, 2), "indicators": items})
        total += points
        max_total += max_points
    return {"groups": groups, "total": round(total, 2), "max_total": max_total}


def index766(session, settings, office: Office | None, year: int, month: int, until: datetime) -> dict:
    start, end = month_range(year, month)
    f = figures(session, settings, office, start, end, until)
    return {"office": office.code if office else None, "office_name": office.name if office else None,
            "month": month_text(year, month), "as_of": min(end, until),
            **score(settings, _measures(session, office, f)), "figures": f}


def index766_for(platform, actor, office_code: str | None, month: str | None) -> dict:
    """GET /api/v1/reports/index766: the index is published monthly, so any official may read any office's."""
    year, mon = parse_month(month, default=platform.now())
    with platform.uow() as uow:
        office = office_by_code(uow.session, office_code)
        return index766(uow.session, platform.settings, office, year, mon, platform.now())


def monthly_key(office: Office | None, year: int, month: int) -> str:
    return f"monthly:{office.code if office else '*'}:{month_text(year, month)}"


def monthly_report(session, settings, office: Office | None, year: int, month: int, until: datetime) -> dict:
    """What the scheduler stores on the first working day of the next month."""
    report = index766(session, settings, office, year, month, until)
    report["as_of"] = report["as_of"].isoformat()
    return report


def monthly_for(platform, actor, office_code: str | None, month: str | None) -> dict:
    """The stored monthly report if the scheduler made it, else the figures as of now."""
    year, mon = parse_month(month, default=platform.now())
    with platform.uow() as uow:
        session = uow.session
        office = office_by_code(session, office_code)
        run = session.scalar(select(ReportRun).where(ReportRun.key == monthly_key(office, year, mon)))
        if run is not None:
            return {"stored": True, "created_at": run.created_at, **run.figures}
        report = monthly_report(session, platform.settings, office, year, mon, platform.now())
        return {"stored": False, "created_at": None, **report}


# --- the public list of late handling (Directive, seed 002, §1.4) --------------------------------

def late_list(platform, office_code: str | None, month: str | None, page: int, per_page: int):
    """Late dossiers and steps with the officials responsible: names and roles, no citizen data."""
    with platform.uow() as uow:
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
