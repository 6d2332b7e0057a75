"""security: rate-limit and sign-in throttle counters shared by every API worker

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('security_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('security_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_throttles_updated_at'), ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('security_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_throttles_updated_at'))
    op.drop_table('security_throttles')
