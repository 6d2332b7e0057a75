"""The rules of a dossier's life, in plain Python: one home for every status and transition.

- `statuses`: the statuses of dossiers, steps and process instances, declared once;
- `state`: `DossierState`, `StepState`, `ProcessState`, the fields the rules read and write;
- `events`: one frozen dataclass per event type, producing the exact payload the history stores;
- `calendars`: the `Calendars` protocol the rules read, and the merge of overrides per office;
- `lifecycle`: receipt, supplements (pause / resume), apology, the end, hand-over, rating;
- `steps`: claim, unclaim, complete, and `sync` after the engine moved;
- `watch`: due-soon, overdue (dossier and step), timers due / fired / failed;
- `recompute`: due times after a calendar change.

Every transition is `(state, inputs..., now, calendars) -> (new_state, [events])`; the state given
is never changed. A move the rules refuse raises `NotAllowed` (a `Conflict`, answered 409).
No database, no Flask, no SpiffWorkflow here: services (motcua/services) load and store, the
engine (engine/) runs the BPMN, replay (motcua/replay.py) feeds the recorded inputs through the
same functions.
"""
from motcua.domain import events, statuses
from motcua.domain.calendars import Calendars, FixedCalendars, desk_hours, merge_overrides, office_hours
from motcua.domain.errors import NotAllowed
from motcua.domain.state import DossierState, ProcessState, StepState

__all__ = ["Calendars", "DossierState", "FixedCalendars", "NotAllowed", "ProcessState", "StepState",
           "desk_hours", "events", "merge_overrides", "office_hours", "statuses"]
