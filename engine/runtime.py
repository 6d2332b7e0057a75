"""Running a procedure's workflow in memory: start, ready steps, complete, timers, outcome.

No database here: the service layer loads state, calls these, and saves everything in one
transaction, so a failed step leaves the stored instance exactly as it was.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import conventions, loops, sandbox, serializer, timer_clock
from engine.conventions import StepInfo

loops.install()
timer_clock.install_bounds()


class StepFailed(Exception):
    """A script, condition or timer expression failed, or a loop went past its cap; the stored
    instance is untouched (the caller saves nothing: 422, or `timer_failed` for the scheduler)."""

    def __init__(self, message: str, element: str | None = None):
        super().__init__(message)
        self.element = element


@dataclass(frozen=True)
class ReadyStep:
    task_id: str
    step: StepInfo


def _engine(functions: dict | None, time_limit: float):
    return sandbox.make_script_engine(extra_globals=functions or {}, time_limit=time_limit)


def _run(action, *args):
    try:
        return action(*args)
    except WorkflowException as err:
        spec = getattr(getattr(err, "task", None), "task_spec", None)
        element = getattr(spec, "bpmn_id", None) or getattr(err, "task_spec", None)
        cause = err.__cause__ or err
        raise StepFailed(f"Không thực hiện được bước tự động: {cause}", element=str(element) if element else None) from err
    except sandbox.ScriptError as err:
        raise StepFailed(str(err)) from err
    except StepFailed:
        raise
    except Exception as err:  # noqa: BLE001 - designer content (a timer text, deep data) → 4xx, never 500
        raise StepFailed(f"Không thực hiện được bước tự động: {type(err).__name__}: {err}") from err


def start(spec_text: str, data: dict, *, functions: dict | None = None, time_limit: float = 1.0,
          check: bool = True) -> BpmnWorkflow:
    """`check`: serialize at the end (see `_checkpoint`); a replay of moves the live run already
    stored passes False (its text is made when, and if, it is asked for)."""
    spec, subs = serializer.load_spec(spec_text)
    workflow = BpmnWorkflow(spec, subs, script_engine=_engine(functions, time_limit))
    workflow.data.update(data)
    start_task = workflow.get_tasks(state=TaskState.READY)
    for task in start_task:
        task.data.update(data)
    _run(workflow.do_engine_steps, None, loops.check_task)
    if check:
        _checkpoint(workflow)
    return workflow


def load(state_text: str, spec_text: str, *, functions: dict | None = None, time_limit: float = 1.0) -> BpmnWorkflow:
    workflow = serializer.load_workflow(state_text, spec_text)
    workflow.script_engine = _engine(functions, time_limit)
    serializer.remember(workflow, state_text)
    return workflow


def dump(workflow: BpmnWorkflow) -> str:
    """The workflow as text: the text of the last checkpoint when nothing moved since."""
    text = serializer.remembered(workflow)
    if text is None:
        text = serializer.dump_workflow(workflow)
        serializer.remember(workflow, text)
    return text


def _checkpoint(workflow: BpmnWorkflow) -> None:
    """Serialize now, so data a script left that cannot be stored (a generator, an object) fails
    this step cleanly instead of the save that follows. The text is kept for that save (`dump`):
    the workflow is serialized once per move. Anything that moves the workflow afterwards (its
    timers on a resume, a cancel) forgets it (`serializer.forget`)."""
    serializer.forget(workflow)
    try:
        text = serializer.dump_workflow(workflow)
    except (TypeError, ValueError, RecursionError) as err:
        raise StepFailed(f"Dữ liệu của quy trình không lưu được (giá trị không phải JSON): {err}") from err
    serializer.remember(workflow, text)


def ready_steps(workflow: BpmnWorkflow) -> list[ReadyStep]:
    return [ReadyStep(str(t.id), conventions.step_info(t.task_spec))
            for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def complete(workflow: BpmnWorkflow, task_id: str, data: dict, *, check: bool = True) -> None:
    task = workflow.get_task_from_id(_uuid(task_id))
    if task is None or task.state != TaskState.READY:
        raise LookupError(task_id)
    serializer.forget(workflow)
    task.set_data(**data)
    _run(task.run)
    _run(loops.check_task, task)
    _run(_advance, workflow)
    if check:
        _checkpoint(workflow)


def _advance(workflow: BpmnWorkflow) -> None:
    workflow.refresh_timers()
    workflow.do_engine_steps(did_complete_task=loops.check_task)


def fire_due_timers(workflow: BpmnWorkflow, *, check: bool = True) -> None:
    serializer.forget(workflow)
    _run(_advance, workflow)
    if check:
        _checkpoint(workflow)


def cancel(workflow: BpmnWorkflow) -> None:
    serializer.forget(workflow)
    workflow.cancel()


TIMER_EVENTS = ("TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition")


def timer_due(value) -> datetime | None:
    """The due instant of a waiting timer as SpiffWorkflow records it (ISO text; naive = its LOCALTZ)."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import LOCALTZ
    if isinstance(value, dict):  # a cycle timer not yet started
        value = value.get("next")
    if not value:
        return None
    try:
        due = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return due if due.tzinfo is not None else due.replace(tzinfo=LOCALTZ)


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """When the earliest waiting timer is due: the scheduler wakes exactly these instances."""
    due = [timer_due(e.value) for e in workflow.waiting_events() if e.event_type in TIMER_EVENTS]
    due = [d for d in due if d is not None]
    return min(due) if due else None


def outcome(workflow: BpmnWorkflow) -> str | None:
    """None while running; else `done`, `rejected` or `stopped` from the end event reached."""
    if not workflow.is_completed():
        return None
    reached = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)]
    outcomes = {conventions.end_outcome(t.task_spec) for t in reached}
    for candidate in ("rejected", "stopped"):
        if candidate in outcomes:
            return candidate
    return "done"


def _uuid(task_id: str):
    from uuid import UUID
    return UUID(str(task_id))
