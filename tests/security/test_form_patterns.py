"""Issue 11 item 3: a form pattern cannot hang a request.

The reproduction: `^([a-zA-Z]+\\s?)+$` against a 35-character input that does not match took
minutes with Python's backtracking `re`. Patterns now run on RE2 (linear time); a pattern RE2
cannot run (backreference, lookaround) is refused at publish with the form and the reason named.
Both databases, through the API.
"""
from __future__ import annotations

import time

import pytest

from tests.api.helpers import API, only_step, problem, simple_package, staff

EVIL = r"^([a-zA-Z]+\s?)+$"
HOSTILE_INPUT = "a" * 34 + "!"   # 35 characters; catastrophic for a backtracking engine
# The whole request (sign-in check, database, workflow) on a loaded 2-core machine; the
# backtracking engine needed minutes for the pattern alone (the unit test times RE2 itself).
BOUND_SECONDS = 20.0


def _package_with_pattern(form: str, field: str, pattern: str) -> dict:
    package = simple_package()
    package["forms"][form]["properties"][field]["pattern"] = pattern
    return package


def test_a_catastrophic_pattern_answers_fast_at_receipt(client, publish):
    package = simple_package()
    package["forms"]["to_khai"]["properties"]["ten_giay_to"] = {
        "type": "string", "title": "Tên giấy tờ", "pattern": EVIL}
    publish(package)
    (desk,) = staff(client, "minhxuan.receiver")
    body = {"procedure_code": "thu-tuc-thu", "channel": "direct",
            "applicant": {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"},
            "data": {"copies": 1, "fee_per_copy": 5000, "ten_giay_to": HOSTILE_INPUT},
            "documents": [{"name": "Tờ khai", "digitized": True}]}
    started = time.monotonic()
    answer = problem(desk.post(f"{API}/dossiers", json=body), 422)
    assert time.monotonic() - started < BOUND_SECONDS
    assert answer["errors"] == {"data.ten_giay_to": ["Trường «Tên giấy tờ» không đúng định dạng quy định."]}
    body["data"]["ten_giay_to"] = "Giay khai sinh"   # matches: the pattern still works
    assert desk.post(f"{API}/dossiers", json=body).status_code == 201


def test_a_catastrophic_pattern_answers_fast_at_step_completion(client, publish):
    publish(_package_with_pattern("tiep_nhan", "note", EVIL))
    (desk,) = staff(client, "minhxuan.receiver")
    r = desk.post(f"{API}/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct",
        "applicant": {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"},
        "data": {"copies": 1, "fee_per_copy": 5000}, "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert r.status_code == 201, r.get_json()
    task = only_step(r.get_json())["task_id"]
    started = time.monotonic()
    answer = problem(desk.post(f"{API}/tasks/{task}/complete",
                               json={"data": {"checked": True, "note": HOSTILE_INPUT}}), 422)
    assert time.monotonic() - started < BOUND_SECONDS
    assert list(answer["errors"]) == ["note"]
    assert desk.post(f"{API}/tasks/{task}/complete",
                     json={"data": {"checked": True, "note": "Du ho so"}}).status_code == 200


@pytest.mark.parametrize("pattern,reason", [
    (r"^(a+)\1$", "tham chiếu ngược"),
    (r"^(?=.*\d).+$", "lookahead"),
    (r"(?<!x)y", "lookbehind"),
])
def test_a_pattern_re2_cannot_run_is_refused_at_publish(login, pattern, reason):
    designer = login("designer")
    package = _package_with_pattern("tham_dinh", "opinion", pattern)
    body = problem(designer.post(f"{API}/procedures/validate", json=package), 422)
    assert [p["element"] for p in body["problems"]] == ["forms.tham_dinh"]
    message = body["problems"][0]["message"]
    assert "properties/opinion/pattern" in message and reason in message and "RE2" in message
    problem(designer.post(f"{API}/procedures", json=package), 422)
    assert designer.get(f"{API}/procedures").get_json()["total"] == 0


def test_pattern_properties_are_checked_with_re2_too(login):
    designer = login("designer")
    package = simple_package()
    package["forms"]["tiep_nhan"]["patternProperties"] = {r"^(x)\1$": {"type": "string"}}
    body = problem(designer.post(f"{API}/procedures/validate", json=package), 422)
    assert "patternProperties" in body["problems"][0]["message"]
