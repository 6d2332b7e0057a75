"""Validating form data against a procedure's e-form (JSON Schema draft 2020-12).

The entry point of ``forms``: :func:`validate_form_data` answers
``{field_path: [Vietnamese messages]}``.  What it guarantees, and where:

- the schema was checked first (:mod:`forms.schema_check`); an unusable one
  raises :class:`InvalidFormSchema`;
- every regular expression runs on RE2 (:mod:`forms.patterns`, :mod:`forms.keywords`),
  so no pattern can hang a request;
- a step writes only what its form declares: objects are closed unless the
  form says otherwise (:mod:`forms.strict`), and the process variables the
  manifest protects are refused whatever the form says;
- NaN and ±Infinity are refused (JSON has no such numbers);
- messages name the field by its ``title`` and never repeat the submitted value
  (form data is often personal data) (:mod:`forms.errors`).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Iterable

from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from forms.errors import ROOT_KEY, ROOT_LABEL, error_messages, field_label
from forms.keywords import FORMAT_CHECKER, FormValidator
from forms.patterns import PatternError
from forms.schema_check import canonical, check_form_schema
from forms.strict import DATA_KEYWORDS, close_objects, non_finite_paths

__all__ = [
    "InvalidFormSchema",
    "check_form_schema",
    "protected_variables", "validate_form_data",
    "ROOT_KEY",
]

MAX_ERRORS = 500             # jsonschema errors examined per validation
CACHE_SIZE = 256             # compiled validators kept

# A step without a form declares nothing: it may complete with `{}` only.
EMPTY_FORM: dict = {"type": "object"}


class InvalidFormSchema(ValueError):
    """The form schema itself is unusable; ``problems`` lists why (Vietnamese)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _refuse_retrieval(uri: str):
    raise NoSuchResource(ref=uri)


_REGISTRY = Registry(retrieve=_refuse_retrieval)

# properties / patternProperties / prefixItems whose subschema is the boolean
# `false` lose the property's path in jsonschema's errors; `{"not": {}}` is
# equivalent and keeps it.
_FALSE_SCHEMA = {"not": {}}


def _normalize(node: Any) -> Any:
    """A deep copy of the schema with `false` subschemas spelled so errors keep their path."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in DATA_KEYWORDS:
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
        self.schema = close_objects(_normalize(schema))
        self.validator = FormValidator(self.schema, registry=_REGISTRY,
                                       format_checker=FORMAT_CHECKER)


_cache: "OrderedDict[str, _Compiled]" = OrderedDict()
_cache_lock = threading.Lock()


def _compiled(schema: dict) -> _Compiled:
    try:
        key = hashlib.sha256(canonical(schema).encode("utf-8")).hexdigest()
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


def _key(path: Iterable[Any]) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else ROOT_KEY


def _non_finite_errors(root: dict, data: Any) -> dict[str, list[str]]:
    return {_key(path): [f"{field_label(root, list(path))} phải là số hữu hạn "
                         "(không chấp nhận NaN hoặc vô cực)."]
            for path in non_finite_paths(data)}


def _protected_errors(data: Any, protected: Iterable[str]) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        return {}
    return {name: [f"Trường «{name}» do quy trình tự quản lý; biểu mẫu không được ghi giá trị này."]
            for name in protected if name in data}


def validate_form_data(schema: dict | None, data: Any, *,
                       protected: Iterable[str] = ()) -> dict[str, list[str]]:
    """Validate ``data`` against a form schema.

    Returns ``{}`` when valid, else ``{field_path: [Vietnamese messages]}``
    where ``field_path`` is the dotted JSON path of the field
    (``"ho_ten"``, ``"giay_to.0.so_ban"``) and ``"_"`` stands for the root.
    ``schema`` None stands for a step without a form (no field may be written);
    ``protected`` names process variables no data may write (the manifest's
    ``protected_variables``).
    Raises :class:`InvalidFormSchema` if the schema itself is unusable.
    """
    compiled = _compiled(EMPTY_FORM if schema is None else schema)
    protected = [name for name in (protected or ()) if isinstance(name, str)]
    # before jsonschema: it compares NaN as a number (and `multipleOf` fails on it)
    errors = _non_finite_errors(compiled.schema, data)
    if errors:
        return errors
    try:
        for n, error in enumerate(compiled.validator.iter_errors(data)):
            if n >= MAX_ERRORS:
                break
            for key, message in error_messages(error, compiled.schema):
                bucket = errors.setdefault(key, [])
                if message not in bucket:
                    bucket.append(message)
    except RecursionError:  # recursive schema ($ref "#") and absurdly deep data
        return {ROOT_KEY: [f"{ROOT_LABEL} lồng nhau quá sâu."]}
    except Unresolvable as exc:  # not caught by check_form_schema; never fetched remotely
        raise InvalidFormSchema([f"Không giải được tham chiếu trong lược đồ: {exc}"]) from exc
    except PatternError as exc:  # a schema stored before RE2 was required
        raise InvalidFormSchema([f"Biểu thức chính quy không dùng được: {exc}"]) from exc
    for key, messages in _protected_errors(data, protected).items():
        errors[key] = messages  # the only message that matters for this field
    return errors


def protected_variables(manifest: dict | None) -> tuple[str, ...]:
    """The process variables a procedure keeps for itself (manifest `protected_variables`): no form
    declares them and no receipt, supplement or step completion may write them."""
    names = (manifest or {}).get("protected_variables") or ()
    return tuple(name for name in names if isinstance(name, str))
