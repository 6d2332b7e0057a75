"""Running one compiled script or expression with the guards, and vetting what it leaves behind.

Used by the worker process (engine/script_worker.py) for everything, and by the server process
for provably cheap expressions (engine/script_policy.py `is_cheap`). A script runs on a deep copy
of the task data: a failed or stopped script leaves the task data as it was.

What a script leaves must be storable task data: JSON-like values (plus the dates, times and
decimals the serializer knows), no deeper than `max_depth` levels, no NaN or Infinity (JSON has
neither; a NaN in a condition makes every comparison false). Anything else fails the step.
"""
from __future__ import annotations

import copy
import math
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal

from engine import script_guards as guards
from engine.script_guards import FILENAME, GUARDS, SAFE_BUILTINS, ScriptError, ScriptOverrun, ScriptTimeout

INJECTED = frozenset(GUARDS) | {"__builtins__", "_print"}
_SCALARS = (str, int, float, bool, type(None), datetime, date, dtime, timedelta, Decimal, uuid.UUID)
_CONTAINERS = (dict, list, tuple)


def _script_line(tb) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run_code(code, namespace: dict, mode: str, time_limit: float):
    """Evaluate (`eval`) or execute (`exec`) `code` in `namespace` under the in-process deadline
    and allocation budget; every failure becomes a `ScriptError` with a Vietnamese message."""
    saved = (getattr(guards._state, "deadline", None), getattr(guards._state, "budget", None))
    guards._state.deadline = time.monotonic() + time_limit
    guards._state.budget = guards.MAX_ALLOCATION
    try:
        if mode == "eval":
            return eval(code, namespace)
        exec(code, namespace)
        return None
    except guards._Deadline:
        what = "Biểu thức" if mode == "eval" else "Kịch bản"
        raise ScriptTimeout(f"{what} chạy quá thời gian cho phép ({time_limit:g} giây) "
                            "và đã bị dừng.") from None
    except ScriptError as err:
        err.line = err.line or _script_line(err.__traceback__)
        raise
    except (MemoryError, RecursionError) as err:
        what = "Biểu thức" if mode == "eval" else "Kịch bản"
        overrun = ScriptOverrun(f"{what} dùng quá nhiều bộ nhớ hoặc lồng quá sâu và đã bị dừng "
                                f"({type(err).__name__}).", line=_script_line(err.__traceback__))
        overrun.retire = True  # a worker that hit its memory limit is replaced
        raise overrun from None
    except Exception as err:
        line = _script_line(err.__traceback__)
        where = f" (dòng {line})" if line and mode == "exec" else ""
        what = "tính biểu thức" if mode == "eval" else "chạy kịch bản"
        raise ScriptError(f"Lỗi khi {what}{where}: {type(err).__name__}: {err}",
                          line=line).with_traceback(err.__traceback__) from err
    finally:
        guards._state.deadline, guards._state.budget = saved


def evaluate(code, context: dict, extra: dict, time_limit: float, max_depth: int,
             max_size: int | None = None):
    namespace = dict(extra)
    namespace.update(context)
    namespace.update(GUARDS)
    namespace["__builtins__"] = SAFE_BUILTINS
    result = run_code(code, namespace, "eval", time_limit)
    check_data(result, max_depth, what="Biểu thức", max_size=max_size)
    return result


def execute(code, context: dict, extra: dict, time_limit: float, max_depth: int,
            max_size: int | None = None) -> dict:
    """The task data after running the script on a copy of `context` (which is left alone)."""
    try:
        work = copy.deepcopy(context)
    except Exception:  # noqa: BLE001 - data that cannot be copied: run on a shallow copy
        work = dict(context)
    work.update(extra)
    work.update(GUARDS)
    work["__builtins__"] = SAFE_BUILTINS
    run_code(code, work, "exec", time_limit)
    for key in list(work):
        if key in INJECTED or key in extra or callable(work[key]):
            del work[key]
    for key in INJECTED:  # task data that happened to use a reserved name
        if key in context:
            work[key] = context[key]
    check_data(work, max_depth, what="Kịch bản", max_size=max_size)
    return work


def check_data(value, max_depth: int, *, what: str = "Kịch bản", max_size: int | None = None) -> None:
    """Refuse data that cannot be stored safely: walked iteratively, so depth itself is no risk.

    `max_size` bounds the data as stored (JSON), where a value referenced many times is written
    out every time (`[s] * 1000` is small in memory, not in the database): every occurrence
    counts, and the walk stops as soon as the bound is passed."""
    stack = [(value, 1)]
    size = 0
    while stack:
        item, depth = stack.pop()
        size += 8 + (len(item) if isinstance(item, (str, bytes)) else 0)
        if max_size is not None and size > max_size:
            raise ScriptOverrun(f"{what} tạo ra quá nhiều dữ liệu (quá {max_size:,} byte khi lưu)."
                                .replace(",", "."))
        if depth > max_depth:
            raise ScriptOverrun(f"{what} tạo ra dữ liệu lồng nhau quá sâu (tối đa {max_depth} cấp).")
        if isinstance(item, float) and not math.isfinite(item):
            raise ScriptOverrun(f"{what} tạo ra giá trị số không hợp lệ (NaN hoặc vô cực); "
                                "dữ liệu hồ sơ chỉ nhận số hữu hạn.")
        if isinstance(item, Decimal) and not item.is_finite():
            raise ScriptOverrun(f"{what} tạo ra giá trị số không hợp lệ (NaN hoặc vô cực).")
        if isinstance(item, _SCALARS):
            continue
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, (str, int, float, bool, type(None))):
                    raise ScriptOverrun(f"{what} tạo ra dữ liệu có khóa không lưu được "
                                        f"({type(key).__name__}).")
                stack.append((child, depth + 1))
        elif isinstance(item, _CONTAINERS):
            stack.extend((child, depth + 1) for child in item)
        else:
            raise ScriptOverrun(f"Dữ liệu của quy trình không lưu được (giá trị không phải JSON): "
                                f"{type(item).__name__}.")
