"""The guards a restricted script runs with: errors, operator guards, allowed builtins, the tick.

Everything here runs inside the script worker process (and, for provably cheap expressions, in the
server process): it bounds what one operation may build (`MAX_SEQUENCE`, `MAX_INT_BITS`, modular
powers, `str.translate`), what one run may allocate through the guards (`MAX_ALLOCATION`), and the
time between two loop iterations (`loop_tick`). What no guard can bound (one long C-level
operation, memory reached through shared references) is bounded by the worker's OS limits
(engine/script_pool.py).
"""
from __future__ import annotations

import functools
import math
import operator
import re
import threading
import time

from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    raise_,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector

MAX_RANGE = 1_000_000          # items in one range()
MAX_SEQUENCE = 1_000_000       # items/characters produced by one repetition, concatenation, padding
MAX_INT_BITS = 100_000         # bits of an integer produced by **, * or << (about 30,000 digits)
MAX_MODPOW_BITS = 4_096        # bits of the exponent and modulus of pow(a, b, m): about 30 ms at most
MAX_ALLOCATION = 10_000_000    # per run: items/characters made by guarded operations, plus iterations
FILENAME = "<string>"          # SpiffWorkflow looks for this name in tracebacks to find the line



class ScriptError(Exception):
    """A script or expression failed; the message is in Vietnamese."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.line = line


class ScriptRefused(ScriptError):
    """The script is not allowed (at compile time, or an operation refused by a guard)."""


class ScriptTimeout(ScriptError):
    """The script ran longer than the time limit and was stopped."""


class ScriptOverrun(ScriptRefused):
    """The script's worker process ran out of memory or CPU time, or the script left data too
    large or too deep to keep: the worker was stopped (and replaced), the step fails cleanly."""


class _Deadline(BaseException):
    """Raised by `_tick_()` past the deadline. A BaseException, so that `except Exception` in a
    script cannot catch it (bare `except:` and `finally:` are refused at compile time, and the
    BaseException names are not among the script's builtins)."""


# --------------------------------------------------------------------------- guards

def _refuse(message: str):
    raise ScriptRefused(message)


def _check_int_bits(bits: float):
    if bits > MAX_INT_BITS:
        _refuse(f"Phép tính tạo ra số quá lớn (vượt quá {MAX_INT_BITS:,} bit).".replace(",", "."))


# The running script's deadline and allocation budget, per thread (set by RestrictedEnvironment._run;
# absent outside a run, e.g. when constants are folded at compile time).
_state = threading.local()


def _spend(units: int):
    budget = getattr(_state, "budget", None)
    if budget is not None:
        budget -= units
        if budget < 0:
            _refuse("Kịch bản tạo ra quá nhiều dữ liệu hoặc lặp quá nhiều lần.")
        _state.budget = budget


def _check_length(length: int):
    if length > MAX_SEQUENCE:
        _refuse(f"Phép tính tạo ra chuỗi hoặc danh sách quá dài (vượt quá {MAX_SEQUENCE:,} phần tử)."
                .replace(",", "."))
    if length > 0:
        _spend(length)


def _is_int(value) -> bool:
    return isinstance(value, int)


def _is_seq(value) -> bool:
    return isinstance(value, (str, bytes, bytearray, list, tuple))


def guarded_pow(base, exp, mod=None):
    if mod is not None:
        # pow(a, b, m) costs about bits(b) × bits(m)²: a 10,000-byte modulus froze a server.
        if _is_int(exp) and _is_int(mod) and \
                max(abs(exp).bit_length(), abs(mod).bit_length()) > MAX_MODPOW_BITS:
            _refuse(f"Phép lũy thừa theo mô-đun quá lớn (tối đa {MAX_MODPOW_BITS:,} bit)."
                    .replace(",", "."))
        return pow(base, exp, mod)
    if _is_int(base) and _is_int(exp) and exp > 0 and abs(base) > 1:
        _check_int_bits(exp * math.log2(abs(base)))
    return base ** exp


def guarded_mul(left, right):
    if _is_int(left) and _is_int(right):
        if left and right:
            _check_int_bits(abs(left).bit_length() + abs(right).bit_length())
    elif _is_int(left) and _is_seq(right):
        _check_length(len(right) * left)
    elif _is_seq(left) and _is_int(right):
        _check_length(len(left) * right)
    return left * right


def guarded_lshift(left, right):
    if _is_int(left) and _is_int(right) and left and right > 0:
        _check_int_bits(abs(left).bit_length() + right)
    return left << right


def guarded_add(left, right):
    if _is_seq(left) and _is_seq(right):
        _check_length(len(left) + len(right))
    return left + right


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")


def guarded_mod(left, right):
    if isinstance(left, (str, bytes)):
        fmt = left if isinstance(left, str) else left.decode("latin-1")
        stars = False
        for match in _PERCENT_SPEC.finditer(fmt):
            for group in match.groups():
                if group == "*":
                    stars = True
                elif group:
                    _check_length(int(group))
        if stars:
            for value in (right if isinstance(right, tuple) else (right,)):
                if _is_int(value):
                    _check_length(abs(value))
    return left % right


def guarded_range(*args):
    try:
        result = range(*args)
        size = len(result)
    except OverflowError:
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        _refuse(f"range() quá lớn (tối đa {MAX_RANGE:,} phần tử).".replace(",", "."))
    _spend(size)
    return result


def _guard_width(method):
    @functools.wraps(method)
    def wrapper(width, *args):
        if _is_int(width):
            _check_length(width)
        return method(width, *args)
    return wrapper


def _guard_replace(text):
    def replace(old, new, count=-1):
        if isinstance(old, type(text)) and isinstance(new, type(text)) and len(new) > len(old):
            occurrences = text.count(old) if old else len(text) + 1
            if count is not None and count >= 0:
                occurrences = min(occurrences, count)
            _check_length(len(text) + occurrences * (len(new) - len(old)))
        return text.replace(old, new, count)
    return replace


def _guard_join(separator):
    def join(iterable):
        items = list(iterable)
        total = len(separator) * max(len(items) - 1, 0)
        for item in items:
            if isinstance(item, (str, bytes)):
                total += len(item)
        _check_length(total)
        return separator.join(items)
    return join


def _guard_translate(text):
    def translate(table):
        # ('a' * 1000).translate({97: 'b' * 10**6}) builds 10⁹ characters in one C call.
        if isinstance(text, str) and isinstance(table, dict):
            longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
            _check_length(len(text) * max(longest, 1))
        return text.translate(table)
    return translate


_DENIED_ATTRIBUTES = frozenset({"mro"})  # the way from any class to `object` without "_" names
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


def guarded_getattr(obj, name, default=raise_):
    # RestrictedPython's safer_getattr (no "_" names, no str.format, no frame/traceback
    # attributes); a missing attribute raises AttributeError instead of returning None.
    if name in _DENIED_ATTRIBUTES:
        _refuse(f"Không được truy cập thuộc tính «{name}».")
    value = safer_getattr(obj, name, default)
    if isinstance(obj, (str, bytes)):
        if name in _WIDTH_METHODS:
            return _guard_width(value)
        if name == "replace":
            return _guard_replace(obj)
        if name == "join":
            return _guard_join(obj)
        if name == "translate":
            return _guard_translate(obj)
    return value


def guarded_getitem(obj, key):
    return obj[key]


def guarded_getiter(obj):
    return obj


def loop_tick():
    """Called on every loop iteration and function entry (see `MotcuaPolicy`): stops the
    script once its deadline has passed. Raises again at every later tick, should the script
    somehow survive the first one."""
    deadline = getattr(_state, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise _Deadline()
    _spend(1)
    return True


def guarded_apply(func, *args, **kwargs):
    return func(*args, **kwargs)


_INPLACE = {
    "+=": guarded_add, "-=": operator.sub, "*=": guarded_mul, "/=": operator.truediv,
    "//=": operator.floordiv, "%=": guarded_mod, "**=": guarded_pow, "<<=": guarded_lshift,
    ">>=": operator.rshift, "&=": operator.and_, "|=": operator.or_, "^=": operator.xor,
}


def guarded_inplacevar(op, target, value):
    func = _INPLACE.get(op)
    if func is None:
        _refuse(f"Phép gán «{op}» không được hỗ trợ.")
    if op == "+=" and isinstance(target, list):
        if _is_seq(value):
            _check_length(len(target) + len(value))
        target += value  # in place, like Python
        return target
    return func(target, value)


_ALLOWED_BUILTIN_NAMES = (
    "len", "min", "max", "sum", "sorted", "abs", "round", "any", "all", "str", "int", "float",
    "bool", "list", "dict", "set", "tuple", "range", "enumerate", "zip", "isinstance",
)
_REMOVED_BUILTINS = ("__build_class__", "setattr", "delattr", "BaseException", "GeneratorExit",
                     "KeyboardInterrupt", "SystemExit", "_getattr_")


def _make_builtins() -> dict:
    import builtins

    allowed = dict(safe_builtins)
    for name in _REMOVED_BUILTINS:
        allowed.pop(name, None)
    for name in _ALLOWED_BUILTIN_NAMES:
        allowed[name] = getattr(builtins, name)
    allowed["range"] = guarded_range
    allowed["pow"] = guarded_pow
    return allowed


SAFE_BUILTINS = _make_builtins()

GUARDS = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": guarded_inplacevar,
    "_print_": PrintCollector,
    "_apply_": guarded_apply,
    "_tick_": loop_tick,
    "_pow_": guarded_pow,
    "_mul_": guarded_mul,
    "_lshift_": guarded_lshift,
    "_add_": guarded_add,
    "_mod_": guarded_mod,
}
_INJECTED = frozenset(GUARDS) | {"__builtins__", "_print"}


