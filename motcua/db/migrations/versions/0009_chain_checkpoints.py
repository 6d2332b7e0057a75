"""chain checkpoints: the last verified event of each dossier's history (issue 16)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 16:00:00

`chain_checkpoints` holds, per dossier, the sequence number and hash of the last event a chain
verification found intact; `audit verify` then hashes only the events after it (`--full` ignores
the checkpoints and hashes everything again).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chain_checkpoints',
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), primary_key=True),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=False),
    )


def downgrade():
    op.drop_table('chain_checkpoints')
