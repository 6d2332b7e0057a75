"""How several scheduler processes on one database behave as one.

- Row work (timers, deadlines, deliveries): each process claims a batch of rows with
  SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so two processes never hold the same row; on
  SQLite every transaction is BEGIN IMMEDIATE (motcua/db/session.py), so writers run one at a
  time and the second sees what the first committed.
- Singleton work (reports, reminders, Saturday desks): the job's scheduler_state row is the lock;
  a process that cannot take it at once skips the run (another process is doing it).
- Each item runs in its own savepoint: one failing dossier is rolled back alone, logged, and
  retried at the next run, while the rest of the batch commits. A process that dies mid-batch
  loses its transaction, its locks are released, and the next run does the work.
- Effects are made idempotent by unique keys (motcua.services.notifications.claim_effect), so
  whatever still races (a retry after a lost commit acknowledgement) produces nothing twice.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import socket
import traceback
from datetime import datetime

from sqlalchemy import select

from motcua.clock import Clock
from motcua.db.models import SchedulerState
from motcua.services.notifications import insert_ignore

log = logging.getLogger("motcua.scheduler")
BATCH = 100
OWNER = f"{socket.gethostname()}:{os.getpid()}"[:64]


def is_postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def at_instant(platform, now: datetime):
    """The platform seen at `now`: every service it calls (process sync, history) stamps `now`."""
    clock = Clock()
    clock.freeze(now)
    return dataclasses.replace(platform, clock=clock)


def claim(session, query, models, *, limit: int = BATCH, skip: bool = True) -> list:
    """The rows of `query`, locked until this transaction ends (PostgreSQL).

    `skip`: rows another transaction holds are left out (SKIP LOCKED); else the query waits for
    them and checks its conditions again on the committed row (READ COMMITTED), so work another
    process just did no longer matches. `models`: the tables whose rows are locked (FOR UPDATE OF).
    """
    if is_postgres(session):
        query = query.with_for_update(skip_locked=skip, of=models)
    return list(session.scalars(query.limit(limit)).unique())


def run_items(session, rows, handle, *, what: str, label=lambda row: getattr(row, "id", row)) -> tuple[int, int]:
    """`handle(row)` for each row in its own savepoint; (items with an effect, items that failed)."""
    done = failed = 0
    for row in rows:
        try:
            with session.begin_nested():
                if handle(row):
                    done += 1
        except Exception as err:  # noqa: BLE001 - one bad item must not stop the batch; it is retried next run
            failed += 1
            log_failure(f"{what} {label(row)} failed; retried at the next run", err)
    return done, failed


def log_failure(message: str, err: Exception) -> None:
    """Log an error by its type and where it happened, not by its message: a database error's
    message quotes the statement's parameters, and a process state or form data may hold an
    applicant's name (no personal data in logs)."""
    orig = getattr(err, "orig", None)
    kind = type(err).__name__ + (f"/{type(orig).__name__}" if orig is not None else "")
    log.warning("%s (%s)\n%s", message, kind, "".join(traceback.format_tb(err.__traceback__)).rstrip())


def scan(platform, build_query, models, key_column, handle, *, what: str, label=None, ready=None,
         probe=()) -> dict:
    """Do `handle(session, row)` for every row of `build_query()` that is due, once.

    Rows are read in keyset order on `key_column` without locks, as plain tuples of `key_column`
    and the `probe` columns, filtered by `ready(session, tuple)` when given (a watch over many
    rows rarely due then holds no lock the officials' own updates would wait for, and loads no
    entity it does not work on), and the kept ones are locked (`models`: FOR UPDATE OF; include
    the dossier so that two jobs never work on one dossier at once) and loaded with the query's
    conditions checked again.

    First pass: SKIP LOCKED, a batch per transaction; what another process holds is left out.
    Second pass (PostgreSQL, when the first could not lock every row it wanted): what is still due
    is taken one row per transaction, waiting for the other process to finish it; on the committed
    row it usually no longer matches. So a run ends with every due row done, whoever did it, and
    no row done twice.
    """
    models = models if isinstance(models, (list, tuple)) else [models]
    done = failed = 0
    missed = False  # rows the first pass could not lock (or that stopped matching meanwhile)
    for skip in (True, False):
        if not skip and not (missed and _postgres_platform(platform)):
            break
        last = None
        while True:
            with platform.uow() as uow:
                session = uow.session
                query = build_query()
                if last is not None:
                    query = query.where(key_column > last)
                seen = session.execute(query.with_only_columns(key_column, *probe).order_by(key_column)
                                       .limit(BATCH)).all()
                if not seen:
                    break
                last = seen[-1][0]
                keys = [r[0] for r in seen if ready is None or ready(session, r)]
            groups = [keys] if skip else [[k] for k in keys]
            for group in groups:
                if not group:
                    continue
                with platform.uow() as uow:
                    session = uow.session
                    rows = claim(session, build_query().where(key_column.in_(group)).order_by(key_column), models,
                                 limit=len(group), skip=skip)
                    missed = missed or len(rows) < len(group)
                    d, f = run_items(session, rows, lambda row: handle(session, row), what=what,
                                     **({"label": label} if label else {}))
                    uow.commit()
                done, failed = done + d, failed + f
    return {"done": done, "failed": failed}


def _postgres_platform(platform) -> bool:
    return platform.session_factory.kw["bind"].dialect.name == "postgresql"


def ensure_state(session, job: str) -> None:
    insert_ignore(session, SchedulerState, {"job": job}, ["job"])


def take_singleton(session, job: str) -> SchedulerState | None:
    """The job's state row, locked for this transaction; None when another process holds it."""
    ensure_state(session, job)
    query = select(SchedulerState).where(SchedulerState.job == job)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def record_run(platform, job: str, now: datetime, *, wall: datetime | None = None) -> None:
    """What /health and the catch-up logic read: when the job last ran (at `now`) and who ran it."""
    with platform.uow() as uow:
        session = uow.session
        ensure_state(session, job)
        state = session.get(SchedulerState, job)
        if state.last_run_at is None or state.last_run_at < now:
            state.last_run_at = now
        state.heartbeat_at = wall or now
        state.owner = OWNER
        uow.commit()
