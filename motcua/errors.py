"""Errors the use cases raise; the API turns each into an application/problem+json answer."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    type = "bad-request"
    title = "Yêu cầu không hợp lệ"

    def __init__(self, detail: str, *, errors: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra or {}


class BadRequest(ServiceError):
    pass


class Unauthorized(ServiceError):
    status, type, title = 401, "unauthorized", "Chưa đăng nhập"


class Forbidden(ServiceError):
    status, type, title = 403, "forbidden", "Không có quyền"


class NotFound(ServiceError):
    status, type, title = 404, "not-found", "Không tìm thấy"


class Conflict(ServiceError):
    status, type, title = 409, "conflict", "Xung đột trạng thái"


class DeskClosed(Conflict):
    type, title = "desk-closed", "Bộ phận một cửa đang đóng"


class TooLarge(ServiceError):
    status, type, title = 413, "too-large", "Dữ liệu quá lớn"


class Invalid(ServiceError):
    status, type, title = 422, "invalid", "Dữ liệu không hợp lệ"


class PackageRejected(Invalid):
    type, title = "invalid-procedure", "Gói thủ tục không hợp lệ"


class TooManyRequests(ServiceError):
    status, type, title = 429, "rate-limited", "Quá nhiều yêu cầu"
