"""Issue 11: `GET …/audit` does not re-run a known bomb at the auditor's expense.

A reminder timer leads to a script that runs until the script time limit stops it. The scheduler
fires the timer once, the script fails, and the history records `timer_failed`. The auditor's
replay then takes that failure as recorded (the live run left the workflow as it was): it gives a
consistent verdict, and in much less time than one run of the script would take.
"""
from __future__ import annotations

import time
from datetime import timedelta

from tests.audit.test_replay import (
    assert_consistent, complete, receive, simple_package, tick,
)

LIMIT = 4.0  # seconds: the script time limit while this test runs (config limits.script_time_limit)


def bomb_package() -> dict:
    package = simple_package()
    bpmn = package["bpmn"]
    bpmn = bpmn.replace('<bpmn:flowNodeRef>refused</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>refused</bpmn:flowNodeRef>\n'
                        '        <bpmn:flowNodeRef>remind</bpmn:flowNodeRef>\n'
                        '        <bpmn:flowNodeRef>bomb</bpmn:flowNodeRef>\n'
                        '        <bpmn:flowNodeRef>reminded</bpmn:flowNodeRef>')
    bpmn = bpmn.replace('    <bpmn:sequenceFlow id="f3"', '''    <bpmn:boundaryEvent id="remind" name="Nhắc hạn" attachedToRef="appraise" cancelActivity="false">
      <bpmn:timerEventDefinition id="remind_timer">
        <bpmn:timeDuration>"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_remind" sourceRef="remind" targetRef="bomb"/>
    <bpmn:scriptTask id="bomb" name="Tính lại mãi">
      <bpmn:script>n = 0
while n &gt;= 0:
    n = n + 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f_bomb" sourceRef="bomb" targetRef="reminded"/>
    <bpmn:endEvent id="reminded" name="Đã nhắc"/>
    <bpmn:sequenceFlow id="f3"''', 1)
    package["bpmn"] = bpmn
    return package


def test_a_recorded_timer_failure_is_not_run_again_by_the_audit(app, publish, login, clock, monkeypatch):
    publish(bomb_package())
    platform = app.extensions["motcua"]
    monkeypatch.setitem(platform.limits, "script_time_limit", LIMIT)
    dossier = receive(login)
    clock.advance(timedelta(minutes=30))
    dossier = complete(login, "minhxuan.receiver", dossier, {"checked": True})
    clock.advance(timedelta(hours=2))
    started = time.perf_counter()
    tick(app, clock)                                  # the live run pays for the bomb, once
    live = time.perf_counter() - started
    assert live >= LIMIT * 0.9, live

    auditor = login("auditor")
    started = time.perf_counter()
    r = auditor.get(f"/api/v1/dossiers/{dossier['code']}/audit")
    spent = time.perf_counter() - started
    assert r.status_code == 200, r.get_json()
    types = [e["type"] for e in r.get_json()["events"]]
    assert "timer_failed" in types, types
    assert spent < LIMIT * 0.75, spent                # replay did not run the script again
    result = assert_consistent(login, dossier["code"])
    failed = next(e for e in result["events"] if e["type"] == "timer_failed")
    assert failed["data"]["element"] in ("bomb", None)
