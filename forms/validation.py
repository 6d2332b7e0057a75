"""Checking e-form schemas (JSON Schema draft 2020-12) and validating form data.

Messages are Vietnamese, use the field's ``title`` when the schema has one and
never repeat the submitted value (form data is often personal data).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import threading
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable
from urllib.parse import unquote

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

__all__ = [
    "InvalidFormSchema",
    "check_form_schema",
    "validate_form_data",
    "ROOT_KEY",
]

ROOT_KEY = "_"
META_SCHEMA_URIS = {
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2020-12/schema#",
}
MAX_SCHEMA_CHARS = 256_000   # canonical JSON size of one form schema
MAX_SCHEMA_DEPTH = 40        # nesting of JSON objects/arrays in the schema
MAX_PATTERN_CHARS = 1_000    # one regular expression (pattern / patternProperties)
MAX_ERRORS = 500             # jsonschema errors examined per validation
MAX_ENUM_SHOWN = 12          # enum values listed in a message
CACHE_SIZE = 256             # compiled validators kept

ROOT_LABEL = "Dữ liệu biểu mẫu"

# Keywords whose value is data, not a schema: never look for $ref inside them.
_DATA_KEYWORDS = {"const", "enum", "default", "examples"}


class InvalidFormSchema(ValueError):
    """The form schema itself is unusable; ``problems`` lists why (Vietnamese)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------
# Schema checks
# --------------------------------------------------------------------------

def _canonical(schema: Any) -> str:
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
            if key in _DATA_KEYWORDS:
                continue
            yield from _walk_schema(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_schema(value, path + (i,))


def _resolve_pointer(root: Any, fragment: str) -> tuple[bool, Any]:
    """Resolve a local JSON pointer fragment (without '#'); (found, node)."""
    if fragment == "":
        return True, root
    if not fragment.startswith("/"):
        return False, None
    node = root
    for raw in fragment[1:].split("/"):
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


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
                found, _ = _resolve_pointer(schema, fragment)
            else:
                found = unquote(fragment) in anchors
            if not found:
                problems.append(f"Tham chiếu {keyword} «{ref}» tại «{where}» không tồn tại trong lược đồ.")
    return problems


def _pattern_problems(schema: dict) -> list[str]:
    problems = []
    for path, node in _walk_schema(schema):
        patterns = []
        if isinstance(node.get("pattern"), str):
            patterns.append((path + ("pattern",), node["pattern"]))
        if isinstance(node.get("patternProperties"), dict):
            patterns.extend((path + ("patternProperties",), p) for p in node["patternProperties"])
        for where, pattern in patterns:
            if len(pattern) > MAX_PATTERN_CHARS:
                problems.append(f"Biểu thức chính quy tại «{_pointer_str(where)}» quá dài "
                                f"(tối đa {MAX_PATTERN_CHARS} ký tự).")
    return problems


def check_form_schema(schema: dict) -> list[str]:
    """Return the problems (Vietnamese) of a form schema; [] when it is usable.

    The schema must be a JSON object, valid under JSON Schema draft 2020-12,
    reasonably small, and use only references inside itself (no remote
    ``$ref``: validation never touches the network).
    """
    if not isinstance(schema, dict):
        return ["Lược đồ biểu mẫu phải là một đối tượng JSON."]
    try:
        text = _canonical(schema)
    except (TypeError, ValueError):
        return ["Lược đồ biểu mẫu chứa giá trị không biểu diễn được bằng JSON."]
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

    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in sorted(meta.iter_errors(schema), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(f"Lược đồ không hợp lệ tại «{_pointer_str(error.absolute_path)}»: "
                        f"{_meta_message(error)}")
    return problems


def _meta_message(error: ValidationError) -> str:
    v, val = error.validator, error.validator_value
    if v == "type":
        return f"phải có kiểu {_types(val)}."
    if v == "minimum":
        return f"phải lớn hơn hoặc bằng {_num(val)}."
    if v == "format" and val == "regex":
        return "không phải biểu thức chính quy hợp lệ."
    if v in ("anyOf", "oneOf") and error.absolute_path and error.absolute_path[-1] == "type":
        return ("kiểu dữ liệu không hợp lệ (dùng string, number, integer, boolean, "
                "object, array hoặc null).")
    if v == "uniqueItems":
        return "các phần tử không được trùng nhau."
    return f"không đúng đặc tả JSON Schema ({error.message})."


# --------------------------------------------------------------------------
# Compiling and caching validators
# --------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)
_TIME_RE = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$", re.ASCII)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def _format_checker() -> FormatChecker:
    checker = FormatChecker()  # every format jsonschema can check here

    @checker.checks("date")
    def _date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _DATE_RE.match(value):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _DATETIME_RE.match(value):
            return False
        try:
            datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            return False
        return True

    @checker.checks("time")
    def _time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _TIME_RE.match(value):
            return False
        hh, mm, ss = int(value[0:2]), int(value[3:5]), int(value[6:8])
        return hh < 24 and mm < 60 and ss < 61

    @checker.checks("email")
    def _email(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return len(value) <= 254 and bool(_EMAIL_RE.match(value))

    return checker


_FORMAT_CHECKER = _format_checker()


def _refuse_retrieval(uri: str):
    raise NoSuchResource(ref=uri)


_REGISTRY = Registry(retrieve=_refuse_retrieval)

# properties / patternProperties / prefixItems whose subschema is the boolean
# `false` lose the property's path in jsonschema's errors; `{"not": {}}` is
# equivalent and keeps it.
_FALSE_SCHEMA = {"not": {}}


def _normalize(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _DATA_KEYWORDS:
                out[key] = value
            elif key in ("properties", "patternProperties") and isinstance(value, dict):
                out[key] = {k: (dict(_FALSE_SCHEMA) if v is False else _normalize(v))
                            for k, v in value.items()}
            elif key == "prefixItems" and isinstance(value, list):
                out[key] = [dict(_FALSE_SCHEMA) if v is False else _normalize(v) for v in value]
            else:
                out[key] = _normalize(value)
        return out
    if isinstance(node, list):
        return [_normalize(v) for v in node]
    return node


class _Compiled:
    __slots__ = ("schema", "validator")

    def __init__(self, schema: dict):
        self.schema = _normalize(schema)
        self.validator = Draft202012Validator(self.schema, registry=_REGISTRY,
                                              format_checker=_FORMAT_CHECKER)


_cache: "OrderedDict[str, _Compiled]" = OrderedDict()
_cache_lock = threading.Lock()


def _compiled(schema: dict) -> _Compiled:
    try:
        key = hashlib.sha256(_canonical(schema).encode("utf-8")).hexdigest()
    except (TypeError, ValueError):
        raise InvalidFormSchema(["Lược đồ biểu mẫu chứa giá trị không biểu diễn được bằng JSON."])
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    problems = check_form_schema(schema)
    if problems:
        raise InvalidFormSchema(problems)
    compiled = _Compiled(schema)
    with _cache_lock:
        _cache[key] = compiled
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------

_TYPE_NAMES = {
    "string": "chuỗi ký tự",
    "integer": "số nguyên",
    "number": "số",
    "boolean": "giá trị đúng/sai",
    "object": "một đối tượng",
    "array": "một danh sách",
    "null": "để trống (null)",
}

_FORMAT_MESSAGES = {
    "date": "phải là ngày hợp lệ theo định dạng YYYY-MM-DD (ví dụ 2025-07-01)",
    "date-time": ("phải là thời điểm hợp lệ theo ISO 8601 có múi giờ "
                  "(ví dụ 2025-07-01T08:00:00+07:00)"),
    "time": "phải là giờ hợp lệ theo định dạng hh:mm:ss",
    "email": "phải là địa chỉ thư điện tử hợp lệ",
    "idn-email": "phải là địa chỉ thư điện tử hợp lệ",
    "uri": "phải là địa chỉ URI hợp lệ",
    "ipv4": "phải là địa chỉ IPv4 hợp lệ",
    "ipv6": "phải là địa chỉ IPv6 hợp lệ",
    "uuid": "phải là mã UUID hợp lệ",
    "regex": "phải là biểu thức chính quy hợp lệ",
}


def _num(value: Any) -> str:
    """A schema number written the Vietnamese way (decimal comma)."""
    if isinstance(value, bool):
        return "đúng" if value else "sai"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (float, Decimal)):
        return format(Decimal(str(value)).normalize(), "f").replace(".", ",")
    return str(value)


def _types(value: Any) -> str:
    names = [value] if isinstance(value, str) else list(value or [])
    return " hoặc ".join(_TYPE_NAMES.get(n, n) for n in names)


def _literal(value: Any) -> str:
    """A value taken from the schema (enum/const), never from the submission."""
    if value is None:
        return "(trống)"
    if isinstance(value, bool):
        return "đúng" if value else "sai"
    if isinstance(value, (int, float)):
        return _num(value)
    if isinstance(value, str):
        return f"«{value}»"
    return json.dumps(value, ensure_ascii=False)


def _local_target(root: dict, node: Any) -> Any:
    """The node a local ``$ref`` points to, or None."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#") and (ref == "#" or ref.startswith("#/")):
        found, target = _resolve_pointer(root, ref[1:])
        if found:
            return target
    return None


def _walk_levels(root: dict, schema_path: Iterable[Any]) -> tuple[list[str | None], list[Any]]:
    """Titles and schema nodes along ``schema_path``, one per instance level.

    Level 0 is the root; stepping through ``properties/x``, ``items``,
    ``prefixItems/i``... moves one level down; applicators (allOf, if, $ref...)
    stay on the same level and only supply a title if none was found yet.
    Local ``$ref``s, which jsonschema leaves out of the path, are followed.
    """
    path = list(schema_path)[:-1]  # drop the failing keyword itself
    titles: list[str | None] = [_title_of(root)]
    nodes: list[Any] = [root]
    node: Any = root
    i = 0
    hops = 0

    def enter(child: Any, new_level: bool) -> None:
        if new_level:
            titles.append(_title_of(child))
            nodes.append(child)
        elif titles[-1] is None:
            titles[-1] = _title_of(child)

    while i < len(path):
        key = path[i]
        if isinstance(node, dict) and key not in node:
            target = _local_target(root, node)
            hops += 1
            if target is None or hops > 50:
                break
            node = target
            enter(node, False)
            continue
        try:
            child = node[key]
        except (KeyError, IndexError, TypeError):
            break
        i += 1
        if key in ("properties", "patternProperties", "prefixItems", "dependentSchemas",
                   "allOf", "anyOf", "oneOf"):
            if i >= len(path):
                break
            try:
                child = child[path[i]]
            except (KeyError, IndexError, TypeError):
                break
            i += 1
            enter(child, key in ("properties", "patternProperties", "prefixItems"))
        elif key in ("items", "additionalProperties", "unevaluatedItems",
                     "unevaluatedProperties", "contains"):
            enter(child, True)
        elif key in ("not", "if", "then", "else", "propertyNames"):
            enter(child, False)
        node = child
    return titles, nodes


def _title_of(node: Any) -> str | None:
    if isinstance(node, dict):
        title = node.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
    return None


def _key(path: Iterable[Any]) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else ROOT_KEY


def _row_suffix(path: list[Any]) -> str:
    rows = [p for p in path if isinstance(p, int)]
    return f" (dòng {rows[-1] + 1})" if rows else ""


def _label(path: list[Any], titles: list[str | None]) -> str:
    """How to name the field at ``path`` in a sentence."""
    if not path:
        return titles[0] and f"Biểu mẫu «{titles[0]}»" or ROOT_LABEL
    depth = len(path)
    title = titles[depth] if depth < len(titles) else None
    last = path[-1]
    if title:
        return f"Trường «{title}»{_row_suffix(path[:-1])}"
    if isinstance(last, int):
        parent_title = titles[depth - 1] if depth - 1 < len(titles) else None
        parent = parent_title or (str(path[-2]) if depth >= 2 else None)
        return f"Mục thứ {last + 1}" + (f" của «{parent}»" if parent else "")
    return f"Trường «{last}»{_row_suffix(path[:-1])}"


def _child_title(root: dict, error: ValidationError, name: str) -> str:
    """Title of property ``name`` of the object the error is about (or the name)."""
    candidates = [error.schema]
    _, nodes = _walk_levels(root, error.absolute_schema_path)
    depth = len(error.absolute_path)
    if depth < len(nodes):
        candidates.append(nodes[depth])
    for node in candidates:
        for n in (node, _local_target(root, node)):
            if isinstance(n, dict) and isinstance(n.get("properties"), dict):
                title = _title_of(n["properties"].get(name))
                if title:
                    return title
    return name


def _unexpected_names(message: str) -> list[str] | None:
    match = re.search(r"\((.*) (?:was|were) unexpected\)\s*$", message, re.S)
    if not match:
        return None
    try:
        names = ast.literal_eval("(" + match.group(1) + ",)")
    except (ValueError, SyntaxError):
        return None
    return [n for n in names if isinstance(n, str)] or None


def _messages(error: ValidationError, root: dict) -> list[tuple[str, str]]:
    """(key, message) pairs for one jsonschema error."""
    path = list(error.absolute_path)
    v, val = error.validator, error.validator_value
    instance = error.instance

    if v == "required":
        missing = [p for p in val if isinstance(instance, dict) and p not in instance]
        return [(_key(path + [p]),
                 f"Trường «{_child_title(root, error, p)}»{_row_suffix(path)} là bắt buộc.")
                for p in missing]
    if v == "dependentRequired":
        out = []
        if isinstance(instance, dict):
            for prop, deps in val.items():
                if prop in instance:
                    for dep in deps:
                        if dep not in instance:
                            out.append((_key(path + [dep]),
                                        f"Trường «{_child_title(root, error, dep)}»"
                                        f"{_row_suffix(path)} là bắt buộc khi đã khai "
                                        f"«{_child_title(root, error, prop)}»."))
        return out
    if v == "additionalProperties" or (v == "unevaluatedProperties" and val is False):
        if v == "additionalProperties" and isinstance(instance, dict):
            props = error.schema.get("properties", {})
            patterns = list(error.schema.get("patternProperties", {}))
            names = [p for p in instance if p not in props
                     and not any(re.search(pat, p) for pat in patterns)]
        else:
            names = _unexpected_names(error.message)
        if names:
            return [(_key(path + [n]), f"Trường không được phép: {n}.") for n in names]
        return [(_key(path), "Có trường không được phép trong dữ liệu.")]

    titles, _ = _walk_levels(root, error.absolute_schema_path)
    label = _label(path, titles)
    return [(_key(path), f"{label} {_predicate(error)}")]


def _predicate(error: ValidationError) -> str:
    v, val = error.validator, error.validator_value
    if v == "type":
        return f"phải là {_types(val)}."
    if v == "enum":
        values = list(val)
        shown = ", ".join(_literal(x) for x in values[:MAX_ENUM_SHOWN])
        if len(values) > MAX_ENUM_SHOWN:
            shown += ", …"
        return f"phải là một trong: {shown}."
    if v == "const":
        if val is True:
            return "phải được xác nhận (đánh dấu chọn)."
        return f"phải có giá trị {_literal(val)}."
    if v == "minimum":
        return f"phải lớn hơn hoặc bằng {_num(val)}."
    if v == "maximum":
        return f"phải nhỏ hơn hoặc bằng {_num(val)}."
    if v == "exclusiveMinimum":
        return f"phải lớn hơn {_num(val)}."
    if v == "exclusiveMaximum":
        return f"phải nhỏ hơn {_num(val)}."
    if v == "multipleOf":
        return f"phải là bội số của {_num(val)}."
    if v == "minLength":
        return "không được để trống." if val == 1 else f"phải có ít nhất {val} ký tự."
    if v == "maxLength":
        return f"không được dài quá {val} ký tự."
    if v == "pattern":
        return "không đúng định dạng quy định."
    if v == "format":
        return _FORMAT_MESSAGES.get(val, f"không đúng định dạng «{val}»") + "."
    if v == "minItems":
        return "phải có ít nhất một mục." if val == 1 else f"phải có ít nhất {val} mục."
    if v == "maxItems":
        return f"không được có quá {val} mục."
    if v == "uniqueItems":
        return "không được có các mục trùng nhau."
    if v == "minProperties":
        return f"phải có ít nhất {val} thông tin."
    if v == "maxProperties":
        return f"không được có quá {val} thông tin."
    if v == "contains":
        return "phải có ít nhất một mục đúng yêu cầu."
    if v == "minContains":
        return f"phải có ít nhất {val} mục đúng yêu cầu."
    if v == "maxContains":
        return f"không được có quá {val} mục đúng yêu cầu."
    if v == "items" and val is False or v == "unevaluatedItems":
        return "có nhiều mục hơn mức cho phép."
    if v == "not" and val == {}:
        return "không được phép có trong dữ liệu."
    if v is None:  # the boolean schema `false`
        return "không được phép có trong dữ liệu."
    if v == "not":
        return "có giá trị không được chấp nhận."
    if v in ("anyOf", "oneOf"):
        if v == "oneOf" and not error.context:
            return "khớp với nhiều hơn một lựa chọn; chỉ được khớp đúng một."
        context = list(error.context or ())
        if context and all(c.validator == "type" and not c.relative_path for c in context):
            types: list[str] = []
            for c in context:
                for t in ([c.validator_value] if isinstance(c.validator_value, str)
                          else c.validator_value):
                    if t not in types:
                        types.append(t)
            return f"phải là {_types(types)}."
        return "không khớp với lựa chọn hợp lệ nào."
    if v == "propertyNames":
        return "có tên trường không hợp lệ."
    return "không hợp lệ."


# --------------------------------------------------------------------------
# Public entry
# --------------------------------------------------------------------------

def validate_form_data(schema: dict, data: Any) -> dict[str, list[str]]:
    """Validate ``data`` against a form schema.

    Returns ``{}`` when valid, else ``{field_path: [Vietnamese messages]}``
    where ``field_path`` is the dotted JSON path of the field
    (``"ho_ten"``, ``"giay_to.0.so_ban"``) and ``"_"`` stands for the root.
    Raises :class:`InvalidFormSchema` if the schema itself is unusable.
    """
    compiled = _compiled(schema)
    errors: dict[str, list[str]] = {}
    try:
        for n, error in enumerate(compiled.validator.iter_errors(data)):
            if n >= MAX_ERRORS:
                break
            for key, message in _messages(error, compiled.schema):
                bucket = errors.setdefault(key, [])
                if message not in bucket:
                    bucket.append(message)
    except RecursionError:  # recursive schema ($ref "#") and absurdly deep data
        return {ROOT_KEY: [f"{ROOT_LABEL} lồng nhau quá sâu."]}
    except Unresolvable as exc:  # not caught by check_form_schema; never fetched remotely
        raise InvalidFormSchema([f"Không giải được tham chiếu trong lược đồ: {exc}"]) from exc
    return errors
