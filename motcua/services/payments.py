"""Fees and payments: the fee from the manifest, desk payments, the online gateway's callback.

The gateway signs the raw body with HMAC-SHA256 (header `X-Signature`, hex); the secret is
`payments.callback_secret`, overridden by the environment's MOTCUA_PAYMENT_SECRET in production.
A reference is unique: a replayed callback answers 409 and records nothing. Every payment is a
core transition (`payment_recorded`) in the dossier's history.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets

from sqlalchemy import func, select

from motcua.access import Actor
from motcua.clock import parse_instant
from motcua.db.models import Dossier, DossierExtra, Payment
from motcua.domain import content
from motcua.errors import Conflict, Invalid, NotFound, Unauthorized


def new_key() -> str:
    """The citizen's lookup key: 96 random bits, URL-safe."""
    return secrets.token_urlsafe(12)


def open_account(session, dossier: Dossier, manifest: dict) -> DossierExtra:
    """At receipt: the dossier's lookup key and its fee (the manifest's `fee`, in đồng)."""
    extra = DossierExtra(dossier_id=dossier.id, lookup_key=new_key(), fee=int(manifest.get("fee") or 0), paid=0)
    session.add(extra)
    return extra


def extra_of(session, dossier: Dossier) -> DossierExtra | None:
    return session.get(DossierExtra, dossier.id)


def view_fields(session, dossier: Dossier, rows: list | None = None) -> dict:
    """`rows`: the dossier's payments when a list read them with its page's (list_batch)."""
    extra = extra_of(session, dossier)
    if rows is None:
        rows = session.scalars(select(Payment).where(Payment.dossier_id == dossier.id)
                               .order_by(Payment.paid_at, Payment.id))
    return {"lookup_key": extra.lookup_key if extra else None, "fee": extra.fee if extra else None,
            "paid": bool(extra and extra.paid >= extra.fee), "amount_paid": extra.paid if extra else 0,
            "payments": [{"amount": p.amount, "channel": p.channel, "reference": p.reference, "paid_at": p.paid_at.isoformat()}
                         for p in rows]}


def _record(loaded, *, amount, channel, reference, paid_at, by):
    session = loaded.session
    if session.scalar(select(func.count(Payment.id)).where(Payment.reference == str(reference))):
        raise Conflict("Mã giao dịch này đã được ghi nhận.")
    moved = content.record_payment(loaded.state, amount=amount, channel=channel, reference=reference,
                                   paid_at=paid_at)
    session.add(Payment(dossier_id=loaded.dossier.id, amount=amount, channel=channel, reference=str(reference),
                        paid_at=paid_at, recorded_by=by))
    extra = extra_of(session, loaded.dossier)
    if extra is not None:
        extra.paid = (extra.paid or 0) + amount
    return moved


def payment_move(loaded, actor: Actor, body: dict, now):
    """The core move of a fee paid at the desk (or by post, or online and reported by the
    receiver); who may record it: motcua/access.py ("payment")."""
    return _record(loaded, amount=body.get("amount"), channel=body.get("channel"),
                   reference=body.get("reference"), paid_at=now, by=actor.username)


def secret(settings) -> str:
    return os.environ.get("MOTCUA_PAYMENT_SECRET") or str(settings.section("payments").get("callback_secret") or "")


def sign(secret_text: str, raw: bytes) -> str:
    return hmac.new(secret_text.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def callback(platform, raw: bytes, signature: str | None) -> dict:
    """The gateway confirms an online payment: signature first (401), then the reference (409)."""
    from motcua.services import store
    key = secret(platform.settings)
    if not key or not signature or not hmac.compare_digest(sign(key, raw), signature.strip().lower()):
        raise Unauthorized("Chữ ký của cổng thanh toán không hợp lệ.")
    try:
        body = json.loads(raw.decode("utf-8"))
        code, amount, reference = str(body["dossier_code"]).upper(), body["amount"], str(body["reference"])
        paid_at = parse_instant(body["paid_at"])
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise Invalid("Nội dung thông báo thanh toán không hợp lệ.") from err
    with platform.uow() as uow:
        session = uow.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        if dossier is None:
            raise NotFound(f"Không tìm thấy hồ sơ «{code}».")
        from motcua.services.row_locks import lock_dossier
        loaded = store.load(platform, session, lock_dossier(session, dossier.id))
        loaded.take(_record(loaded, amount=amount, channel="online", reference=reference, paid_at=paid_at,
                            by=None), "payment-gateway")
        loaded.save()
        uow.commit()
        return {"dossier_code": code, "reference": reference, "recorded": True}
