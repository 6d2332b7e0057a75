"""complaints and recommendations (PAKN): feedback and its hash-linked history (issue 13 item 3)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:00:00

`feedback` holds each PAKN (the sender's name, contact and content are personal data, read only by
the office concerned), its due times and what was done when; `feedback_events` its history,
hash-linked, which the database refuses to update or delete (as `events`).
"""
from alembic import op
import sqlalchemy as sa



revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'feedback',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.String(length=32), nullable=False, unique=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('contact', sa.String(length=255), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('office_id', sa.Integer(), sa.ForeignKey('offices.id'), nullable=False),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), nullable=True, index=True),
        sa.Column('repeat_of_id', sa.Integer(), sa.ForeignKey('feedback.id'), nullable=True, index=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False, index=True),
        sa.Column('clock_start', sa.DateTime(), nullable=False),
        sa.Column('refuse_due_at', sa.DateTime(), nullable=False),
        sa.Column('info_due_at', sa.DateTime(), nullable=False),
        sa.Column('answer_due_at', sa.DateTime(), nullable=False),
        sa.Column('publish_due_at', sa.DateTime(), nullable=True),
        sa.Column('info_requested_at', sa.DateTime(), nullable=True),
        sa.Column('info_reason', sa.Text(), nullable=True),
        sa.Column('refused_at', sa.DateTime(), nullable=True),
        sa.Column('refuse_reason', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answer_text', sa.Text(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('rating', sa.String(length=16), nullable=True),
        sa.Column('rated_at', sa.DateTime(), nullable=True),
        sa.Column('reminded', sa.Text(), nullable=True),
        sa.Column('overdue', sa.Text(), nullable=True),
    )
    op.create_index('ix_feedback_office_status', 'feedback', ['office_id', 'status'])
    op.create_table(
        'feedback_events',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('feedback_id', sa.Integer(), sa.ForeignKey('feedback.id'), nullable=False, index=True),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('type', sa.String(length=64), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=True),
        sa.Column('data', sa.Text(), nullable=True),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.UniqueConstraint('feedback_id', 'seq'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION motcua_feedback_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'feedback events are append-only (%% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql""".replace("%%", "%"))
        op.execute("CREATE TRIGGER feedback_events_append_only BEFORE UPDATE OR DELETE ON feedback_events "
                   "FOR EACH ROW EXECUTE FUNCTION motcua_feedback_events_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER feedback_events_no_{verb.lower()} BEFORE {verb} ON feedback_events "
                       f"BEGIN SELECT RAISE(ABORT, 'feedback events are append-only ({verb} refused)'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS feedback_events_append_only ON feedback_events")
        op.execute("DROP FUNCTION IF EXISTS motcua_feedback_events_append_only()")
    op.drop_table('feedback_events')
    op.drop_index('ix_feedback_office_status', table_name='feedback')
    op.drop_table('feedback')
