"""Printable documents (forms of TT 01/2018 and TT 03/2025) as HTML5 pages."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, Undefined

__all__ = [
    "DOCUMENT_KINDS",
    "UnknownDocumentKind",
    "render_document",
    "format_datetime",
    "format_date",
    "format_money",
    "format_legal_days",
]

try:
    from zoneinfo import ZoneInfo

    VN_TZ: Any = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # no tz database on the host: Vietnam has had no DST since 1975
    VN_TZ = timezone(timedelta(hours=7), "+07")

# kind -> (form number, title, page size): the forms of Thông tư 03/2025/TT-VPCP (form 07, the
# register, is motcua/services/register.py). Numbering follows shared/domain.md "Forms"; the
# numbers of 05/06 and the exact titles other than form 04's are unverified (chưa kiểm chứng).
_KINDS: dict[str, tuple[str, str, str]] = {
    "receipt": ("Mẫu số 01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "A5"),
    "supplement": ("Mẫu số 02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "A4"),
    "refusal": ("Mẫu số 03", "Phiếu từ chối tiếp nhận, giải quyết hồ sơ", "A4"),
    "apology": ("Mẫu số 04", "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết", "A4"),
    "stop": ("Mẫu số 05", "Thông báo dừng giải quyết hồ sơ", "A4"),
    "control-slip": ("Mẫu số 06", "Phiếu kiểm soát quá trình giải quyết hồ sơ", "A4"),
}
DOCUMENT_KINDS: tuple[str, ...] = tuple(_KINDS)

CHANNELS = {
    "direct": "Trực tiếp tại Bộ phận Một cửa",
    "online": "Trực tuyến (Cổng Dịch vụ công)",
    "postal": "Qua dịch vụ bưu chính công ích",
    "1": "Trực tiếp tại Bộ phận Một cửa",
    "2": "Trực tuyến (Cổng Dịch vụ công)",
    "3": "Qua dịch vụ bưu chính công ích",
}
STATUSES = {
    "processing": "Đang giải quyết",
    "supplement_requested": "Chờ bổ sung hồ sơ",
    "done": "Đã có kết quả",
    "returned": "Đã trả kết quả",
    "rejected": "Từ chối",
    "stopped": "Dừng giải quyết",
    "withdrawn": "Rút hồ sơ",
}
RESULTS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
BLANK = "………………"
APPLICANT = "Người nộp hồ sơ"  # the hand-over rows' name for the applicant's side


class UnknownDocumentKind(KeyError, ValueError):
    """``render_document`` was asked for a kind it does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or isinstance(value, Undefined) or value == ""


def _to_local(value: Any) -> datetime | date | str | None:
    """An aware datetime in Asia/Ho_Chi_Minh, a date, the raw text, or None."""
    if _missing(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            value = datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        if value.tzinfo is None:  # naive: taken as platform time
            return value.replace(tzinfo=VN_TZ)
        return value.astimezone(VN_TZ)
    if isinstance(value, date):
        return value
    return str(value)


def format_datetime(value: Any) -> str:
    """'08:05, ngày 01/07/2025' (Asia/Ho_Chi_Minh); '' for None."""
    local = _to_local(value)
    if local is None:
        return ""
    if isinstance(local, datetime):
        return f"{local:%H:%M}, ngày {local:%d/%m/%Y}"
    if isinstance(local, date):
        return f"ngày {local:%d/%m/%Y}"
    return local


def format_date(value: Any) -> str:
    """'01/07/2025' (Asia/Ho_Chi_Minh); '' for None."""
    local = _to_local(value)
    if local is None:
        return ""
    if isinstance(local, (datetime, date)):
        return f"{local:%d/%m/%Y}"
    return local


def _date_words(value: Any) -> str:
    local = _to_local(value)
    if isinstance(local, (datetime, date)):
        return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"
    return "ngày …… tháng …… năm ……"


def _decimal(value: Any) -> Decimal | None:
    if _missing(value) or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _vn_number(number: Decimal) -> str:
    """1234567.5 -> '1.234.567,5'."""
    sign = "-" if number < 0 else ""
    number = abs(number).normalize()
    text = format(number, "f")
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if frac else "")


def format_money(value: Any) -> str:
    """8000 -> '8.000 đồng'; '' for None."""
    number = _decimal(value)
    if number is None:
        return "" if _missing(value) else str(value)
    return f"{_vn_number(number.quantize(Decimal(1)))} đồng"


def format_legal_days(value: Any) -> str:
    """0 -> 'Trong ngày'; 3 -> '3 ngày làm việc'; 0.5 -> '0,5 ngày làm việc'."""
    number = _decimal(value)
    if number is None:
        return "" if _missing(value) else str(value)
    if number == 0:
        return "Trong ngày"
    return f"{_vn_number(number)} ngày làm việc"


def _fill(value: Any) -> Any:
    return BLANK if _missing(value) else value


def _channel(value: Any) -> str:
    return "" if _missing(value) else CHANNELS.get(str(value), str(value))


def _status(value: Any) -> str:
    return "" if _missing(value) else STATUSES.get(str(value), str(value))


def _result(value: Any) -> str:
    return "" if _missing(value) else RESULTS.get(str(value), str(value))


def _count(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return "" if _missing(value) else str(value)
    return f"{int(number):02d}" if number == number.to_integral_value() else _vn_number(number)


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

_env = Environment(
    loader=FileSystemLoader(os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")),
    autoescape=True,
    undefined=ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters.update(
    dt=format_datetime,
    date=format_date,
    date_words=_date_words,
    money=format_money,
    days=format_legal_days,
    fill=_fill,
    channel=_channel,
    status=_status,
    result=_result,
    count=_count,
)


def _mapping(value: Any) -> dict:
    return dict(value) if isinstance(value, Mapping) else {}


def _rows(value: Any) -> list[dict]:
    if not value:
        return []
    return [_mapping(row) if isinstance(row, Mapping) else {"name": row} for row in value]


def _office_name(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("name") or value.get("code")
    return value or None


def _collect_place(office: dict, dossier: dict) -> str:
    if dossier.get("return_place"):
        return str(dossier["return_place"])
    where = office.get("name") or "Bộ phận tiếp nhận và trả kết quả"
    channel = str(dossier.get("channel") or "")
    if channel in ("postal", "3"):
        return "Qua dịch vụ bưu chính công ích, đến địa chỉ của người nộp hồ sơ"
    if channel in ("online", "2"):
        return f"{where} hoặc nhận kết quả điện tử trên Cổng Dịch vụ công"
    return where


def render_document(kind: str, context: dict) -> str:
    """Render one printable document as a complete HTML5 page.

    ``kind`` is one of :data:`DOCUMENT_KINDS`; anything else raises
    :class:`UnknownDocumentKind` (a ``KeyError`` and a ``ValueError``).
    ``context`` has the keys office, dossier, applicant, documents, receiver,
    supplement, refusal, stop, apology, handovers, printed_at, and optionally
    signatory ({full_name, title}: the head who signs form 04) and
    coordinating_offices (names, for form 06) (values may be None). Times may be aware datetimes or ISO strings; they are printed in
    Asia/Ho_Chi_Minh as 'hh:mm, ngày dd/mm/yyyy'.
    """
    if kind not in _KINDS:
        raise UnknownDocumentKind(
            f"Không có mẫu giấy tờ «{kind}»; các mẫu: {', '.join(DOCUMENT_KINDS)}.")
    form_no, title, page = _KINDS[kind]
    context = context or {}

    office = _mapping(context.get("office"))
    dossier = _mapping(context.get("dossier"))
    sections = {name: _mapping(context.get(name))
                for name in ("applicant", "receiver", "supplement", "refusal", "stop", "apology", "signatory")}
    supplement = sections["supplement"]
    supplement["items"] = [str(i) for i in (supplement.get("items") or []) if not _missing(i)]
    handovers = _rows(context.get("handovers"))

    issued_at = {
        "receipt": dossier.get("received_at"),
        "supplement": supplement.get("requested_at"),
        "refusal": sections["refusal"].get("at"),
        "stop": sections["stop"].get("at"),
        "apology": sections["apology"].get("at"),
    }.get(kind) or context.get("printed_at")
    place = office.get("place")
    date_line = _date_words(issued_at)
    if place:
        date_line = f"{place}, {date_line}"

    # Agencies named on the control slip: the competent (lead) office, then the
    # coordinating offices given, or else every other agency met in the
    # hand-overs — never the applicant, who is no agency.
    lead = _office_name(dossier.get("competent_office")) or office.get("name")
    given = context.get("coordinating_offices")
    if given is not None:
        candidates = [_office_name(name) for name in given]
    else:
        candidates = [_office_name(row.get(key)) for row in handovers
                      for key in ("from_office", "to_office")]
    partners: list[str] = []
    for name in candidates:
        if name and name not in partners and name not in (lead, office.get("name"), APPLICANT):
            partners.append(name)

    clock_differs = (
        not _missing(dossier.get("clock_start"))
        and format_datetime(dossier.get("clock_start")) != format_datetime(dossier.get("received_at"))
    )

    template = _env.get_template(f"{kind}.html")
    return template.render(
        doc={
            "kind": kind,
            "form_no": form_no,
            "title": title,
            "page": page,
            "date_line": date_line,
            "printed_at": format_datetime(context.get("printed_at")),
        },
        office=office,
        dossier=dossier,
        documents=_rows(context.get("documents")),
        handovers=handovers,
        lead_office=lead,
        partner_offices=partners,
        collect_place=_collect_place(office, dossier),
        clock_differs=clock_differs,
        blank=BLANK,
        lookup=context.get("lookup"),  # issue 12: {url, key, qr_svg} on the receipt
        **sections,
    )
