"""Fees and payments: a payment recorded by the desk, the online gateway's signed callback."""
from __future__ import annotations

from flask import Blueprint, request

from api.auth import current_actor, platform
from api.routes import body
from api.schemas.files import PaymentBody
from motcua.services import dossiers, payments

bp = Blueprint("payments", __name__)


@bp.post("/dossiers/<code>/payments")
def record(code):
    """Record a fee paid `{amount, channel, reference}` (receiver).
    ---
    post:
      tags: [payments]
      responses: {200: {description: Hồ sơ}, 409: {description: Mã giao dịch đã ghi nhận}}
    """
    actor = current_actor()  # 401 before the body is looked at
    return dossiers.record_payment(platform(), actor, code, body(PaymentBody))


@bp.post("/payments/callback")
def callback():
    """The payment gateway confirms an online payment: HMAC-SHA256 of the raw body in `X-Signature`.
    ---
    post:
      tags: [payments]
      security: []
      responses: {200: {description: Đã ghi nhận}, 401: {description: Chữ ký sai}, 409: {description: Mã giao dịch đã ghi nhận}}
    """
    return payments.callback(platform(), request.get_data(cache=False), request.headers.get("X-Signature"))
