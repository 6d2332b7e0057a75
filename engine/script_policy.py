"""The compile policy for BPMN scripts and expressions: what is refused before anything runs.

RestrictedPython's policy, stricter: no imports, classes, `with`, bare `except:` or `finally:`;
guarded operators; a `_tick_()` call in every loop iteration, comprehension item, function and
lambda (the in-process time limit). Constant bombs are folded with the guards at compile time, so
publishing refuses them. `is_cheap` says which expressions may run in the server process itself.
"""
from __future__ import annotations

import ast
import functools
import re
import textwrap
from typing import Literal

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec

from engine.script_guards import (
    FILENAME,
    MAX_SEQUENCE,
    SAFE_BUILTINS,
    ScriptRefused,
    guarded_add,
    guarded_lshift,
    guarded_mod,
    guarded_mul,
    guarded_pow,
)



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


def compiled(source, mode: str):
    """The code object of an accepted script/expression; `ScriptRefused` otherwise."""
    if not isinstance(source, str):
        raise ScriptRefused(_prefix(mode) + "nội dung không phải là văn bản.")
    code, errors = _compile(_normalize(source, mode), mode)
    if errors:
        raise ScriptRefused(_prefix(mode) + "; ".join(errors))
    return code




# --------------------------------------------------------------------------- cheap expressions

# Nodes of an expression that runs in time linear in its length and the size of the task data it
# reads, and builds nothing larger than that data: no calls, loops, comprehensions, lambdas,
# attribute access, `*`, `**`, `<<`, `%` (the operators that amplify), no f-strings. `+` is
# guarded (MAX_SEQUENCE). Task data itself is bounded (request size, data depth, script output).
_CHEAP_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is,
    ast.IsNot, ast.Name, ast.Load, ast.Constant, ast.Subscript, ast.Slice, ast.Tuple, ast.List,
    ast.IfExp, ast.BinOp, ast.Add, ast.Sub,
)
MAX_CHEAP_LENGTH = 2_000  # characters: longer expressions go to a worker anyway


@functools.lru_cache(maxsize=2048)
def is_cheap(source: str) -> bool:
    """True if the expression may be evaluated in the server process (see `_CHEAP_NODES`)."""
    if not isinstance(source, str) or len(source) > MAX_CHEAP_LENGTH:
        return False
    try:
        tree = ast.parse(_normalize(source, "eval"), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if not isinstance(node, _CHEAP_NODES):
            return False
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) \
                and len(node.value) > MAX_CHEAP_LENGTH:
            return False
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            return False
    return True
