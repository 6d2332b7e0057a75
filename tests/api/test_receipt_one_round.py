"""The desk's form gets every error in one round: the applicant's, the channel's and the
application form's fields together (issue 15 item 5)."""
from __future__ import annotations

from tests.api.helpers import API, problem, receipt_body, simple_package


def test_applicant_and_form_errors_come_together(login, publish):
    publish(simple_package())
    body = receipt_body()
    body["applicant"] = {"name": "", "id_number": "008090001234"}          # empty name, no phone
    body["data"] = {"copies": "hai"}                                          # wrong type, fee missing
    errors = problem(login("minhxuan.receiver").post(f"{API}/dossiers", json=body), 422)["errors"]
    assert {"applicant.name", "applicant.phone"} <= set(errors), errors
    assert any(k.startswith("data.") for k in errors), errors


def test_channel_and_form_errors_come_together(login, publish):
    publish(simple_package(channels=["online"]))
    body = receipt_body()                                                     # direct, not offered
    body["data"] = {}
    errors = problem(login("minhxuan.receiver").post(f"{API}/dossiers", json=body), 422)["errors"]
    assert "channel" in errors and any(k.startswith("data.") for k in errors), errors


def test_only_the_desk_gets_the_form_errors(login, publish):
    publish(simple_package())
    body = receipt_body()
    body["applicant"] = {"name": ""}
    problem(login("minhxuan.specialist").post(f"{API}/dossiers", json=body), 403)
