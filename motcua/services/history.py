"""Appending to a dossier's hash-linked history. There is no update or delete path."""
from __future__ import annotations

import copy

from sqlalchemy import func, select

from motcua import events as chain
from motcua.clock import VN_TZ
from motcua.db.models import Dossier, Event


def append(session, dossier: Dossier | None, type_: str, *, at, actor: str | None,
           step: str | None = None, data=None) -> Event:
    data = copy.deepcopy(data) if data is not None else None
    at = at.astimezone(VN_TZ)
    if dossier is not None:
        seq = (dossier.last_event_seq or 0) + 1
        prev = dossier.last_event_hash or chain.GENESIS
    else:
        last = session.execute(
            select(Event.seq, Event.hash).where(Event.dossier_id.is_(None)).order_by(Event.seq.desc()).limit(1)
        ).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, chain.GENESIS)
    # The canonical form is computed from what the database will give back (JSON text round trip).
    stored = _json_roundtrip(data)
    digest = chain.link(prev, chain.canonical(seq, at, type_, actor, step, stored))
    event = Event(dossier_id=dossier.id if dossier is not None else None, seq=seq, at=at, type=type_,
                  actor=actor, step=step, data=stored, prev_hash=prev, hash=digest)
    session.add(event)
    if dossier is not None:
        dossier.last_event_seq = seq
        dossier.last_event_hash = digest
    return event


def _json_roundtrip(data):
    import json
    from motcua.db.types import dumps
    return None if data is None else json.loads(dumps(data))


def events_of(session, dossier_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.dossier_id == dossier_id).order_by(Event.seq)))


def count(session) -> int:
    return session.scalar(select(func.count(Event.id)))
