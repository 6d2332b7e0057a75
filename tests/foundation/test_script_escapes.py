"""Designer-written code runs in the restricted engine: escapes are refused, runaway loops stopped."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from motcua.db.models import Event, ProcessInstance, ProcedureVersion
from tests.test_foundation_flow import APPLICANT, simple_package

SCRIPT = "fee_total = fee_per_copy * copies if copies else 0"


def _with_script(script: str) -> dict:
    package = simple_package()
    package["bpmn"] = package["bpmn"].replace(SCRIPT, script)
    return package


@pytest.mark.parametrize("script", [
    "x = __import__('os').system('id')",
    "import os",
    "x = ().__class__.__base__.__subclasses__()",
    "x = open('/etc/passwd').read()",  # a function the engine does not offer
    "x = getattr(fee_per_copy, '__class__')",
])
def test_escaping_scripts_are_refused_at_publish(login, people, script):
    r = login("designer").post("/api/v1/procedures", json=_with_script(script))
    assert r.status_code == 422, r.get_json()
    problem = r.get_json()["problems"][0]
    assert problem["element"] == "compute"
    with people.uow() as uow:
        assert uow.session.scalar(select(func.count(ProcedureVersion.id))) == 0


@pytest.mark.parametrize("script", [
    "while True:\n    pass",
    "x = [1, 2][5]",  # an ordinary runtime error
    "g = (n for n in [1, 2])",  # runs, but leaves a value that cannot be stored: the step fails, not the save
])
def test_runtime_failure_fails_the_step_and_leaves_the_instance_intact(login, people, script):
    assert login("designer").post("/api/v1/procedures", json=_with_script(script)).status_code == 201
    desk = login("minhxuan.receiver")
    d = desk.post("/api/v1/dossiers", json={"procedure_code": "thu-tuc-thu", "channel": "direct",
                                            "applicant": APPLICANT, "data": {"copies": 1, "fee_per_copy": 1}})
    d = d.get_json()
    desk.post(f"/api/v1/tasks/{d['current_steps'][0]['task_id']}/complete", json={"data": {"checked": True}})
    d = desk.get(f"/api/v1/dossiers/{d['code']}").get_json()
    task = d["current_steps"][0]["task_id"]

    with people.uow() as uow:
        before_state = uow.session.scalars(select(ProcessInstance.state)).one()
        before_events = uow.session.scalar(select(func.count(Event.id)))

    specialist = login("minhxuan.specialist")
    started = time.monotonic()
    r = specialist.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "approve", "opinion": "Đủ điều kiện"}})
    elapsed = time.monotonic() - started
    assert r.status_code == 422, r.get_json()
    assert "Quy trình không chạy tiếp được" in r.get_json()["detail"]
    assert elapsed < 15  # stopped by the time limit, not hung

    with people.uow() as uow:
        assert uow.session.scalars(select(ProcessInstance.state)).one() == before_state
        assert uow.session.scalar(select(func.count(Event.id))) == before_events
    again = desk.get(f"/api/v1/dossiers/{d['code']}").get_json()
    assert again["current_steps"][0]["task_id"] == task  # the step is still there to retry
    assert login("minhxuan.leader").get("/api/v1/health").status_code == 200  # still serving


def test_a_script_failing_at_receipt_refuses_the_receipt_and_stores_nothing(login, people):
    from motcua.db.models import Dossier
    package = _with_script("x = [1, 2][5]")
    # move the script before the first user task: it runs while the dossier is being received
    package["bpmn"] = (package["bpmn"]
                       .replace('<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive"/>',
                                '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>')
                       .replace('<bpmn:sequenceFlow id="f3" sourceRef="appraise" targetRef="compute"/>',
                                '<bpmn:sequenceFlow id="f3" sourceRef="appraise" targetRef="decision_gw"/>')
                       .replace('<bpmn:sequenceFlow id="f4" sourceRef="compute" targetRef="decision_gw"/>',
                                '<bpmn:sequenceFlow id="f4" sourceRef="compute" targetRef="receive"/>'))
    assert login("designer").post("/api/v1/procedures", json=package).status_code == 201
    r = login("minhxuan.receiver").post("/api/v1/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": {"copies": 1, "fee_per_copy": 1}})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["type"].endswith("/process-failed")
    with people.uow() as uow:
        assert uow.session.scalar(select(func.count(Dossier.id))) == 0
        assert uow.session.scalar(select(func.count(Event.id))) == 0
