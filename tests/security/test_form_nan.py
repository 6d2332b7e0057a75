"""Issue 11 item 9 (forms): NaN and Infinity are refused, and never stored.

Python's json reads `NaN`/`Infinity`, jsonschema lets them through a `number` with bounds (every
comparison with NaN is false), and the storage dump wrote them back as bare `NaN`, which is not
JSON: the dossier could no longer be read. Form data with them is now refused (422; 400 if the
API's parser refuses them first), and the storage dump itself refuses them. Both databases.
"""
from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import literal, select
from sqlalchemy.exc import StatementError

from motcua.db.types import JSONText, dumps
from tests.api.helpers import API, only_step, simple_package, staff

APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}


def _raw_post(person, url: str, text: str):
    """A request body written by hand: Python's json.dumps would write NaN too, but say it plainly."""
    return person.client.post(url, data=text.encode("utf-8"),
                              headers={**person.headers, "Content-Type": "application/json"})


def _package():
    package = simple_package()
    package["forms"]["to_khai"]["properties"]["dien_tich_m2"] = {
        "type": "number", "title": "Diện tích (m²)", "exclusiveMinimum": 0, "multipleOf": 0.5}
    package["forms"]["tiep_nhan"]["properties"]["so_trang"] = {
        "type": "number", "title": "Số trang", "minimum": 0, "maximum": 1000}
    return package


def _receipt(data_json: str) -> str:
    return ('{"procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": '
            + json.dumps(APPLICANT, ensure_ascii=False)
            + ', "documents": [{"name": "Tờ khai", "digitized": true}], "data": ' + data_json + "}")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused_at_receipt(client, publish, value):
    publish(_package())
    (desk,) = staff(client, "minhxuan.receiver")
    r = _raw_post(desk, f"{API}/dossiers", _receipt(
        '{"copies": 1, "fee_per_copy": 5000, "dien_tich_m2": ' + value + "}"))
    assert r.status_code in (400, 422), (r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/problem+json"
    if r.status_code == 422 and "data.dien_tich_m2" in (r.get_json().get("errors") or {}):
        assert "NaN" in r.get_json()["errors"]["data.dien_tich_m2"][0]
    assert desk.get(f"{API}/dossiers").get_json()["total"] == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused_at_step_completion(client, publish, value):
    publish(_package())
    (desk,) = staff(client, "minhxuan.receiver")
    r = desk.post(f"{API}/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": {"copies": 1, "fee_per_copy": 5000, "dien_tich_m2": 80.5},
        "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert r.status_code == 201, r.get_json()
    code, task = r.get_json()["code"], only_step(r.get_json())["task_id"]
    r = _raw_post(desk, f"{API}/tasks/{task}/complete", '{"data": {"checked": true, "so_trang": ' + value + "}}")
    assert r.status_code in (400, 422), (r.status_code, r.get_data(as_text=True)[:300])
    # nothing stored: the dossier reads as JSON, the step is still open, its data empty
    dossier = desk.get(f"{API}/dossiers/{code}")
    assert dossier.status_code == 200
    json.loads(dossier.get_data(as_text=True), parse_constant=_refuse_constant)
    assert only_step(dossier.get_json())["task_id"] == task
    history = desk.get(f"{API}/dossiers/{code}/history").get_data(as_text=True)
    json.loads(history, parse_constant=_refuse_constant)
    assert desk.post(f"{API}/tasks/{task}/complete",
                     json={"data": {"checked": True, "so_trang": 12}}).status_code == 200


def _refuse_constant(name):
    raise AssertionError(f"{name} in a JSON answer")


def test_the_storage_dump_refuses_non_finite_numbers(platform):
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            dumps({"so_trang": value})
        with platform.uow() as uow, pytest.raises(StatementError) as info:
            uow.session.execute(select(literal({"a": [1, value]}, type_=JSONText())))
        assert isinstance(info.value.orig, ValueError)
    with platform.uow() as uow:  # finite numbers, Vietnamese text: stored and read back unchanged
        stored = uow.session.execute(select(literal({"số": 1.5, "tên": "Nguyễn"}, type_=JSONText()))).scalar()
    assert stored == {"số": 1.5, "tên": "Nguyễn"}
