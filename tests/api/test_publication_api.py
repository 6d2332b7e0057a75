"""Publication data over the API: a warning when absent, a problem with its element when malformed."""
from __future__ import annotations

import copy

from tests.conftest import read_package


def test_library_package_publishes_without_warnings(login):
    body = read_package("dang-ky-ket-hon")
    response = login("designer").post("/api/v1/procedures", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["warnings"] == []
    detail = login("designer").get("/api/v1/procedures/dang-ky-ket-hon").get_json()
    pub = detail["manifest"]["publication"]
    assert (pub["decision"], pub["decision_date"], pub["national_code"]) == ("1356/QĐ-UBND", "2025-06-20", "1.000894")
    assert pub["parts"]["applicants"] == "declared" and pub["parts"]["steps"] == "derived"


def test_absent_publication_validates_with_a_warning(login):
    body = read_package("dang-ky-ket-hon")
    del body["manifest"]["publication"]
    response = login("designer").post("/api/v1/procedures/validate", json=body)
    assert response.status_code == 200, response.get_json()
    assert [w["element"] for w in response.get_json()["warnings"]] == ["manifest.publication"]


def test_malformed_publication_is_refused_with_every_problem(login):
    body = read_package("dang-ky-ket-hon")
    manifest = copy.deepcopy(body["manifest"])
    manifest["publication"].update(decision_date="ngày 20", national_updated="2025-01-01")
    body["manifest"] = manifest
    response = login("designer").post("/api/v1/procedures", json=body)
    assert response.status_code == 422
    elements = {p["element"] for p in response.get_json()["problems"]}
    assert "manifest.publication.decision_date" in elements
    assert login("designer").get("/api/v1/procedures/dang-ky-ket-hon").status_code == 404
