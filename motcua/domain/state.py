"""The state of a dossier, its steps and its process instance, as the rules read and write it.

Plain dataclasses mirroring the columns of `dossiers`, `tasks` and `process_instances` that a rule
reads or writes (motcua/db/models.py). Offices are named by code. Services build a state from
their rows and write the changed fields back; replay builds one from the recorded events.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from motcua.domain import statuses as S
from motcua.domain.errors import NotAllowed


@dataclass
class StepState:
    """One user task of the process: who works it, by when, and how it ended."""

    task_id: str
    bpmn_id: str
    name: str
    lane: str
    role: str
    office: str
    allotment_days: Decimal
    ready_at: datetime
    due_at: datetime
    due_calendar: str = ""
    form: str | None = None
    pause_clock: bool = False
    state: str = S.READY
    assignee: str | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    data: dict | None = None
    overdue: bool = False

    @property
    def open(self) -> bool:
        return self.state == S.READY


@dataclass
class ProcessState:
    """The process instance as the rules see it (the workflow itself stays in the engine)."""

    status: str = S.RUNNING
    next_timer_at: datetime | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.status == S.RUNNING


@dataclass
class DossierState:
    """A dossier: its status, its legal clock, its steps.

    `pauses` are the finished supplement pauses (paused_from, resumed_at), oldest first: the
    recomputation after a calendar change needs them; a service loads them only for that
    (`None` = not loaded).
    """

    code: str
    receiving_office: str
    competent_office: str
    legal_days: Decimal
    status: str
    received_at: datetime
    clock_start: datetime
    due_at: datetime
    due_calendar: str = ""
    paused_at: datetime | None = None
    supplement_count: int = 0
    overdue: bool = False
    apology_required: bool = False
    apology: dict | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    result: dict | None = None
    data: dict = field(default_factory=dict)
    documents: list = field(default_factory=list)
    rated: bool = False
    steps: dict[str, StepState] = field(default_factory=dict)
    process: ProcessState | None = None
    pauses: list[tuple[datetime, datetime]] | None = field(default_factory=list)

    # -- reading ---------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in S.OPEN_STATUSES

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def open_steps(self) -> list[StepState]:
        """Steps waiting for someone, oldest first (ready_at, task id)."""
        return sorted((s for s in self.steps.values() if s.open), key=lambda s: (s.ready_at, s.task_id))

    def step(self, task_id: str) -> StepState:
        step = self.steps.get(task_id)
        if step is None:
            raise NotAllowed("Không tìm thấy công việc này trong hồ sơ.")
        return step

    # -- copying ---------------------------------------------------------------------------------

    def copy(self) -> "DossierState":
        """A copy the transitions change; the state given to them is never touched. (Fields are
        copied directly: the recomputation after a calendar change copies 100k states.)"""
        new = _clone(self)
        new.steps = {k: _clone(v) for k, v in self.steps.items()}
        new.process = _clone(self.process) if self.process is not None else None
        new.pauses = list(self.pauses) if self.pauses is not None else None
        new.data = dict(self.data or {})
        new.documents = list(self.documents or [])
        return new


def _clone(obj):
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new
