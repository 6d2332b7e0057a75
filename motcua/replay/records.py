"""What replay reads: the recorded events and the stored state, as plain data, and how it says
where a history parts from its rebuild.

The audit service (motcua/services/audit.py) fills these from the database read-only; replay
never sees a session. Values are compared as JSON (what the database keeps), instants as instants.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from motcua.clock import parse_instant
from motcua.db.types import dumps as json_dumps

# Times the live code takes from a running clock a moment after the event's own time (a timer's
# due time computed inside the step, rows closed before the `finished` event): equal within this
# margin. Every due time of a step or dossier is compared exactly.
CLOCK_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Record:
    """One recorded event, as stored."""

    seq: int
    at: datetime
    type: str
    actor: str | None = None
    step: str | None = None
    data: Any = None
    id: int | None = None  # position in the global event order (for the calendar in force)


@dataclass
class StoredRow:
    id: str
    bpmn_id: str
    state: str
    office: str
    ready_at: datetime
    due_at: datetime
    data: Any = None
    assignee: str | None = None
    completed_by: str | None = None
    completed_at: datetime | None = None
    overdue: bool = False


@dataclass
class StoredDossier:
    code: str
    status: str
    receiving_office: str
    competent_office: str
    received_at: datetime
    clock_start: datetime
    due_at: datetime
    paused_at: datetime | None
    supplement_count: int
    overdue: bool
    apology_required: bool
    apology: dict | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    result: dict | None = None
    data: dict | None = None
    documents: list | None = None


@dataclass
class StoredProcess:
    state: str | None
    status: str | None
    next_timer_at: datetime | None


@dataclass
class Stored:
    dossier: StoredDossier
    process: StoredProcess | None
    rows: list[StoredRow]


class Diverged(Exception):
    """The first place where the history and its rebuild part (`seq`: the event to blame)."""

    def __init__(self, seq: int | None, message: str):
        super().__init__(message)
        self.seq = seq
        self.message = message


class TooDeep:
    """Stored JSON nested deeper than Python can read (a hostile or corrupted value): kept as its
    text, equal only to the same text, so replay reports it instead of failing on it."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __eq__(self, other) -> bool:
        return isinstance(other, TooDeep) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"<dữ liệu lồng nhau quá sâu, {len(self.text)} ký tự>"

    __str__ = __repr__


def load_json(text):
    """Stored JSON text as a value; `TooDeep` when it nests beyond what the parser can follow."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except RecursionError:
        return TooDeep(text)


def as_json(value):
    """The value as the database keeps it (tuples become lists, datetimes and decimals text)."""
    if value is None or isinstance(value, TooDeep):
        return value
    try:
        return json.loads(json_dumps(value))
    except RecursionError:
        return TooDeep(f"#{id(value)}")  # not readable here: equal to nothing else


def instant(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return parse_instant(str(value))
    except ValueError:
        return None


def fmt(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, TooDeep):
        return repr(value)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        return "<dữ liệu lồng nhau quá sâu>"
    return text if len(text) <= 300 else text[:300] + "…"


def near(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= CLOCK_MARGIN


def same(a, b) -> bool:
    """Equal as stored: instants as instants, everything else as JSON."""
    if isinstance(a, datetime) or isinstance(b, datetime):
        return instant(a) == instant(b)
    return as_json(a) == as_json(b)
