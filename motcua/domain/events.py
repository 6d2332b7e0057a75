"""The events of a dossier's life: one frozen dataclass per type, its fields the payload.

Each event knows its `type` (the string in `events.type`), the BPMN `step` it is about (or None)
and its `data`: exactly the dict the history has always stored for it, key for key, so the hash
chain and the audit of dossiers recorded before this package existed stay valid. Times are kept
as datetimes here and written as ISO text in `data`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = ""

    @property
    def step(self) -> str | None:
        return None

    @property
    def data(self) -> dict:
        raise NotImplementedError

    def record(self) -> tuple[str, str | None, dict]:
        """(type, step, data) as the history stores them."""
        return self.type, self.step, self.data


# -- receipt and the steps ----------------------------------------------------------------------

@dataclass(frozen=True)
class Received(Event):
    type: ClassVar[str] = "received"
    procedure_code: str
    procedure_version: int
    channel: str
    receiving_office: str
    competent_office: str
    documents: list
    form_data: dict
    clock_start: datetime
    due_at: datetime
    calendar: str

    @property
    def data(self) -> dict:
        return {"procedure_code": self.procedure_code, "procedure_version": self.procedure_version,
                "channel": self.channel, "receiving_office": self.receiving_office,
                "competent_office": self.competent_office, "documents": self.documents,
                "data": self.form_data, "clock_start": self.clock_start.isoformat(),
                "due_at": self.due_at.isoformat(), "calendar": self.calendar}


@dataclass(frozen=True)
class StepEvent(Event):
    """An event about one step: `step` is its BPMN id, `task_id` its row."""

    task_id: str
    bpmn_id: str

    @property
    def step(self) -> str | None:
        return self.bpmn_id

    @property
    def data(self) -> dict:
        return {"task_id": self.task_id}


@dataclass(frozen=True)
class StepReady(StepEvent):
    type: ClassVar[str] = "step_ready"
    name: str = ""
    lane: str = ""
    office: str = ""
    allotment_days: Decimal = Decimal(0)
    due_at: datetime | None = None

    @property
    def data(self) -> dict:
        return {"task_id": self.task_id, "name": self.name, "lane": self.lane, "office": self.office,
                "allotment_days": str(self.allotment_days), "due_at": _iso(self.due_at)}


@dataclass(frozen=True)
class StepCompleted(StepEvent):
    type: ClassVar[str] = "step_completed"
    name: str = ""
    form_data: Any = None
    on_time: bool = True
    due_at: datetime | None = None

    @property
    def data(self) -> dict:
        return {"task_id": self.task_id, "name": self.name, "data": self.form_data,
                "on_time": self.on_time, "due_at": _iso(self.due_at)}


@dataclass(frozen=True)
class StepCancelled(StepEvent):
    type: ClassVar[str] = "step_cancelled"
    name: str = ""

    @property
    def data(self) -> dict:
        return {"task_id": self.task_id, "name": self.name}


@dataclass(frozen=True)
class Claimed(StepEvent):
    type: ClassVar[str] = "claimed"


@dataclass(frozen=True)
class Unclaimed(StepEvent):
    type: ClassVar[str] = "unclaimed"


@dataclass(frozen=True)
class StepOverdue(StepEvent):
    type: ClassVar[str] = "step_overdue"
    due_at: datetime | None = None
    office: str = ""
    assignee: str | None = None
    officials: tuple = ()

    @property
    def data(self) -> dict:
        return {"task_id": self.task_id, "due_at": _iso(self.due_at), "office": self.office,
                "assignee": self.assignee, "officials": list(self.officials)}


# -- the legal clock ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SupplementRequested(Event):
    type: ClassVar[str] = "supplement_requested"
    reason: str
    items: tuple = ()
    source: str = "api"  # "api": a person asked; "process": a step with pause_clock became ready

    @property
    def data(self) -> dict:
        return {"reason": self.reason, "items": list(self.items), "source": self.source}


@dataclass(frozen=True)
class StepMove:
    """An open step's due time after a pause."""

    task_id: str
    due_at: datetime


@dataclass(frozen=True)
class TimerMove:
    """A waiting BPMN timer moved by the paused working time (the caller moves it in the engine)."""

    timer: str
    task_id: str
    old_due_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Supplemented(Event):
    """The clock resumed. `given` is what arrived: {"documents", "data"} from the desk, or
    {"step": bpmn id} when a pause_clock step was completed."""

    type: ClassVar[str] = "supplemented"
    given: dict
    paused_from: datetime
    paused_working_days: Decimal
    old_due_at: datetime
    due_at: datetime
    steps: tuple[StepMove, ...] = ()
    timers: tuple[TimerMove, ...] = ()

    @property
    def data(self) -> dict:
        out = {**self.given, "paused_from": self.paused_from.isoformat(),
               "paused_working_days": str(self.paused_working_days), "old_due_at": self.old_due_at.isoformat(),
               "due_at": self.due_at.isoformat(),
               "steps": [{"task_id": m.task_id, "due_at": m.due_at.isoformat()} for m in self.steps]}
        if self.timers:
            out["timers"] = [{"timer": t.timer, "task_id": t.task_id, "old_due_at": t.old_due_at.isoformat(),
                              "due_at": t.due_at.isoformat()} for t in self.timers]
        return out


@dataclass(frozen=True)
class Apology(Event):
    """Form 04: the new appointment (at most once)."""

    type: ClassVar[str] = "apology"
    reason: str
    new_due_at: datetime
    on_time: bool
    original_due_at: datetime
    at: datetime
    by: str | None

    @property
    def data(self) -> dict:
        return {"reason": self.reason, "new_due_at": self.new_due_at.isoformat(), "on_time": self.on_time,
                "original_due_at": self.original_due_at.isoformat(), "at": self.at.isoformat(), "by": self.by}


@dataclass(frozen=True)
class ApologyRequired(Event):
    type: ClassVar[str] = "apology_required"
    due_at: datetime
    proposed_due_at: datetime
    reason: str

    @property
    def data(self) -> dict:
        return {"due_at": self.due_at.isoformat(),
                "draft": {"proposed_due_at": self.proposed_due_at.isoformat(), "reason": self.reason}}


@dataclass(frozen=True)
class Responsible:
    """An open step when the dossier went overdue, and the officials holding it."""

    task_id: str
    step: str
    office: str
    officials: tuple = ()


@dataclass(frozen=True)
class Overdue(Event):
    type: ClassVar[str] = "overdue"
    due_at: datetime
    responsible: tuple[Responsible, ...] = ()

    @property
    def data(self) -> dict:
        return {"due_at": self.due_at.isoformat(),
                "responsible": [{"task_id": r.task_id, "step": r.step, "office": r.office,
                                 "officials": list(r.officials)} for r in self.responsible]}


@dataclass(frozen=True)
class DueChange:
    task_id: str | None  # None: the dossier's own due time
    old_due_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class DueRecomputed(Event):
    """After a calendar change: the due times of one open dossier that moved."""

    type: ClassVar[str] = "due_recomputed"
    dossier: DueChange | None
    steps: tuple[DueChange, ...]
    calendar: str
    reason: dict

    @property
    def data(self) -> dict:
        out: dict = {}
        if self.dossier is not None:
            out["dossier"] = {"old_due_at": self.dossier.old_due_at.isoformat(),
                              "due_at": self.dossier.due_at.isoformat()}
        if self.steps:
            out["steps"] = [{"task_id": c.task_id, "old_due_at": c.old_due_at.isoformat(),
                             "due_at": c.due_at.isoformat()} for c in self.steps]
        return {**out, "calendar": self.calendar, "reason": self.reason}


@dataclass(frozen=True)
class CalendarChanged(Event):
    """An override added or removed (recorded in the global chain, not a dossier's)."""

    type: ClassVar[str] = "calendar_changed"
    change: dict

    @property
    def data(self) -> dict:
        return dict(self.change)


# -- timers -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FiredTimer:
    timer: str
    task_id: str
    due_at: datetime


@dataclass(frozen=True)
class TimerFired(Event):
    type: ClassVar[str] = "timer_fired"
    due_at: datetime
    timers: tuple[FiredTimer, ...] = ()

    @property
    def data(self) -> dict:
        return {"due_at": self.due_at.isoformat(),
                "timers": [{"timer": t.timer, "task_id": t.task_id, "due_at": t.due_at.isoformat()}
                           for t in self.timers]}


@dataclass(frozen=True)
class TimerFailed(Event):
    type: ClassVar[str] = "timer_failed"
    due_at: datetime
    error: str
    element: str | None = None

    @property
    def data(self) -> dict:
        return {"due_at": self.due_at.isoformat(), "error": self.error, "element": self.element}


# -- the end ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finished(Event):
    type: ClassVar[str] = "finished"
    status: str
    on_time: bool
    reason: str | None = None
    result: dict | None = field(default=None)

    @property
    def data(self) -> dict:
        out: dict = {"status": self.status, "on_time": self.on_time}
        if self.reason:
            out["reason"] = self.reason
        if self.result is not None and self.status == "done":
            out["result"] = self.result
        return out


@dataclass(frozen=True)
class Returned(Event):
    type: ClassVar[str] = "returned"
    on_time: bool

    @property
    def data(self) -> dict:
        return {"on_time": self.on_time}


@dataclass(frozen=True)
class Rated(Event):
    """`level` (very_satisfied|satisfied|dissatisfied) only when the citizen chose one: older
    ratings stored {satisfied} alone and their hashes must still verify."""
    type: ClassVar[str] = "rated"
    satisfied: bool
    level: str | None = None

    @property
    def data(self) -> dict:
        return {"satisfied": self.satisfied, **({"level": self.level} if self.level else {})}


# -- a longer legal time on a path (issue 13.4) -------------------------------------------------

@dataclass(frozen=True)
class LegalTimeExtended(Event):
    """A step carrying `legal_days` became ready: the law's longer time for this case applies,
    so the appointment moves to clock start + `legal_days` (paused working time excluded).
    `step` is the BPMN id of that step; `reason` its `legal_reason` property, else its name."""

    type: ClassVar[str] = "legal_time_extended"
    bpmn_id: str
    old_due_at: datetime
    due_at: datetime
    legal_days: Decimal
    reason: str

    @property
    def step(self) -> str | None:
        return self.bpmn_id

    @property
    def data(self) -> dict:
        return {"old_due_at": self.old_due_at.isoformat(), "due_at": self.due_at.isoformat(),
                "legal_days": str(self.legal_days), "reason": self.reason}


@dataclass(frozen=True)
class CalendarYearConfirmed(Event):
    """An administrator confirmed next year's schedule: the government's notice is entered
    (recorded in the global chain, like `calendar_changed`; issue 13.5)."""

    type: ClassVar[str] = "calendar_year_confirmed"
    year: int
    source: str

    @property
    def data(self) -> dict:
        return {"year": self.year, "source": self.source}



# -- a dossier's content: results, payments, reused files (issue 12) ------------------------------

@dataclass(frozen=True)
class ResultIssued(Event):
    """The competent office attached the electronic result: its file and sha256 enter the chain."""

    type: ClassVar[str] = "result_issued"
    file_id: str
    sha256: str
    number: str | None
    issued_at: datetime

    @property
    def data(self) -> dict:
        return {"file_id": self.file_id, "sha256": self.sha256, "number": self.number,
                "issued_at": self.issued_at.isoformat()}


@dataclass(frozen=True)
class PaymentRecorded(Event):
    type: ClassVar[str] = "payment_recorded"
    amount: int
    channel: str
    reference: str
    paid_at: datetime

    @property
    def data(self) -> dict:
        return {"amount": self.amount, "channel": self.channel, "reference": self.reference,
                "paid_at": self.paid_at.isoformat()}


@dataclass(frozen=True)
class FilesReused(Event):
    """Files held for the applicant were looked up (`files`: those found) for this dossier."""

    type: ClassVar[str] = "files_reused"
    id_number: str
    files: tuple = ()

    @property
    def data(self) -> dict:
        return {"id_number": self.id_number, "files": list(self.files)}


@dataclass(frozen=True)
class Migrated(Event):
    """Moved to another version of its procedure (issue 14): `steps` [{task_id, from, to, office,
    old_due_at, due_at}], `dossier` {old_due_at, due_at} when the legal time moved it."""

    type: ClassVar[str] = "migrated"
    from_version: int
    to_version: int
    mapping: dict
    steps: tuple = ()
    dossier: dict | None = None

    @property
    def data(self) -> dict:
        out = {"from_version": self.from_version, "to_version": self.to_version, "map": dict(self.mapping),
               "steps": [dict(s) for s in self.steps]}
        return {**out, "dossier": dict(self.dossier)} if self.dossier else out


# -- the registry ---------------------------------------------------------------------------------

ALL = (Received, StepReady, StepCompleted, StepCancelled, Claimed, Unclaimed, StepOverdue,
       SupplementRequested, Supplemented, Apology, ApologyRequired, Overdue, DueRecomputed,
       CalendarChanged, TimerFired, TimerFailed, Finished, Returned, Rated,
       LegalTimeExtended, CalendarYearConfirmed, ResultIssued, PaymentRecorded, FilesReused, Migrated)
TYPES = {cls.type: cls for cls in ALL}
# Events the live code writes because the workflow moved (replay predicts these)
CONSEQUENCES = ("step_ready", "step_cancelled", "finished", "supplement_requested", "supplemented",
                "legal_time_extended")
