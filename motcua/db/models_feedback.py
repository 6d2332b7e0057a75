"""The tables of complaints and recommendations (PAKN; issue 13 item 3; migration 0006)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.db.base import Base
from motcua.db.types import Instant, JSONText


class Feedback(Base):
    """A complaint or recommendation (PAKN) from a citizen, handled by the office concerned.

    `name`, `contact` and `content` are personal data: shown only to the office concerned (and
    admins, auditors), never in a public answer, a notification or a log. The due times are those
    of motcua/domain/feedback.py; `overdue` is set by the scheduler's watch."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_office_status", "office_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    contact: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), nullable=True, index=True)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(16), nullable=True)
    received_at: Mapped[datetime] = mapped_column(Instant, index=True)
    clock_start: Mapped[datetime] = mapped_column(Instant)
    refuse_due_at: Mapped[datetime] = mapped_column(Instant)
    info_due_at: Mapped[datetime] = mapped_column(Instant)
    answer_due_at: Mapped[datetime] = mapped_column(Instant)
    publish_due_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    info_requested_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    info_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    refused_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    refuse_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    rating: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(Instant, nullable=True)
    reminded: Mapped[list | None] = mapped_column(JSONText, nullable=True)
    overdue: Mapped[list | None] = mapped_column(JSONText, nullable=True)

    office = relationship("Office", lazy="joined")  # motcua.db.models.Office


class FeedbackEvent(Base):
    """A PAKN's append-only history, hash-linked like a dossier's (motcua/hash_chain.py)."""

    __tablename__ = "feedback_events"
    __table_args__ = (UniqueConstraint("feedback_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(Instant)
    type: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[dict | None] = mapped_column(JSONText, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
