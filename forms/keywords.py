"""The JSON Schema validator forms use: draft 2020-12 with every regular expression run by RE2.

Why: jsonschema evaluates ``pattern``, ``patternProperties`` and the
``additionalProperties`` that depends on them with Python's backtracking ``re``.
This module replaces those three keywords (through jsonschema's public
``validators.extend``) with versions that use :mod:`forms.patterns`, and
gives the format checker RE2-based ``regex`` and strict date/time/email checks.
``unevaluatedProperties`` next to ``patternProperties`` would still reach
Python's ``re`` inside jsonschema, so :mod:`forms.schema_check` refuses that
combination at publish.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from forms.patterns import PatternError, compile_pattern, search

__all__ = ["FormValidator", "FORMAT_CHECKER", "undeclared_names"]

# Fixed, ASCII-only expressions of ours on bounded strings: safe with Python's re.
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)
_TIME_RE = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$", re.ASCII)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
MAX_EMAIL_CHARS = 254  # RFC 5321 path limit


def undeclared_names(instance: dict, schema: dict) -> list[str]:
    """Keys of ``instance`` neither in ``properties`` nor matched by ``patternProperties``."""
    props = schema.get("properties") or {}
    patterns = list(schema.get("patternProperties") or {})
    return [key for key in instance
            if key not in props and not any(search(p, key) for p in patterns)]


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError("String does not match the pattern")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        program = compile_pattern(pattern)
        for key, value in instance.items():
            if program.search(key) is not None:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator, additional, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    extras = undeclared_names(instance, schema)
    if validator.is_type(additional, "object"):
        for key in extras:
            yield from validator.descend(instance[key], additional, path=key)
    elif additional is False and extras:
        yield ValidationError("Additional properties are not allowed")


FormValidator = validators.extend(
    Draft202012Validator,
    validators={
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)


def _format_checker() -> FormatChecker:
    checker = FormatChecker()  # every format jsonschema can check here; ours replace some

    @checker.checks("regex", raises=PatternError)
    def _regex(value: object) -> bool:
        if isinstance(value, str):
            compile_pattern(value)
        return True

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
        return len(value) <= MAX_EMAIL_CHARS and bool(_EMAIL_RE.match(value))

    return checker


FORMAT_CHECKER = _format_checker()
