"""The dossier register (sổ theo dõi hồ sơ, TT 03/2025/TT-VPCP form 07) as CSV or XLSX.

Columns per domain.md, "Forms" item 7: number, code, procedure, applicant, agency, received,
appointment, transferred, result back, returned, note. The exact columns of form 07 are
**unverified**: they are listed once, in `COLUMNS`, so that a checked text changes one place.

- Personal data: the applicant's name only (the register names who applied; no identity number,
  phone or address). Offices and procedures by their names.
- Who: an office's leaders and receivers (for their office and the offices below it), admins and
  auditors (any office, or the province). Others: 403.
- Which dossiers: received in [from, to] (local days, both included), received or decided inside
  the office's scope (children included), in order of receipt.
- CSV is UTF-8 with a byte-order mark, so that Excel opens the Vietnamese text correctly; XLSX is
  written with openpyxl in write-only mode (rows streamed, not held as cells).
- "Transferred" is when the one-stop desk handed the dossier on: the first completed step.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from motcua.clock import parse_instant
from motcua.db.models import Dossier, Office, Procedure, ProcedureVersion, StepRow
from motcua.errors import Forbidden, Invalid
from motcua.services.report_scope import Scope, day_range, office_by_code, office_tree, parse_day

# Form 07 columns (unverified, domain.md "Forms" item 7).
COLUMNS = ("STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Tên người nộp hồ sơ", "Cơ quan tiếp nhận",
           "Cơ quan giải quyết", "Ngày, giờ nhận hồ sơ", "Ngày, giờ hẹn trả kết quả", "Ngày, giờ chuyển hồ sơ",
           "Ngày, giờ có kết quả", "Ngày, giờ trả kết quả", "Ghi chú")
# A register is asked for a month, a quarter or a year; longer spans are several exports.
MAX_SPAN_DAYS = 366
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
STATUS_NOTES = {"processing": "Đang giải quyết", "supplement_requested": "Chờ bổ sung hồ sơ",
                "done": "Đã có kết quả", "returned": "Đã trả kết quả", "rejected": "Từ chối giải quyết",
                "stopped": "Dừng giải quyết", "withdrawn": "Rút hồ sơ theo đề nghị"}


def _when(value: datetime | None) -> str:
    return value.strftime("%H:%M %d/%m/%Y") if value else ""


def _authorise(session, actor, office: Office | None) -> Office | None:
    if actor.has("admin", "auditor"):
        return office
    if not actor.has("leader", "receiver"):
        raise Forbidden("Sổ theo dõi hồ sơ dành cho lãnh đạo và bộ phận tiếp nhận của cơ quan.")
    own = session.get(Office, actor.office_id)
    if office is None:
        return own
    if office.id not in {o.id for o in office_tree(session, own)}:
        raise Forbidden("Chỉ xem được sổ theo dõi hồ sơ của cơ quan mình và các cơ quan trực thuộc.")
    return office


def _note(status: str, apology, supplements: int, overdue: bool) -> str:
    parts = [STATUS_NOTES.get(status, status)]
    if supplements:
        parts.append(f"bổ sung {supplements} lần")
    if apology:
        parts.append(f"có văn bản xin lỗi, hẹn lại {_when(parse_instant(apology['new_due_at']))}")
    if overdue:
        parts.append("quá hạn")
    return "; ".join(parts)


def rows(session, scope: Scope, start: datetime, end: datetime):
    """The register's rows (lists of strings) in order of receipt."""
    receiving, competent = aliased(Office), aliased(Office)
    transferred = select(func.min(StepRow.completed_at)).where(
        StepRow.dossier_id == Dossier.id, StepRow.state == "completed").scalar_subquery()
    query = scope.dossiers(select(
        Dossier.code, Procedure.name, Dossier.applicant, receiving.name, competent.name, Dossier.received_at,
        Dossier.due_at, transferred.label("transferred"), Dossier.status, Dossier.finished_at, Dossier.returned_at,
        Dossier.apology, Dossier.supplement_count, Dossier.overdue)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .join(receiving, receiving.id == Dossier.receiving_office_id)
        .join(competent, competent.id == Dossier.competent_office_id)
        .where(Dossier.received_at >= start, Dossier.received_at < end)).order_by(Dossier.received_at, Dossier.code)
    for n, r in enumerate(session.execute(query), start=1):
        appointment = parse_instant(r.apology["original_due_at"]) if r.apology else r.due_at
        result_at = r.finished_at if r.status in ("done", "returned") else None
        yield [str(n), r.code, r[1], (r.applicant or {}).get("name", ""), r[3], r[4], _when(r.received_at),
               _when(appointment), _when(r.transferred), _when(result_at), _when(r.returned_at),
               _note(r.status, r.apology, r.supplement_count, r.overdue)]


def _csv(title: str, lines) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title])
    writer.writerow(COLUMNS)
    writer.writerows(lines)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(title: str, lines) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sổ theo dõi hồ sơ")
    sheet.append([title])
    sheet.append(list(COLUMNS))
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(platform, actor, office_code: str | None, first: str | None, last: str | None,
           fmt: str | None) -> tuple[bytes, str, str]:
    """GET /api/v1/reports/register: (content, media type, file name). Default period: this month."""
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise Invalid("Định dạng không hợp lệ.", errors={"format": ["Chọn csv hoặc xlsx."]})
    today = platform.now().date()
    day_from = parse_day(first, "from") if first else today.replace(day=1)
    day_to = parse_day(last, "to") if last else today
    if day_to < day_from:
        raise Invalid("Khoảng thời gian không hợp lệ.", errors={"to": ["Ngày kết thúc phải từ ngày bắt đầu trở đi."]})
    if (day_to - day_from).days >= MAX_SPAN_DAYS:
        raise Invalid("Khoảng thời gian quá dài.", errors={"to": [f"Tối đa {MAX_SPAN_DAYS} ngày mỗi lần xuất."]})
    with platform.uow(readonly=True) as uow:
        session = uow.session
        office = _authorise(session, actor, office_by_code(session, office_code))
        start, end = day_range(day_from, day_to)
        who = office.name if office else "Toàn tỉnh"
        title = (f"SỔ THEO DÕI HỒ SƠ – {who} – từ ngày {day_from.strftime('%d/%m/%Y')} "
                 f"đến ngày {day_to.strftime('%d/%m/%Y')}")
        lines = rows(session, Scope(session, office), start, end)
        content = _csv(title, lines) if fmt == "csv" else _xlsx(title, lines)
    name = f"so-theo-doi-ho-so_{office.code if office else 'toan-tinh'}_{day_from:%Y%m%d}-{day_to:%Y%m%d}.{fmt}"
    return content, FORMATS[fmt], name
