"""Appending to a dossier's hash-linked history. There is no update or delete path."""
from __future__ import annotations

import json

from sqlalchemy import bindparam, insert, select, update

from motcua import hash_chain as chain
from motcua.clock import VN_TZ
from motcua.db.models import Dossier, Event
from motcua.db.types import dumps


def _entry(dossier_id, last_seq, last_hash, type_, at, actor, step, data) -> dict:
    """One event's row, linked to the previous hash. The hash covers what the database gives back."""
    at = at.astimezone(VN_TZ)
    stored = _json_roundtrip(data)  # a fresh copy, exactly as the database will give it back
    seq = (last_seq or 0) + 1
    prev = last_hash or chain.GENESIS
    digest = chain.link(prev, chain.canonical(seq, at, type_, actor, step, stored))
    return dict(dossier_id=dossier_id, seq=seq, at=at, type=type_, actor=actor, step=step, data=stored,
                prev_hash=prev, hash=digest)


def append(session, dossier: Dossier | None, type_: str, *, at, actor: str | None,
           step: str | None = None, data=None) -> Event:
    if dossier is not None:
        row = _entry(dossier.id, dossier.last_event_seq, dossier.last_event_hash, type_, at, actor, step, data)
    else:
        last = session.execute(
            select(Event.seq, Event.hash).where(Event.dossier_id.is_(None)).order_by(Event.seq.desc()).limit(1)
        ).first()
        row = _entry(None, last.seq if last else 0, last.hash if last else None, type_, at, actor, step, data)
    event = Event(**row)
    session.add(event)
    if dossier is not None:
        dossier.last_event_seq = row["seq"]
        dossier.last_event_hash = row["hash"]
    return event


def extend(session, dossier: Dossier, items: list[tuple]) -> None:
    """A dossier's new events, in order, in one multi-row INSERT (no ORM objects, no RETURNING):
    `items` are (type, at, actor, step, data). The chain head on the dossier row moves with them."""
    if not items:
        return
    rows, seq, digest = [], dossier.last_event_seq, dossier.last_event_hash
    for type_, at, actor, step, data in items:
        row = _entry(dossier.id, seq, digest, type_, at, actor, step, data)
        rows.append(row)
        seq, digest = row["seq"], row["hash"]
    session.execute(insert(Event), rows)
    dossier.last_event_seq = seq
    dossier.last_event_hash = digest


def append_many(session, items: list[tuple], type_: str, *, at, actor: str | None) -> None:
    """The same event for many dossiers at once, written in bulk.

    `items` are (dossier_id, last_event_seq, last_event_hash, data) as read in the same transaction
    (the caller holds the rows it read); each dossier's chain head moves with its version counter.
    """
    if not items:
        return
    rows = [_entry(d_id, seq, digest, type_, at, actor, None, data) for d_id, seq, digest, data in items]
    session.execute(insert(Event), rows)
    table = Dossier.__table__
    session.connection().execute(
        update(table).where(table.c.id == bindparam("b_id")).values(
            last_event_seq=bindparam("b_seq"), last_event_hash=bindparam("b_hash"), version=table.c.version + 1),
        [{"b_id": r["dossier_id"], "b_seq": r["seq"], "b_hash": r["hash"]} for r in rows])


def _json_roundtrip(data):
    return None if data is None else json.loads(dumps(data))


def events_of(session, dossier_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.dossier_id == dossier_id).order_by(Event.seq)))

