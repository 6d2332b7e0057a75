"""After the last event: the rebuilt state against what is stored, and which event to blame.

The dossier row, every task row and the serialized workflow must be what the replayed inputs
produce. Each difference names the event that last set the field (`Seqs`), so an auditor is sent
to the first place the stored state no longer follows from the history.
"""
from __future__ import annotations

import json
from dataclasses import fields

from engine import runtime
from engine.states import state_name
from motcua.domain import events as E
from motcua.domain.state import StepState
from motcua.replay.records import TooDeep, as_json, fmt, instant, load_json, near

DOSSIER_FIELDS = ("status", "received_at", "clock_start", "due_at", "paused_at", "supplement_count", "overdue",
                  "apology_required", "apology", "finished_at", "returned_at", "result", "data", "documents")
STEP_FIELDS = tuple(f.name for f in fields(StepState))
FLAGS = ("overdue", "apology_required")


def _mentions(event: E.Event) -> set:
    """The task ids an event is about (a step's own event, or the moves it lists)."""
    if isinstance(event, E.StepEvent):
        return {event.task_id}
    if isinstance(event, E.Supplemented):
        return {m.task_id for m in event.steps}
    if isinstance(event, E.DueRecomputed):
        return {c.task_id for c in event.steps}
    return set()


class Seqs:
    """For each field of the dossier and of each step, the seq of the event that last changed it."""

    def __init__(self):
        self.dossier: dict[str, int] = {}
        self.steps: dict[str, dict[str, int]] = {}
        self.wf: int | None = None

    def note(self, before, after, events, seqs, input_seq, ids: dict) -> None:
        own = [s for e, s in zip(events, seqs) if not isinstance(e, E.StepEvent)]
        dossier_seq = own[0] if own else seqs[0]
        for name in DOSSIER_FIELDS:
            if before is None or getattr(before, name) != getattr(after, name):
                self.dossier[name] = dossier_seq
        by_task: dict[str, int] = {}
        for event, seq in zip(events, seqs):
            for task_id in _mentions(event):
                by_task.setdefault(ids.get(task_id, task_id), seq)
        old_steps = before.steps if before is not None else {}
        for task_id, step in after.steps.items():
            old = old_steps.get(task_id)
            seq = by_task.get(task_id, seqs[0])
            mine = self.steps.setdefault(task_id, {})
            for name in STEP_FIELDS:
                if old is None or getattr(old, name) != getattr(step, name):
                    mine[name] = seq


def compare_stored(replayer, last_seq: int) -> None:
    differ = lambda seq, message: replayer.differences.append({"seq": seq, "detail": message})  # noqa: E731
    state, stored, seqs = replayer.state, replayer.stored, replayer.seqs
    _compare_dossier(state, stored.dossier, seqs, differ)
    _compare_rows(state, stored.rows, seqs, last_seq, differ)
    _compare_process(replayer, stored.process, seqs.wf or last_seq, differ)


def _compare_dossier(state, stored, seqs: Seqs, differ) -> None:
    for name in DOSSIER_FIELDS:
        mine, theirs = getattr(state, name), getattr(stored, name)
        if name in FLAGS:
            equal = bool(mine) == bool(theirs)
        elif name in ("data", "documents"):
            equal = as_json(mine or ({} if name == "data" else [])) == as_json(
                theirs or ({} if name == "data" else []))
        elif hasattr(mine, "isoformat") or hasattr(theirs, "isoformat"):
            equal = instant(mine) == instant(theirs)
        else:
            equal = as_json(mine) == as_json(theirs)
        if not equal:
            differ(seqs.dossier.get(name), f"hồ sơ «{name}» đã lưu là {fmt(theirs)}, dựng lại từ lịch sử "
                                           f"được {fmt(mine)}.")


def _compare_rows(state, rows, seqs: Seqs, last_seq: int, differ) -> None:
    stored = {row.id: row for row in rows}
    for task_id, mine in state.steps.items():
        theirs = stored.pop(task_id, None)
        at = seqs.steps.get(task_id, {})
        if theirs is None:
            differ(at.get("bpmn_id"), f"công việc «{mine.bpmn_id}» ({task_id}) có trong lịch sử nhưng không có "
                                      f"trong cơ sở dữ liệu.")
            continue
        checks = [("bpmn_id", mine.bpmn_id, theirs.bpmn_id), ("state", mine.state, theirs.state),
                  ("office", mine.office, theirs.office), ("data", mine.data, theirs.data),
                  ("assignee", mine.assignee, theirs.assignee), ("completed_by", mine.completed_by,
                                                                   theirs.completed_by),
                  ("overdue", bool(mine.overdue), bool(theirs.overdue))]
        for name, a, b in checks:
            if as_json(a) != as_json(b):
                differ(at.get(name, at.get("state")), f"công việc «{mine.bpmn_id}» ({task_id}): «{name}» đã lưu "
                                                      f"là {fmt(b)}, dựng lại được {fmt(a)}.")
        cancelled = mine.state == "cancelled"
        for name, a, b, exact in (("ready_at", mine.ready_at, theirs.ready_at, False),
                                  ("due_at", mine.due_at, theirs.due_at, True),
                                  ("completed_at", mine.completed_at, theirs.completed_at, not cancelled)):
            if (a != b) if exact else not near(a, b):
                differ(at.get(name, at.get("state")), f"công việc «{mine.bpmn_id}» ({task_id}): «{name}» đã lưu "
                                                      f"là {fmt(b)}, dựng lại được {fmt(a)}.")
    for task_id, theirs in stored.items():
        differ(last_seq, f"công việc «{theirs.bpmn_id}» ({task_id}) có trong cơ sở dữ liệu nhưng không có sự "
                         f"kiện nào sinh ra nó.")


def _compare_process(replayer, process, seq, differ) -> None:
    mine = replayer.state.process
    if process is None:
        if replayer.wf is not None:
            differ(seq, "không có trạng thái quy trình đã lưu.")
        return
    status = mine.status if mine is not None else None
    if process.status != status:
        differ(seq, f"trạng thái quy trình đã lưu là «{process.status}», dựng lại được «{status}».")
    next_timer = mine.next_timer_at if mine is not None else None
    if not near(process.next_timer_at, next_timer):
        differ(seq, f"hẹn giờ kế tiếp đã lưu là {fmt(process.next_timer_at)}, dựng lại được {fmt(next_timer)}.")
    try:
        stored = load_json(process.state)
    except (TypeError, ValueError):
        differ(seq, "trạng thái quy trình đã lưu không đọc được (không phải JSON).")
        return
    if isinstance(stored, TooDeep):
        differ(seq, "trạng thái quy trình đã lưu lồng nhau quá sâu, không đọc được.")
        return
    if not isinstance(stored, dict):
        differ(seq, "trạng thái quy trình đã lưu không đúng cấu trúc.")
        return
    rebuilt = json.loads(runtime.dump(replayer.wf))
    TreeComparison(replayer, differ).compare(stored, rebuilt, seq, "")


class TreeComparison:
    """The stored task tree against the rebuilt one, node by node (ids mapped to recorded ones)."""

    def __init__(self, replayer, differ):
        self.ids, self.seqs, self.differ = replayer.ids, replayer.seqs, differ

    def _task_seq(self, task_id, default):
        return self.seqs.steps.get(task_id, {}).get("state", default)

    def compare(self, stored: dict, mine: dict, seq, where: str) -> None:
        differ = self.differ
        for key in ("data", "completed", "success", "correlations", "bpmn_events"):
            if stored.get(key) != mine.get(key):
                detail = key
                if key == "data" and isinstance(stored.get(key), dict) and isinstance(mine.get(key), dict):
                    keys = sorted(str(k) for k in set(stored[key]) | set(mine[key])
                                  if stored[key].get(k) != mine[key].get(k))
                    detail = f"data (khóa {', '.join(keys)})"
                differ(seq, f"quy trình đã lưu{where}: «{detail}» khác kết quả dựng lại.")
        s_tasks, m_tasks = stored.get("tasks") or {}, mine.get("tasks") or {}
        if not isinstance(s_tasks, dict):
            differ(seq, f"quy trình đã lưu{where}: cây công việc không đúng cấu trúc.")
            return
        stack = [(stored.get("root"), mine.get("root"))]
        while stack:
            sid, mid = stack.pop()
            s, m = s_tasks.get(sid) if isinstance(sid, str) else None, m_tasks.get(mid)
            if not isinstance(s, dict) or m is None:
                differ(seq, f"quy trình đã lưu{where}: cây công việc thiếu nút «{sid}».")
                continue
            spec = m.get("task_spec")
            at = self._task_seq(sid, seq)
            if s.get("task_spec") != spec:
                differ(at, f"quy trình đã lưu{where}: nút «{sid}» là «{s.get('task_spec')}», dựng lại được «{spec}».")
                continue
            recorded = self.ids.get(mid)
            if recorded is not None and recorded != sid:
                differ(at, f"quy trình đã lưu{where}: bước «{spec}» có mã «{sid}», lịch sử ghi «{recorded}».")
            if s.get("state") != m.get("state"):
                differ(at, f"quy trình đã lưu{where}: bước «{spec}» ở trạng thái {state_name(s.get('state'))}, "
                           f"dựng lại được {state_name(m.get('state'))}.")
            if s.get("data") != m.get("data"):
                sd, md = s.get("data"), m.get("data") or {}
                sd = sd if isinstance(sd, dict) else {}
                keys = sorted(str(k) for k in set(sd) | set(md) if sd.get(k) != md.get(k))
                differ(at, f"quy trình đã lưu{where}: dữ liệu của bước «{spec}» khác ở "
                           f"{', '.join(keys) or 'cấu trúc'}.")
            if not _same_internal(s.get("internal_data") or {}, m.get("internal_data") or {}):
                differ(at, f"quy trình đã lưu{where}: dữ liệu nội bộ (hẹn giờ, sự kiện) của bước «{spec}» khác "
                           f"kết quả dựng lại.")
            s_children, m_children = s.get("children") or [], m.get("children") or []
            if len(s_children) != len(m_children):
                differ(at, f"quy trình đã lưu{where}: bước «{spec}» có {len(s_children)} nhánh con, dựng lại được "
                           f"{len(m_children)}.")
                continue
            stack.extend(reversed(list(zip(s_children, m_children))))
            s_sub = (stored.get("subprocesses") or {}).get(sid)
            m_sub = (mine.get("subprocesses") or {}).get(mid)
            if (s_sub is None) != (m_sub is None):
                differ(at, f"quy trình đã lưu{where}: quy trình con của bước «{spec}» thiếu hoặc thừa.")
            elif s_sub is not None:
                self.compare(s_sub, m_sub, at, f"{where} › {spec}")


def _same_internal(a, b) -> bool:
    """Internal data (timer due times, fired flags) equal; instants within the clock margin."""
    if not isinstance(a, dict) or not isinstance(b, dict) or set(a) != set(b):
        return False
    for key in a:
        x, y = a[key], b[key]
        if x == y:
            continue
        if isinstance(x, str) and isinstance(y, str):
            tx, ty = instant(x), instant(y)
            if tx is not None and ty is not None and near(tx, ty):
                continue
        return False
    return True
