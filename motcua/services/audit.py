"""Auditing dossiers: the hash chain of each history, a replay from the events, an export.

Everything here only reads dossiers. A guard on the session refuses any flush, and the unit of
work is never committed, so an auditor's request cannot change a dossier even by accident; the one
write is `verify_all`'s checkpoints (table `chain_checkpoints`), in a transaction of their own.

- `audit_dossier`: one dossier's chain (with the dossier's anchor, so a deleted last event is
  caught too), its events and its replay (motcua/replay).
- `verify_all`: every dossier's chain, in short transactions of `BATCH` dossiers (SQLite takes a
  write lock per transaction: live requests wait at most one batch), with a progress bar;
  incremental from each dossier's verified checkpoint unless `full`.
- `export_history`: the history as a JSON document an outsider can verify with sha256 alone.
"""
from __future__ import annotations

import itertools
import sys
from contextlib import contextmanager

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, delete, event as sa_event, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite

from motcua import hash_chain as chain
from motcua.access import Actor
from motcua.db.models import CalendarOverride, ChainCheckpoint, Dossier, Event, Office, ProcedureVersion, StepRow, User
from motcua.errors import NotFound
from motcua.replay import (
    CalendarTimeline, Record, Replayer, Stored, StoredDossier, StoredProcess, StoredRow, legal_functions,
    office_like,
)
from motcua.replay.records import TooDeep, load_json
from motcua.services import process
from motcua.services.dossiers import load_visible

READERS = ("admin", "auditor", "receiver", "specialist", "leader")
VERIFIERS = ("admin", "auditor")
BATCH = 500
EXPORT_FORMAT = "motcua-audit-export/1"
HASH_RULE = ("hash = sha256(prev_hash + canonical), canonical = JSON of {seq, at, type, actor, step, data} "
             "with sorted keys, separators (',', ':'), UTF-8 unescaped; prev_hash of seq 1 = 64 × '0'")


@contextmanager
def _read_only(session):
    """Any attempt to write in this session fails before it reaches the database.

    On PostgreSQL the transaction is also READ ONLY and REPEATABLE READ: the dossier's chain head
    and its events are read by separate statements, and a use case committing between them must
    not look like a broken chain. (On SQLite a read-only unit of work reads one WAL snapshot.)
    """
    def refuse(*_args):
        raise RuntimeError("audit sessions are read-only")
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
    sa_event.listen(session, "before_flush", refuse)
    try:
        yield session
    finally:
        sa_event.remove(session, "before_flush", refuse)
        session.rollback()


# --- the chain -------------------------------------------------------------------------------

def first_broken(events, last_seq: int, last_hash: str, checkpoint: tuple[int, str] | None = None) -> int | None:
    """The first broken sequence number of a dossier's chain, anchored at the dossier's last link.

    `checkpoint` (seq, hash): the chain was verified intact up to that event before; `events`
    then start at it, the event there must still carry that hash, and only the ones after it
    are hashed again.
    """
    if checkpoint is not None:
        seq, digest = checkpoint
        if not events or events[0].seq != seq or events[0].hash != digest:
            return seq
        broken = chain.verify_chain(events[1:], start=seq + 1, prev=digest)
    else:
        broken = chain.verify_chain(events)
    if broken is not None:
        return broken
    count = events[-1].seq if events else 0
    tail_hash = events[-1].hash if events else chain.GENESIS
    if count != (last_seq or 0):
        return min(count, last_seq or 0) + 1  # events cut off the end, or appended past the writer
    if tail_hash != (last_hash or chain.GENESIS):
        return max(count, 1)
    return None


def _event_view(e) -> dict:
    data = str(e.data) if isinstance(e.data, TooDeep) else e.data
    return {"seq": e.seq, "at": e.at, "type": e.type, "actor": e.actor, "step": e.step, "data": data,
            "prev_hash": e.prev_hash, "hash": e.hash}


@dataclass(frozen=True)
class _Event:
    """An event as stored, its data parsed here: JSON nested too deep for Python (hostile data)
    becomes a `TooDeep` value the chain check and replay report, instead of failing the request."""

    id: int
    seq: int
    at: datetime
    type: str
    actor: str | None
    step: str | None
    data: object
    prev_hash: str
    hash: str


def _events_of(session, dossier_id: int) -> list[_Event]:
    t = Event.__table__
    rows = session.execute(select(t.c.id, t.c.seq, t.c.at, t.c.type, t.c.actor, t.c.step,
                                  type_coerce(t.c.data, Text).label("data"), t.c.prev_hash, t.c.hash)
                           .where(t.c.dossier_id == dossier_id).order_by(t.c.seq))
    return [_Event(r.id, r.seq, r.at, r.type, r.actor, r.step, load_json(r.data), r.prev_hash, r.hash)
            for r in rows]


# --- replay ----------------------------------------------------------------------------------

def timeline(platform, session) -> CalendarTimeline:
    """Offices, today's calendar overrides and every calendar change, for due times at any moment."""
    all_offices = session.scalars(select(Office)).all()
    offices = {o.code: office_like(o.code, o.hours, o.saturday, o.name) for o in all_offices}
    codes = {o.id: o.code for o in all_offices}
    rows = [(r.day, r.kind, r.name, codes.get(r.office_id) if r.office_id else None)
            for r in session.scalars(select(CalendarOverride))]
    changes = session.execute(select(Event.id, Event.data).where(
        Event.dossier_id.is_(None), Event.type == "calendar_changed").order_by(Event.id)).all()
    return CalendarTimeline(platform.settings, offices, rows, [(c.id, c.data) for c in changes])


def _functions(platform, session, dossier, calendars: CalendarTimeline):
    """The functions BPMN expressions call (services/process.script_functions), on the replay's
    clock; the two that read the legal calendar use the calendar in force at each event."""
    cache = {}

    def factory(clock, calendar):
        if "live" not in cache:
            from types import SimpleNamespace
            shim = SimpleNamespace(settings=platform.settings, limits=platform.limits, clock=clock, now=clock.now)
            cache["live"] = process.script_functions(shim, session, dossier)
        functions = dict(cache["live"])
        functions.update(legal_functions(clock, calendar, calendars.hours(dossier.competent_office.code)))
        return functions
    return factory


def _rows(session, dossier: Dossier) -> list[StoredRow]:
    """The dossier's task rows, their data parsed here (see `_Event`)."""
    t = StepRow.__table__
    rows = session.execute(select(t.c.id, t.c.bpmn_id, t.c.state, t.c.office_id, t.c.ready_at, t.c.due_at,
                                  type_coerce(t.c.data, Text).label("data"), t.c.assignee_id, t.c.completed_by,
                                  t.c.completed_at, t.c.overdue).where(t.c.dossier_id == dossier.id)).all()
    user_ids = {r.completed_by for r in rows if r.completed_by} | {r.assignee_id for r in rows if r.assignee_id}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all()) if user_ids else {}
    offices = dict(session.execute(select(Office.id, Office.code)).all())
    return [StoredRow(id=r.id, bpmn_id=r.bpmn_id, state=r.state, office=offices.get(r.office_id), ready_at=r.ready_at,
                      due_at=r.due_at, data=load_json(r.data), assignee=names.get(r.assignee_id),
                      completed_by=names.get(r.completed_by), completed_at=r.completed_at, overdue=bool(r.overdue))
            for r in rows]


def _stored(session, dossier: Dossier) -> Stored:
    instance = process.instance_of(session, dossier)
    return Stored(
        dossier=StoredDossier(
            code=dossier.code, status=dossier.status, receiving_office=dossier.receiving_office.code,
            competent_office=dossier.competent_office.code, received_at=dossier.received_at,
            clock_start=dossier.clock_start, due_at=dossier.due_at, paused_at=dossier.paused_at,
            supplement_count=dossier.supplement_count, overdue=dossier.overdue,
            apology_required=dossier.apology_required, apology=dossier.apology, finished_at=dossier.finished_at,
            returned_at=dossier.returned_at, result=dossier.result, data=dossier.data,
            documents=dossier.documents),
        process=None if instance is None else StoredProcess(
            state=instance.state, status=instance.status, next_timer_at=instance.next_timer_at),
        rows=_rows(session, dossier),
    )


def _received_version(session, dossier: Dossier, events) -> ProcedureVersion:
    """The version the dossier was received on (a migrated dossier's row names the newer one)."""
    first = events[0] if events else None
    number = first.data.get("procedure_version") if first is not None and isinstance(first.data, dict) else None
    if first is None or first.type != "received" or number == dossier.procedure_version.version:
        return dossier.procedure_version
    found = session.scalar(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == dossier.procedure_version.procedure_id, ProcedureVersion.version == number))
    return found or dossier.procedure_version


def _versions_of(session, procedure_id: int):
    """For a `migrated` event: (spec text, manifest) of a version of the same procedure."""
    def lookup(number: int):
        found = session.scalar(select(ProcedureVersion).where(
            ProcedureVersion.procedure_id == procedure_id, ProcedureVersion.version == number))
        if found is None:
            raise LookupError(number)
        return found.spec, found.manifest
    return lookup


def replay(platform, session, dossier: Dossier, *, events=None, calendars: CalendarTimeline | None = None) -> dict:
    """Rebuild the dossier's workflow from its events and compare with what is stored.

    -> {consistent, detail, diverged_at, differences: [{seq, detail}], events_replayed, ignored_types}.
    `diverged_at` is the first event where the rebuilt and the recorded (or stored) state part;
    one past the last event when the log stops before the replay's expected consequences.
    Reads only: nothing is added to the session.
    """
    events = _events_of(session, dossier.id) if events is None else events
    calendars = calendars or timeline(platform, session)
    version = _received_version(session, dossier, events)
    replayer = Replayer(spec_text=version.spec, manifest=version.manifest, version=version.version,
                        timeline=calendars, functions=_functions(platform, session, dossier, calendars),
                        time_limit=float(platform.limits["script_time_limit"]),
                        versions=_versions_of(session, version.procedure_id))
    records = [Record(seq=e.seq, at=e.at, type=e.type, actor=e.actor, step=e.step, data=e.data, id=e.id)
               for e in events]
    return replayer.run(records, _stored(session, dossier))


# --- use cases -------------------------------------------------------------------------------

def _readable(session, actor: Actor | None, code: str) -> Dossier:
    """Auditors and admins read every dossier; staff the ones they see; the CLI (no actor) all."""
    if actor is None:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        if dossier is None:
            raise NotFound(f"Không tìm thấy hồ sơ «{code}».")
        return dossier
    actor.require(*READERS)
    return load_visible(session, actor, code)


def audit_dossier(platform, actor: Actor | None, code: str) -> dict:
    """-> {code, chain_valid, first_broken, events, replay: {consistent, detail, diverged_at, ...}}."""
    with platform.uow(readonly=True) as uow, _read_only(uow.session) as session:
        dossier = _readable(session, actor, code)
        events = _events_of(session, dossier.id)
        broken = first_broken(events, dossier.last_event_seq, dossier.last_event_hash)
        return {"code": dossier.code, "chain_valid": broken is None, "first_broken": broken,
                "events": [_event_view(e) for e in events],
                "replay": replay(platform, session, dossier, events=events)}


def export_history(platform, actor: Actor | None, code: str) -> dict:
    """The dossier's history as a self-contained JSON document (times exactly as hashed)."""
    with platform.uow(readonly=True) as uow, _read_only(uow.session) as session:
        dossier = _readable(session, actor, code)
        events = _events_of(session, dossier.id)
        broken = first_broken(events, dossier.last_event_seq, dossier.last_event_hash)
        version = dossier.procedure_version
        return {
            "format": EXPORT_FORMAT,
            "code": dossier.code,
            "procedure": {"code": version.manifest["code"], "version": version.version,
                          "content_hash": version.content_hash},
            "exported_at": platform.now().isoformat(),
            "exported_by": actor.username if actor else "cli",
            "hash": {"algorithm": "sha256", "genesis": chain.GENESIS, "rule": HASH_RULE},
            "anchor": {"last_event_seq": dossier.last_event_seq, "last_event_hash": dossier.last_event_hash},
            "chain_valid": broken is None,
            "first_broken": broken,
            "replay": replay(platform, session, dossier, events=events),
            "events": [{**_event_view(e), "at": e.at.isoformat()} for e in events],
        }


_EVENTS = Event.__table__
# Core columns, read through the connection: no ORM row objects for millions of events.
_CHAIN_COLUMNS = tuple(_EVENTS.c[name] for name in ("dossier_id", "seq", "at", "type", "actor", "step", "data",
                                                     "prev_hash", "hash"))


_CHECKPOINTS = ChainCheckpoint.__table__


def _first(row):
    return row[0]


def _chain_rows(lo: int, hi: int, *, incremental: bool):
    """The events of dossiers lo..hi in chain order; `incremental`: from each one's checkpoint on."""
    query = select(*_CHAIN_COLUMNS).where(_EVENTS.c.dossier_id >= lo, _EVENTS.c.dossier_id <= hi)
    if incremental:
        query = query.select_from(_EVENTS.outerjoin(_CHECKPOINTS, _CHECKPOINTS.c.dossier_id == _EVENTS.c.dossier_id)
                                  ).where(_EVENTS.c.seq >= func.coalesce(_CHECKPOINTS.c.seq, 1))
    return query.order_by(_EVENTS.c.dossier_id, _EVENTS.c.seq)


def _save_checkpoints(platform, intact: list[dict], dropped: list[int]) -> None:
    """The only write of a verification, in its own short transaction: checkpoints move to the
    last event of chains found intact, and chains found broken lose theirs."""
    if not intact and not dropped:
        return
    with platform.uow() as uow:
        session = uow.session
        if dropped:
            session.execute(delete(_CHECKPOINTS).where(_CHECKPOINTS.c.dossier_id.in_(dropped)))
        if intact:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            now = platform.now()
            stmt = insert(_CHECKPOINTS)
            stmt = stmt.on_conflict_do_update(index_elements=[_CHECKPOINTS.c.dossier_id], set_={
                "seq": stmt.excluded.seq, "hash": stmt.excluded.hash, "verified_at": stmt.excluded.verified_at})
            session.execute(stmt, [{**row, "verified_at": now} for row in intact])
        uow.commit()


def _files_findings(platform, session, lo: int, hi: int, hashes: dict):
    """Files of dossiers lo..hi whose stored bytes no longer hash to the sha256 in the history
    (issue 12): (dossier id, {file_id, document, problem: changed|missing})."""
    from motcua.db.models import StoredFile
    from motcua.storage import store_for
    store = store_for(platform.settings)
    rows = session.execute(select(StoredFile.dossier_id, StoredFile.id, StoredFile.sha256, StoredFile.document)
                           .where(StoredFile.dossier_id >= lo, StoredFile.dossier_id <= hi)
                           .order_by(StoredFile.dossier_id, StoredFile.id)).all()
    for dossier_id, file_id, sha, document in rows:
        if sha not in hashes:
            hashes[sha] = store.hash_of(sha)
        now = hashes[sha]
        if now != sha:
            yield dossier_id, {"file_id": file_id, "document": document,
                               "problem": "missing" if now is None else "changed"}


def verify_all(platform, progress: bool = False, *, actor: Actor | None = None, replay_too: bool = False,
               batch: int = BATCH, full: bool = False, after: int = 0, limit: int | None = None) -> dict:
    """Every dossier's chain (and, with `replay_too`, its replay); with `limit`, one page of at most
    `limit` dossiers after the cursor `after` (the console shows progress page by page).

    Incremental by default: a dossier whose chain was found intact before has a checkpoint (the
    seq and hash of its last event then, table `chain_checkpoints`); only the events after it are
    hashed, after checking that the event at the checkpoint still carries the hash verified then.
    What that guarantees: every event appended since the last verification is intact and links
    onto the verified part, the verified part's last hash is unchanged, and the dossier's anchor
    (last seq and hash on the dossier row) matches. It does not hash the verified events again:
    a rewrite of an old event that leaves its stored hash alone is caught only by `full=True`
    (`motcua audit verify --full`), which ignores the checkpoints and hashes every event. A broken
    chain loses its checkpoint, so later runs report it again until it is dealt with.

    -> {checked, broken: [codes], first_broken: {code: seq}, calendar_chain_valid,
        calendar_first_broken, full[, total, next (pages)][, inconsistent: [codes], diverged_at: {code: seq}]}.
    """
    if actor is not None:
        actor.require(*VERIFIERS)
    from tqdm import tqdm

    with platform.uow(readonly=True) as uow, _read_only(uow.session) as session:
        total = session.scalar(select(func.count(Dossier.id)))
    checked, broken, firsts, inconsistent, diverged = 0, [], {}, [], {}
    files_broken: list[dict] = []
    hashes: dict[str, str | None] = {}
    last_id = after
    if limit is not None:
        batch = max(1, min(batch, limit))
    with tqdm(total=total, disable=not progress, unit=" hồ sơ", desc="Kiểm tra chuỗi băm", file=sys.stderr,
              dynamic_ncols=True) as bar:
        while True:
            with platform.uow(readonly=True) as uow, _read_only(uow.session) as session:
                dossiers = session.execute(
                    select(Dossier.id, Dossier.code, Dossier.last_event_seq, Dossier.last_event_hash)
                    .where(Dossier.id > last_id).order_by(Dossier.id).limit(batch)).all()
                if not dossiers:
                    break
                lo, hi = dossiers[0].id, dossiers[-1].id
                checkpoints = {} if full else {r.dossier_id: (r.seq, r.hash) for r in session.execute(
                    select(_CHECKPOINTS.c.dossier_id, _CHECKPOINTS.c.seq, _CHECKPOINTS.c.hash).where(
                        _CHECKPOINTS.c.dossier_id >= lo, _CHECKPOINTS.c.dossier_id <= hi))}
                rows = session.connection().execute(_chain_rows(lo, hi, incremental=bool(checkpoints)))
                grouped = {key: list(group) for key, group in itertools.groupby(rows, key=_first)}
                intact, dropped = [], []
                for d in dossiers:
                    checkpoint = checkpoints.get(d.id)
                    seq = first_broken(grouped.get(d.id, []), d.last_event_seq, d.last_event_hash, checkpoint)
                    if seq is not None:
                        broken.append(d.code)
                        firsts[d.code] = seq
                        dropped.append(d.id)
                    elif d.last_event_seq and (checkpoint is None or checkpoint[0] != d.last_event_seq):
                        intact.append({"dossier_id": d.id, "seq": d.last_event_seq, "hash": d.last_event_hash})
                codes = {d.id: d.code for d in dossiers}
                for dossier_id, finding in _files_findings(platform, session, lo, hi, hashes):
                    files_broken.append({"code": codes[dossier_id], **finding})
                    if codes[dossier_id] not in broken:
                        broken.append(codes[dossier_id])
                if replay_too:
                    calendars = timeline(platform, session)
                    for dossier in session.scalars(select(Dossier).where(Dossier.id >= lo, Dossier.id <= hi)):
                        result = replay(platform, session, dossier, calendars=calendars)
                        if not result["consistent"]:
                            inconsistent.append(dossier.code)
                            diverged[dossier.code] = result["diverged_at"]
                checked += len(dossiers)
                last_id = hi
            _save_checkpoints(platform, intact, dropped)
            bar.update(len(dossiers))
            if broken or inconsistent:
                bar.set_postfix_str(f"{len(broken) + len(inconsistent)} sai lệch", refresh=False)
            if limit is not None and checked >= limit:
                break
    with platform.uow(readonly=True) as uow, _read_only(uow.session) as session:
        global_events = session.connection().execute(select(*_CHAIN_COLUMNS).where(
            _EVENTS.c.dossier_id.is_(None)).order_by(_EVENTS.c.seq)).all()
        calendar_broken = chain.verify_chain(global_events)
    result = {"checked": checked, "broken": broken, "first_broken": firsts,
              "calendar_chain_valid": calendar_broken is None, "calendar_first_broken": calendar_broken,
              "full": full}
    if limit is not None:  # a page: how many in all, and the cursor of the next page while there is one
        result["total"] = total
        if checked >= limit:
            result["next"] = last_id
    if files_broken:  # issue 12: stored files changed or missing (absent when all are intact)
        result["files_broken"] = files_broken
    if replay_too:
        result.update(inconsistent=inconsistent, diverged_at=diverged)
    return result
