"""Request JSON that cannot hurt: a nesting limit, and no NaN or Infinity (issue 11 item 9).

Python's parser follows nesting by recursion: ~1,000 levels raised RecursionError, a 500, and
shallower monsters went on to hurt the schema validators. NaN, Infinity and numbers such as 1e999
(read as infinity) are not JSON numbers (RFC 8259) and break sums, comparisons and the database.
Every request body is parsed by this provider (Flask's `request.get_json`), so a bad one is a 400.
"""
from __future__ import annotations

import json
import math

from flask.json.provider import DefaultJSONProvider

DEFAULT_MAX_DEPTH = 64  # config.yaml security.json_max_depth


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def depth_exceeds(value, limit: int) -> bool:
    """True when containers nest deeper than `limit` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class SafeJSONProvider(DefaultJSONProvider):
    max_depth = DEFAULT_MAX_DEPTH

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        kwargs.setdefault("parse_float", _finite_float)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if depth_exceeds(value, self.max_depth):
            raise ValueError("JSON nested too deeply")
        return value
