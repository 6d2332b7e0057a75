"""The hardening of forms, unit by unit: RE2 patterns, closed objects, protected variables, NaN."""
from __future__ import annotations

import math
import time

import pytest

from forms import InvalidFormSchema, check_form_schema, validate_form_data
from forms.patterns import pattern_problem, search
from forms.strict import close_objects, declared_at_root

EVIL = r"^([a-zA-Z]+\s?)+$"


# ------------------------------------------------------------------------------------ patterns

def test_catastrophic_pattern_is_linear():
    schema = {"type": "object", "properties": {"ten": {"type": "string", "title": "Tên", "pattern": EVIL}}}
    started = time.monotonic()
    for n in (35, 1_000, 100_000):
        assert validate_form_data(schema, {"ten": "a" * (n - 1) + "!"}) == {
            "ten": ["Trường «Tên» không đúng định dạng quy định."]}
    assert time.monotonic() - started < 2.0
    assert validate_form_data(schema, {"ten": "Nguyen Van An"}) == {}


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?!a)b", r"(?<=a)b", r"(?<!a)b", "(", "a{1001}"])
def test_patterns_re2_cannot_run_are_refused(pattern):
    assert pattern_problem(pattern)
    for schema in ({"properties": {"a": {"type": "string", "pattern": pattern}}},
                   {"patternProperties": {pattern: {}}},
                   {"$defs": {"x": {"pattern": pattern}}}):
        problems = check_form_schema(schema)
        assert len(problems) == 1 and "RE2" in problems[0], problems
        with pytest.raises(InvalidFormSchema):
            validate_form_data(schema, {})


def test_json_schema_pattern_semantics_are_kept():
    assert search(r"\d{3}", "ab123cd")            # unanchored, as JSON Schema says
    assert not search(r"^\d+$", "12\n")           # `$` is the end of the text, as in ECMA-262
    assert not search(r"^\w+$", "Nguyễn")         # \w is ASCII, as in ECMA-262
    assert search(r"^[\u00C0-\u1EF9A-Za-z ]+$", "Nguyễn Văn An")   # ECMA \uXXXX escapes work
    assert search(r"^\p{L}+$", "Nguyễn")
    assert search(r"^\\u0041$", "\\u0041")        # an escaped backslash is not a \u escape


def test_pattern_properties_and_format_regex_use_re2():
    schema = {"type": "object", "patternProperties": {"^x_[a-z]+$": {"type": "integer", "title": "Số"}},
              "properties": {"bt": {"type": "string", "format": "regex", "title": "Biểu thức"}}}
    assert validate_form_data(schema, {"x_ab": 1, "bt": "^a+$"}) == {}
    assert validate_form_data(schema, {"x_ab": "1", "y": 1, "bt": r"(a)\1"}) == {
        "x_ab": ["Trường «Số» phải là số nguyên."],
        "y": ["Trường không được phép: y."],
        "bt": ["Trường «Biểu thức» phải là biểu thức chính quy hợp lệ."]}


def test_unevaluated_properties_with_pattern_properties_is_refused():
    problems = check_form_schema({"patternProperties": {"^a": {}}, "unevaluatedProperties": False})
    assert problems and "unevaluatedProperties" in problems[0]


# ------------------------------------------------------------------------------- closed objects

FORM = {
    "type": "object",
    "properties": {"decision": {"enum": ["approve", "refuse"]},
                   "dia_chi": {"type": "object", "properties": {"tinh": {"type": "string"}}},
                   "giay_to": {"type": "array", "items": {"$ref": "#/$defs/giay"}}},
    "$defs": {"giay": {"type": "object", "properties": {"ten": {"type": "string"}},
                       "required": ["ten"]}},
    "required": ["decision"],
    "allOf": [{"if": {"properties": {"decision": {"const": "refuse"}}},
               "then": {"properties": {"ly_do": {"type": "string"}}, "required": ["ly_do"]}}],
}


def test_a_form_without_additional_properties_is_closed_at_every_level():
    assert validate_form_data(FORM, {"decision": "approve", "dia_chi": {"tinh": "TQ"},
                                     "giay_to": [{"ten": "Tờ khai"}]}) == {}
    assert validate_form_data(FORM, {"decision": "approve", "supplement_round": -100,
                                     "dia_chi": {"tinh": "TQ", "xa": "Minh Xuân"},
                                     "giay_to": [{"ten": "Tờ khai", "so_ban": 2}]}) == {
        "supplement_round": ["Trường không được phép: supplement_round."],
        "dia_chi.xa": ["Trường không được phép: xa."],
        "giay_to.0.so_ban": ["Trường không được phép: so_ban."]}


def test_fields_declared_in_conditional_branches_are_declared():
    assert validate_form_data(FORM, {"decision": "refuse", "ly_do": "Không đủ điều kiện"}) == {}
    assert validate_form_data(FORM, {"decision": "refuse"}) == {"ly_do": ["Trường «ly_do» là bắt buộc."]}
    assert declared_at_root(FORM)[0] == ["decision", "dia_chi", "giay_to", "ly_do"]


def test_closing_leaves_conditions_and_explicit_choices_alone():
    closed = close_objects({"type": "object", "properties": {"a": {"type": "object"}},
                            "if": {"properties": {"a": {"properties": {"b": {"const": 1}}}}},
                            "then": {"required": ["c"]}})
    assert closed["additionalProperties"] is False and closed["properties"]["c"] is True
    assert closed["properties"]["a"]["additionalProperties"] is False
    assert "additionalProperties" not in closed["if"]["properties"]["a"]   # what `if` tests is unchanged
    open_form = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True}
    assert validate_form_data(open_form, {"a": "x", "b": 1}) == {}
    typed = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert validate_form_data(typed, {"b": 1}) == {}
    assert list(validate_form_data(typed, {"b": "x"})) == ["b"]


def test_a_step_without_a_form_writes_nothing():
    assert validate_form_data(None, {}) == {}
    assert validate_form_data(None, {"supplement_round": -100}) == {
        "supplement_round": ["Trường không được phép: supplement_round."]}


# -------------------------------------------------------------------------- protected variables

def test_protected_variables_are_refused_even_on_an_open_form():
    open_form = {"type": "object", "additionalProperties": True}
    errors = validate_form_data(open_form, {"supplement_round": -100, "ghi_chu": "x"},
                                protected=["supplement_round"])
    assert list(errors) == ["supplement_round"]
    assert "do quy trình tự quản lý" in errors["supplement_round"][0]
    closed = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert list(validate_form_data(closed, {"supplement_round": 1}, protected=["supplement_round"])) == [
        "supplement_round"]
    assert validate_form_data(closed, {"a": "x"}, protected=["supplement_round"]) == {}


@pytest.mark.parametrize("schema", [
    {"properties": {"supplement_round": {"type": "integer"}}},
    {"allOf": [{"then": {"properties": {"supplement_round": {"type": "integer"}}}}]},
    {"$defs": {"d": {"properties": {"supplement_round": {}}}}, "$ref": "#/$defs/d"},
    {"required": ["supplement_round"]},
    {"patternProperties": {"^supplement_": {}}},
    {"properties": {"a": {}}, "additionalProperties": True},
    {"properties": {"a": {}}, "additionalProperties": {"type": "integer"}},
])
def test_a_form_declaring_or_opening_a_protected_variable_is_refused(schema):
    schema = {"type": "object", **schema}
    assert check_form_schema(schema) == []
    problems = check_form_schema(schema, protected=["supplement_round"])
    assert len(problems) == 1 and "protected_variables" in problems[0], problems


def test_nested_fields_of_the_same_name_are_not_process_variables():
    schema = {"type": "object", "properties": {"lich_su": {"type": "object",
                                                           "properties": {"supplement_round": {}}}}}
    assert check_form_schema(schema, protected=["supplement_round"]) == []


# ---------------------------------------------------------------------------------- NaN / ±inf

@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(value):
    schema = {"type": "object", "title": "Tờ khai",
              "properties": {"dien_tich": {"type": "number", "title": "Diện tích", "exclusiveMinimum": 0,
                                           "multipleOf": 0.5},
                             "ds": {"type": "array", "title": "Danh sách", "items": {"type": "number"}}}}
    assert validate_form_data(schema, {"dien_tich": value, "ds": [1, value]}) == {
        "dien_tich": ["Trường «Diện tích» phải là số hữu hạn (không chấp nhận NaN hoặc vô cực)."],
        "ds.1": ["Mục thứ 2 của «Danh sách» phải là số hữu hạn (không chấp nhận NaN hoặc vô cực)."]}
    assert list(validate_form_data({"type": "object", "additionalProperties": True}, {"x": value})) == ["x"]
    assert list(validate_form_data(schema, value)) == ["_"]
