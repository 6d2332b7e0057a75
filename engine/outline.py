"""A stored procedure version at a glance: its user steps (as the platform reads them) and lanes.

Read from the version's serialized spec, with the same `conventions.step_info` the runtime uses,
so a diff or a timeline names steps exactly as the engine does.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.conventions import StepInfo, step_info
from engine.serializer import load_spec


def steps_of(spec_text: str) -> list[StepInfo]:
    """Every user task of the process and its subprocesses, in the spec's order."""
    spec, subprocess_specs = load_spec(spec_text)
    out, seen = [], set()
    for one in (spec, *subprocess_specs.values()):
        for task_spec in one.task_specs.values():
            if isinstance(task_spec, UserTask) and task_spec.bpmn_id not in seen:
                seen.add(task_spec.bpmn_id)
                out.append(step_info(task_spec))
    return out


def lanes_of(spec_text: str) -> list[str]:
    """The lane names tasks stand in, sorted."""
    spec, subprocess_specs = load_spec(spec_text)
    return sorted({ts.lane for one in (spec, *subprocess_specs.values()) for ts in one.task_specs.values()
                   if getattr(ts, "lane", None)})
