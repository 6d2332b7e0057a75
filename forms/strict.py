"""What a form declares, and the closed world that follows from it.

Why: a completed step's data is merged into the workflow data, where gateways
and scripts read it.  A field the form does not declare (``supplement_round:
-100``) would silently overwrite a variable the process maintains.  So every
object a form describes is closed by default: a schema without
``additionalProperties`` (or ``unevaluatedProperties``) behaves as
``additionalProperties: false``.  A designer who really wants an open object
says so explicitly (``"additionalProperties": true`` or a schema).

"Declared" is read statically, level by level: the names in ``properties``,
``required``, ``dependentRequired`` and ``dependentSchemas`` and the keys matched by
``patternProperties`` of the object's schema and of the subschemas that apply
in place to the same object (``allOf``, ``anyOf``, ``oneOf``, ``if``/``then``/``else``,
``dependentSchemas``, local ``$ref``), but not ``not`` (a name there is forbidden).
Objects nested under an in-place applicator are left as written: closing them
there would change what ``if`` or ``anyOf`` test, and they never reach the
workflow's top level.

Also here: finding NaN and ±Infinity in submitted data (Python's json accepts
them; JSON does not, and jsonschema compares them as if they were numbers).
"""
from __future__ import annotations

import math
from typing import Any, Iterator
from urllib.parse import unquote

__all__ = ["DATA_KEYWORDS", "close_objects", "declared_at_root", "non_finite_paths", "resolve_pointer"]

# Keywords whose value is data, not a schema: never look for schemas inside them.
DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})

# Keywords whose subschemas describe a value inside the object/array (one level down).
_DESCEND_MAP = ("properties", "patternProperties")
_DESCEND_ONE = ("additionalProperties", "items", "unevaluatedItems", "unevaluatedProperties")
_DESCEND_LIST = ("prefixItems",)
# Keywords whose subschemas apply in place, to the same value.
_IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("if", "then", "else")


def resolve_pointer(root: Any, fragment: str) -> tuple[bool, Any]:
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


def _anchors(root: dict) -> dict[str, Any]:
    found: dict[str, Any] = {}
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("$anchor", "$dynamicAnchor"):
                if isinstance(node.get(key), str):
                    found.setdefault(node[key], node)
            stack.extend(v for k, v in node.items() if k not in DATA_KEYWORDS)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _ref_target(root: dict, anchors: dict, ref: Any) -> Any:
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    fragment = ref[1:]
    if fragment == "" or fragment.startswith("/"):
        found, target = resolve_pointer(root, fragment)
        return target if found else None
    return anchors.get(unquote(fragment))


def _in_place(root: dict, anchors: dict, node: dict) -> Iterator[Any]:
    for key in _IN_PLACE_LIST:
        if isinstance(node.get(key), list):
            yield from node[key]
    for key in _IN_PLACE_ONE:
        if key in node:
            yield node[key]
    if isinstance(node.get("dependentSchemas"), dict):
        yield from node["dependentSchemas"].values()
    for key in ("$ref", "$dynamicRef"):
        target = _ref_target(root, anchors, node.get(key))
        if target is not None:
            yield target


def _declared(root: dict, anchors: dict, node: dict) -> tuple[list[str], list[str]]:
    """(names, patterns) declared for the object ``node`` describes, in first-seen order."""
    names: dict[str, None] = {}
    patterns: dict[str, None] = {}
    seen: set[int] = set()
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current.get("properties"), dict):
            names.update(dict.fromkeys(current["properties"]))
        if isinstance(current.get("patternProperties"), dict):
            patterns.update(dict.fromkeys(current["patternProperties"]))
        if isinstance(current.get("required"), list):
            names.update(dict.fromkeys(n for n in current["required"] if isinstance(n, str)))
        for key in ("dependentRequired", "dependentSchemas"):
            if isinstance(current.get(key), dict):
                names.update(dict.fromkeys(current[key]))
                if key == "dependentRequired":
                    for deps in current[key].values():
                        if isinstance(deps, list):
                            names.update(dict.fromkeys(d for d in deps if isinstance(d, str)))
        stack.extend(reversed(list(_in_place(root, anchors, current))))
    return list(names), list(patterns)


def declared_at_root(schema: Any) -> tuple[list[str], list[str]]:
    """(names, patterns) a form declares at its top level: the workflow variables it may write."""
    if not isinstance(schema, dict):
        return [], []
    return _declared(schema, _anchors(schema), schema)


def _may_be_object(node: dict) -> bool:
    kind = node.get("type")
    if kind is None:
        return True
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def _close(root: dict, anchors: dict, node: dict) -> None:
    if "additionalProperties" in node or "unevaluatedProperties" in node or not _may_be_object(node):
        return
    names, patterns = _declared(root, anchors, node)
    props = node.setdefault("properties", {})
    if isinstance(props, dict):
        for name in names:
            props.setdefault(name, True)   # declared elsewhere at this level: allowed here too
    if patterns:
        pattern_props = node.setdefault("patternProperties", {})
        for pattern in patterns:
            pattern_props.setdefault(pattern, True)
    node["additionalProperties"] = False


def close_objects(schema: Any) -> Any:
    """Close every object ``schema`` describes (in place; pass a copy).

    Walks the value positions reached from the root, and from each ``$defs``
    entry, through ``properties``, ``patternProperties``, ``additionalProperties``,
    ``items``, ``prefixItems`` and ``unevaluated*``; stops under in-place applicators.
    """
    if not isinstance(schema, dict):
        return schema
    anchors = _anchors(schema)
    # (node, is a value position): $defs entries are reached through $ref, closed at the referrer.
    stack: list[tuple[Any, bool]] = [(schema, True)]
    closed: set[int] = set()
    while stack:
        node, value_position = stack.pop()
        if not isinstance(node, dict):
            continue
        if value_position and id(node) not in closed:
            closed.add(id(node))
            _close(schema, anchors, node)
        for key in _DESCEND_MAP:
            if isinstance(node.get(key), dict):
                stack.extend((child, True) for child in node[key].values())
        for key in _DESCEND_ONE:
            if key in node:
                stack.append((node[key], True))
        for key in _DESCEND_LIST:
            if isinstance(node.get(key), list):
                stack.extend((child, True) for child in node[key])
        for key in ("$defs", "definitions"):
            if isinstance(node.get(key), dict):
                stack.extend((child, False) for child in node[key].values())
    return schema


def non_finite_paths(data: Any, limit: int = 100) -> list[tuple]:
    """Paths (tuples of keys/indexes) of NaN and ±Infinity numbers in ``data``."""
    found: list[tuple] = []
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack and len(found) < limit:
        value, path = stack.pop()
        if isinstance(value, float):
            if not math.isfinite(value):
                found.append(path)
        elif isinstance(value, dict):
            stack.extend((v, path + (k,)) for k, v in reversed(list(value.items())))
        elif isinstance(value, (list, tuple)):
            stack.extend((v, path + (i,)) for i, v in reversed(list(enumerate(value))))
    return found
