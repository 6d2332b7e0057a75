"""Does a recorded event say what the core said? One event of the rules against one of the log.

The core returns typed events (motcua/domain/events.py) whose `record()` is exactly what the live
code stores. Replay compares them key for key, with three allowances the live code needs:
- a new step's task id is the engine's (a fresh UUID in the replay): the recorded one is adopted
  by the caller, so `task_id` of a `step_ready` is not compared here;
- BPMN timers are named by their BPMN id: their engine task ids differ in the replay, and their
  instants are equal within the clock margin (SpiffWorkflow computes them from a running clock);
- keys older histories did not record yet are compared only when recorded.
"""
from __future__ import annotations

from motcua.domain import events as E
from motcua.replay.records import Diverged, Record, as_json, fmt, instant, near

# Keys added to an event type after histories were already recorded: compared when present.
OPTIONAL_KEYS = {"received": ("receiving_office", "competent_office", "calendar"), "returned": ("on_time",),
                 "timer_fired": ("timers",)}
# Instants the engine takes from its own running clock: equal within the margin.
NEAR_KEYS = {"timer_fired": ("due_at",), "timer_failed": ("due_at",)}


def label(event: E.Event) -> str:
    """What replay expects next, for the messages (Vietnamese, with the event type)."""
    if isinstance(event, E.StepReady):
        return f"bước «{event.bpmn_id}» sẵn sàng (step_ready)"
    if isinstance(event, E.StepCancelled):
        return f"hủy công việc «{event.bpmn_id}» (step_cancelled)"
    if isinstance(event, E.Finished):
        return f"kết thúc quy trình với kết quả «{event.status}» (finished)"
    if isinstance(event, E.SupplementRequested):
        return f"tạm dừng chờ bổ sung «{event.reason}» (supplement_requested)"
    if isinstance(event, E.Supplemented):
        return "tiếp tục tính hạn sau bổ sung (supplemented)"
    if isinstance(event, E.LegalTimeExtended):
        return f"áp dụng thời hạn dài hơn tại bước «{event.bpmn_id}» (legal_time_extended)"
    return f"sự kiện «{event.type}»"


def _timers(items) -> list[tuple]:
    out = []
    for t in items or []:
        t = t if isinstance(t, dict) else {}
        out.append((str(t.get("timer")), *(instant(t.get(k)) for k in ("old_due_at", "due_at") if k in t)))
    return sorted(out, key=lambda x: (x[0], *(str(v) for v in x[1:])))


def _timers_match(mine, theirs) -> bool:
    a, b = _timers(mine), _timers(theirs)
    return len(a) == len(b) and all(x[0] == y[0] and len(x) == len(y) and all(near(p, q) for p, q in
                                                                               zip(x[1:], y[1:]))
                                    for x, y in zip(a, b))


def _by_task(items: list) -> list:
    """Moves of several steps, in any order (the live code lists them in its query's order)."""
    return sorted(items, key=lambda x: str(x.get("task_id")) if isinstance(x, dict) else str(x))


def check(event: E.Event, rec: Record, *, new_step: bool = False) -> None:
    """Raise `Diverged` at `rec` unless it records `event` (`new_step`: its task id is adopted)."""
    type_, step, data = event.record()
    if rec.type != type_:
        raise Diverged(rec.seq, f"dựng lại cần {label(event)} ở vị trí này, lịch sử ghi «{rec.type}».")
    if step != rec.step:
        raise Diverged(rec.seq, f"«{type_}»: dựng lại được bước «{step}», lịch sử ghi «{rec.step}».")
    recorded = rec.data if isinstance(rec.data, dict) else {}
    mine = as_json(data)
    where = f"«{type_}»" + (f" của bước «{step}»" if step else "")
    for key in sorted(set(mine) | set(recorded), key=str):
        if key in OPTIONAL_KEYS.get(type_, ()) and key not in recorded:
            continue
        if new_step and key == "task_id":
            continue
        a, b = mine.get(key), recorded.get(key)
        if key == "timers":
            equal = _timers_match(a, b)
        elif key == "steps" and isinstance(a, list) and isinstance(b, list):
            equal = _by_task(a) == _by_task(b)
        elif key in NEAR_KEYS.get(type_, ()):
            equal = near(instant(a), instant(b))
        else:
            equal = a == b
        if not equal:
            raise Diverged(rec.seq, f"{where}: «{key}» dựng lại được {fmt(a)}, lịch sử ghi {fmt(b)}.")
