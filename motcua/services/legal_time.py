"""A longer legal time on a path (issue 13.4): what the use cases add around the core's rule.

The rule itself is `motcua.domain.steps.extend_legal_time` (called by `steps.sync`). It needs
the dossier's finished pauses, which a use case loads only when a ready step carries
`legal_days`; and the legal time in force for the recomputation after a calendar change is the
longest one recorded by a `legal_time_extended` event, not the manifest's. After an extension
the receiving desk is told, so the applicant can be informed and the slip printed again.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from motcua.db.models import Event
from motcua.services import notifications
from motcua.services.store import pauses_of

TYPE = "legal_time_extended"


def extended_legal_days(session, dossier_ids=None) -> dict[int, Decimal]:
    """The longest legal time recorded per dossier by `legal_time_extended` events (of the
    dossiers given, or of every dossier: one pass over the events of that type)."""
    out: dict[int, Decimal] = {}
    if dossier_ids is None:
        batches = [select(Event.dossier_id, Event.data).where(Event.type == TYPE)]
    else:
        ids = list(dossier_ids)
        batches = [select(Event.dossier_id, Event.data).where(Event.dossier_id.in_(ids[i:i + 500]),
                                                              Event.type == TYPE)
                   for i in range(0, len(ids), 500)]
    for query in batches:
        for dossier_id, data in session.execute(query):
            try:
                days = Decimal(str((data or {}).get("legal_days")))
            except Exception:  # noqa: BLE001 - a malformed record changes nothing
                continue
            if days.is_finite() and days > out.get(dossier_id, Decimal(-1)):
                out[dossier_id] = days
    return out


def prepare(session, loaded, ready) -> None:
    """Before `steps.sync`: when a ready step carries `legal_days`, the state needs its pauses
    and the legal time already in force (fields the save does not write back)."""
    state = loaded.state
    if not any(getattr(r.step, "legal_days", None) is not None and r.task_id not in state.steps for r in ready):
        return
    dossier_id = loaded.dossier.id
    if state.pauses is None:
        state.pauses = pauses_of(session, [dossier_id]).get(dossier_id, [])
    longer = extended_legal_days(session, [dossier_id]).get(dossier_id)
    if longer is not None and longer > state.legal_days:
        state.legal_days = longer


def notify_extended(platform, session, loaded, events, now) -> None:
    """The receiving desk is told the new appointment (to inform the applicant and print the
    slip again). No personal data: the code and the procedure name only."""
    dossier = loaded.dossier
    for event in events:
        if getattr(event, "type", None) != TYPE:
            continue
        label = notifications.dossier_label(dossier)
        office = dossier.receiving_office
        notifications.notify(
            session, platform.settings, kind="legal_time_extended", subject=f"{dossier.code}:{event.bpmn_id}",
            users=notifications.users_with_role(session, office.id, "receiver"),
            title=f"Hẹn lại ngày trả kết quả: hồ sơ {dossier.code}",
            body=(f"Hồ sơ {label}: áp dụng thời hạn {event.legal_days} ngày làm việc ({event.reason}); "
                  f"ngày hẹn trả mới {notifications.fmt(event.due_at)}. Báo cho người nộp hồ sơ và in lại "
                  f"giấy tiếp nhận và hẹn trả kết quả."),
            at=now, dossier=dossier, office_id=office.id, due_at=event.due_at,
            data={"step": event.bpmn_id, "old_due_at": event.old_due_at.isoformat(),
                  "due_at": event.due_at.isoformat(), "legal_days": str(event.legal_days)})
