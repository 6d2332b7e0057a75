"""Row locks for use cases that change a dossier: one change per dossier at a time.

Lock order is always dossier, then its task rows, so two use cases never wait on each other in a
circle. SQLite takes the database lock at BEGIN IMMEDIATE, so FOR UPDATE is a no-op there.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from motcua.db.models import Dossier


def lock_dossier(session, dossier_id: int) -> Dossier:
    """The dossier row alone, locked and read again. Not joined to its procedure version: after
    waiting for a concurrent change, PostgreSQL re-checks only the locked row, so a join would
    pair a migrated dossier with its old version and an outer join would return none at all."""
    return session.scalar(select(Dossier).where(Dossier.id == dossier_id)
                          .options(lazyload(Dossier.procedure_version))
                          .with_for_update(of=Dossier).execution_options(populate_existing=True))
