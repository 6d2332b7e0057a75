"""Vietnamese for the messages marshmallow writes: one table for the API and the manifest check."""
from __future__ import annotations

_MESSAGES = {
    "Missing data for required field.": "Trường này là bắt buộc.",
    "Unknown field.": "Trường không được phép.",
    "Not a valid string.": "Phải là chuỗi ký tự.",
    "Not a valid integer.": "Phải là số nguyên.",
    "Not a valid boolean.": "Phải là true hoặc false.",
    "Not a valid list.": "Phải là danh sách.",
    "Not a valid datetime.": "Phải là thời điểm theo ISO 8601.",
    "Not a valid date.": "Phải là ngày theo ISO 8601 (YYYY-MM-DD).",
    "Not a valid number.": "Phải là số.",
    "Invalid input type.": "Kiểu dữ liệu không hợp lệ.",
    "Field may not be null.": "Không được để trống.",
    "Not a valid email address.": "Địa chỉ email không hợp lệ.",
    "Not a valid mapping type.": "Phải là một đối tượng JSON.",
    "Not a valid utf-8 string.": "Chuỗi ký tự không hợp lệ (UTF-8).",
    "Not a valid UUID.": "Mã định danh không hợp lệ.",
    "Not a valid tuple.": "Phải là danh sách.",
    "Number too large.": "Số quá lớn.",
    "Special numeric values (nan or infinity) are not permitted.": "Không chấp nhận giá trị NaN hoặc vô cực.",
    "Invalid value.": "Giá trị không hợp lệ.",
    "Invalid type.": "Kiểu dữ liệu không hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "String does not match expected pattern.": "Không đúng định dạng.",
    "Not a valid aware datetime.": "Phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-11-25T08:00:00+07:00.",
    "Not a valid URL.": "Địa chỉ URL không hợp lệ.",
}


def vietnamese(message: str) -> str:
    """A marshmallow message in Vietnamese (unknown ones pass through)."""
    if message in _MESSAGES:
        return _MESSAGES[message]
    if message.startswith("Must be one of"):
        return "Giá trị không được phép; " + message.replace("Must be one of:", "phải là một trong:")
    if message.startswith("Length must be") or message.startswith("Shorter than") or message.startswith("Longer than"):
        return "Độ dài không hợp lệ."
    if message.startswith("Must be greater") or message.startswith("Must be less"):
        return "Giá trị nằm ngoài khoảng cho phép."
    if message.startswith("Not a valid") or message.endswith("cannot be formatted as a datetime."):
        return "Giá trị không đúng kiểu dữ liệu."
    return message


def field_errors(messages, prefix="") -> dict:
    """marshmallow's nested messages as {"field.path": [Vietnamese messages]}."""
    out: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            out.update(field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out[prefix or "_"] = [vietnamese(m) for m in messages]
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(field_errors(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "_"] = [vietnamese(str(messages))]
    return out
