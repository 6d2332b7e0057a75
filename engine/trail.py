"""The path a running (or finished) instance has taken, read from its SpiffWorkflow task tree.

Drawing a dossier's progress needs more than the user steps the database records: script tasks,
gateways and events are reached too, and the sequence flows between them were taken. The task
tree knows: every element the engine ran is a COMPLETED task whose parent chain leads back to the
element it came from. A flow is taken when its source and target are consecutive reached elements
in that chain (engine-internal tasks without a BPMN id, such as a boundary event's split and join,
are skipped). This stays honest for loops (a rework flow is marked only when it was followed) and
for exclusive gateways (the branch not chosen is never a child that ran).
"""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from engine import serializer

_ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.WAITING
_REACHED = TaskState.COMPLETED | _ACTIVE


@dataclass(frozen=True)
class Trail:
    reached: frozenset   # BPMN ids of the elements the engine completed
    active: frozenset    # BPMN ids of the elements waiting now (ready steps, waiting timers)
    transitions: frozenset  # (source id, target id) pairs followed


def _bpmn_id(task) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def trail_of(state_text: str, spec_text: str) -> Trail:
    """What the stored instance reached, what waits now, and which element followed which."""
    workflow = serializer.load_workflow(state_text, spec_text)
    reached, active, transitions = set(), set(), set()
    for task in workflow.get_tasks(state=_REACHED):
        element = _bpmn_id(task)
        if element is None:
            continue
        if task.state & _ACTIVE:
            # a boundary event waits as long as its activity does: it is not a step of its own
            if isinstance(task.task_spec, BoundaryEvent) and task.state == TaskState.WAITING:
                continue
            active.add(element)
        else:
            reached.add(element)
        parent = task.parent
        while parent is not None and _bpmn_id(parent) is None:
            parent = parent.parent
        if parent is not None and parent.state == TaskState.COMPLETED:
            transitions.add((_bpmn_id(parent), element))
    return Trail(frozenset(reached), frozenset(active), frozenset(transitions))
