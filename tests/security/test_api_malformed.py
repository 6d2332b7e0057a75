"""Malformed input gets 4xx, never 500 (issue 11 item 9): deeply nested JSON, NaN and Infinity,
a month far in the future."""
from __future__ import annotations

import json

import pytest

from tests.api.helpers import API, SignedIn, problem, receipt_body, simple_package

DEEP = 1000


def _raw(api, url, text):
    return api.client.post(url, data=text, headers={**api.headers, "Content-Type": "application/json"})


def test_json_nested_a_thousand_deep_is_a_400(client, publish):
    publish(simple_package())
    desk = SignedIn(client, "minhxuan.receiver")
    body = json.dumps(receipt_body())
    deep = "[" * DEEP + "]" * DEEP
    for text in (deep, body[:-1] + ', "data_extra": ' + deep + "}", '{"a":' * DEEP + "1" + "}" * DEEP):
        problem(_raw(desk, f"{API}/dossiers", text), 400)
    problem(client.post(f"{API}/auth/token", data="[" * DEEP + "]" * DEEP,
                        headers={"Content-Type": "application/json"}), 400)
    # inside the e-form data, where the JSON Schema validator would recurse
    data = '{"copies": 2, "fee_per_copy": 5000, "nested": ' + "[" * 200 + "]" * 200 + "}"
    text = body.replace('"data": {"copies": 2, "fee_per_copy": 5000}', '"data": ' + data)
    assert '"nested"' in text
    problem(_raw(desk, f"{API}/dossiers", text), 400)
    # an ordinary receipt still goes through
    assert _raw(desk, f"{API}/dossiers", body).status_code == 201


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_nan_and_infinity_are_refused(client, publish, number):
    publish(simple_package())
    desk = SignedIn(client, "minhxuan.receiver")
    text = json.dumps(receipt_body()).replace('"copies": 2', f'"copies": {number}')
    assert number in text
    problem(_raw(desk, f"{API}/dossiers", text), 400)
    dossier = _raw(desk, f"{API}/dossiers", json.dumps(receipt_body())).get_json()
    task = dossier["current_steps"][0]["task_id"]
    desk.post(f"{API}/tasks/{task}/claim")
    problem(_raw(desk, f"{API}/tasks/{task}/complete", '{"data": {"amount": ' + number + "}}"), 400)
    problem(client.get(f"{API}/calendar/deadline?office=UBND.MINHXUAN&start=2026-11-25T08:00:00%2B07:00"
                       f"&days={number}"), 422)


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2100-01"])
def test_a_month_out_of_range_is_a_422(client, month):
    auditor = SignedIn(client, "auditor")
    for url in (f"{API}/reports/index766?month={month}", f"{API}/reports/monthly?month={month}"):
        body = problem(auditor.get(url), 422)
        assert "month" in body["errors"]
    problem(client.get(f"{API}/reports/late-handling?month={month}"), 422)
    assert auditor.get(f"{API}/reports/index766?month=2026-11").status_code == 200
