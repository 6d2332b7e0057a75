"""The platform's BPMN conventions (contract: "BPMN conventions").

Lanes name who works a step, `allotment_days` gives each step its share of the legal time, and
the allotments on any path must fit within the procedure's legal time.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask

from engine import loops
from engine.problems import Problem

ROLES = ("receiver", "specialist", "leader")
# Functions the platform gives BPMN expressions (motcua/services/process.py script_functions).
PLATFORM_FUNCTIONS = ("working_days_from_now", "working_days_after")
# A loop body may be walked this many times on one path when checking allotments: a supplement
# round trip and its repetition. Designers keep loops bounded (see bpmn/README.md).
MAX_VISITS = 2
MAX_PATHS_EXPLORED = 200_000


@dataclass(frozen=True)
class Lane:
    """A lane name: a plain role, or `OFFICE_CODE:role` for a step done by another agency."""

    role: str
    office_code: str | None = None

    @classmethod
    def parse(cls, name: str | None) -> "Lane | None":
        if not name:
            return None
        name = name.strip()
        office, sep, role = name.rpartition(":")
        role = role.strip()
        if role not in ROLES:
            return None
        if sep and not office.strip():
            return None
        return cls(role=role, office_code=office.strip() or None)


@dataclass(frozen=True)
class StepInfo:
    """What the platform needs to know of a user task, read from its spec."""

    bpmn_id: str
    name: str
    lane: str
    role: str
    office_code: str | None
    allotment_days: Decimal
    form: str | None
    pause_clock: bool
    # The law's longer time for this case, in working days from the dossier's clock start, that
    # applies once this step becomes ready (e.g. "5 working days when verification is needed").
    legal_days: Decimal | None = None
    legal_reason: str | None = None


def properties(task_spec) -> dict:
    return (getattr(task_spec, "extensions", None) or {}).get("properties") or {}


def step_info(task_spec) -> StepInfo:
    """For a user task that already passed `check_conventions`."""
    props = properties(task_spec)
    lane = Lane.parse(task_spec.lane)
    return StepInfo(
        bpmn_id=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        lane=task_spec.lane,
        role=lane.role,
        office_code=lane.office_code,
        allotment_days=Decimal(props["allotment_days"]),
        form=props.get("form") or None,
        pause_clock=str(props.get("pause_clock", "")).lower() == "true",
        legal_days=Decimal(props["legal_days"]) if props.get("legal_days") not in (None, "") else None,
        legal_reason=props.get("legal_reason") or None,
    )


def end_outcome(task_spec) -> str:
    """An end event's outcome: `done` unless it says `rejected` or `stopped`."""
    outcome = properties(task_spec).get("outcome", "done")
    return outcome if outcome in ("done", "rejected", "stopped") else "done"


def _all_specs(spec, subprocess_specs):
    yield spec
    yield from subprocess_specs.values()


def _allotment(task_spec) -> Decimal:
    if isinstance(task_spec, UserTask):
        try:
            return Decimal(properties(task_spec).get("allotment_days", "0"))
        except InvalidOperation:
            return Decimal(0)
    return Decimal(0)


def _decimal(raw) -> Decimal | None:
    """A non-negative finite number of working days, or None."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def _step_legal_days(task_spec) -> Decimal | None:
    if isinstance(task_spec, UserTask):
        raw = properties(task_spec).get("legal_days")
        return _decimal(raw) if raw not in (None, "") else None
    return None


def check_conventions(spec, subprocess_specs, *, forms: dict, legal_days, lines: dict) -> list[Problem]:
    """Every user task in a role lane with an allotment and known form; every path within legal time."""
    problems: list[Problem] = []
    for pspec in _all_specs(spec, subprocess_specs):
        for ts in pspec.task_specs.values():
            if not isinstance(ts, UserTask):
                continue
            where = {"element": ts.bpmn_id, "line": lines.get(ts.bpmn_id)}
            label = ts.bpmn_name or ts.bpmn_id
            if not ts.lane:
                problems.append(Problem(f"Bước «{label}» không nằm trong làn (lane) nào.", **where))
            elif Lane.parse(ts.lane) is None:
                problems.append(Problem(
                    f"Làn «{ts.lane}» của bước «{label}» không phải vai trò hợp lệ "
                    f"(receiver, specialist, leader hoặc MÃ_CƠ_QUAN:vai_trò).", **where))
            props = properties(ts)
            raw = props.get("allotment_days")
            if raw is None:
                problems.append(Problem(f"Bước «{label}» thiếu thuộc tính allotment_days.", **where))
            else:
                try:
                    value = Decimal(raw)
                    if value < 0 or not value.is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    problems.append(Problem(
                        f"allotment_days của bước «{label}» phải là số ngày làm việc không âm.", **where))
            raw_legal = props.get("legal_days")
            if raw_legal is not None and _decimal(raw_legal) is None:
                problems.append(Problem(
                    f"legal_days của bước «{label}» phải là số ngày làm việc không âm.", **where))
            form = props.get("form")
            if form and form not in forms:
                problems.append(Problem(f"Bước «{label}» dùng biểu mẫu «{form}» không có trong gói.", **where))
    problems.extend(loops.publish_problems(_all_specs(spec, subprocess_specs), lines))
    if not problems:
        problems.extend(_check_paths(spec, legal_days, lines))
    return problems


def _check_paths(spec, legal_days, lines) -> list[Problem]:
    if legal_days is None:  # the manifest is invalid: its own problems say so
        return []
    try:
        limit = Decimal(str(legal_days))
    except InvalidOperation:
        return []
    worst, path, exhausted, allowed = worst_path(spec, limit)
    if exhausted:
        return [Problem("Quy trình có quá nhiều nhánh để kiểm tra thời hạn trên mọi đường đi.")]
    if worst > allowed:
        steps = " → ".join(path)
        last = path[-1] if path else None
        return [Problem(
            f"Tổng thời gian các bước trên đường đi {steps} là {worst} ngày làm việc, "
            f"vượt thời hạn giải quyết {allowed} ngày.",
            element=last, line=lines.get(last) if last else None)]
    return []


def worst_path(spec, limit: Decimal) -> tuple[Decimal, list[str], bool, Decimal]:
    """The path whose allotments exceed the legal time that applies on it by the most: the
    manifest's `limit`, or the longest `legal_days` of a step on that path (contract: a longer
    legal time on a path). Returns (its allotments, its user tasks, exhausted, its legal time);
    when no path exceeds its time, the path with the largest sum of allotments."""
    best: list = [None, Decimal(0), [], limit]  # excess, total, trail, allowed

    def on_path(total, trail, allowed):
        excess = total - allowed
        if best[0] is None or excess > best[0]:
            best[0], best[1], best[2], best[3] = excess, total, trail, allowed

    exhausted = _walk(spec, limit, on_path)
    return max(best[1], Decimal(0)), best[2], exhausted, best[3]


def _walk(spec, limit: Decimal, on_path) -> bool:
    """Every path from start to end (each node at most MAX_VISITS times): `on_path(total of
    allotments, user tasks, legal time on that path)`. True when the walk was cut short."""
    start = spec.start
    explored = 0

    def walk(ts, total, visits, trail, allowed):
        nonlocal explored
        explored += 1
        if explored > MAX_PATHS_EXPLORED:
            return
        total += _allotment(ts)
        if isinstance(ts, UserTask):
            trail = trail + [ts.bpmn_id]
            longer = _step_legal_days(ts)
            if longer is not None and longer > allowed:
                allowed = longer
        if not ts.outputs:
            on_path(total, trail, allowed)
            return
        for nxt in ts.outputs:
            if visits.get(nxt.name, 0) >= MAX_VISITS:
                continue
            visits[nxt.name] = visits.get(nxt.name, 0) + 1
            walk(nxt, total, visits, trail, allowed)
            visits[nxt.name] -= 1

    walk(start, Decimal(0), {start.name: 1}, [], limit)
    return explored > MAX_PATHS_EXPLORED


def code_fragments(spec, subprocess_specs):
    """Every piece of designer-written code: (element id, mode, source), for the sandbox to vet."""
    for pspec in _all_specs(spec, subprocess_specs):
        for ts in pspec.task_specs.values():
            bpmn_id = getattr(ts, "bpmn_id", None) or ts.name
            if isinstance(ts, ScriptTask) and ts.script:
                yield bpmn_id, "exec", ts.script
            for attr in ("prescript", "postscript"):
                source = getattr(ts, attr, None)
                if source:
                    yield bpmn_id, "exec", source
            for cond, _target in getattr(ts, "cond_task_specs", None) or []:
                expression = getattr(cond, "args", [None])[0] if cond is not None else None
                if expression:
                    yield bpmn_id, "eval", expression
            event = getattr(ts, "event_definition", None)
            expression = getattr(event, "expression", None)
            if expression:
                yield bpmn_id, "eval", expression
