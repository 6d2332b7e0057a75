"""The auditor's words: Vietnamese names of every history event and of the values they carry.

Plain data and small formatters, shared by the readable timeline (`audit_timeline`). Every event
type of `motcua.domain.events` has a name here (a test holds the two together).
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from motcua.clock import VN_TZ

EVENT_NAMES = {
    "received": "Tiếp nhận hồ sơ",
    "step_ready": "Chuyển đến bước xử lý",
    "claimed": "Nhận xử lý bước",
    "unclaimed": "Trả lại bước chưa xử lý",
    "step_completed": "Hoàn thành bước",
    "step_cancelled": "Hủy bước",
    "step_overdue": "Bước quá hạn",
    "supplement_requested": "Yêu cầu bổ sung hồ sơ",
    "supplemented": "Nhận hồ sơ bổ sung",
    "apology": "Xin lỗi và hẹn lại ngày trả",
    "apology_required": "Sắp đến hạn: cần văn bản xin lỗi nếu trễ",
    "overdue": "Hồ sơ quá hạn",
    "due_recomputed": "Tính lại thời hạn sau thay đổi lịch",
    "calendar_changed": "Thay đổi lịch làm việc",
    "timer_fired": "Hết thời gian chờ (hẹn giờ)",
    "timer_failed": "Hẹn giờ lỗi",
    "finished": "Kết thúc xử lý",
    "returned": "Trả kết quả cho người dân",
    "rated": "Người dân đánh giá",
    "legal_time_extended": "Kéo dài thời hạn theo quy định",
    "calendar_year_confirmed": "Xác nhận lịch năm",
    "result_issued": "Ban hành kết quả điện tử",
    "payment_recorded": "Ghi nhận nộp phí",
    "files_reused": "Tái sử dụng giấy tờ đã có",
    "migrated": "Chuyển sang phiên bản quy trình mới",
}

STATUS = {"processing": "Đang giải quyết", "supplement_requested": "Chờ bổ sung hồ sơ",
          "done": "Đã có kết quả", "returned": "Đã trả kết quả", "rejected": "Từ chối giải quyết",
          "stopped": "Dừng giải quyết", "withdrawn": "Rút hồ sơ"}
CHANNEL = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính", "desk": "Tại quầy",
           "gateway": "Cổng thanh toán", "transfer": "Chuyển khoản"}
ROLE = {"receiver": "Bộ phận Một cửa", "specialist": "Chuyên viên", "leader": "Lãnh đạo"}
# Labels of the data keys the events carry (the rest are shown under their key).
LABELS = {
    "procedure_version": "Phiên bản quy trình", "channel": "Kênh tiếp nhận",
    "receiving_office": "Nơi tiếp nhận", "competent_office": "Cơ quan có thẩm quyền",
    "clock_start": "Bắt đầu tính thời gian", "due_at": "Hạn", "documents": "Giấy tờ",
    "allotment_days": "Thời gian cho bước (ngày làm việc)", "office": "Cơ quan", "lane": "Người xử lý",
    "on_time": "Đúng hạn", "assignee": "Người đang giữ", "officials": "Cán bộ chịu trách nhiệm",
    "reason": "Lý do", "items": "Nội dung cần bổ sung", "source": "Người yêu cầu",
    "paused_from": "Tạm dừng từ", "paused_working_days": "Thời gian tạm dừng (ngày làm việc)",
    "old_due_at": "Hạn cũ", "new_due_at": "Hạn mới", "original_due_at": "Hạn ban đầu", "by": "Người ký",
    "proposed_due_at": "Đề xuất hạn mới", "status": "Kết quả", "satisfied": "Hài lòng",
    "legal_days": "Thời hạn theo quy định (ngày làm việc)", "number": "Số văn bản", "sha256": "Mã băm SHA-256",
    "issued_at": "Ban hành lúc", "file_id": "Mã tệp", "amount": "Số tiền", "reference": "Số chứng từ",
    "paid_at": "Nộp lúc", "files": "Số giấy tờ dùng lại", "error": "Lỗi", "element": "Phần tử",
    "calendar": "Lịch", "year": "Năm", "at": "Lúc", "result": "Kết quả", "step": "Bước",
    "from_version": "Từ phiên bản", "to_version": "Sang phiên bản",
}
TIMES = {"clock_start", "due_at", "paused_from", "old_due_at", "new_due_at", "original_due_at",
         "proposed_due_at", "issued_at", "paid_at", "at"}


def when(value) -> str:
    """dd/mm/yyyy hh:mm in Vietnamese time, from a datetime or ISO text."""
    if value in (None, ""):
        return ""
    at = value if isinstance(value, datetime) else _parse(value)
    if at is None:
        return str(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=VN_TZ)
    return at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def _parse(text) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def yes_no(value) -> str:
    return "Có" if value else "Không"


def days(value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = str(int(number)) if number == number.to_integral_value() else str(number.normalize())
    return text.replace(".", ",")


def money(value) -> str:
    try:
        return f"{int(value):,}".replace(",", ".") + " đồng"
    except (TypeError, ValueError):
        return str(value)


def plain(value) -> str:
    """Any other value as short text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


# -- form data by the form's titles --------------------------------------------------------------

def _resolve(node, root, depth=0):
    if not isinstance(node, dict):
        return {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#") and depth < 10:
        target = root
        for part in [p for p in ref[1:].split("/") if p]:
            target = target.get(part) if isinstance(target, dict) else None
        return {**_resolve(target or {}, root, depth + 1), **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _choice(node: dict, value):
    for alt in node.get("oneOf") or node.get("anyOf") or ():
        if isinstance(alt, dict) and alt.get("const") == value and alt.get("title"):
            return alt["title"]
    names = node.get("x-enumNames") or node.get("enumNames") or node.get("x-enum-titles")
    if isinstance(node.get("enum"), list) and isinstance(names, list) and value in node["enum"]:
        index = node["enum"].index(value)
        if index < len(names):
            return names[index]
    return None


def form_value(node: dict, value, root: dict) -> str:
    node = _resolve(node, root)
    label = _choice(node, value)
    if label is not None:
        return label
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list):
        items = _resolve(node.get("items") or {}, root)
        return "; ".join(form_value(items, v, root) for v in value)
    if isinstance(value, dict):
        props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        return "; ".join(f"{_resolve(props.get(k) or {}, root).get('title') or k}: {form_value(props.get(k) or {}, v, root)}"
                         for k, v in value.items())
    if isinstance(value, str) and node.get("format") in ("date-time",):
        return when(value)
    if isinstance(value, str) and node.get("format") == "date":
        parsed = _parse(value)
        return parsed.strftime("%d/%m/%Y") if parsed else value
    return plain(value)


def form_fields(data, schema) -> list[dict]:
    """[{label, value}] of the data a step wrote, labelled by its form's field titles, in the form's order."""
    if not isinstance(data, dict) or not data:
        return []
    schema = schema if isinstance(schema, dict) else {}
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    order = [k for k in props if k in data] + [k for k in data if k not in props]
    out = []
    for key in order:
        node = _resolve(props.get(key) or {}, schema)
        out.append({"label": node.get("title") or key, "value": form_value(node, data[key], schema), "key": key})
    return out
