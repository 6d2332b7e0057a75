"""Restricted execution of the Python in BPMN diagrams (gateway conditions, script tasks, timers).

SpiffWorkflow runs these with plain `eval`/`exec`; a diagram uploaded by a designer would then be
code execution on the server. Here every script is compiled with RestrictedPython under a stricter
policy and run with guarded builtins and a time limit:

- no imports, no names or attributes starting with `_` (so no dunder escapes), no `class`,
  `with`, bare `except:` or `finally:` (they could swallow the time limit), no exec/eval/open;
- `**`, `*`, `+`, `<<` and `%` go through guards that refuse results too large to be sensible
  (huge integers, sequences and strings beyond `MAX_SEQUENCE`); constant bombs such as `9**9**9`
  or `"a" * 10**9` are refused when the script is compiled (so at publish time already);
- `range()` is capped at `MAX_RANGE` items, and one run may create at most `MAX_ALLOCATION`
  items/characters through these guards (loop iterations count too);
- the time limit: the compiler inserts a `_tick_()` call into every loop iteration, comprehension
  item, function and lambda; it raises once `time_limit` seconds have passed (`ScriptTimeout`).
  This touches no trace function (coverage and debuggers keep theirs), costs one call per
  iteration, and the exception it raises is a BaseException that scripts cannot catch.

A script task runs on a deep copy of the task data, which replaces the task data only when the
script succeeds: a failed or stopped script leaves the task data as it was.

Errors reach SpiffWorkflow as `ScriptError` subclasses with a Vietnamese message; SpiffWorkflow
wraps them in `WorkflowTaskException` and marks the task ERROR.

What this cannot do in-process: stop a single long-running C-level operation (the deadline is
checked between iterations and calls) or bound memory in general (e.g. `str()` of a list that
references one big list a million times). Run workers with OS limits (RLIMIT_AS / a hard timeout)
for that.
"""
from __future__ import annotations

import ast
import copy
import functools
import math
import operator
import re
import textwrap
import threading
import time
from typing import Literal

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    raise_,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

MAX_RANGE = 1_000_000          # items in one range()
MAX_SEQUENCE = 1_000_000       # items/characters produced by one repetition, concatenation, padding
MAX_INT_BITS = 100_000         # bits of an integer produced by **, * or << (about 30,000 digits)
MAX_ALLOCATION = 10_000_000    # per run: items/characters made by guarded operations, plus iterations
FILENAME = "<string>"          # SpiffWorkflow looks for this name in tracebacks to find the line


# --------------------------------------------------------------------------- errors

class ScriptError(Exception):
    """A script or expression failed; the message is in Vietnamese."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.line = line


class ScriptRefused(ScriptError):
    """The script is not allowed (at compile time, or an operation refused by a guard)."""


class ScriptTimeout(ScriptError):
    """The script ran longer than the time limit and was stopped."""


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


# --------------------------------------------------------------------------- compile policy

_NOT_CONSTANT = object()
_BINOP_GUARDS = {ast.Pow: guarded_pow, ast.Mult: guarded_mul, ast.LShift: guarded_lshift,
                 ast.Add: guarded_add, ast.Mod: guarded_mod}
_BINOP_NAMES = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Add: "_add_",
                ast.Mod: "_mod_"}


class MotcuaPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, stricter (see the module docstring)."""

    def visit_Import(self, node):
        self.error(node, "Không được dùng import trong kịch bản.")
        return node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node):
        self.error(node, "Không được định nghĩa lớp (class) trong kịch bản.")
        return node

    def visit_With(self, node):
        self.error(node, "Không được dùng câu lệnh with trong kịch bản.")
        return node

    def visit_Try(self, node):
        if node.finalbody:
            self.error(node, "Không được dùng finally trong kịch bản.")
        for handler in node.handlers:
            if handler.type is None:
                self.error(handler, "Không được dùng except không chỉ rõ loại lỗi; "
                                    "hãy viết ví dụ «except ValueError:».")
        return self.node_contents_visit(node)

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            if not all(isinstance(part, ast.Constant) for part in spec.values):
                self.error(node, "Không được dùng định dạng động trong f-string.")
            else:
                text = "".join(str(part.value) for part in spec.values)
                if any(int(number) > MAX_SEQUENCE for number in re.findall(r"\d+", text)):
                    self.error(node, "Độ rộng định dạng trong f-string quá lớn.")
        return self.node_contents_visit(node)

    # The time limit: every loop iteration, comprehension item and function call (so recursion
    # too) calls `_tick_()`, which checks the deadline. Without loops and calls, a script runs in
    # time proportional to its length. (A trace function would be slower, would be unset by the
    # first exception it raises, and sees no line events in `while True: pass` on CPython 3.11.)
    @staticmethod
    def _tick(node):
        call = ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[])
        ast.copy_location(call, node)
        return ast.fix_missing_locations(call)

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, ast.copy_location(ast.Expr(self._tick(node)), node))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, ast.copy_location(ast.Expr(self._tick(node)), node))
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        node.ifs.insert(0, self._tick(node.iter))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, ast.copy_location(ast.Expr(self._tick(node)), node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        body = ast.BoolOp(op=ast.And(), values=[self._tick(node.body), node.body])
        node.body = ast.fix_missing_locations(ast.copy_location(body, node.body))
        return node

    def visit_BinOp(self, node):
        self._fold(node)  # refuses constant bombs such as 9**9**9
        node = self.node_contents_visit(node)
        name = _BINOP_NAMES.get(type(node.op))
        if name is None:
            return node
        call = ast.Call(func=ast.Name(name, ast.Load()), args=[node.left, node.right], keywords=[])
        ast.copy_location(call, node)
        return ast.fix_missing_locations(call)

    def _fold(self, node):
        """The value of a constant expression, computed with the guards; `_NOT_CONSTANT` if it
        is not constant. A guard's refusal becomes a compile error."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bytes)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self._fold(node.operand)
            if isinstance(value, (int, float)):
                return -value if isinstance(node.op, ast.USub) else value
            return _NOT_CONSTANT
        if isinstance(node, (ast.List, ast.Tuple)):
            values = [self._fold(item) for item in node.elts]
            if any(value is _NOT_CONSTANT for value in values):
                return _NOT_CONSTANT
            return values if isinstance(node, ast.List) else tuple(values)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOP_GUARDS:
            left = self._fold(node.left)
            right = self._fold(node.right)
            if left is _NOT_CONSTANT or right is _NOT_CONSTANT:
                return _NOT_CONSTANT
            try:
                return _BINOP_GUARDS[type(node.op)](left, right)
            except ScriptRefused as err:
                self.error(node, str(err))
            except Exception:  # e.g. a TypeError: left for run time
                pass
        return _NOT_CONSTANT


# --------------------------------------------------------------------------- compiling

def _normalize(source: str, mode: str) -> str:
    # Condition texts in BPMN often carry surrounding whitespace; a script may be indented.
    return source.strip() if mode == "eval" else textwrap.dedent(source)


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, FILENAME, policy=MotcuaPolicy)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:  # e.g. NUL bytes, absurd nesting
        return None, (f"{type(err).__name__}: {err}",)
    errors = tuple(dict.fromkeys(  # de-duplicated, in order; "Line 3: …" → "Dòng 3: …"
        re.sub(r"^Line (\d+|None): ", lambda m: f"Dòng {m.group(1)}: " if m.group(1) != "None" else "",
               error) for error in result.errors))
    return (None if errors else result.code), errors


def _prefix(mode: str) -> str:
    return "Biểu thức bị từ chối: " if mode == "eval" else "Kịch bản bị từ chối: "


def check_script(source: str, *, mode: Literal["eval", "exec"], known_functions=()) -> list[str]:
    """Publish-time check: the reasons the script/expression would be refused; empty if accepted."""
    if mode not in ("eval", "exec"):
        raise ValueError("mode must be 'eval' or 'exec'")
    if not isinstance(source, str):
        return [_prefix(mode) + "nội dung không phải là văn bản."]
    if not source.strip():
        return [_prefix(mode) + "nội dung trống."] if mode == "eval" else []
    _, errors = _compile(_normalize(source, mode), mode)
    if not errors:
        errors = _unknown_calls(source, mode, frozenset(known_functions))
    return [_prefix(mode) + error for error in errors]


def _unknown_calls(source: str, mode: str, known: frozenset) -> list[str]:
    """Calls to functions the engine does not offer (open, eval, type, …) would only fail at run
    time, leaving the step before them impossible to complete: refuse them at publish instead.
    Task data is JSON, so a called bare name must be a builtin we allow, a platform function or
    something the script itself defines."""
    tree = ast.parse(_normalize(source, mode), mode=mode)
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    allowed = set(SAFE_BUILTINS) | known | defined
    errors = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in allowed:
            errors.append(f"Dòng {node.lineno}: hàm «{node.func.id}» không được phép dùng.")
    return errors


def _compiled(source, mode: str):
    if not isinstance(source, str):
        raise ScriptRefused(_prefix(mode) + "nội dung không phải là văn bản.")
    code, errors = _compile(_normalize(source, mode), mode)
    if errors:
        raise ScriptRefused(_prefix(mode) + "; ".join(errors))
    return code


# --------------------------------------------------------------------------- the environment

def _script_line(tb) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment running RestrictedPython with a time limit.

    `extra_globals`: trusted helpers offered to scripts (e.g. `working_days_after`); they run
    unrestricted, so they must not hand out modules, frames or other powerful objects.
    """

    def __init__(self, extra_globals: dict | None = None, time_limit: float = 1.0):
        super().__init__(dict(extra_globals or {}))
        self.time_limit = float(time_limit)

    # SpiffWorkflow API ---------------------------------------------------------------

    def evaluate(self, expression, context, external_context=None):
        code = _compiled(expression, "eval")
        namespace = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        namespace.update(GUARDS)
        namespace["__builtins__"] = SAFE_BUILTINS
        return self._run(code, namespace, "eval")

    def execute(self, script, context, external_context=None):
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        code = _compiled(script, "exec")
        try:
            work = copy.deepcopy(context)
        except Exception:  # data that cannot be copied: run in place, like TaskDataEnvironment
            work = context
        work.update(self.globals)
        work.update(external_context)
        work.update(GUARDS)
        work["__builtins__"] = SAFE_BUILTINS
        try:
            self._run(code, work, "exec")
        finally:
            for key in list(work):
                if key in _INJECTED or key in self.globals or key in external_context \
                        or callable(work[key]):
                    del work[key]
            for key in _INJECTED:  # task data that happened to use a reserved name
                if key in context and work is not context:
                    work[key] = context[key]
        if work is not context:
            context.clear()
            context.update(work)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptRefused("Tác vụ dịch vụ (serviceTask) không được hỗ trợ.")

    def check_for_overwrite(self, context, external_context):
        clashes = (set(self.globals) | set(external_context)) & set(context)
        if clashes:
            names = ", ".join(sorted(clashes))
            raise ScriptRefused(f"Dữ liệu hồ sơ có trường trùng tên với hàm có sẵn: {names}. "
                                "Hãy đổi tên trường.")

    # running ---------------------------------------------------------------------------

    def _run(self, code, namespace: dict, mode: str):
        saved = (getattr(_state, "deadline", None), getattr(_state, "budget", None))
        _state.deadline = time.monotonic() + self.time_limit
        _state.budget = MAX_ALLOCATION
        try:
            if mode == "eval":
                return eval(code, namespace)
            exec(code, namespace)
            return None
        except _Deadline:
            what = "Biểu thức" if mode == "eval" else "Kịch bản"
            raise ScriptTimeout(f"{what} chạy quá thời gian cho phép ({self.time_limit:g} giây) "
                                "và đã bị dừng.") from None
        except ScriptError as err:
            err.line = err.line or _script_line(err.__traceback__)
            raise
        except Exception as err:
            line = _script_line(err.__traceback__)
            where = f" (dòng {line})" if line and mode == "exec" else ""
            what = "tính biểu thức" if mode == "eval" else "chạy kịch bản"
            raise ScriptError(f"Lỗi khi {what}{where}: {type(err).__name__}: {err}",
                              line=line).with_traceback(err.__traceback__) from err
        finally:
            _state.deadline, _state.budget = saved


def make_script_engine(extra_globals: dict | None = None, time_limit: float = 1.0) -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose scripts and expressions run in `RestrictedEnvironment`."""
    return PythonScriptEngine(environment=RestrictedEnvironment(extra_globals, time_limit))
