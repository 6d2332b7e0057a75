"""Column types that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator

from motcua.clock import VN_TZ


def dumps(value) -> str:
    """JSON as text, keys in insertion order, Vietnamese kept readable.

    NaN and ±Infinity raise ValueError: Python's json would write them as bare
    `NaN`/`Infinity`, which is not JSON, and every reader of the stored value
    (the API's answers, the auditor's replay, PostgreSQL's json functions) would
    then fail on the dossier. Form data is refused earlier with a 422
    (forms.validate_form_data); this is the last line, so invalid JSON is never stored.
    """
    return json.dumps(value, ensure_ascii=False, default=_default, allow_nan=False)


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class JSONText(TypeDecorator):
    """JSON kept as text: never jsonb, which reorders keys (see spiffworkflow-notes.md)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else dumps(value)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class Instant(TypeDecorator):
    """An aware datetime stored as naive UTC, read back in Vietnamese time."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored: every instant needs an offset")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc).astimezone(VN_TZ)
