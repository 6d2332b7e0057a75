"""Bounded loops: multi-instance cardinality, standard loops, repetitions and task-tree depth.

SpiffWorkflow 3.2 creates every multi-instance child up front (3,000 instances took 9.7 s, growing
with the square) and grows the task tree with every loop iteration; at depth 1000 its task
iterator stops looking and the workflow reports itself *completed* with steps still to run. So:

- `install()` makes the loop activities refuse to create more than `multi_instance_max` instances
  or iterations (checked as each child is created, before the expensive part);
- `check_task(task)` runs after every step (engine or user task): an element that ran more than
  `loop_max_iterations` times on the task's path, or a tree deeper than `process_max_depth`,
  fails the step with `LoopLimitExceeded` (the caller maps it to `StepFailed`: nothing stored);
- `publish_problems` refuses at publish what is visible in the diagram (a constant cardinality
  or loop maximum above the cap).
"""
from __future__ import annotations

import ast

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask

from engine import limits
from engine.problems import Problem
from engine.script_guards import ScriptRefused


class LoopLimitExceeded(ScriptRefused):
    """A loop or multi-instance activity went past the platform's cap."""


def _label(spec) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _too_many(spec, cap: int):
    raise LoopLimitExceeded(
        f"Bước «{_label(spec)}» vượt quá số lần lặp hoặc số phiên bản cho phép ({cap}); "
        "quy trình dừng ở bước này để không bỏ sót các bước sau.")


def _counting(original):
    def create_child(self, my_task, *args, **kwargs):
        cap = limits.current().multi_instance_max
        count = my_task.internal_data.get("motcua_children", 0) + 1
        if count > cap:
            _too_many(self, cap)
        my_task.internal_data["motcua_children"] = count
        return original(self, my_task, *args, **kwargs)
    create_child.__wrapped__ = original
    return create_child


def install() -> None:
    """Patch SpiffWorkflow's loop activities once (idempotent)."""
    for cls in (MultiInstanceTask, StandardLoopTask):
        current = cls.__dict__["create_child"]
        if not hasattr(current, "__wrapped__"):
            cls.create_child = _counting(current)


def check_task(task) -> None:
    """After `task` ran: its depth, and how often its element ran on its path, within the caps."""
    lim = limits.current()
    spec = task.task_spec
    depth, repeats, node = 0, 0, task
    while node is not None:
        depth += 1
        if node.task_spec is spec:
            repeats += 1
        node = node.parent
    if repeats > lim.loop_max_iterations:
        _too_many(spec, lim.loop_max_iterations)
    if depth > lim.process_max_depth:
        raise LoopLimitExceeded(
            f"Quy trình đã đi qua quá nhiều bước nối tiếp (tối đa {lim.process_max_depth}) tại bước "
            f"«{_label(spec)}»; có thể có vòng lặp không dừng.")


def _constant_int(expression) -> int | None:
    if isinstance(expression, int):
        return expression
    try:
        value = ast.literal_eval(str(expression).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def publish_problems(specs, lines: dict) -> list[Problem]:
    """Loop activities whose diagram already says they would go past the caps."""
    lim = limits.current()
    problems = []
    for pspec in specs:
        for ts in pspec.task_specs.values():
            if isinstance(ts, MultiInstanceTask):
                count = _constant_int(ts.cardinality) if ts.cardinality is not None else None
            elif isinstance(ts, StandardLoopTask):
                count = ts.maximum
            else:
                continue
            if count is not None and count > lim.multi_instance_max:
                problems.append(Problem(
                    f"Bước «{_label(ts)}» lặp hoặc tạo {count} phiên bản, vượt mức tối đa "
                    f"{lim.multi_instance_max}.", element=ts.bpmn_id, line=lines.get(ts.bpmn_id)))
    return problems
