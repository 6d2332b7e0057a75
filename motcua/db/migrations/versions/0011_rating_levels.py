"""the citizen's three-level rating (issue 15.8)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:00:00

`ratings.level`: very_satisfied | satisfied | dissatisfied, as the national public service portal
asks. Earlier ratings are filled from `satisfied` (true: satisfied, false: dissatisfied).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('ratings', sa.Column('level', sa.String(length=16), nullable=True))
    op.execute("UPDATE ratings SET level = CASE WHEN satisfied THEN 'satisfied' ELSE 'dissatisfied' END")


def downgrade():
    with op.batch_alter_table('ratings') as batch:
        batch.drop_column('level')
