"""Uploaded files: the upload, attaching them to a dossier, reading them back, reuse, clean-up.

Files are personal data (Decree 13/2023): they are served only to those who may read the dossier
(`dossiers.load_visible`: anyone else gets 404) or to the citizen holding the dossier's key
(services/public.py), never logged, and an upload attached to nothing is removed after
`files.unattached_ttl_hours`. The type is judged from the bytes (`filetype`), never from the name.
"""
from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import timedelta

import filetype
from sqlalchemy import delete, select

from motcua import storage
from motcua.access import WORKING_ROLES, Actor, load_visible
from motcua.db.models import Dossier, StoredFile, User
from motcua.errors import Forbidden, Invalid, NotFound, ServiceError, TooLarge

ROLES = ("component", "supplement", "result")


class UnsupportedType(ServiceError):
    status, type, title = 415, "unsupported-media-type", "Định dạng tệp không được chấp nhận"


def upload_limit(settings) -> int:
    return int(settings.limits.get("upload_max_bytes", 104857600))


def store_of(platform):
    return storage.store_for(platform.settings)


def safe_name(name: str | None) -> str:
    """A display name from whatever the client sent: no path, no control or format characters,
    NFC, at most 200 characters. (The bytes are stored under their sha256, never under this.)"""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in ("C",) and ch not in '<>:"|?*')
    text = text.strip().lstrip(".").strip()
    return text[:200] or "tep-dinh-kem"


def describe(row: StoredFile) -> dict:
    return {"id": row.id, "sha256": row.sha256, "size": row.size, "name": row.name, "media_type": row.media_type,
            "role": row.role, "document": row.document, "reused_from": row.reused_from,
            "uploaded_at": row.uploaded_at.isoformat()}


def _still_used(session, sha256: str) -> bool:
    return session.scalar(select(StoredFile.id).where(StoredFile.sha256 == sha256).limit(1)) is not None


def upload(platform, actor: Actor, stream, filename: str | None) -> dict:
    """Stream the bytes to the store (hashing on the way), judge their type, keep a row."""
    if not (actor.acts_everywhere or actor.has(*WORKING_ROLES)):
        raise Forbidden("Tài khoản không được tải tệp lên.")
    settings, store = platform.settings, store_of(platform)
    try:
        put = store.put(stream, upload_limit(settings))
    except storage.TooLarge:
        raise TooLarge(f"Tệp vượt quá {upload_limit(settings)} byte.") from None
    kind = filetype.guess(put.head)
    allowed = set(settings.section("files").get("allowed_types") or ())
    with platform.uow() as uow:
        session = uow.session
        if kind is None or kind.mime not in allowed:
            if not _still_used(session, put.sha256):
                store.delete(put.sha256)
            raise UnsupportedType("Chỉ nhận tệp PDF, ảnh (JPEG, PNG, TIFF) và văn bản văn phòng được cấu hình; "
                                  "loại tệp được xác định theo nội dung, không theo tên.")
        row = StoredFile(id=str(uuid.uuid4()), sha256=put.sha256, size=put.size, media_type=kind.mime,
                         name=safe_name(filename), uploaded_by=actor.user_id, uploaded_at=platform.now())
        session.add(row)
        uow.commit()
        return {"id": row.id, "sha256": row.sha256, "size": row.size, "name": row.name, "media_type": row.media_type}


# -- attaching -------------------------------------------------------------------------------------

def _applicant_files(session, id_number: str) -> list[StoredFile]:
    """Files of the applicant's earlier dossiers that may be reused: components and results."""
    rows = session.execute(select(StoredFile, Dossier.applicant).join(Dossier, Dossier.id == StoredFile.dossier_id)
                           .where(StoredFile.role.in_(ROLES)).order_by(StoredFile.attached_at, StoredFile.id)).all()
    return [f for f, applicant in rows if (applicant or {}).get("id_number") == id_number]


def _may_use(session, actor: Actor, row: StoredFile) -> bool:
    """An upload not yet attached may be used by its uploader and by colleagues of the same office
    (the specialist scans the result, the leader issues it)."""
    if actor.acts_everywhere or row.uploaded_by == actor.user_id:
        return True
    office = session.scalar(select(User.office_id).where(User.id == row.uploaded_by))
    return office is not None and office == actor.office_id


def prepare(session, actor: Actor, submitted: list, id_number: str | None, now) -> dict:
    """The files the documents name, checked: an own upload not yet attached (`file_id`) or a
    file held for the same applicant (`reused_from`, copied as a new row pointing to the same
    bytes). Returns file id -> {id, sha256, reused_from}, keyed by the id the document gave."""
    out: dict = {}
    for item in submitted or ():
        if item.get("file_id"):
            row = session.get(StoredFile, item["file_id"])
            if row is None or row.dossier_id is not None or not _may_use(session, actor, row):
                raise Invalid("Tệp đính kèm không dùng được.",
                              errors={"documents": [f"Tệp «{item['file_id']}» không tồn tại hoặc đã được dùng."]})
            out[row.id] = {"id": row.id, "sha256": row.sha256}
        elif item.get("reused_from"):
            held = {f.id: f for f in _applicant_files(session, id_number or "")}
            source = held.get(item["reused_from"])
            if source is None:
                raise Invalid("Tệp tái sử dụng không thuộc người nộp hồ sơ này.",
                              errors={"documents": [f"Không có tệp «{item['reused_from']}» của người nộp."]})
            copy = StoredFile(id=str(uuid.uuid4()), sha256=source.sha256, size=source.size,
                              media_type=source.media_type, name=source.name, uploaded_by=actor.user_id,
                              uploaded_at=now, reused_from=source.id)
            session.add(copy)
            out[source.id] = {"id": copy.id, "sha256": copy.sha256, "reused_from": source.id}
    return out


def attach(session, dossier: Dossier, documents: list, role: str, now) -> None:
    """The documents' files now belong to the dossier."""
    for doc in documents:
        if doc.get("file_id"):
            row = session.get(StoredFile, doc["file_id"])
            if row is not None and row.dossier_id is None:
                row.dossier_id, row.role, row.document, row.attached_at = dossier.id, role, doc["name"], now


def claim_result(session, actor: Actor, file_id: str) -> StoredFile:
    row = session.get(StoredFile, file_id)
    if row is None or row.dossier_id is not None or not _may_use(session, actor, row):
        raise Invalid("Tệp kết quả không dùng được.", errors={"file_id": ["Tệp không tồn tại hoặc đã được dùng."]})
    return row


# -- reading -------------------------------------------------------------------------------------

def of_dossier(session, dossier_id: int) -> list[StoredFile]:
    """Components, then supplements, then results; each in the order attached."""
    rows = session.scalars(select(StoredFile).where(StoredFile.dossier_id == dossier_id))
    return sorted(rows, key=lambda f: (ROLES.index(f.role) if f.role in ROLES else 9, f.attached_at, f.id))


def result_of(session, dossier_id: int) -> StoredFile | None:
    rows = [f for f in of_dossier(session, dossier_id) if f.role == "result"]
    return rows[-1] if rows else None


def list_for(platform, actor: Actor, code: str) -> list[dict]:
    with platform.uow(readonly=True) as uow:
        dossier = load_visible(uow.session, actor, code)
        return [describe(f) for f in of_dossier(uow.session, dossier.id)]


def open_for(platform, actor: Actor, code: str, file_id: str):
    """(row description, open binary stream) of one file of a dossier the actor may read."""
    with platform.uow(readonly=True) as uow:
        dossier = load_visible(uow.session, actor, code)
        row = uow.session.get(StoredFile, file_id)
        if row is None or row.dossier_id != dossier.id:
            raise NotFound("Không tìm thấy tệp.")
        return describe(row), _open(platform, row)


def _open(platform, row: StoredFile):
    store = store_of(platform)
    if not store.exists(row.sha256):
        raise NotFound("Tệp không còn trong kho lưu trữ.")
    return store.open(row.sha256)


def check_may_look_up(actor: Actor) -> None:
    if not (actor.acts_everywhere or actor.has(*WORKING_ROLES)):
        raise Forbidden("Tài khoản không được tra cứu tệp của người nộp.")


def reuse_move(loaded, id_number: str, found: list):
    """The core move of a look-up that serves a dossier (`files_reused`); `found` receives the
    applicant's files held for other dossiers."""
    from motcua.domain import content
    rows = _applicant_files(loaded.session, id_number)
    found.extend(describe(r) for r in rows if r.dossier_id != loaded.dossier.id)
    return content.reuse_looked_up(loaded.state, id_number=id_number, files=[f["id"] for f in found])


def applicant_files(platform, actor: Actor, id_number: str) -> list[dict]:
    """The applicant's reusable files, looked up for no dossier in particular: the look-up is
    recorded in the platform's own log (dossiers.look_up_applicant_files records it in a dossier's)."""
    from motcua.services import history
    check_may_look_up(actor)
    with platform.uow() as uow:
        found = [describe(r) for r in _applicant_files(uow.session, id_number)]
        history.append(uow.session, None, "files_reused", at=platform.now(), actor=actor.username,
                       data={"id_number": id_number, "files": [f["id"] for f in found]})
        uow.commit()
    return found


def result_move(loaded, actor: Actor, file_id: str, number: str | None, issued_at, now):
    """The core move of attaching the electronic result (the competent office: motcua/access.py)."""
    from motcua.clock import parse_instant
    from motcua.domain import content
    row = claim_result(loaded.session, actor, file_id)
    at = parse_instant(issued_at) if isinstance(issued_at, str) else (issued_at or now)
    moved = content.issue_result(loaded.state, file_id=row.id, sha256=row.sha256, number=number, issued_at=at)
    row.dossier_id, row.role, row.document, row.attached_at = loaded.dossier.id, "result", number, now
    return moved


def remove_unattached(platform, now=None, claim=None) -> int:
    """Uploads attached to nothing for longer than files.unattached_ttl_hours are deleted (rows,
    and bytes no other row uses). The scheduler's `files_cleanup` job (scheduler/files_cleanup.py)
    passes `claim`, which takes its singleton in this transaction (None: another process sweeps).
    Safe to run twice or in two processes at once (a bulk DELETE; bytes go only when no row is
    left). Returns rows removed."""
    hours = float(platform.settings.section("files").get("unattached_ttl_hours", 24))
    cutoff = (now or platform.now()) - timedelta(hours=hours)
    store = store_of(platform)
    with platform.uow() as uow:
        session = uow.session
        if claim is not None and claim(session) is None:
            return 0
        old = session.execute(select(StoredFile.id, StoredFile.sha256).where(
            StoredFile.dossier_id.is_(None), StoredFile.uploaded_at < cutoff)).all()
        if not old:
            uow.commit()
            return 0
        removed = session.execute(delete(StoredFile).where(StoredFile.id.in_([r.id for r in old]),
                                                           StoredFile.dossier_id.is_(None))).rowcount
        uow.commit()
    with platform.uow(readonly=True) as uow:
        for sha in {r.sha256 for r in old}:
            if not _still_used(uow.session, sha):
                store.delete(sha)
    return removed
