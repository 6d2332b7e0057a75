"""The stored process of a dossier and the engine: start it, load it, and after every move of the
workflow hand the engine's facts to the domain core (`advance`).

Called inside a use case's unit of work; everything it writes commits (or rolls back) together
with the change that moved the workflow. What a move means for the dossier (steps ready or
cancelled, a pause for a supplement step, the end) is decided by motcua.domain.steps.sync; this
module reads the engine, saves the workflow, and sends the notices a move causes.
"""
from __future__ import annotations

from sqlalchemy import select

from engine import conventions, inspection, runtime
from motcua.db.models import Dossier, Office, ProcessInstance, StepRow
from motcua.domain import statuses as S
from motcua.domain import steps
from motcua.legal_clock import deadlines
from motcua.services import legal_time, notifications
from motcua.services.office_calendars import calendar_for, hours_for
from motcua.services.store import Loaded


def script_functions(platform, session, dossier: Dossier) -> dict:
    """Functions BPMN expressions may call: timers follow the competent office's legal calendar."""
    office = dossier.competent_office
    cal = calendar_for(session, platform.settings, office)
    hours = hours_for(platform.settings, office)

    def working_days_from_now(days):
        return deadlines.add_working_time(cal, hours, platform.now(), days).isoformat()

    def working_days_after(start, days):
        from motcua.clock import parse_instant
        start = parse_instant(start) if isinstance(start, str) else start
        return deadlines.add_working_time(cal, hours, start, days).isoformat()

    return {"working_days_from_now": working_days_from_now, "working_days_after": working_days_after}


def _time_limit(platform) -> float:
    return float(platform.limits["script_time_limit"])


def start(platform, session, loaded: Loaded, actor_name: str) -> ProcessInstance:
    """The workflow of a dossier just received runs to its first user steps."""
    dossier = loaded.dossier
    version = dossier.procedure_version
    workflow = runtime.start(version.spec, dict(dossier.data or {}),
                             functions=script_functions(platform, session, dossier),
                             time_limit=_time_limit(platform))
    instance = ProcessInstance(dossier_id=dossier.id, procedure_version_id=version.id, state="",
                               status=S.RUNNING, updated_at=platform.now())
    session.add(instance)
    session.flush()
    loaded.instance = instance
    advance(platform, session, loaded, workflow, actor_name)
    return instance


def load(platform, session, dossier: Dossier, instance: ProcessInstance):
    return runtime.load(instance.state, dossier.procedure_version.spec,
                        functions=script_functions(platform, session, dossier),
                        time_limit=_time_limit(platform))


def instance_of(session, dossier: Dossier) -> ProcessInstance:
    return session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))


def advance(platform, session, loaded: Loaded, workflow, actor_name: str) -> None:
    """After the workflow moved: the core syncs the steps, the workflow and the state are saved,
    and the officials of new steps (and of reached reminder end events) are told."""
    now = platform.now()
    outcome = runtime.outcome(workflow)
    ready = runtime.ready_steps(workflow)
    legal_time.prepare(session, loaded, ready)
    moved = loaded.take(steps.sync(loaded.state, ready, outcome=outcome,
                                   result=inspection.result_data(workflow) if outcome is not None else None,
                                   next_timer_at=runtime.next_timer_at(workflow), now=now,
                                   calendars=loaded.calendars),
                        actor_name)
    instance = loaded.instance
    instance.state = runtime.dump(workflow)
    instance.updated_at = now
    created = loaded.save()
    for row in created:
        notify_assigned(platform, session, loaded.dossier, row, now)
    _notify_reminders(platform, session, loaded, workflow, now)
    legal_time.notify_extended(platform, session, loaded, moved, now)


def move_timers(platform, loaded: Loaded, workflow, moves, *, save: bool) -> None:
    """Apply the core's timer moves (a resumed pause) to the workflow; `save`: the caller does
    not save the workflow itself (a supplement at the desk, not a completing step)."""
    if not moves:
        return
    inspection.shift_timers(workflow, moves)
    if save:
        instance = loaded.instance
        instance.state = runtime.dump(workflow)
        instance.updated_at = platform.now()
        state = loaded.state.copy()
        state.process.next_timer_at = runtime.next_timer_at(workflow)
        loaded.take((state, []), None)


def waiting_timers(platform, session, loaded: Loaded):
    """(workflow, its waiting timers) when a pause's end may move timers, else (None, [])."""
    process = loaded.state.process
    if loaded.instance is None or process is None or not process.running or process.next_timer_at is None:
        return None, []
    workflow = load(platform, session, loaded.dossier, loaded.instance)
    return workflow, inspection.waiting_timers(workflow)


def cancel(platform, session, loaded: Loaded) -> None:
    """For reject / stop / withdraw: the running workflow is cancelled (the core closes its steps)."""
    instance = loaded.instance
    if instance is None or instance.status != S.RUNNING:
        return
    workflow = load(platform, session, loaded.dossier, instance)
    runtime.cancel(workflow)
    instance.state = runtime.dump(workflow)
    instance.updated_at = platform.now()


# --- the notifications a process sends ---------------------------------------------------------

def notify_assigned(platform, session, dossier: Dossier, row: StepRow, now) -> None:
    """A step became ready: the officials who may take it are told (kind `assigned`)."""
    label = notifications.dossier_label(dossier)
    notifications.notify(
        session, platform.settings, kind="assigned", subject=row.id,
        users=notifications.users_with_role(session, row.office_id, row.role),
        title=f"Công việc mới: {row.name} – hồ sơ {dossier.code}",
        body=f"Hồ sơ {label}: bước «{row.name}» đang chờ xử lý, hạn {notifications.fmt(row.due_at)}.",
        at=now, dossier=dossier, office_id=row.office_id, due_at=row.due_at,
        data={"task_id": row.id, "step": row.bpmn_id})


def _lane_office(loaded: Loaded, lane) -> Office:
    dossier = loaded.dossier
    if lane is not None and lane.office_code:
        office = loaded.calendars.office(lane.office_code)
        if office is not None:
            return office
    if lane is not None and lane.role == "receiver":
        return dossier.receiving_office
    return dossier.competent_office


def _notify_reminders(platform, session, loaded: Loaded, workflow, now) -> None:
    """A reached end event with property `notify` = role(s) sends a reminder to those roles.

    The convention of reminder paths (e.g. a non-interrupting boundary timer on the appraisal
    step → end event notify=leader): the role is looked up at the office of the step the
    boundary event is attached to, or else at the office of the end event's lane. Each reached
    end event notifies once (the ledger key is its task id).
    """
    dossier = loaded.dossier
    for end in inspection.reached_end_events(workflow):
        roles = [r.strip() for r in str(end.properties.get("notify") or "").split(",") if r.strip()]
        if not roles or not notifications.claim_effect(session, f"bpmn_notify:{end.task_id}", now):
            continue
        row = loaded.rows.get(end.attached_task_id) if end.attached_task_id is not None else None
        if row is None and end.attached_task_id is not None:
            row = session.get(StepRow, end.attached_task_id)
        office = (session.get(Office, row.office_id) if row is not None
                  else _lane_office(loaded, conventions.Lane.parse(end.lane)))
        step_name = row.name if row is not None else (end.name or end.bpmn_id)
        label = notifications.dossier_label(dossier)
        due_text = f" (hạn {notifications.fmt(row.due_at)})" if row is not None else ""
        users = [u for role in roles for u in notifications.users_with_role(session, office.id, role)]
        notifications.notify(
            session, platform.settings, kind="reminder", subject=end.task_id, users=users,
            title=f"Nhắc hạn: {step_name} – hồ sơ {dossier.code}",
            body=(f"Hồ sơ {label}: bước «{step_name}»{due_text} cần được đôn đốc "
                  f"({end.name or end.bpmn_id})."),
            at=now, dossier=dossier, office_id=office.id, due_at=row.due_at if row is not None else None,
            data={"end_event": end.bpmn_id, "roles": roles,
                  "task_id": row.id if row is not None else None})
