"""indexes for the inbox and the dossier list at a province's size (issue 16 item 3)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 16:00:00

With a million dossiers, three million steps and five million events (bench/bench_scale.py):
- the inbox reads the ready steps of one office and role, most urgent first: an index in that
  order (not partial: the state is a bound parameter, and a generic plan could not use it), and
  a user's own steps (scope=mine) by assignee;
- the dossier list reads an office's dossiers newest first: indexes in that order per receiving
  and competent office, per status, and overall;
- a cooperating agency sees the dossiers where it holds an `OFFICE:role` step: a partial index on
  those steps only (motcua/access.py `dossiers_of_office`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

COOPERATING = sa.text("lane LIKE '%:%'")


def upgrade():
    op.create_index('ix_tasks_inbox', 'tasks', ['office_id', 'state', 'role', 'due_at', 'id'])
    op.create_index('ix_tasks_assignee', 'tasks', ['assignee_id', 'state', 'due_at', 'id'])
    op.create_index('ix_tasks_cooperating', 'tasks', ['office_id', 'dossier_id'],
                    postgresql_where=COOPERATING, sqlite_where=COOPERATING)
    op.create_index('ix_dossiers_received', 'dossiers', ['received_at', 'id'])
    op.create_index('ix_dossiers_receiving_received', 'dossiers', ['receiving_office_id', 'received_at', 'id'])
    op.create_index('ix_dossiers_competent_received', 'dossiers', ['competent_office_id', 'received_at', 'id'])
    op.create_index('ix_dossiers_status_received', 'dossiers', ['status', 'received_at', 'id'])


def downgrade():
    for name, table in (('ix_dossiers_status_received', 'dossiers'), ('ix_dossiers_competent_received', 'dossiers'),
                        ('ix_dossiers_receiving_received', 'dossiers'), ('ix_dossiers_received', 'dossiers'),
                        ('ix_tasks_cooperating', 'tasks'), ('ix_tasks_assignee', 'tasks'),
                        ('ix_tasks_inbox', 'tasks')):
        op.drop_index(name, table_name=table)
