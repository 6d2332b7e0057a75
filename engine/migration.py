"""Moving a running workflow to another version of its process spec (issue 14).

Plain SpiffWorkflow 3.2.0, nothing of the platform. The workflow keeps its task tree: every task
whose spec has a counterpart in the new version (same BPMN id, or the id an explicit
`{old_id: new_id}` map names) points to the new spec, done tasks whose element disappeared are
spliced out of the tree (their children hang from their parent), and each current task (a READY
user task, a WAITING event) is reset in place, as SpiffWorkflow's own `migrate_workflow` does, so
its future is predicted again from the new spec. A reset task keeps its id, so the rows and the
history that name it stay valid; a waiting timer keeps its due time (its expression is not run
again). Nothing runs: no script, no gateway, no engine step.

Refused, with a reason for each (`Blocked`): a current task with no counterpart or whose
counterpart is another kind of element, a workflow inside a subprocess or call activity, a
multi-instance activity in progress, a task started but not finished.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.util.task import TaskState

from engine import serializer

CURRENT = TaskState.READY | TaskState.WAITING
# Tasks left in the tree that may be dropped when their element is gone: nothing will run them.
DROPPABLE = TaskState.CANCELLED | TaskState.PREDICTED_MASK | TaskState.FUTURE


@dataclass(frozen=True)
class Problem:
    """Why a workflow cannot move: the element (old BPMN id) and the reason, in Vietnamese."""

    element: str | None
    message: str


@dataclass(frozen=True)
class Move:
    """A current task and the element it becomes in the new version."""

    task_id: str
    old_id: str
    new_id: str
    kind: str  # "step" (user task) or "event" (a waiting timer or other event)


class Blocked(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _label(spec) -> str:
    name = getattr(spec, "bpmn_name", None)
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    return f"«{name}» ({bpmn_id})" if name else f"«{bpmn_id}»"


def _counterpart_name(name: str, old_process: str, new_process: str, id_map: dict) -> str:
    """The spec name in the new version: the map's id for a mapped element (and for the specs
    SpiffWorkflow derives from it, e.g. `approve.BoundaryEventSplit`), the new process's EndJoin."""
    if name == f"{old_process}.EndJoin":
        return f"{new_process}.EndJoin"
    if name in id_map:
        return id_map[name]
    for old, new in id_map.items():
        for sep in (".", " "):
            if name.startswith(old + sep):
                return new + name[len(old):]
    return name


def _alignment(old_spec, new_spec, id_map: dict) -> dict:
    """old task spec -> new task spec (None when it has no counterpart)."""
    out = {}
    for name, spec in old_spec.task_specs.items():
        out[spec] = new_spec.task_specs.get(_counterpart_name(name, old_spec.name, new_spec.name, id_map))
    return out


def _same_kind(old, new) -> bool:
    if isinstance(old, UserTask) or isinstance(new, UserTask):
        return isinstance(old, UserTask) and isinstance(new, UserTask)
    return type(old) is type(new)


def check(workflow, new_spec, new_subprocess_specs: dict, id_map: dict | None = None) -> tuple[list[Move], list[Problem]]:
    """What moving `workflow` to `new_spec` would do: the moves of its current tasks and what blocks."""
    id_map = dict(id_map or {})
    problems: list[Problem] = []
    unknown = [old for old in id_map if old not in workflow.spec.task_specs]
    problems += [Problem(old, f"Phần tử «{old}» trong bảng ánh xạ không có trong phiên bản cũ.") for old in unknown]
    missing = [new for new in id_map.values() if new not in new_spec.task_specs]
    problems += [Problem(new, f"Phần tử «{new}» trong bảng ánh xạ không có trong phiên bản mới.") for new in missing]
    if workflow.subprocesses or new_subprocess_specs or workflow.subprocess_specs:
        problems.append(Problem(None, "Quy trình có quy trình con (subprocess, call activity): chưa hỗ trợ chuyển "
                                      "phiên bản."))
    alignment = _alignment(workflow.spec, new_spec, id_map)
    moves: list[Move] = []
    for task in workflow.get_tasks(skip_subprocesses=True):
        spec = task.task_spec
        if task.has_state(TaskState.STARTED):
            problems.append(Problem(spec.name, f"Phần tử {_label(spec)} đang chạy dở: chưa chuyển được."))
            continue
        if not task.has_state(CURRENT):
            continue
        parent_spec = task.parent.task_spec if task.parent is not None else None
        if isinstance(spec, (LoopTask, SubWorkflowTask)) or isinstance(parent_spec, LoopTask):
            problems.append(Problem(getattr(spec, "bpmn_id", None) or spec.name,
                                    f"Bước {_label(spec)} thuộc hoạt động nhiều lần hoặc quy trình con: chưa hỗ trợ "
                                    f"chuyển phiên bản."))
            continue
        new = alignment.get(spec)
        if new is None:
            problems.append(Problem(spec.name, f"Bước {_label(spec)} không có trong phiên bản mới (hãy ánh xạ nó "
                                               f"sang một bước của phiên bản mới)."))
            continue
        if not _same_kind(spec, new):
            problems.append(Problem(spec.name, f"Bước {_label(spec)} ứng với {_label(new)} là một loại phần tử khác."))
            continue
        if getattr(spec, "bpmn_id", None) is None:  # Start, End, joins: never waiting for anyone
            continue
        moves.append(Move(str(task.id), spec.bpmn_id, new.bpmn_id, "step" if isinstance(spec, UserTask) else "event"))
    return moves, problems


def _splice(workflow, task) -> None:
    """Take a finished task out of the tree; its children hang from its parent. (A task's
    `children` is built from the ids in `_children` on each read: the ids are what changes.)"""
    parent = task.parent
    index = parent._children.index(task.id)
    for child in task.children:
        child._parent = parent.id
    parent._children[index:index + 1] = list(task._children)
    task._children = []
    workflow.tasks.pop(task.id, None)


def _drop(workflow, task) -> None:
    """Remove a task and everything under it."""
    stack = [task.id]
    while stack:
        gone = workflow.tasks.pop(stack.pop(), None)
        if gone is not None:
            stack.extend(gone._children)
    parent = workflow.tasks.get(task._parent)
    if parent is not None and task.id in parent._children:
        parent._children.remove(task.id)


def migrate(workflow, new_spec_text: str, id_map: dict | None = None) -> list[Move]:
    """Move `workflow` (loaded, with its script engine) to the spec in `new_spec_text`, in place.
    Raises `Blocked` when anything stands in the way: what `check` finds before anything moved; the
    caller saves nothing when it is raised, so the stored instance stays as it was in every case."""
    new_spec, new_subs = serializer.load_spec(new_spec_text)
    moves, problems = check(workflow, new_spec, new_subs, id_map)
    if problems:
        raise Blocked(problems)
    serializer.forget(workflow)  # the task tree changes: a text remembered before no longer holds
    alignment = _alignment(workflow.spec, new_spec, dict(id_map or {}))
    timers = {}
    current = [t for t in workflow.get_tasks(state=CURRENT, skip_subprocesses=True)]
    for task in current:  # their future is predicted again from the new spec below
        if task.id in workflow.tasks:
            task._drop_children(force=True)
    for task in list(workflow.tasks.values()):
        if task.id not in workflow.tasks:
            continue
        new = alignment.get(task.task_spec)
        if new is not None:
            task.task_spec = new
            continue
        if task.parent is None:  # the root is "Root"/"Start" in every spec
            raise Blocked([Problem(task.task_spec.name, "Gốc của quy trình không khớp phiên bản mới.")])
        if task.has_state(TaskState.COMPLETED):
            _splice(workflow, task)
        elif task.has_state(DROPPABLE):
            _drop(workflow, task)
        else:
            raise Blocked([Problem(task.task_spec.name, f"Phần tử {_label(task.task_spec)} không có trong phiên bản "
                                                        f"mới.")])
    workflow.spec = new_spec
    for task in current:
        if task.has_state(TaskState.WAITING):
            timers[task.id] = dict(task.internal_data)
    for task in current:
        if task.id not in workflow.tasks:
            continue
        was_ready = task.has_state(TaskState.READY)
        task.reset_branch(deepcopy(task.data))  # its own data, even when its parent was spliced out
        if task.id in timers:
            task.internal_data.update(timers[task.id])
        if was_ready and not task.has_state(TaskState.READY):
            raise Blocked([Problem(task.task_spec.name, f"Bước {_label(task.task_spec)} không còn sẵn sàng trong "
                                                        f"phiên bản mới.")])
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    return moves
