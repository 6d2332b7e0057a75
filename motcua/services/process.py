"""Keeping the stored process in step with SpiffWorkflow: task rows, due times, outcome, events.

Called inside a use case's unit of work after the in-memory workflow moved; everything it writes
commits (or rolls back) together with the change that moved the workflow.
"""
from __future__ import annotations


from sqlalchemy import select

from engine import conventions, runtime
from motcua.db.models import Dossier, Office, ProcessInstance, TaskRow
from motcua.errors import Conflict
from motcua.legal_clock import deadlines
from motcua.services import history, notifications
from motcua.services.calendars import calendar_for, hours_for

FINAL_STATUSES = ("done", "returned", "rejected", "stopped", "withdrawn")


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
    return float(platform.limits.get("script_time_limit", 1.0))


def start(platform, session, dossier: Dossier, actor_name: str) -> ProcessInstance:
    version = dossier.procedure_version
    workflow = runtime.start(version.spec, dict(dossier.data or {}),
                             functions=script_functions(platform, session, dossier),
                             time_limit=_time_limit(platform))
    instance = ProcessInstance(dossier_id=dossier.id, procedure_version_id=version.id, state="",
                               status="running", updated_at=platform.now())
    session.add(instance)
    session.flush()
    sync(platform, session, dossier, instance, workflow, actor_name)
    return instance


def load(platform, session, dossier: Dossier, instance: ProcessInstance):
    return runtime.load(instance.state, dossier.procedure_version.spec,
                        functions=script_functions(platform, session, dossier),
                        time_limit=_time_limit(platform))


def instance_of(session, dossier: Dossier) -> ProcessInstance:
    return session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))


def step_office(session, dossier: Dossier, step) -> Office:
    if step.office_code:
        office = session.scalar(select(Office).where(Office.code == step.office_code))
        if office is None:
            raise Conflict(f"Bước «{step.name}» được giao cho cơ quan «{step.office_code}» chưa có trên hệ thống.")
        return office
    return dossier.receiving_office if step.role == "receiver" else dossier.competent_office


def step_due(platform, session, office: Office, ready_at, allotment_days):
    cal = calendar_for(session, platform.settings, office)
    hours = hours_for(platform.settings, office)
    start = deadlines.clock_start(cal, hours, ready_at)
    return deadlines.due_at(cal, hours, start, allotment_days), cal.fingerprint


def sync(platform, session, dossier: Dossier, instance: ProcessInstance, workflow, actor_name: str) -> None:
    now = platform.now()
    ready = runtime.ready_steps(workflow)
    ready_ids = {r.task_id for r in ready}
    open_rows = {row.id: row for row in session.scalars(
        select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.state == "ready"))}

    for row_id, row in open_rows.items():
        if row_id not in ready_ids:  # left READY without a person completing it (e.g. a boundary timer)
            row.state = "cancelled"
            row.completed_at = now
            history.append(session, dossier, "step_cancelled", at=now, actor=actor_name, step=row.bpmn_id,
                           data={"task_id": row.id, "name": row.name})

    for item in ready:
        if item.task_id in open_rows:
            continue
        step = item.step
        office = step_office(session, dossier, step)
        due, fingerprint = step_due(platform, session, office, now, step.allotment_days)
        row = TaskRow(
            id=item.task_id, instance_id=instance.id, dossier_id=dossier.id, bpmn_id=step.bpmn_id,
            name=step.name, lane=step.lane, role=step.role, office_id=office.id,
            allotment_days=str(step.allotment_days), form=step.form, pause_clock=step.pause_clock,
            state="ready", ready_at=now, due_at=due, due_calendar=fingerprint)
        session.add(row)
        history.append(session, dossier, "step_ready", at=now, actor=actor_name, step=step.bpmn_id, data={
            "task_id": item.task_id, "name": step.name, "lane": step.lane, "office": office.code,
            "allotment_days": str(step.allotment_days), "due_at": due.isoformat()})
        if step.pause_clock and dossier.paused_at is None:
            from motcua.services.clockwork import pause
            pause(platform, session, dossier, actor_name, reason=step.name, items=[], source="process")
        _notify_assigned(platform, session, dossier, row, now)

    _notify_reminders(platform, session, dossier, workflow, now)
    instance.state = runtime.dump(workflow)
    instance.next_timer_at = runtime.next_timer_at(workflow)
    instance.updated_at = now
    result = runtime.outcome(workflow)
    if result is not None and instance.status == "running":
        instance.status = "completed"
        finish(platform, session, dossier, result, actor_name, data=_result_data(workflow))


# --- timers and the notifications a process sends ---------------------------------------------

def _notify_assigned(platform, session, dossier: Dossier, row: TaskRow, now) -> None:
    """A step became ready: the officials who may take it are told (kind `assigned`)."""
    label = notifications.dossier_label(dossier)
    notifications.notify(
        session, platform.settings, kind="assigned", subject=row.id,
        users=notifications.users_with_role(session, row.office_id, row.role),
        title=f"Công việc mới: {row.name} – hồ sơ {dossier.code}",
        body=f"Hồ sơ {label}: bước «{row.name}» đang chờ xử lý, hạn {notifications.fmt(row.due_at)}.",
        at=now, dossier=dossier, office_id=row.office_id, due_at=row.due_at,
        data={"task_id": row.id, "step": row.bpmn_id})


def _attached_step(task):
    """The user task a boundary event (an ancestor of `task`) is attached to, if any."""
    from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
    from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
    node = task.parent
    while node is not None:
        if isinstance(node.task_spec, BoundaryEventSplit):
            for child in node.children:
                if isinstance(child.task_spec, UserTask):
                    return child
            return None
        node = node.parent
    return None


def _lane_office(session, dossier: Dossier, lane) -> Office:
    if lane is not None and lane.office_code:
        office = session.scalar(select(Office).where(Office.code == lane.office_code))
        if office is not None:
            return office
    if lane is not None and lane.role == "receiver":
        return dossier.receiving_office
    return dossier.competent_office


def _notify_reminders(platform, session, dossier: Dossier, workflow, now) -> None:
    """A reached end event with property `notify` = role(s) sends a reminder to those roles.

    The convention of reminder paths (e.g. a non-interrupting boundary timer on the appraisal
    step → end event notify=leader): the role is looked up at the office of the step the
    boundary event is attached to, or else at the office of the end event's lane. Each reached
    end event notifies once (the ledger key is its task id).
    """
    from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
    from SpiffWorkflow.util.task import TaskState
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        spec = task.task_spec
        if not isinstance(spec, EndEvent):
            continue
        roles = [r.strip() for r in str(conventions.properties(spec).get("notify") or "").split(",") if r.strip()]
        if not roles or not notifications.claim_effect(session, f"bpmn_notify:{task.id}", now):
            continue
        attached = _attached_step(task)
        row = session.get(TaskRow, str(attached.id)) if attached is not None else None
        if row is not None:
            office = row.office
        else:
            office = _lane_office(session, dossier, conventions.Lane.parse(spec.lane))
        step_name = row.name if row is not None else (spec.bpmn_name or spec.bpmn_id)
        label = notifications.dossier_label(dossier)
        due_text = f" (hạn {notifications.fmt(row.due_at)})" if row is not None else ""
        users = [u for role in roles for u in notifications.users_with_role(session, office.id, role)]
        notifications.notify(
            session, platform.settings, kind="reminder", subject=str(task.id), users=users,
            title=f"Nhắc hạn: {step_name} – hồ sơ {dossier.code}",
            body=(f"Hồ sơ {label}: bước «{step_name}»{due_text} cần được đôn đốc "
                  f"({spec.bpmn_name or spec.bpmn_id})."),
            at=now, dossier=dossier, office_id=office.id, due_at=row.due_at if row is not None else None,
            data={"end_event": spec.bpmn_id, "roles": roles,
                  "task_id": row.id if row is not None else None})


def _result_data(workflow) -> dict:
    try:
        return {k: v for k, v in workflow.data.items() if isinstance(k, str) and not k.startswith("_")}
    except Exception:  # noqa: BLE001 - the result summary is informative only
        return {}


def finish(platform, session, dossier: Dossier, status: str, actor_name: str, *, data=None, reason=None) -> None:
    now = platform.now()
    dossier.status = status
    dossier.finished_at = now
    if dossier.paused_at is not None:
        dossier.paused_at = None
    dossier.apology_required = False
    if status == "done":
        dossier.result = {"ready_at": now.isoformat(), "on_time": now <= dossier.due_at}
    event_data = {"status": status, "on_time": now <= dossier.due_at}
    if reason:
        event_data["reason"] = reason
    if data is not None and status == "done":
        event_data["result"] = data
    history.append(session, dossier, "finished", at=now, actor=actor_name, data=event_data)


def cancel_open_steps(platform, session, dossier: Dossier, actor_name: str) -> None:
    """For reject / stop / withdraw: the process ends without reaching an end event."""
    instance = instance_of(session, dossier)
    if instance is None or instance.status != "running":
        return
    workflow = load(platform, session, dossier, instance)
    runtime.cancel(workflow)
    instance.state = runtime.dump(workflow)
    instance.status = "cancelled"
    instance.next_timer_at = None
    instance.updated_at = platform.now()
    for row in session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id, TaskRow.state == "ready")):
        row.state = "cancelled"
        row.completed_at = platform.now()
