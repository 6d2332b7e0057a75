"""A dossier's rows as the domain's state, and the new state and its events written back.

Every use case that changes a dossier does the same three things: `load` its rows into a
`DossierState`, hand that to a transition of motcua/domain (`take`), and `save`: the fields that
changed are written to the rows (new steps become rows) and the events are appended to the
history, in order, in the use case's one transaction. The state loaded is kept as the last one
saved (transitions never change the state they are given), so `save` writes only differences.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from motcua.clock import parse_instant
from motcua.db.models import Dossier, Event, ProcessInstance, Rating, StepRow, User
from motcua.domain.state import DossierState, ProcessState, StepState
from motcua.services import history
from motcua.services.office_calendars import OfficeCalendars

DOSSIER_FIELDS = ("status", "clock_start", "due_at", "due_calendar", "paused_at", "supplement_count", "overdue",
                  "apology_required", "apology", "finished_at", "returned_at", "result", "data", "documents")
STEP_FIELDS = ("state", "due_at", "due_calendar", "completed_at", "data", "overdue")
PROCESS_FIELDS = ("status", "next_timer_at", "error")


def _step(row: StepRow, usernames: dict) -> StepState:
    return StepState(task_id=row.id, bpmn_id=row.bpmn_id, name=row.name, lane=row.lane, role=row.role,
                     office=row.office.code, allotment_days=Decimal(row.allotment_days), ready_at=row.ready_at,
                     due_at=row.due_at, due_calendar=row.due_calendar, form=row.form, pause_clock=row.pause_clock,
                     state=row.state, assignee=row.assignee.username if row.assignee is not None else None,
                     completed_at=row.completed_at, completed_by=usernames.get(row.completed_by),
                     data=row.data, overdue=bool(row.overdue))


def pauses_of(session, dossier_ids) -> dict[int, list[tuple]]:
    """Finished pause intervals (paused_from, resumed_at) per dossier, from `supplemented` events."""
    out: dict[int, list[tuple]] = {}
    ids = list(dossier_ids)
    for i in range(0, len(ids), 500):
        for ev in session.scalars(select(Event).where(Event.dossier_id.in_(ids[i:i + 500]),
                                                      Event.type == "supplemented").order_by(Event.seq)):
            if ev.data and ev.data.get("paused_from"):
                out.setdefault(ev.dossier_id, []).append((parse_instant(ev.data["paused_from"]), ev.at))
    return out


class Loaded:
    """One dossier in a use case: its rows, its state, the events not yet written."""

    def __init__(self, platform, session, dossier: Dossier, *, pauses: bool = False, rated: bool = False,
                 calendars: OfficeCalendars | None = None, state: DossierState | None = None):
        """`state`: a dossier just received, whose row was made from it (nothing to read)."""
        self.platform, self.session, self.dossier = platform, session, dossier
        self.calendars = calendars or OfficeCalendars.of(session, platform.settings)
        self.calendars.remember(dossier.receiving_office, dossier.competent_office)
        self._pending: list[tuple] = []
        if state is not None:
            self.instance, self.rows, self.user_ids = None, {}, {}
            self.state = self._saved = state
            return
        self.instance = session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))
        self.rows = {row.id: row for row in session.scalars(
            select(StepRow).where(StepRow.dossier_id == dossier.id).order_by(StepRow.ready_at, StepRow.id))}
        done_by = {row.completed_by for row in self.rows.values() if row.completed_by is not None}
        self.user_ids: dict[str, int] = {}
        usernames: dict[int, str] = {}
        if done_by:
            usernames = dict(session.execute(select(User.id, User.username).where(User.id.in_(done_by))).all())
        for row in self.rows.values():
            if row.assignee is not None:
                usernames[row.assignee.id] = row.assignee.username
        self.user_ids = {name: uid for uid, name in usernames.items()}
        self.state = DossierState(
            code=dossier.code, receiving_office=dossier.receiving_office.code,
            competent_office=dossier.competent_office.code,
            legal_days=Decimal(str(dossier.procedure_version.manifest["legal_days"])), status=dossier.status,
            received_at=dossier.received_at, clock_start=dossier.clock_start, due_at=dossier.due_at,
            due_calendar=dossier.due_calendar, paused_at=dossier.paused_at,
            supplement_count=dossier.supplement_count or 0, overdue=bool(dossier.overdue),
            apology_required=bool(dossier.apology_required), apology=dossier.apology,
            finished_at=dossier.finished_at, returned_at=dossier.returned_at, result=dossier.result,
            data=dossier.data or {}, documents=dossier.documents or [],
            rated=rated and session.scalar(select(Rating.id).where(Rating.dossier_id == dossier.id)) is not None,
            steps={row.id: _step(row, usernames) for row in self.rows.values()},
            process=(ProcessState(status=self.instance.status, next_timer_at=self.instance.next_timer_at,
                                  error=self.instance.error) if self.instance is not None else None),
            pauses=pauses_of(session, [dossier.id]).get(dossier.id, []) if pauses else None)
        self._saved = self.state

    # -- the state moves ---------------------------------------------------------------------------

    def take(self, moved, actor: str | None, *, at=None) -> list:
        """Keep a transition's result; its events are written by `save`, stamped `at` (now)."""
        self.state, events = moved
        at = at or self.platform.now()
        self._pending += [(event, actor, at) for event in events]
        return events

    def knows_user(self, username: str | None, user_id: int | None) -> None:
        if username is not None and user_id is not None:
            self.user_ids[username] = user_id

    def _user_id(self, username: str | None) -> int | None:
        if username is None:
            return None
        if username not in self.user_ids:
            self.user_ids[username] = self.session.scalar(select(User.id).where(User.username == username))
        return self.user_ids[username]

    # -- writing back --------------------------------------------------------------------------------

    def save(self) -> list[StepRow]:
        """Write what changed since the last save and append the events; the new step rows."""
        new, old = self.state, self._saved
        dossier = self.dossier
        for name in DOSSIER_FIELDS:
            value = getattr(new, name)
            if value != getattr(old, name):
                setattr(dossier, name, value)
        created = []
        for task_id, step in new.steps.items():
            row = self.rows.get(task_id)
            if row is None:
                office = self.calendars.office(step.office)
                row = StepRow(id=task_id, instance_id=self.instance.id, dossier_id=dossier.id, bpmn_id=step.bpmn_id,
                              name=step.name, lane=step.lane, role=step.role, office_id=office.id,
                              allotment_days=str(step.allotment_days), form=step.form, pause_clock=step.pause_clock,
                              state=step.state, ready_at=step.ready_at, due_at=step.due_at,
                              due_calendar=step.due_calendar)
                self.session.add(row)
                self.rows[task_id] = row
                created.append(row)
                before = None
            else:
                before = old.steps.get(task_id)
            for name in STEP_FIELDS:
                value = getattr(step, name)
                if before is None or value != getattr(before, name):
                    if getattr(row, name) != value:
                        setattr(row, name, value)
            if before is None or step.assignee != before.assignee:
                row.assignee_id = self._user_id(step.assignee)
            if before is None or step.completed_by != before.completed_by:
                row.completed_by = self._user_id(step.completed_by)
        if self.instance is not None and new.process is not None:
            for name in PROCESS_FIELDS:
                value = getattr(new.process, name)
                if old.process is None or value != getattr(old.process, name):
                    setattr(self.instance, name, value)
        history.extend(self.session, dossier, [(event.type, at, actor, event.step, event.data)
                                               for event, actor, at in self._pending])
        self._pending = []
        self._saved = new
        return created


def load(platform, session, dossier: Dossier, **options) -> Loaded:
    return Loaded(platform, session, dossier, **options)
