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

Each recorded input and the calls that reproduce it (the live use cases make exactly these):
- received: `lifecycle.receive`, then the engine starts and `steps.sync`;
- step_completed: `steps.check_completable`, the engine completes the step, `steps.complete`
  (its `supplemented` event carries the timer moves to apply with `engine.inspection.shift_timers`),
  then `steps.sync` with the engine's ready steps, outcome, result data and next timer;
- timer_fired: `watch.timers_due(engine.inspection.waiting_timers(wf), at)`, `inspection.mark_fired`,
  `runtime.fire_due_timers`, `watch.timer_fired`, `steps.sync`, `watch.park_stuck_timer`;
  timer_failed: `watch.timer_failed` (the workflow stays as it was);
- supplement_requested (source "api"): `lifecycle.request_supplement`; supplemented (from the
  desk): `lifecycle.supplement` with the waiting timers; apology: `lifecycle.apologise`;
- finished (rejected / stopped / withdrawn by a person): `lifecycle.end`; returned:
  `lifecycle.hand_over`; rated: `lifecycle.rate`; claimed / unclaimed: `steps.claim` / `unclaim`;
- apology_required / overdue / step_overdue: `watch.flag_due_soon` / `flag_overdue` /
  `flag_step_overdue`; due_recomputed: `recompute.recompute_due_times` (with `state.pauses`).
step_ready, step_cancelled, supplement_requested (source "process") and finished after an end
event are consequences: `steps.sync` (and `steps.complete`) produce them.
"""
from motcua.domain import events, statuses
from motcua.domain.calendars import Calendars, FixedCalendars, desk_hours, merge_overrides, office_hours
from motcua.domain.errors import NotAllowed
from motcua.domain.state import DossierState, ProcessState, StepState

__all__ = ["Calendars", "DossierState", "FixedCalendars", "NotAllowed", "ProcessState", "StepState",
           "desk_hours", "events", "merge_overrides", "office_hours", "statuses"]
