"""Shared by the attack-style script and loop tests: hostile variants of the test procedure, a
real threaded WSGI server (waitress) and a tiny JSON client for it."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from motcua.db.models import Event, ProcessInstance
from tests.test_foundation_flow import APPLICANT, simple_package  # noqa: F401 - re-exported

SCRIPT = "fee_total = fee_per_copy * copies if copies else 0"
COMPUTE = '<bpmn:scriptTask id="compute" name="Tính phí">'


def with_script(script: str) -> dict:
    package = simple_package()
    package["bpmn"] = package["bpmn"].replace(SCRIPT, script.replace("&", "&amp;").replace("<", "&lt;"))
    return package


def declare(package: dict, *names: str) -> dict:
    """Forms are closed: the receipt's form must declare the integers a variant reads."""
    properties = package["forms"]["to_khai"]["properties"]
    for name in names:
        properties[name] = {"type": "integer", "title": name}
    return package


def with_engine_loop() -> dict:
    """compute runs again while `count < target`: an engine-only loop of `target` iterations."""
    package = declare(with_script("count = count + 1"), "count", "target")
    bpmn = package["bpmn"]
    bpmn = bpmn.replace('<bpmn:sequenceFlow id="f4" sourceRef="compute" targetRef="decision_gw"/>', """
    <bpmn:sequenceFlow id="f4" sourceRef="compute" targetRef="loop_gw"/>
    <bpmn:exclusiveGateway id="loop_gw" name="Lặp" default="f_done"/>
    <bpmn:sequenceFlow id="f_again" sourceRef="loop_gw" targetRef="compute">
      <bpmn:conditionExpression>count &lt; target</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="loop_gw" targetRef="decision_gw"/>""")
    bpmn = bpmn.replace("<bpmn:flowNodeRef>compute</bpmn:flowNodeRef>",
                        "<bpmn:flowNodeRef>compute</bpmn:flowNodeRef><bpmn:flowNodeRef>loop_gw</bpmn:flowNodeRef>")
    package["bpmn"] = bpmn
    return package


def with_multi_instance(cardinality: str) -> dict:
    """compute is a parallel multi-instance script task run `cardinality` times."""
    package = declare(with_script("fee_total = fee_per_copy"), "instances")
    package["bpmn"] = package["bpmn"].replace(COMPUTE, COMPUTE + (
        "<bpmn:multiInstanceLoopCharacteristics>"
        f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics>"))
    return package


def with_timer(expression: str) -> dict:
    """A timer (duration `expression`) waits between compute and the decision."""
    package = simple_package()
    bpmn = package["bpmn"].replace(
        '<bpmn:sequenceFlow id="f4" sourceRef="compute" targetRef="decision_gw"/>', f"""
    <bpmn:sequenceFlow id="f4" sourceRef="compute" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Chờ">
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>{expression}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f_wait" sourceRef="wait" targetRef="decision_gw"/>""")
    package["bpmn"] = bpmn.replace("<bpmn:flowNodeRef>compute</bpmn:flowNodeRef>",
                                   "<bpmn:flowNodeRef>compute</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>")
    return package


def dossier_at_appraisal(login, data: dict | None = None) -> tuple[str, str]:
    """A dossier received and passed to appraisal: (its code, the appraisal task id)."""
    desk = login("minhxuan.receiver")
    d = desk.post("/api/v1/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": data if data is not None else {"copies": 1, "fee_per_copy": 1}}).get_json()
    r = desk.post(f"/api/v1/tasks/{d['current_steps'][0]['task_id']}/complete", json={"data": {"checked": True}})
    assert r.status_code == 200, r.get_json()
    d = desk.get(f"/api/v1/dossiers/{d['code']}").get_json()
    return d["code"], d["current_steps"][0]["task_id"]


APPRAISAL = {"decision": "approve", "opinion": "Đủ điều kiện"}


def stored_state(platform) -> tuple:
    with platform.uow() as uow:
        return (uow.session.scalars(select(ProcessInstance.state)).one(),
                uow.session.scalar(select(func.count(Event.id))))


def rss_mb() -> float:
    """Resident memory of this process now (the server under test runs in it)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    import os
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class LiveServer:
    """The Flask app served by waitress on a free port, in a background thread."""

    def __init__(self, app, threads: int = 4):
        from waitress.server import create_server
        self.server = create_server(app, host="127.0.0.1", port=0, threads=threads)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        # Stop the loop from inside its own thread (closing sockets under a running select()
        # fails it), then close everything once it has returned.
        from waitress import wasyncore
        sockets = {}

        def stop():
            sockets.update(self.server._map)
            self.server._map.clear()
        self.server.trigger.pull_trigger(stop)
        self.thread.join(10)
        wasyncore.close_all(sockets)
        self.server.task_dispatcher.shutdown()

    def call(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 30):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def token(self, username: str) -> str:
        status, body = self.call("POST", "/api/v1/auth/token",
                                 {"username": username, "password": "motcua-demo"})
        assert status == 200, body
        return body["access_token"]
