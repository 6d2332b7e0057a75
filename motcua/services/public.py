"""What a citizen may see without signing in: status by code and phone digits, and one rating."""
from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from motcua.db.models import Dossier, DossierExtra, Rating
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


def _find(session, code: str, phone4: str | None, key: str | None = None) -> Dossier:
    """The dossier whose code (any case) matches, shown the last four phone digits or the
    receipt's lookup key (compared in constant time)."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == (code or "").strip().upper()))
    ok = False
    if dossier is not None and key:
        extra = session.get(DossierExtra, dossier.id)
        ok = extra is not None and hmac.compare_digest(extra.lookup_key.encode(), str(key).encode())
    elif dossier is not None and phone4:
        ok = hmac.compare_digest(dossier.phone4 or "", phone4 or "")
    # The same answer for an unknown code and wrong digits: the page reveals nothing either way.
    if not ok:
        raise NotFound("Không tìm thấy hồ sơ với mã và 4 số cuối điện thoại (hoặc mã tra cứu) đã nhập.")
    return dossier


def key_valid(platform, code: str, key: str | None) -> bool:
    """Does `key` open dossier `code`? (The holder of the receipt is never rate limited.)"""
    if not key:
        return False
    with platform.uow(readonly=True) as uow:
        try:
            _find(uow.session, code, None, key)
        except NotFound:
            return False
        return True


def result_file(platform, code: str, key: str):
    """(description, stream) of the electronic result, for the holder of the key, once the
    dossier is done or returned. Anything else: 404."""
    from motcua.services import files
    with platform.uow(readonly=True) as uow:
        d = _find(uow.session, code, None, key)
        row = files.result_of(uow.session, d.id)
        if row is None or d.status not in (S.DONE, S.RETURNED):
            raise NotFound("Hồ sơ chưa có kết quả điện tử.")
        return files.describe(row), files._open(platform, row)


def lookup(platform, code: str, phone4: str | None, key: str | None = None) -> dict:
    from motcua.services import files
    with platform.uow(readonly=True) as uow:
        d = _find(uow.session, code, phone4, key)
        has_result = key is not None and d.status in (S.DONE, S.RETURNED) and files.result_of(uow.session, d.id) is not None
        rated = uow.session.scalar(select(Rating.id).where(Rating.dossier_id == d.id)) is not None
        return {"code": d.code, "status": d.status, "status_text": STATUS_TEXT.get(d.status, d.status),
                "procedure_name": d.procedure_version.manifest["name"], "received_at": d.received_at,
                "due_at": d.due_at, "finished_at": d.finished_at, "returned_at": d.returned_at,
                "paused": d.paused_at is not None, "rated": rated, "result_available": has_result}


def rate(platform, code: str, phone4: str | None, satisfied: bool | None, comment: str | None, *,
         level: str | None = None, key: str | None = None) -> dict:
    """One rating per returned dossier, by the phone digits or the receipt's key: one of the national
    portal's three levels, or the yes/no of the contract (true: satisfied, false: dissatisfied)."""
    stored_level = level or ("satisfied" if satisfied else "dissatisfied")
    with platform.uow() as uow:
        session = uow.session
        d = _find(session, code, phone4, key)
        now = platform.now()
        loaded = store.load(platform, session, d, rated=True)
        loaded.take(lifecycle.rate(loaded.state, satisfied=bool(satisfied), level=level, now=now), S.CITIZEN)
        session.add(Rating(dossier_id=d.id, satisfied=stored_level != "dissatisfied", level=stored_level,
                           comment=comment, at=now))
        loaded.save()
        try:
            uow.commit()
        except IntegrityError as err:
            raise Conflict("Hồ sơ này đã được đánh giá.") from err
        return {"code": d.code, "satisfied": stored_level != "dissatisfied", "level": stored_level, "at": now}


def receipt_lookup(platform, session, dossier: Dossier) -> dict | None:
    """What form 01 prints for the citizen: the public page's address with the dossier's key,
    and that address as a QR code (SVG, by segno)."""
    import segno
    extra = session.get(DossierExtra, dossier.id)
    if extra is None:
        return None
    template = platform.settings.section("files").get("public_url") or "/tra-cuu?code={code}&key={key}"
    url = template.format(code=dossier.code, key=extra.lookup_key)
    return {"url": url, "key": extra.lookup_key, "qr_svg": segno.make(url, error="m").svg_inline(scale=3, omitsize=True)}
