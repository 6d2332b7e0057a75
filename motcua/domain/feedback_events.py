"""The events of a complaint or recommendation (PAKN): one frozen dataclass per type.

A PAKN has its own hash-linked history (table `feedback_events`), apart from the dossiers'. The
payloads never carry the sender's name, contact or the content they wrote: those stay in the
`feedback` row, read only by the office concerned.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from motcua.domain.events import Event, _iso


@dataclass(frozen=True)
class FeedbackReceived(Event):
    type: ClassVar[str] = "feedback_received"
    kind: str
    office: str
    dossier: str | None
    repeat_of: str | None
    clock_start: datetime
    due: dict  # {"refuse": datetime, "request_info": …, "answer": …}
    calendar: str

    @property
    def data(self) -> dict:
        return {"kind": self.kind, "office": self.office, "dossier": self.dossier, "repeat_of": self.repeat_of,
                "clock_start": _iso(self.clock_start), "due": {k: _iso(v) for k, v in self.due.items()},
                "calendar": self.calendar}


@dataclass(frozen=True)
class FeedbackClassified(Event):
    type: ClassVar[str] = "feedback_classified"
    category: str

    @property
    def data(self) -> dict:
        return {"category": self.category}


@dataclass(frozen=True)
class FeedbackInfoRequested(Event):
    type: ClassVar[str] = "feedback_info_requested"
    reason: str
    on_time: bool

    @property
    def data(self) -> dict:
        return {"reason": self.reason, "on_time": self.on_time}


@dataclass(frozen=True)
class FeedbackRefused(Event):
    type: ClassVar[str] = "feedback_refused"
    reason: str
    on_time: bool

    @property
    def data(self) -> dict:
        return {"reason": self.reason, "on_time": self.on_time}


@dataclass(frozen=True)
class FeedbackAnswered(Event):
    type: ClassVar[str] = "feedback_answered"
    text: str
    on_time: bool
    publish_due_at: datetime

    @property
    def data(self) -> dict:
        return {"text": self.text, "on_time": self.on_time, "publish_due_at": _iso(self.publish_due_at)}


@dataclass(frozen=True)
class FeedbackPublished(Event):
    type: ClassVar[str] = "feedback_published"
    on_time: bool

    @property
    def data(self) -> dict:
        return {"on_time": self.on_time}


@dataclass(frozen=True)
class FeedbackRated(Event):
    type: ClassVar[str] = "feedback_rated"
    rating: str

    @property
    def data(self) -> dict:
        return {"rating": self.rating}


@dataclass(frozen=True)
class FeedbackDueSoon(Event):
    """A reminder was sent: the obligation `duty` falls due at `due_at`."""

    type: ClassVar[str] = "feedback_due_soon"
    duty: str
    due_at: datetime

    @property
    def data(self) -> dict:
        return {"duty": self.duty, "due_at": _iso(self.due_at)}


@dataclass(frozen=True)
class FeedbackOverdue(Event):
    type: ClassVar[str] = "feedback_overdue"
    duty: str
    due_at: datetime

    @property
    def data(self) -> dict:
        return {"duty": self.duty, "due_at": _iso(self.due_at)}


ALL = (FeedbackReceived, FeedbackClassified, FeedbackInfoRequested, FeedbackRefused, FeedbackAnswered,
       FeedbackPublished, FeedbackRated, FeedbackDueSoon, FeedbackOverdue)
TYPES = {cls.type: cls for cls in ALL}
