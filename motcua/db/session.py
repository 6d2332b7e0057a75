"""Engines and the unit of work: one transaction per use case, committed in one place."""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    if not _is_sqlite(dbapi_connection):
        return
    # We issue BEGIN ourselves (below), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    # Writers queue at BEGIN instead of failing later with "database is locked" when a read
    # transaction tries to write: SQLite's path to "exactly one completion, one conflict".
    # Read-only units of work (audits, reports) take a plain deferred BEGIN and block nobody.
    if conn.dialect.name == "sqlite":
        readonly = conn.get_execution_options().get("motcua_readonly")
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def make_engine(url: str):
    return create_engine(url, **engine_options(url))


def make_session_factory(engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """`with uow: ...; uow.commit()`: nothing is written unless commit() is reached."""

    def __init__(self, session_factory, *, readonly: bool = False):
        self._factory = session_factory
        self.readonly = readonly
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        if self.readonly:
            bind = self._factory.kw["bind"].execution_options(motcua_readonly=True)
            self.session = self._factory(bind=bind)
        else:
            self.session = self._factory()
        return self

    def __exit__(self, exc_type, exc, tb):
        # close() ends the transaction (uncommitted work is discarded) and detaches objects
        # without expiring them, so a use case can return what it loaded.
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
