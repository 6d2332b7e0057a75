"""A dossier's content: documents with their files, the electronic result, fees paid, reuse.

Transitions like those of lifecycle.py: `(state, ...) -> (new_state, [events])`, the state given
never changed. The documents a receipt or a supplement records carry their file (`file_id`,
`sha256`, `reused_from`), so each file's hash is in the hash-linked history; a supplement
appends new versions, the earlier ones stay (Decree 45/2020: the dossier keeps its history).
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from motcua.domain import events as E
from motcua.domain import statuses as S
from motcua.domain.errors import NotAllowed
from motcua.domain.state import DossierState
from motcua.errors import Invalid

Moved = tuple[DossierState, list[E.Event]]
CHANNELS = ("desk", "online", "postal")


def documents(manifest: dict, submitted: Iterable[dict], files: dict, earlier: Iterable[dict] = ()) -> list:
    """The documents the desk took: each with its count and, when it has one, its file
    (`files`: file id -> {sha256, reused_from?}). `digitized` is true exactly when a file is there.
    `version` counts the documents of the same name already in the dossier (supplements)."""
    copies = {d.get("name"): d.get("copies", 1) for d in manifest.get("documents") or []}
    seen: dict[str, int] = {}
    for doc in earlier or ():
        seen[doc.get("name")] = seen.get(doc.get("name"), 0) + 1
    out = []
    for item in submitted or ():
        given = item.get("copies")
        doc = {"name": item["name"], "copies": given if given is not None else copies.get(item["name"], 1)}
        file_id = item.get("file_id") or item.get("reused_from")
        if file_id:
            held = files.get(file_id)
            if held is None:
                raise Invalid("Tệp đính kèm không tồn tại.", errors={"documents": [f"Không có tệp «{file_id}»."]})
            doc.update({"file_id": held["id"], "sha256": held["sha256"]})
            if held.get("reused_from"):
                doc["reused_from"] = held["reused_from"]
        # Contract "Files": digitized exactly when the document has a file; a client's
        # `digitized: true` without one is ignored (the 766 index counts files, not flags).
        doc["digitized"] = bool(file_id)
        seen[doc["name"]] = seen.get(doc["name"], 0) + 1
        if file_id and seen[doc["name"]] > 1:
            doc["version"] = seen[doc["name"]]
        out.append(doc)
    return out


def issue_result(state: DossierState, *, file_id: str, sha256: str, number: str | None,
                 issued_at: datetime) -> Moved:
    """The electronic result: before or when the dossier is done, never on a closed other end."""
    if state.status not in S.OPEN_STATUSES and state.status not in (S.DONE, S.RETURNED):
        raise NotAllowed("Hồ sơ đã kết thúc mà không có kết quả nên không đính kèm kết quả được.")
    # The file row (role "result") holds it; `state.result` stays the workflow's result data.
    return state.copy(), [E.ResultIssued(file_id=file_id, sha256=sha256, number=number, issued_at=issued_at)]


def record_payment(state: DossierState, *, amount: int, channel: str, reference: str, paid_at: datetime) -> Moved:
    if channel not in CHANNELS:
        raise Invalid("Kênh thanh toán không hợp lệ.", errors={"channel": ["Chỉ nhận: desk, online, postal."]})
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Invalid("Số tiền không hợp lệ.", errors={"amount": ["Số tiền phải là số nguyên dương (đồng)."]})
    if not reference or len(str(reference)) > 128:
        raise Invalid("Thiếu mã giao dịch.", errors={"reference": ["Cần mã giao dịch (tối đa 128 ký tự)."]})
    return state.copy(), [E.PaymentRecorded(amount=amount, channel=channel, reference=str(reference),
                                            paid_at=paid_at)]


def reuse_looked_up(state: DossierState, *, id_number: str, files: Iterable[str]) -> Moved:
    """A look-up of the applicant's earlier files made for this dossier (Decree 45/2020 art. 11)."""
    return state.copy(), [E.FilesReused(id_number=id_number, files=tuple(files))]
