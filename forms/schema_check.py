"""Checking a form schema before it is published (and before it validates anything).

Why: every problem of a form should reach the process designer at publish, in
Vietnamese, with where it is, rather than surface later as a failed
completion.  A form must be JSON Schema draft 2020-12, reasonably small, use
only references inside itself (validation never touches the network), use
regular expressions RE2 can run in linear time, and declare none of the
process variables the manifest protects.
"""
from __future__ import annotations

import json
from typing import Any, Iterable
from urllib.parse import unquote

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError

from forms.errors import number_text, types_text
from forms.keywords import FormValidator
from forms.patterns import pattern_problem, search
from forms.strict import DATA_KEYWORDS, declared_at_root, resolve_pointer

__all__ = ["META_SCHEMA_URIS", "canonical", "check_form_schema"]

META_SCHEMA_URIS = {
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2020-12/schema#",
}
MAX_SCHEMA_CHARS = 256_000   # canonical JSON size of one form schema
MAX_SCHEMA_DEPTH = 40        # nesting of JSON objects/arrays in the schema

# The meta-schema's own `format: regex` on `pattern` would use Python's re;
# patterns are checked with RE2 below instead, with a clearer message.
_META_FORMATS = FormatChecker(formats=[f for f in FormatChecker.checkers if f != "regex"])


def canonical(schema: Any) -> str:
    """One text per schema whatever its key order; NaN and Infinity refused."""
    return json.dumps(schema, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False)


def _depth(node: Any, limit: int) -> int:
    """Nesting depth of a JSON value; stops counting past ``limit``."""
    best = 0
    stack = [(node, 1)]
    while stack:
        value, d = stack.pop()
        if isinstance(value, (dict, list)):
            best = max(best, d)
            if best > limit:
                return best
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, d + 1) for child in children)
    return best


def _pointer_str(parts: Iterable[Any]) -> str:
    return "/".join(str(p) for p in parts) or "(gốc)"


def _walk_schema(node: Any, path: tuple = ()):
    """Yield (path, dict) for every dict reachable in schema positions."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in DATA_KEYWORDS:
                continue
            yield from _walk_schema(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_schema(value, path + (i,))


def _ref_problems(schema: dict) -> list[str]:
    problems: list[str] = []
    anchors = {n.get("$anchor") for _, n in _walk_schema(schema)} | {
        n.get("$dynamicAnchor") for _, n in _walk_schema(schema)}
    for path, node in _walk_schema(schema):
        if path and isinstance(node.get("$id"), str):
            problems.append(f"«$id» tại «{_pointer_str(path + ('$id',))}»: chỉ lược đồ gốc "
                            "được khai báo «$id».")
        for keyword in ("$ref", "$dynamicRef"):
            ref = node.get(keyword)
            if not isinstance(ref, str):
                continue
            where = _pointer_str(path + (keyword,))
            if not ref.startswith("#"):
                problems.append(
                    f"Tham chiếu {keyword} «{ref}» tại «{where}» trỏ ra ngoài lược đồ; "
                    "chỉ cho phép tham chiếu nội bộ (bắt đầu bằng «#», ví dụ «#/$defs/...»).")
                continue
            fragment = ref[1:]
            if fragment.startswith("/") or fragment == "":
                found, _ = resolve_pointer(schema, fragment)
            else:
                found = unquote(fragment) in anchors
            if not found:
                problems.append(f"Tham chiếu {keyword} «{ref}» tại «{where}» không tồn tại trong lược đồ.")
    return problems


def _pattern_problems(schema: dict) -> list[str]:
    """Every regular expression must compile with RE2; no Python `re` fallback exists."""
    problems = []
    uses_pattern_properties = uses_unevaluated = False
    for path, node in _walk_schema(schema):
        patterns = []
        if isinstance(node.get("pattern"), str):
            patterns.append((path + ("pattern",), node["pattern"]))
        if isinstance(node.get("patternProperties"), dict):
            uses_pattern_properties = True
            patterns.extend((path + ("patternProperties", p), p) for p in node["patternProperties"])
        if "unevaluatedProperties" in node:
            uses_unevaluated = True
        for where, pattern in patterns:
            reason = pattern_problem(pattern)
            if reason:
                problems.append(f"Biểu thức chính quy tại «{_pointer_str(where)}» không dùng được: "
                                f"{reason}. Biểu mẫu chỉ chấp nhận biểu thức chạy được bằng RE2 "
                                "(thời gian kiểm tra tuyến tính theo độ dài dữ liệu).")
    if uses_pattern_properties and uses_unevaluated:
        problems.append("Lược đồ không được dùng đồng thời «patternProperties» và "
                        "«unevaluatedProperties»; hãy dùng «additionalProperties».")
    return problems


def _protected_problems(schema: dict, protected: Iterable[str]) -> list[str]:
    """A form may not declare a variable the process maintains itself."""
    protected = list(protected)
    if not protected:
        return []
    names, patterns = declared_at_root(schema)
    problems = []
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if keyword in schema and schema[keyword] is not False:
            problems.append(f"Thủ tục có biến do quy trình tự quản lý (protected_variables) nên "
                            f"biểu mẫu không được để ngỏ «{keyword}»; bỏ khóa này hoặc đặt là false.")
    for name in protected:
        if name in names:
            problems.append(f"Trường «{name}» là biến do quy trình tự quản lý "
                            "(protected_variables); biểu mẫu không được khai báo trường này.")
        elif any(pattern_problem(p) is None and search(p, name) for p in patterns):
            problems.append(f"«patternProperties» của biểu mẫu cho phép ghi biến «{name}» do quy "
                            "trình tự quản lý (protected_variables); hãy thu hẹp biểu thức.")
    return problems


def _meta_message(error: ValidationError) -> str:
    v, val = error.validator, error.validator_value
    if v == "type":
        return f"phải có kiểu {types_text(val)}."
    if v == "minimum":
        return f"phải lớn hơn hoặc bằng {number_text(val)}."
    if v in ("anyOf", "oneOf") and error.absolute_path and error.absolute_path[-1] == "type":
        return ("kiểu dữ liệu không hợp lệ (dùng string, number, integer, boolean, "
                "object, array hoặc null).")
    if v == "uniqueItems":
        return "các phần tử không được trùng nhau."
    return f"không đúng đặc tả JSON Schema ({error.message})."


def check_form_schema(schema: dict, protected: Iterable[str] = ()) -> list[str]:
    """Return the problems (Vietnamese) of a form schema; [] when it is usable.

    ``protected`` names the process variables no form may declare (the
    manifest's ``protected_variables``).
    """
    if not isinstance(schema, dict):
        return ["Lược đồ biểu mẫu phải là một đối tượng JSON."]
    try:
        text = canonical(schema)
    except (TypeError, ValueError):
        return ["Lược đồ biểu mẫu chứa giá trị không biểu diễn được bằng JSON "
                "(NaN, vô cực hoặc kiểu lạ)."]
    if len(text) > MAX_SCHEMA_CHARS:
        return [f"Lược đồ biểu mẫu quá lớn ({len(text):,} ký tự; tối đa "
                f"{MAX_SCHEMA_CHARS:,}).".replace(",", ".")]
    if _depth(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH:
        return [f"Lược đồ biểu mẫu lồng nhau quá sâu (tối đa {MAX_SCHEMA_DEPTH} cấp)."]

    problems: list[str] = []
    declared = schema.get("$schema")
    if declared is not None and declared not in META_SCHEMA_URIS:
        problems.append(f"Lược đồ phải theo JSON Schema draft 2020-12 "
                        f"(«$schema» đang là «{declared}»).")
    problems.extend(_ref_problems(schema))
    problems.extend(_pattern_problems(schema))
    problems.extend(_protected_problems(schema, protected))

    meta = FormValidator(FormValidator.META_SCHEMA, format_checker=_META_FORMATS)
    for error in sorted(meta.iter_errors(schema), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(f"Lược đồ không hợp lệ tại «{_pointer_str(error.absolute_path)}»: "
                        f"{_meta_message(error)}")
    return problems
