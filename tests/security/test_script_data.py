"""Malformed results of designer code get 4xx, never 500 (issue 11, item 9, engine part): data
too deep to store, NaN and Infinity, a timer expression that returns text, data too large."""
from __future__ import annotations

import time

import pytest

from tests.security.script_support import (
    APPLICANT,
    APPRAISAL,
    dossier_at_appraisal,
    stored_state,
    with_script,
    with_timer,
)


@pytest.mark.parametrize("script,words", [
    ("x = []\nfor i in range(100000):\n    x = [x]", "sâu"),
    ("d = {}\nfor i in range(100000):\n    d = {'k': d}", "sâu"),
    ("fee_total = float('nan')", "NaN"),
    ("fee_total = float('inf')", "NaN"),
    ("fee_total = [1.0, {'x': -float('inf')}]", "NaN"),
    ("fee_total = ['x' * 999999 + str(i) for i in range(8)]", "dữ liệu"),  # 8 MB: over the cap
    ("s = 'x' * 1000000\nfee_total = [s] * 1000", "dữ liệu"),  # 1 MB in memory, 1 GB as JSON
])
def test_data_a_script_cannot_store_fails_the_step(login, people, script, words):
    assert login("designer").post("/api/v1/procedures", json=with_script(script)).status_code == 201
    code, task = dossier_at_appraisal(login)
    before = stored_state(people)
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 422, r.get_json()
    assert words in r.get_json()["detail"]
    assert stored_state(people) == before


@pytest.mark.parametrize("expression", ['"không phải thời hạn"', "42", '"P99999999999Y"', '"P30Y"'])
def test_a_timer_expression_that_is_not_a_duration_fails_the_step(login, people, expression):
    """SpiffWorkflow evaluates the timer as soon as it predicts it: whichever step that is, the
    step fails with 422 and nothing is stored (P99999999999Y used to hold the server for hours)."""
    assert login("designer").post("/api/v1/procedures", json=with_timer(expression)).status_code == 201
    desk = login("minhxuan.receiver")
    r = desk.post("/api/v1/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": {"copies": 1, "fee_per_copy": 1}})
    if r.status_code == 422:
        return
    assert r.status_code == 201, r.get_json()
    steps = [("minhxuan.receiver", {"checked": True}), ("minhxuan.specialist", APPRAISAL)]
    for username, data in steps:
        d = desk.get(f"/api/v1/dossiers/{r.get_json()['code']}").get_json()
        before = stored_state(people)
        started = time.monotonic()
        answer = login(username).post(f"/api/v1/tasks/{d['current_steps'][0]['task_id']}/complete",
                                      json={"data": data})
        assert time.monotonic() - started < 5
        if answer.status_code == 422:
            assert stored_state(people) == before
            return
        assert answer.status_code == 200, answer.get_json()
    pytest.fail("the timer expression was accepted")


def test_a_good_timer_expression_still_waits(login, people):
    assert login("designer").post("/api/v1/procedures", json=with_timer('"PT1H"')).status_code == 201
    code, task = dossier_at_appraisal(login)
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 200, r.get_json()
    d = login("minhxuan.specialist").get(f"/api/v1/dossiers/{code}").get_json()
    assert d["current_steps"] == []  # waiting for the timer


def test_platform_function_arguments_are_bounded(login, people):
    script = "fee_total = working_days_after('2026-11-25T08:00:00+07:00', 10**9)"
    assert login("designer").post("/api/v1/procedures", json=with_script(script)).status_code == 201
    code, task = dossier_at_appraisal(login)
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 422, r.get_json()
    assert "working_days_after" in r.get_json()["detail"]


def test_platform_functions_run_from_a_worker(login, people):
    script = "due = working_days_after('2026-11-25T08:00:00+07:00', 2)\nfee_total = 1"
    assert login("designer").post("/api/v1/procedures", json=with_script(script)).status_code == 201
    code, task = dossier_at_appraisal(login)
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 200, r.get_json()
