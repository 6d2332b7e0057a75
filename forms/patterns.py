"""Regular expressions of form schemas, evaluated by RE2 only.

Why: a JSON Schema ``pattern`` is written by a process designer and run on
data typed by anyone.  A backtracking engine (Python's ``re``) can take
minutes on ``^([a-zA-Z]+\\s?)+$`` against a 35-character input; RE2 matches in
time linear in the input, whatever the pattern.  Patterns RE2 cannot compile
(backreferences, lookaround) are refused when the form is published, never
handed to a backtracking engine instead.

JSON Schema patterns are ECMA-262 regular expressions; RE2's syntax is close
to it (``\\d``/``\\w`` are ASCII, ``$`` matches only at the very end).  The one
ECMA spelling RE2 lacks, ``\\uXXXX``, is translated to RE2's ``\\x{XXXX}``.
"""
from __future__ import annotations

from functools import lru_cache

import re2

__all__ = ["MAX_PATTERN_CHARS", "PatternError", "compile_pattern", "pattern_problem", "search"]

MAX_PATTERN_CHARS = 1_000      # one regular expression (pattern / patternProperties / format regex)
MAX_PROGRAM_BYTES = 1 << 20    # RE2 memory budget for one compiled pattern (1 MiB)
CACHE_SIZE = 1024              # compiled patterns kept

_HEX = set("0123456789abcdefABCDEF")


class PatternError(ValueError):
    """RE2 cannot use this pattern; the message is Vietnamese."""


def _options() -> "re2.Options":
    options = re2.Options()
    options.log_errors = False          # a refused pattern is reported to the designer, not to stderr
    options.max_mem = MAX_PROGRAM_BYTES
    return options


def _ecma_to_re2(pattern: str) -> str:
    """Rewrite ECMA ``\\uXXXX`` escapes as RE2 ``\\x{XXXX}``; everything else is kept."""
    if "\\u" not in pattern:
        return pattern
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            if pattern[i + 1] == "u" and i + 6 <= n and all(c in _HEX for c in pattern[i + 2:i + 6]):
                out.append("\\x{" + pattern[i + 2:i + 6] + "}")
                i += 6
                continue
            out.append(pattern[i:i + 2])  # any other escape, the escaped character included
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _explain(reason: str) -> str:
    lowered = reason.lower()
    if "escape" in lowered and any(f"\\{d}" in reason for d in "123456789"):
        return "không hỗ trợ tham chiếu ngược (\\1, \\2…)"
    if "perl operator" in lowered or "(?=" in reason or "(?!" in reason or "(?<" in reason:
        return "không hỗ trợ lookahead/lookbehind ((?=…), (?!…), (?<=…), (?<!…))"
    if "repetition" in lowered or "too large" in lowered or "too big" in lowered:
        return "số lần lặp hoặc kích thước biểu thức vượt giới hạn"
    return f"cú pháp không hợp lệ ({reason})"


@lru_cache(maxsize=CACHE_SIZE)
def compile_pattern(pattern: str):
    """The compiled RE2 program of a JSON Schema pattern; raises :class:`PatternError`."""
    if not isinstance(pattern, str):
        raise PatternError("biểu thức chính quy phải là chuỗi ký tự")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(f"biểu thức chính quy quá dài (tối đa {MAX_PATTERN_CHARS} ký tự)")
    try:
        return re2.compile(_ecma_to_re2(pattern), options=_options())
    except re2.error as err:
        reason = err.args[0] if err.args else str(err)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(_explain(str(reason))) from None


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 cannot use ``pattern`` (Vietnamese), or None when it can."""
    try:
        compile_pattern(pattern)
    except PatternError as err:
        return str(err)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` (JSON Schema semantics: unanchored)."""
    return compile_pattern(pattern).search(text) is not None
