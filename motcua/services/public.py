"""What a citizen may see without signing in: status by code and phone digits, and one rating."""
from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from motcua.db.models import Dossier, Rating
from motcua.domain import lifecycle
from motcua.domain import statuses as S
from motcua.errors import Conflict, NotFound
from motcua.services import store

STATUS_TEXT = {
    "processing": "Đang giải quyết",
    "supplement_requested": "Chờ bổ sung hồ sơ",
    "done": "Đã có kết quả, chờ trả",
    "returned": "Đã trả kết quả",
    "rejected": "Từ chối giải quyết",
    "stopped": "Dừng giải quyết",
    "withdrawn": "Đã rút hồ sơ",
}


def _find(session, code: str, phone4: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    # The same answer for an unknown code and wrong digits: the page reveals nothing either way.
    if dossier is None or not hmac.compare_digest(dossier.phone4 or "", phone4 or ""):
        raise NotFound("Không tìm thấy hồ sơ với mã và 4 số cuối điện thoại đã nhập.")
    return dossier


def lookup(platform, code: str, phone4: str) -> dict:
    with platform.uow(readonly=True) as uow:
        d = _find(uow.session, code, phone4)
        rated = uow.session.scalar(select(Rating.id).where(Rating.dossier_id == d.id)) is not None
        return {"code": d.code, "status": d.status, "status_text": STATUS_TEXT.get(d.status, d.status),
                "procedure_name": d.procedure_version.manifest["name"], "received_at": d.received_at,
                "due_at": d.due_at, "finished_at": d.finished_at, "returned_at": d.returned_at,
                "paused": d.paused_at is not None, "rated": rated}


def rate(platform, code: str, phone4: str, satisfied: bool, comment: str | None) -> dict:
    with platform.uow() as uow:
        session = uow.session
        d = _find(session, code, phone4)
        now = platform.now()
        loaded = store.load(platform, session, d, rated=True)
        loaded.take(lifecycle.rate(loaded.state, satisfied=satisfied, now=now), S.CITIZEN)
        session.add(Rating(dossier_id=d.id, satisfied=satisfied, comment=comment, at=now))
        loaded.save()
        try:
            uow.commit()
        except IntegrityError as err:
            raise Conflict("Hồ sơ này đã được đánh giá.") from err
        return {"code": d.code, "satisfied": satisfied, "at": now}
