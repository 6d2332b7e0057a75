"""The tables. Plain SQLAlchemy declarative models, so the service layer runs without Flask.

Every schema change goes through a migration in motcua/db/migrations.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.db.base import Base
from motcua.db.types import Instant, JSONText


class Office(Base):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(32))  # province, department, commune, vertical
    parent_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    saturday: Mapped[str] = mapped_column(String(16), default="none")
    # Own office hours {"periods": [["07:30","11:30"],...], "cutoff": "15:00"}; null = the default.
    hours: Mapped[dict | None] = mapped_column(JSONText, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Instant)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(255))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    roles: Mapped[list] = mapped_column(JSONText)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Instant)

    office: Mapped[Office] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)
    revoked_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class Procedure(Base):
    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    latest_version: Mapped[int] = mapped_column(Integer, default=0)

    versions: Mapped[list["ProcedureVersion"]] = relationship(
        back_populates="procedure", order_by="ProcedureVersion.version"
    )


class ProcedureVersion(Base):
    """One published version; its parsed spec is stored once here, never in each instance."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("procedure_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    version: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(255))
    manifest: Mapped[dict] = mapped_column(JSONText)
    bpmn: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(JSONText)
    content_hash: Mapped[str] = mapped_column(String(64))
    spec: Mapped[str] = mapped_column(Text)  # serialized {spec, subprocess_specs}
    published_at: Mapped[datetime] = mapped_column(Instant)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    procedure: Mapped[Procedure] = relationship(back_populates="versions")


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (  # the dossier list, newest first (migration 0010)
        Index("ix_dossiers_received", "received_at", "id"),
        Index("ix_dossiers_receiving_received", "receiving_office_id", "received_at", "id"),
        Index("ix_dossiers_competent_received", "competent_office_id", "received_at", "id"),
        Index("ix_dossiers_status_received", "status", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    status: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    receiving_office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    competent_office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    applicant: Mapped[dict] = mapped_column(JSONText)
    phone4: Mapped[str] = mapped_column(String(4))
    data: Mapped[dict] = mapped_column(JSONText)
    documents: Mapped[list] = mapped_column(JSONText)
    received_at: Mapped[datetime] = mapped_column(Instant)
    clock_start: Mapped[datetime] = mapped_column(Instant)
    due_at: Mapped[datetime] = mapped_column(Instant, index=True)
    due_calendar: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    supplement_count: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    apology_required: Mapped[bool] = mapped_column(Boolean, default=False)
    apology: Mapped[dict | None] = mapped_column(JSONText, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSONText, nullable=True)
    last_event_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_event_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # code, applicant's name without diacritics, id number, phone (motcua.domain.search; migration 0007
    # indexes it: pg_trgm GIN on PostgreSQL), written at receipt
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    procedure_version: Mapped[ProcedureVersion] = relationship(lazy="joined")
    receiving_office: Mapped[Office] = relationship(foreign_keys=[receiving_office_id], lazy="joined")
    competent_office: Mapped[Office] = relationship(foreign_keys=[competent_office_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class DossierSequence(Base):
    """The last sequence number used per office per day: codes without gaps or duplicates."""

    __tablename__ = "dossier_sequences"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class ProcessInstance(Base):
    """The serialized SpiffWorkflow state of one dossier's process, as text."""

    __tablename__ = "process_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    state: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # running, completed, error, cancelled
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_timer_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(Instant)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class StepRow(Base):
    """One step (a BPMN user task) that is or was ready: what the inbox queries, without loading
    workflows. The table keeps the contract's word, `tasks` (as `/api/v1/tasks` does)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_office_state", "office_id", "state"),
        Index("ix_tasks_state_due", "state", "due_at"),  # the deadline watch (migration 0002)
        # the inbox and a cooperating agency's dossiers (migration 0010)
        Index("ix_tasks_inbox", "office_id", "state", "role", "due_at", "id"),
        Index("ix_tasks_assignee", "assignee_id", "state", "due_at", "id"),
        Index("ix_tasks_cooperating", "office_id", "dossier_id",
              postgresql_where=text("lane LIKE '%:%'"), sqlite_where=text("lane LIKE '%:%'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(500))
    lane: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    allotment_days: Mapped[str] = mapped_column(String(16))
    form: Mapped[str | None] = mapped_column(String(128), nullable=True)
    pause_clock: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))  # ready, completed, cancelled
    ready_at: Mapped[datetime] = mapped_column(Instant)
    due_at: Mapped[datetime] = mapped_column(Instant)
    due_calendar: Mapped[str] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    data: Mapped[dict | None] = mapped_column(JSONText, nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    office: Mapped[Office] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Event(Base):
    """Append-only history: per-dossier sequence, hash-linked. No code updates or deletes it."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("dossier_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), nullable=True, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(Instant)
    type: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    step: Mapped[str | None] = mapped_column(String(255), nullable=True)
    data: Mapped[dict | None] = mapped_column(JSONText, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainCheckpoint(Base):
    """The last event of a dossier's history the chain verification found intact (issue 16):
    an incremental verify hashes only what came after it (see services/audit.verify_all)."""

    __tablename__ = "chain_checkpoints"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(Instant)


class CalendarOverride(Base):
    """A day off or working day announced after the holidays package, for the province or one office."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("day", "office_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # day_off, working_day
    name: Mapped[str] = mapped_column(String(255))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Instant)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class SchedulerState(Base):
    """What the scheduler last did, read by /health and used to catch up once after downtime."""

    __tablename__ = "scheduler_state"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    owner: Mapped[str | None] = mapped_column(Text, nullable=True)


class Rating(Base):
    """The applicant's satisfaction with a returned dossier: one per dossier."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    satisfied: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(Instant)
    # very_satisfied | satisfied | dissatisfied (the national portal's three levels; migration 0011)
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)


# --- the scheduler's tables (migration 0002) ----------------------------------------------------


class SchedulerEffect(Base):
    """A ledger of effects already produced (one row per effect key): what makes a job idempotent.

    A job inserts the key of an effect (e.g. `overdue:<dossier>:<due instant>`) with ON CONFLICT
    DO NOTHING in the same transaction as the effect itself; only the inserter goes on. Two
    scheduler processes, a retried job or a catch-up after downtime therefore produce it once.
    """

    __tablename__ = "scheduler_effects"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant)


class Notification(Base):
    """One message to one official (the in-app inbox). `key` is unique per (kind, subject, recipient, instant).

    Bodies carry the dossier code and procedure name only: never the applicant's personal data.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), nullable=True, index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSONText, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Instant)
    read_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class NotificationDelivery(Base):
    """The outbox: one row per notification and outside channel (e-mail, webhook), retried with backoff."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Instant)
    lease_until: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Instant)


class ApologyDraft(Base):
    """Form 04 prepared by the deadline watch one working day before the due time, for staff to send."""

    __tablename__ = "apology_drafts"
    __table_args__ = (UniqueConstraint("dossier_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(Instant)
    proposed_due_at: Mapped[datetime] = mapped_column(Instant)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Instant)


class LateHandling(Base):
    """A dossier or step that passed its due time, and the officials responsible (published: Directive §1.4)."""

    __tablename__ = "late_handlings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # dossier, step
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    step: Mapped[str | None] = mapped_column(String(500), nullable=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    officials: Mapped[list] = mapped_column(JSONText)  # [{username, full_name, role}]
    due_at: Mapped[datetime] = mapped_column(Instant, index=True)
    recorded_at: Mapped[datetime] = mapped_column(Instant)


class ReportRun(Base):
    """A periodic report computed by the scheduler: one row per (kind, office, period), never twice."""

    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # monthly
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), nullable=True)
    period: Mapped[str] = mapped_column(String(16))  # 2026-11
    figures: Mapped[dict] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(Instant)
    # Snapshots are immutable (migration 0004: the database refuses UPDATE and DELETE). A correction
    # is a new row of the same `subject` (the first row's key) with the next `revision`, pointing at
    # the row it corrects; readers take the highest revision.
    subject: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("report_runs.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SecurityThrottle(Base):
    """A counter of one rate limit or sign-in throttle (issue 11 items 6 and 8).

    Kept in the database, not in a process, so that several API workers on one PostgreSQL share
    one count. `key` is a SHA-256 digest of the scope and its subject (an address, an account, a
    client and a dossier code): no address, user name or code is stored in clear.
    """

    __tablename__ = "security_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))  # login-address, login-account, lookup-client, …
    window_start: Mapped[datetime] = mapped_column(Instant)
    hits: Mapped[int] = mapped_column(Integer, default=0)  # in the current window
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, for increasing delays
    blocked_until: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Instant, index=True)


# -- files and payments (issue 12; migration 0005) ------------------------------------------------

class StoredFile(Base):
    """An uploaded file: its bytes live in the content-addressed store (motcua/storage.py) under
    its sha256; this row says who uploaded it, what it is and which dossier holds it (`role`:
    component, supplement or result). A row with no dossier is removed after files.unattached_ttl_hours."""

    __tablename__ = "files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(Instant)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), nullable=True, index=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    document: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reused_from: Mapped[str | None] = mapped_column(String(36), nullable=True)
    attached_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)


class DossierExtra(Base):
    """What issue 12 adds to a dossier, kept beside its row: the citizen's lookup key, the fee
    from the manifest and whether it is paid (one row per dossier)."""

    __tablename__ = "dossier_extras"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    lookup_key: Mapped[str] = mapped_column(String(64), unique=True)
    fee: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[int] = mapped_column(Integer, default=0)


class Payment(Base):
    """A fee paid at the desk, by post or online (confirmed by the gateway); `reference` is unique,
    so a replayed gateway callback is refused."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(128), unique=True)
    paid_at: Mapped[datetime] = mapped_column(Instant)
    recorded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


# The complaints' tables live in their own module (one concern, and this file under 500 lines);
# importing them here registers them with Base.metadata wherever the models are imported.
from motcua.db.models_feedback import Feedback, FeedbackEvent  # noqa: E402

__all__ = [name for name, value in list(globals().items())
           if isinstance(value, type) and issubclass(value, Base)] + ["Base"]
