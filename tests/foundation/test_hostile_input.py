"""Hostile or broken input is refused with a clear message, and nothing is stored."""
from __future__ import annotations

from sqlalchemy import func, select

from motcua.db.models import Procedure, ProcedureVersion
from tests.test_foundation_flow import simple_package

XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="simple_process" isExecutable="true"><bpmn:startEvent id="s" name="&x;"/></bpmn:process>
</bpmn:definitions>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="simple_process" isExecutable="true"><bpmn:startEvent id="s" name="&lol9;"/></bpmn:process>
</bpmn:definitions>"""


def _deep(depth: int) -> str:
    inner = "<bpmn:documentation>x</bpmn:documentation>"
    for _ in range(depth):
        inner = f"<bpmn:extensionElements>{inner}</bpmn:extensionElements>"
    return ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
            f'targetNamespace="x"><bpmn:process id="simple_process">{inner}</bpmn:process></bpmn:definitions>')


def _stored(platform) -> tuple[int, int]:
    with platform.uow() as uow:
        return (uow.session.scalar(select(func.count(Procedure.id))),
                uow.session.scalar(select(func.count(ProcedureVersion.id))))


def _publish(login, bpmn: str):
    package = simple_package()
    package["bpmn"] = bpmn
    return login("designer").post("/api/v1/procedures", json=package)


def _messages(response) -> str:
    body = response.get_json()
    return " | ".join(p["message"] for p in body.get("problems", []))


def test_xxe_is_refused_and_nothing_stored(login, people):
    r = _publish(login, XXE)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert "DOCTYPE" in _messages(r) or "thực thể" in _messages(r)
    assert "root:" not in r.get_data(as_text=True)  # /etc/passwd never read into the answer
    assert _stored(people) == (0, 0)


def test_billion_laughs_is_refused(login, people):
    r = _publish(login, LAUGHS)
    assert r.status_code == 422
    assert _messages(r)
    assert _stored(people) == (0, 0)


def test_oversized_bpmn_is_413(login, people):
    limit = people.limits["bpmn_max_bytes"]
    big = simple_package()["bpmn"].replace("</bpmn:definitions>", "<!--" + "x" * (limit + 10) + "--></bpmn:definitions>")
    r = _publish(login, big)
    assert r.status_code == 413
    assert "giới hạn" in r.get_json()["detail"]
    assert _stored(people) == (0, 0)


def test_request_over_the_body_limit_is_413(client, login, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = login("designer").post("/api/v1/procedures", json={"bpmn": "x" * 5000, "manifest": {}, "forms": {}})
    assert r.status_code == 413 and r.mimetype == "application/problem+json"


def test_deeply_nested_file_is_refused_with_its_line(login, people):
    r = _publish(login, _deep(5000))
    assert r.status_code == 422
    problems = r.get_json()["problems"]
    assert any("sâu" in p["message"] or "lồng" in p["message"] for p in problems), problems
    assert _stored(people) == (0, 0)


def test_malformed_bpmn_reports_line_numbers(login, people):
    broken = simple_package()["bpmn"].replace('<bpmn:userTask id="appraise" name="Thẩm định hồ sơ">',
                                              '<bpmn:userTask id="appraise" name="Thẩm định hồ sơ>')
    r = _publish(login, broken)
    assert r.status_code == 422
    problems = r.get_json()["problems"]
    assert problems and all(isinstance(p.get("line"), int) for p in problems), problems


def test_schema_errors_name_line_and_element(login, people):
    broken = simple_package()["bpmn"].replace('<bpmn:scriptTask id="compute" name="Tính phí">',
                                              '<bpmn:scriptTask id="compute" name="Tính phí" bogus="1">')
    r = _publish(login, broken)
    assert r.status_code == 422
    problem = r.get_json()["problems"][0]
    assert problem["element"] == "compute" and problem["line"] > 1


def test_convention_violations_are_all_reported(login, people):
    package = simple_package()
    package["bpmn"] = package["bpmn"].replace('name="allotment_days" value="2"', 'name="allotment_days" value="9"')
    package["bpmn"] = package["bpmn"].replace('name="form" value="phe_duyet"', 'name="form" value="khong_co"')
    package["manifest"]["fee"] = "mười nghìn"
    r = login("designer").post("/api/v1/procedures", json=package)
    assert r.status_code == 422
    text = _messages(r)
    assert "khong_co" in text  # the missing form, with the step named
    assert "manifest.fee" in text
    assert _stored(people) == (0, 0)


def test_allotments_over_legal_days_are_refused(login, people):
    package = simple_package()
    package["bpmn"] = package["bpmn"].replace('name="allotment_days" value="2"', 'name="allotment_days" value="9"')
    r = login("designer").post("/api/v1/procedures", json=package)
    assert r.status_code == 422
    problem = r.get_json()["problems"][0]
    assert "vượt thời hạn" in problem["message"] and "10" in problem["message"]
    assert _stored(people) == (0, 0)


def test_validate_endpoint_checks_without_publishing(login, people):
    r = login("designer").post("/api/v1/procedures/validate", json=simple_package())
    assert r.status_code == 200
    assert [s["id"] for s in r.get_json()["steps"]] == ["receive", "appraise", "approve"]
    assert _stored(people) == (0, 0)
