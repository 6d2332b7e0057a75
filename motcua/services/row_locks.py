"""Row locks for use cases that change a dossier: one change per dossier at a time.

Lock order is always dossier, then its task rows, so two use cases never wait on each other in a
circle. SQLite takes the database lock at BEGIN IMMEDIATE, so FOR UPDATE is a no-op there.
"""
from __future__ import annotations

from sqlalchemy import select

from motcua.db.models import Dossier


def lock_dossier(session, dossier_id: int) -> Dossier:
    return session.scalar(select(Dossier).where(Dossier.id == dossier_id)
                          .with_for_update(of=Dossier).execution_options(populate_existing=True))
