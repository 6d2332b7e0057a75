"""the desk's search: a normalized search line per dossier, indexed (issue 15 item 5)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:00:00

`dossiers.search_text` holds the code, the applicant's name without diacritics, the identity number
and the phone (motcua.domain.search), filled here for the existing rows and at receipt afterwards.
PostgreSQL: a pg_trgm GIN index, so `search_text LIKE '%term%'` is an index scan (the extension is
created once per database, in `public` unless it already lives elsewhere, under an advisory lock so
that two migrations at once do not race). SQLite: a plain index (the desk's SQLite is small).
"""
from alembic import op
import sqlalchemy as sa

from motcua.domain.search import search_text


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_BATCH = 5000


def _trgm_schema(bind) -> str:
    bind.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('motcua-pg_trgm'))"))
    bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    return bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one()


def upgrade():
    op.add_column('dossiers', sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    bind = op.get_bind()
    dossiers = sa.table('dossiers', sa.column('id', sa.Integer), sa.column('code', sa.String),
                        sa.column('applicant', sa.Text), sa.column('search_text', sa.Text))
    import json
    last = 0
    while True:
        rows = bind.execute(sa.select(dossiers.c.id, dossiers.c.code, dossiers.c.applicant)
                            .where(dossiers.c.id > last).order_by(dossiers.c.id).limit(_BATCH)).all()
        if not rows:
            break
        bind.execute(sa.update(dossiers).where(dossiers.c.id == sa.bindparam('b_id'))
                     .values(search_text=sa.bindparam('b_text')),
                     [{"b_id": r.id, "b_text": search_text(r.code, json.loads(r.applicant) if r.applicant else {})}
                      for r in rows])
        last = rows[-1].id
    if bind.dialect.name == "postgresql":
        schema = _trgm_schema(bind)
        op.execute(f'CREATE INDEX ix_dossiers_search_trgm ON dossiers USING gin (search_text "{schema}".gin_trgm_ops)')
    else:
        op.create_index('ix_dossiers_search_text', 'dossiers', ['search_text'])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_dossiers_search_trgm")
    else:
        op.drop_index('ix_dossiers_search_text', table_name='dossiers')
    op.drop_column('dossiers', 'search_text')
