"""Every error leaves as application/problem+json (RFC 9457), in Vietnamese, with a stable type."""
from __future__ import annotations

import logging

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.runtime import StepFailed
from forms.messages import field_errors
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
    503: ("busy", "Hệ thống đang bận"),
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
    if status in (429, 503) and extra.get("retry_after"):
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def register(app) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError):
        return problem(err.status, err.type, err.title, err.detail, errors=err.errors, **err.extra)

    @app.errorhandler(StepFailed)
    def _step_failed(err: StepFailed):
        # a script or condition of the procedure failed (e.g. at receipt, before any step): the
        # transaction was rolled back, nothing is stored
        return problem(422, "process-failed", "Quy trình không chạy được",
                       f"Quy trình không chạy tiếp được: {err}", element=err.element)

    @app.errorhandler(ValidationError)
    def _validation_error(err: ValidationError):
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        return problem(422, "invalid", "Dữ liệu không hợp lệ", "Dữ liệu gửi lên không hợp lệ.",
                       errors=field_errors(messages))

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


