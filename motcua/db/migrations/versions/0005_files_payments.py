"""files, the dossier's lookup key and fee, payments (issue 12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:00:00

`files` holds the uploads (bytes in the content-addressed store), `dossier_extras` the citizen's
random lookup key, the fee and the amount paid, `payments` every fee paid (unique reference).
"""
from alembic import op
import sqlalchemy as sa



revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'files',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('sha256', sa.String(length=64), nullable=False, index=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('media_type', sa.String(length=128), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), nullable=True, index=True),
        sa.Column('role', sa.String(length=16), nullable=True),
        sa.Column('document', sa.String(length=255), nullable=True),
        sa.Column('reused_from', sa.String(length=36), nullable=True),
        sa.Column('attached_at', sa.DateTime(), nullable=True),
    )
    op.create_table(
        'dossier_extras',
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), primary_key=True),
        sa.Column('lookup_key', sa.String(length=64), nullable=False, unique=True),
        sa.Column('fee', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('paid', sa.Integer(), nullable=False, server_default='0'),
    )
    op.create_table(
        'payments',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), nullable=False, index=True),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('reference', sa.String(length=128), nullable=False, unique=True),
        sa.Column('paid_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=64), nullable=True),
    )


def downgrade():
    op.drop_table('payments')
    op.drop_table('dossier_extras')
    op.drop_table('files')
