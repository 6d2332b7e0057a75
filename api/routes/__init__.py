"""One blueprint per resource; routes parse, call one use case, serialise."""
from __future__ import annotations

from flask import request

from motcua.errors import BadRequest


def body(schema_cls) -> dict:
    payload = request.get_json(silent=True)
    if payload is None:
        if request.get_data(cache=True):
            raise BadRequest("Nội dung yêu cầu không phải JSON hợp lệ.")
        payload = {}
    if not isinstance(payload, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON.")
    return schema_cls().load(payload)


def query(schema_cls) -> dict:
    return schema_cls().load(request.args.to_dict())
