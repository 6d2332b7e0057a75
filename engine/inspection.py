"""What the rest of the platform needs to know of a workflow, as plain data.

The only module besides engine/runtime.py that reads SpiffWorkflow's task tree and its internal
data (`_get_internal_data` and friends). Callers get frozen dataclasses and give back task ids:
waiting timers and moving them, timers marked fired, reached end events with their properties
and lane, the user task a boundary event belongs to, the workflow's result data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimeDateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.util.task import TaskState

from engine import conventions, serializer
from engine.runtime import timer_due


@dataclass(frozen=True)
class WaitingTimer:
    """A date or duration timer waiting in the workflow (cycle timers are not moved or fired here)."""

    task_id: str
    bpmn_id: str
    due: datetime


@dataclass(frozen=True)
class ReachedEnd:
    """An end event the workflow reached, with its `<spiffworkflow:properties>` and lane."""

    task_id: str
    bpmn_id: str
    name: str | None
    lane: str | None
    properties: dict
    attached_task_id: str | None  # the user task whose boundary event led here, if any


def _timer_tasks(workflow: BpmnWorkflow):
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, (TimeDateEventDefinition, DurationTimerEventDefinition)):
            due = timer_due(task._get_internal_data("event_value"))
            if due is not None:
                yield task, due


def waiting_timers(workflow: BpmnWorkflow | None) -> list[WaitingTimer]:
    if workflow is None:
        return []
    return [WaitingTimer(str(task.id), task.task_spec.bpmn_id, due) for task, due in _timer_tasks(workflow)]


def _task(workflow: BpmnWorkflow, task_id: str):
    task = workflow.get_task_from_id(UUID(str(task_id)))
    if task is None:
        raise LookupError(task_id)
    return task


def shift_timers(workflow: BpmnWorkflow, moves) -> None:
    """Move waiting timers: `moves` have `task_id` and the new `due_at`."""
    serializer.forget(workflow)
    for move in moves:
        _task(workflow, move.task_id)._set_internal_data(event_value=move.due_at.isoformat())


def mark_fired(workflow: BpmnWorkflow, task_ids) -> None:
    """Mark these waiting timers fired; the next engine run (runtime.fire_due_timers) moves on."""
    serializer.forget(workflow)
    for task_id in task_ids:
        _task(workflow, task_id)._set_internal_data(event_fired=True)


def _attached(task):
    """The user task a boundary event (an ancestor of `task`) is attached to, if any."""
    node = task.parent
    while node is not None:
        if isinstance(node.task_spec, BoundaryEventSplit):
            for child in node.children:
                if isinstance(child.task_spec, UserTask):
                    return child
            return None
        node = node.parent
    return None


def attached_step(workflow: BpmnWorkflow, task_id: str) -> str | None:
    """The task id of the user task the boundary event that led to `task_id` is attached to."""
    found = _attached(_task(workflow, task_id))
    return str(found.id) if found is not None else None


def reached_end_events(workflow: BpmnWorkflow) -> list[ReachedEnd]:
    out = []
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        spec = task.task_spec
        if isinstance(spec, EndEvent):
            attached = _attached(task)
            out.append(ReachedEnd(task_id=str(task.id), bpmn_id=spec.bpmn_id, name=spec.bpmn_name,
                                  lane=spec.lane, properties=dict(conventions.properties(spec)),
                                  attached_task_id=str(attached.id) if attached is not None else None))
    return out


def result_data(workflow: BpmnWorkflow) -> dict:
    """The workflow data a `done` dossier records as its result (no private `_` keys)."""
    try:
        return {k: v for k, v in workflow.data.items() if isinstance(k, str) and not k.startswith("_")}
    except Exception:  # noqa: BLE001 - the result summary is informative only
        return {}
