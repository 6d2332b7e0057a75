"""Issue 11 item 4: a step writes only what its form declares.

The reproduction: the appraisal step of the building permit (giay-phep-xay-dung) completed with
one extra field, `supplement_round: -100`, reset the process's own counter and allowed 6
supplement rounds (each pausing the legal clock) where the process allows 2. Now undeclared
fields are refused with 422 at completion and at receipt, and a form may not declare a variable
the manifest protects (publish problem). Both databases, through the API.
"""
from __future__ import annotations

import copy

from tests.api.helpers import API, only_step, problem, simple_package, staff
from tests.conftest import read_package

GPXD = "giay-phep-xay-dung"
APPLICANT = {"name": "Phạm Văn Long", "id_number": "008090001234", "phone": "0912345678"}


def sample(schema: dict, **overrides) -> dict:
    """Form data from the form's own examples (every library property carries one)."""
    data = {name: prop["examples"][0] for name, prop in schema["properties"].items()}
    data.update(overrides)
    return data


def _receive_gpxd(desk, package: dict, **extra) -> dict:
    forms = package["forms"]
    body = {"procedure_code": GPXD, "channel": "direct", "applicant": APPLICANT,
            "data": sample(forms["to_khai"], **extra),
            "documents": [{"name": d["name"], "digitized": True} for d in package["manifest"]["documents"]]}
    return desk.post(f"{API}/dossiers", json=body)


def _at_appraisal(client, publish):
    package = read_package(GPXD)
    publish(package)
    desk, specialist = staff(client, "minhxuan.receiver", "minhxuan.specialist")
    response = _receive_gpxd(desk, package)
    assert response.status_code == 201, response.get_json()
    dossier = response.get_json()
    step = only_step(dossier)
    r = desk.post(f"{API}/tasks/{step['task_id']}/complete",
                  json={"data": sample(package["forms"]["kiem_tra_ho_so"])})
    assert r.status_code == 200, r.get_json()
    return package, desk, specialist, r.get_json()


def test_an_undeclared_process_variable_in_step_data_is_refused(client, publish):
    package, desk, specialist, dossier = _at_appraisal(client, publish)
    appraisal = only_step(dossier)
    assert appraisal["name"] == "Thẩm định hồ sơ, kiểm tra thực địa"
    attack = sample(package["forms"]["tham_dinh"], decision="supplement", supplement_round=-100)

    body = problem(specialist.post(f"{API}/tasks/{appraisal['task_id']}/complete", json={"data": attack}), 422)
    assert list(body["errors"]) == ["supplement_round"]
    assert "supplement_round" in body["errors"]["supplement_round"][0]

    # nothing moved: same step open, no supplement requested, no completion in the history
    after = desk.get(f"{API}/dossiers/{dossier['code']}").get_json()
    assert only_step(after)["task_id"] == appraisal["task_id"]
    assert after["status"] == "processing" and after["supplement_count"] == 0
    events = [e["type"] for e in desk.get(f"{API}/dossiers/{dossier['code']}/history").get_json()["events"]]
    assert events.count("step_completed") == 1

    # the same data without the extra field goes through: the process counts its rounds itself
    del attack["supplement_round"]
    r = specialist.post(f"{API}/tasks/{appraisal['task_id']}/complete", json={"data": attack})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "supplement_requested"


def test_an_undeclared_field_nested_in_step_data_is_refused(client, publish):
    package, _desk, specialist, dossier = _at_appraisal(client, publish)
    task = only_step(dossier)["task_id"]
    data = sample(package["forms"]["tham_dinh"], decision="approve")
    for extra, key in (({"ghi_chu_noi_bo": "x"}, "ghi_chu_noi_bo"), ({"decision_override": "approve"}, "decision_override")):
        body = problem(specialist.post(f"{API}/tasks/{task}/complete", json={"data": {**data, **extra}}), 422)
        assert list(body["errors"]) == [key]


def test_an_undeclared_field_at_receipt_is_refused(client, publish):
    package = read_package(GPXD)
    publish(package)
    (desk,) = staff(client, "minhxuan.receiver")
    body = problem(_receive_gpxd(desk, package, supplement_round=-100), 422)
    assert list(body["errors"]) == ["data.supplement_round"]
    assert desk.get(f"{API}/dossiers").get_json()["total"] == 0


def test_nested_objects_are_closed_too(client, publish):
    package = simple_package()
    package["forms"]["tiep_nhan"]["properties"]["nguoi_nop"] = {
        "type": "object", "title": "Người nộp", "properties": {"ho_ten": {"type": "string"}}}
    publish(package)
    (desk,) = staff(client, "minhxuan.receiver")
    r = desk.post(f"{API}/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": {"copies": 1, "fee_per_copy": 5000}, "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert r.status_code == 201, r.get_json()
    task = only_step(r.get_json())["task_id"]
    body = problem(desk.post(f"{API}/tasks/{task}/complete", json={
        "data": {"checked": True, "nguoi_nop": {"ho_ten": "An", "fee_total": 0}}}), 422)
    assert body["errors"] == {"nguoi_nop.fee_total": ["Trường không được phép: fee_total."]}
    r = desk.post(f"{API}/tasks/{task}/complete", json={"data": {"checked": True, "nguoi_nop": {"ho_ten": "An"}}})
    assert r.status_code == 200, r.get_json()


def test_a_form_may_not_declare_a_protected_variable(login):
    designer = login("designer")
    package = read_package(GPXD)
    assert package["manifest"]["protected_variables"] == ["supplement_round"]
    bad = copy.deepcopy(package)
    bad["forms"]["tham_dinh"]["properties"]["supplement_round"] = {"type": "integer", "title": "Lần bổ sung"}
    body = problem(designer.post(f"{API}/procedures/validate", json=bad), 422)
    assert [p["element"] for p in body["problems"]] == ["forms.tham_dinh"]
    assert "supplement_round" in body["problems"][0]["message"]

    opened = copy.deepcopy(package)
    opened["forms"]["tiep_nhan_bo_sung"]["additionalProperties"] = True
    body = problem(designer.post(f"{API}/procedures/validate", json=opened), 422)
    assert [p["element"] for p in body["problems"]] == ["forms.tiep_nhan_bo_sung"]

    bad_name = copy.deepcopy(package)
    bad_name["manifest"]["protected_variables"] = ["so-vong"]
    body = problem(designer.post(f"{API}/procedures/validate", json=bad_name), 422)
    assert any(p.get("element", "").startswith("manifest.protected_variables") for p in body["problems"])

    assert designer.post(f"{API}/procedures/validate", json=package).status_code == 200
