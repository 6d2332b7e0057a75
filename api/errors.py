"""Every error leaves as application/problem+json (RFC 9457), in Vietnamese, with a stable type."""
from __future__ import annotations

import logging

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from motcua.errors import ServiceError

log = logging.getLogger("motcua.api")
TYPE_BASE = "https://motcua.gov.vn/problems/"

_HTTP_TITLES = {
    400: ("bad-request", "Yêu cầu không hợp lệ"),
    401: ("unauthorized", "Chưa đăng nhập"),
    403: ("forbidden", "Không có quyền"),
    404: ("not-found", "Không tìm thấy"),
    405: ("method-not-allowed", "Phương thức không được hỗ trợ"),
    409: ("conflict", "Xung đột trạng thái"),
    413: ("too-large", "Dữ liệu quá lớn"),
    415: ("unsupported-media-type", "Định dạng dữ liệu không được hỗ trợ"),
    422: ("invalid", "Dữ liệu không hợp lệ"),
    429: ("rate-limited", "Quá nhiều yêu cầu"),
    500: ("server-error", "Lỗi hệ thống"),
}


def problem(status: int, type_: str, title: str, detail: str, **extra):
    body = {"type": TYPE_BASE + type_, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    if status == 429 and extra.get("retry_after"):
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def register(app) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError):
        return problem(err.status, err.type, err.title, err.detail, errors=err.errors, **err.extra)

    @app.errorhandler(ValidationError)
    def _validation_error(err: ValidationError):
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        return problem(422, "invalid", "Dữ liệu không hợp lệ", "Dữ liệu gửi lên không hợp lệ.",
                       errors=_flatten(messages))

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        type_, title = _HTTP_TITLES.get(err.code, ("http-error", err.name))
        detail = {
            404: "Không tìm thấy tài nguyên.",
            405: "Phương thức không được hỗ trợ cho địa chỉ này.",
            413: "Dữ liệu gửi lên vượt quá giới hạn cho phép.",
            400: "Yêu cầu không đọc được (JSON không hợp lệ?).",
        }.get(err.code, title)
        response = problem(err.code, type_, title, detail)
        if err.code == 405 and getattr(err, "valid_methods", None):
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unexpected error")  # the traceback goes to the log, never to the client
        return problem(500, "server-error", "Lỗi hệ thống", "Đã có lỗi hệ thống; thao tác chưa được ghi nhận.")


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


def vi(message: str) -> str:
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


def _flatten(messages, prefix="") -> dict:
    out: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out[prefix or "_"] = [vi(m) for m in messages]
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "_"] = [vi(str(messages))]
    return out
