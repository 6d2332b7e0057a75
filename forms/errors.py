"""Vietnamese messages for jsonschema's errors on form data.

Why a module of its own: turning one jsonschema error into a sentence a desk
clerk understands needs the field's ``title`` (found by walking the schema
along the error's path, through local ``$ref``s), numbers written the
Vietnamese way and, for privacy, never the submitted value.
"""
from __future__ import annotations

import ast
import json
import re
from decimal import Decimal
from typing import Any, Iterable

from jsonschema.exceptions import ValidationError

from forms.keywords import undeclared_names
from forms.strict import resolve_pointer

__all__ = ["ROOT_KEY", "ROOT_LABEL", "error_messages", "field_label", "number_text", "types_text"]

ROOT_KEY = "_"
ROOT_LABEL = "Dữ liệu biểu mẫu"
MAX_ENUM_SHOWN = 12          # enum values listed in a message

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


def number_text(value: Any) -> str:
    """A schema number written the Vietnamese way (decimal comma)."""
    if isinstance(value, bool):
        return "đúng" if value else "sai"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (float, Decimal)):
        return format(Decimal(str(value)).normalize(), "f").replace(".", ",")
    return str(value)


def types_text(value: Any) -> str:
    names = [value] if isinstance(value, str) else list(value or [])
    return " hoặc ".join(_TYPE_NAMES.get(n, n) for n in names)


def _literal(value: Any) -> str:
    """A value taken from the schema (enum/const), never from the submission."""
    if value is None:
        return "(trống)"
    if isinstance(value, bool):
        return "đúng" if value else "sai"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return f"«{value}»"
    return json.dumps(value, ensure_ascii=False)


def _local_target(root: dict, node: Any) -> Any:
    """The node a local ``$ref`` points to, or None."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#") and (ref == "#" or ref.startswith("#/")):
        found, target = resolve_pointer(root, ref[1:])
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


def error_messages(error: ValidationError, root: dict) -> list[tuple[str, str]]:
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
            names = undeclared_names(instance, error.schema)
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
        return f"phải là {types_text(val)}."
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
        return f"phải lớn hơn hoặc bằng {number_text(val)}."
    if v == "maximum":
        return f"phải nhỏ hơn hoặc bằng {number_text(val)}."
    if v == "exclusiveMinimum":
        return f"phải lớn hơn {number_text(val)}."
    if v == "exclusiveMaximum":
        return f"phải nhỏ hơn {number_text(val)}."
    if v == "multipleOf":
        return f"phải là bội số của {number_text(val)}."
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
            return f"phải là {types_text(types)}."
        return "không khớp với lựa chọn hợp lệ nào."
    if v == "propertyNames":
        return "có tên trường không hợp lệ."
    return "không hợp lệ."


def field_label(root: dict, path: list[Any]) -> str:
    """How to name the field at instance ``path``, titles read along properties/items."""
    titles: list[str | None] = [_title_of(root)]
    node: Any = root
    for part in path:
        node = _local_target(root, node) or node
        child = None
        if isinstance(node, dict):
            if isinstance(part, str) and isinstance(node.get("properties"), dict):
                child = node["properties"].get(part)
            elif isinstance(part, int):
                prefix = node.get("prefixItems")
                child = prefix[part] if isinstance(prefix, list) and part < len(prefix) else node.get("items")
        titles.append(_title_of(child))
        node = child
    return _label(list(path), titles)
