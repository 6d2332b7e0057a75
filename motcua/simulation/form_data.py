"""Valid form data generated from a step's JSON Schema, deterministic from a `random.Random`.

The library's forms use a small part of JSON Schema (types, enum, const, min/max, lengths,
digit and date patterns, `format: date`, `if`/`then` inside `allOf`); this covers that part and
falls back to a field's `examples`. The result is checked with the same validator the use cases
run (forms.validation); when a choice makes it invalid (an `if`/`then` that needs more), the
generator fills every declared field from its examples and tries again.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from forms.validation import validate_form_data

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thị Dung", "Hoàng Văn Em",
         "Vũ Thị Giang", "Đặng Minh Hải", "Bùi Thị Hoa", "Đỗ Quang Huy", "Ngô Thị Lan"]
WORDS = ["hồ sơ", "đầy đủ", "hợp lệ", "đề nghị", "giải quyết", "theo", "quy định", "đã", "kiểm tra",
         "thông tin", "xác nhận", "phường", "Minh Xuân", "tỉnh", "Tuyên Quang", "thửa đất", "số"]
LIKELY = 0.85  # the first enum value (approve) and a boolean's example: the common case


def _text(rng: random.Random, prop: dict, key: str) -> str:
    low, high = int(prop.get("minLength", 1)), int(prop.get("maxLength", 120))
    if any(w in key for w in ("ho_ten", "name", "nguoi")):
        text = rng.choice(NAMES)
    elif prop.get("examples") and rng.random() < 0.5:
        text = str(prop["examples"][0])
    else:
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10))).capitalize() + "."
    while len(text) < low:
        text += " " + rng.choice(WORDS)
    return text[:high].strip() if len(text[:high].strip()) >= low else text[:high]


def _digits(rng: random.Random, count: int) -> str:
    return "0" + "".join(str(rng.randint(0, 9)) for _ in range(count - 1))


def _date(rng: random.Random) -> str:
    return (date(1960, 1, 1) + timedelta(days=rng.randint(0, 22000))).isoformat()


def value_for(rng: random.Random, prop: dict, key: str = ""):
    """One valid value for one property schema."""
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        options = list(prop["enum"])
        return options[0] if rng.random() < LIKELY or len(options) == 1 else rng.choice(options[1:])
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "boolean":
        usual = bool((prop.get("examples") or [True])[0])
        return usual if rng.random() < LIKELY else not usual
    if kind in ("integer", "number"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", -1) + 1)
        high = prop.get("maximum", max(low, 0) + 10)
        number = rng.randint(int(low), int(high))
        return number if kind == "integer" else float(number)
    if kind == "array":
        item = prop.get("items") or {"type": "string"}
        return [value_for(rng, item, key) for _ in range(max(1, int(prop.get("minItems", 1))))]
    if kind == "object":
        return object_for(rng, prop)
    pattern = prop.get("pattern", "")
    if prop.get("format") == "date" or pattern.startswith("^\\d{4}-"):
        return _date(rng)
    if pattern.startswith("^[0-9]{") and pattern.endswith("}$"):
        return _digits(rng, int(pattern[len("^[0-9]{"):-2]))
    if pattern and prop.get("examples"):
        return prop["examples"][0]
    return _text(rng, prop, key)


def object_for(rng: random.Random, schema: dict, *, fill_all: bool = False) -> dict:
    """Every required field, and each optional one with some chance (all of them with `fill_all`)."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    return {key: value_for(rng, prop, key) for key, prop in props.items()
            if key in required or fill_all or rng.random() < 0.5}


def _from_examples(schema: dict) -> dict:
    return {k: p["examples"][0] if p.get("examples") else p.get("const")
            for k, p in (schema.get("properties") or {}).items() if p.get("examples") or "const" in p}


def form_data(rng: random.Random, schema: dict | None, protected=()) -> dict:
    """Data a person could submit on this form: valid by the platform's own validator."""
    if not schema:
        return {}
    for attempt in (lambda: object_for(rng, schema), lambda: object_for(rng, schema, fill_all=True),
                    lambda: _from_examples(schema)):
        data = {k: v for k, v in attempt().items() if k not in protected}
        if not validate_form_data(schema, data, protected=protected):
            return data
    raise ValueError(f"no valid data generated for the form «{schema.get('title', '?')}»")
