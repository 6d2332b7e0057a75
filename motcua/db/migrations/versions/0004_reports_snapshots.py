"""reports: immutable monthly snapshots, corrections as new revisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:00:00

report_runs gains `subject` (the first snapshot's key, shared by its corrections), `revision`,
`corrects_id` (the snapshot a correction replaces), `reason` and `created_by`. The database then
refuses UPDATE and DELETE on report_runs, as it does on events: a published month is never
rewritten in place.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('report_runs', sa.Column('subject', sa.String(length=255), nullable=True))
    op.add_column('report_runs', sa.Column('revision', sa.Integer(), nullable=False, server_default='1'))
    op.add_column('report_runs', sa.Column('corrects_id', sa.Integer(), nullable=True))
    op.add_column('report_runs', sa.Column('reason', sa.Text(), nullable=True))
    op.add_column('report_runs', sa.Column('created_by', sa.String(length=64), nullable=True))
    op.execute("UPDATE report_runs SET subject = key WHERE subject IS NULL")
    op.create_index('ix_report_runs_subject', 'report_runs', ['subject'])
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key('fk_report_runs_corrects', 'report_runs', 'report_runs', ['corrects_id'], ['id'])
        op.execute("""
            CREATE FUNCTION motcua_report_runs_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'report snapshots are immutable (%% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql""".replace("%%", "%"))
        op.execute("CREATE TRIGGER report_runs_immutable BEFORE UPDATE OR DELETE ON report_runs "
                   "FOR EACH ROW EXECUTE FUNCTION motcua_report_runs_immutable()")
    else:
        # SQLite adds a foreign key only by rebuilding the table (before its triggers exist)
        with op.batch_alter_table('report_runs', schema=None) as batch_op:
            batch_op.create_foreign_key('fk_report_runs_corrects', 'report_runs', ['corrects_id'], ['id'])
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER report_runs_no_{verb.lower()} BEFORE {verb} ON report_runs "
                       f"BEGIN SELECT RAISE(ABORT, 'report snapshots are immutable ({verb} refused)'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_runs_immutable ON report_runs")
        op.execute("DROP FUNCTION IF EXISTS motcua_report_runs_immutable()")
        op.drop_constraint('fk_report_runs_corrects', 'report_runs', type_='foreignkey')
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS report_runs_no_{verb}")
        with op.batch_alter_table('report_runs', schema=None) as batch_op:
            batch_op.drop_constraint('fk_report_runs_corrects', type_='foreignkey')
    op.drop_index('ix_report_runs_subject', table_name='report_runs')
    with op.batch_alter_table('report_runs', schema=None) as batch_op:
        batch_op.drop_column('created_by')
        batch_op.drop_column('reason')
        batch_op.drop_column('corrects_id')
        batch_op.drop_column('revision')
        batch_op.drop_column('subject')
