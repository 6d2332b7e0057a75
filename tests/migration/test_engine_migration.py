"""engine/migration.py on plain SpiffWorkflow: tree moved in place, ids kept, timers kept, refusals."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine import inspection, migration, runtime
from engine.package import ProcedurePackage, compile_package
from tests.migration.packages import base, rename

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="http://t">
<bpmn:process id="{pid}" isExecutable="true">
<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="specialist">{refs}</bpmn:lane></bpmn:laneSet>
"""


def task(tid, name, days="1"):
    return (f'<bpmn:userTask id="{tid}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="allotment_days" value="{days}"/></spiffworkflow:properties>'
            f'</bpmn:extensionElements></bpmn:userTask>')


def process(pid, elements: list[str], flows: list[tuple[str, str]], legal_days=5) -> str:
    ids = [e.split('id="')[1].split('"')[0] for e in elements]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    body = "".join(elements) + "".join(f'<bpmn:sequenceFlow id="f{n}" sourceRef="{a}" targetRef="{b}"/>'
                                       for n, (a, b) in enumerate(flows))
    return HEAD.format(pid=pid, refs=refs) + body + "</bpmn:process></bpmn:definitions>"


def spec_text(bpmn: str, pid: str, legal_days=5) -> str:
    manifest = {**base()["manifest"], "process_id": pid, "legal_days": legal_days}
    package = ProcedurePackage(manifest=manifest, bpmn=bpmn.encode(), forms=base()["forms"])
    return compile_package(package, max_bytes=10**6, max_depth=200).spec_text


TIMER = ('<bpmn:intermediateCatchEvent id="wait" name="Chờ"><bpmn:timerEventDefinition id="wait_t">'
         '<bpmn:timeDuration>"P2D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')


def test_a_waiting_timer_keeps_its_due_time_and_the_new_steps_after_it_run():
    v1 = spec_text(process("p1", ['<bpmn:startEvent id="start"/>', task("a", "Bước A"), TIMER, task("b", "Bước B"),
                                  '<bpmn:endEvent id="end"/>'],
                           [("start", "a"), ("a", "wait"), ("wait", "b"), ("b", "end")]), "p1")
    v2 = spec_text(process("p2", ['<bpmn:startEvent id="start"/>', task("a", "Bước A"), TIMER, task("c", "Bước C mới"),
                                  '<bpmn:endEvent id="end"/>'],
                           [("start", "a"), ("a", "wait"), ("wait", "c"), ("c", "end")]), "p2")
    wf = runtime.start(v1, {})
    runtime.complete(wf, runtime.ready_steps(wf)[0].task_id, {})
    (timer,) = inspection.waiting_timers(wf)
    wf = runtime.load(runtime.dump(wf), v1)
    moves = migration.migrate(wf, v2)
    assert [(m.task_id, m.old_id, m.new_id, m.kind) for m in moves] == [(timer.task_id, "wait", "wait", "event")]
    (kept,) = inspection.waiting_timers(wf)
    assert (kept.task_id, kept.due) == (timer.task_id, timer.due)
    wf = runtime.load(runtime.dump(wf), v2)  # stored and loaded on the new spec
    inspection.shift_timers(wf, [type("M", (), {"task_id": kept.task_id,
                                                "due_at": datetime.now(timezone.utc) - timedelta(seconds=1)})()])
    inspection.mark_fired(wf, [kept.task_id])
    runtime.fire_due_timers(wf)
    assert [r.step.bpmn_id for r in runtime.ready_steps(wf)] == ["c"]
    runtime.complete(wf, runtime.ready_steps(wf)[0].task_id, {})
    assert runtime.outcome(wf) == "done"


def test_a_done_step_gone_from_the_new_version_is_taken_out_and_ids_are_kept():
    v1 = spec_text(process("p", ['<bpmn:startEvent id="start"/>', task("a", "A"), task("b", "B"),
                                 '<bpmn:endEvent id="end"/>'], [("start", "a"), ("a", "b"), ("b", "end")]), "p")
    v2 = spec_text(process("p", ['<bpmn:startEvent id="start"/>', task("b", "B", "2"), task("dd", "D"),
                                 '<bpmn:endEvent id="end"/>'], [("start", "b"), ("b", "dd"), ("dd", "end")]), "p")
    wf = runtime.start(v1, {"x": 1})
    runtime.complete(wf, runtime.ready_steps(wf)[0].task_id, {"y": 2})
    (ready,) = runtime.ready_steps(wf)
    migration.migrate(wf, v2)
    wf = runtime.load(runtime.dump(wf), v2)
    (after,) = runtime.ready_steps(wf)
    assert (after.task_id, after.step.bpmn_id, str(after.step.allotment_days)) == (ready.task_id, "b", "2")
    runtime.complete(wf, after.task_id, {})
    assert [r.step.bpmn_id for r in runtime.ready_steps(wf)] == ["dd"]
    runtime.complete(wf, runtime.ready_steps(wf)[0].task_id, {})
    assert runtime.outcome(wf) == "done" and wf.data == {"x": 1, "y": 2}


def test_what_blocks_is_named_and_the_map_must_name_real_elements():
    v1 = spec_text(process("p", ['<bpmn:startEvent id="start"/>', task("a", "Bước A"), '<bpmn:endEvent id="end"/>'],
                           [("start", "a"), ("a", "end")]), "p")
    v2 = spec_text(process("p", ['<bpmn:startEvent id="start"/>', task("z", "Bước Z"), '<bpmn:endEvent id="end"/>'],
                           [("start", "z"), ("z", "end")]), "p")
    wf = runtime.start(v1, {})
    state = runtime.dump(wf)
    with pytest.raises(migration.Blocked) as err:
        migration.migrate(runtime.load(state, v1), v2)
    assert [(p.element, p.message) for p in err.value.problems] == [
        ("a", "Bước «Bước A» (a) không có trong phiên bản mới (hãy ánh xạ nó sang một bước của phiên bản mới).")]
    with pytest.raises(migration.Blocked) as err:
        migration.migrate(runtime.load(state, v1), v2, {"a": "khong_co"})
    assert "«khong_co» trong bảng ánh xạ không có trong phiên bản mới" in str(err.value)
    wf = runtime.load(state, v1)
    migration.migrate(wf, v2, {"a": "z"})
    assert [r.step.name for r in runtime.ready_steps(wf)] == ["Bước Z"]


def test_a_user_task_mapped_to_another_kind_of_element_is_refused():
    p = base()
    v1 = compile_package(ProcedurePackage(manifest=p["manifest"], bpmn=p["bpmn"].encode(), forms=p["forms"]),
                         max_bytes=10**6, max_depth=200).spec_text
    renamed = rename(p, "approve", "ky")
    v2 = compile_package(ProcedurePackage(manifest=p["manifest"], bpmn=renamed["bpmn"].encode(), forms=p["forms"]),
                         max_bytes=10**6, max_depth=200).spec_text
    wf = runtime.start(v1, {"copies": 1, "fee_per_copy": 1})
    with pytest.raises(migration.Blocked) as err:
        migration.migrate(wf, v2, {"receive": "compute"})
    assert "là một loại phần tử khác" in str(err.value)


def test_a_step_with_a_boundary_timer_moves_and_its_reminder_still_fires():
    """giay-phep-xay-dung: a non-interrupting boundary timer (reminder) on the appraisal step."""
    from pathlib import Path

    from engine.package import load_package_dir
    folder = Path(__file__).parent.parent.parent / "bpmn" / "giay-phep-xay-dung"
    spec = compile_package(load_package_dir(folder), max_bytes=10**7, max_depth=500).spec_text
    functions = {"working_days_from_now": lambda d: (datetime.now(timezone.utc) + timedelta(days=d)).isoformat(),
                 "working_days_after": lambda s, d: s}
    wf = runtime.start(spec, {}, functions=functions)
    runtime.complete(wf, runtime.ready_steps(wf)[0].task_id, {"decision": "approve"})
    (ready,), (timer,) = runtime.ready_steps(wf), inspection.waiting_timers(wf)
    wf = runtime.load(runtime.dump(wf), spec, functions=functions)
    migration.migrate(wf, spec)
    wf = runtime.load(runtime.dump(wf), spec, functions=functions)
    assert [r.task_id for r in runtime.ready_steps(wf)] == [ready.task_id]
    assert [(t.task_id, t.due) for t in inspection.waiting_timers(wf)] == [(timer.task_id, timer.due)]
    inspection.shift_timers(wf, [type("M", (), {"task_id": timer.task_id,
                                                "due_at": datetime.now(timezone.utc) - timedelta(seconds=1)})()])
    inspection.mark_fired(wf, [timer.task_id])
    runtime.fire_due_timers(wf)
    assert [e.bpmn_id for e in inspection.reached_end_events(wf)] == ["end_nhac_han"]
    assert [r.task_id for r in runtime.ready_steps(wf)] == [ready.task_id]
    for _ in range(3):
        runtime.complete(wf, runtime.ready_steps(wf)[0].task_id, {"decision": "approve"})
    assert runtime.outcome(wf) == "done"


def test_a_multi_instance_step_in_progress_is_refused():
    mi = ('<bpmn:userTask id="ky" name="Ký nhiều lần"><bpmn:extensionElements><spiffworkflow:properties>'
          '<spiffworkflow:property name="allotment_days" value="1"/></spiffworkflow:properties>'
          '</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics id="ky_mi">'
          '<bpmn:loopCardinality id="ky_card">2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>'
          '</bpmn:userTask>')
    v1 = spec_text(process("p", ['<bpmn:startEvent id="start"/>', mi, '<bpmn:endEvent id="end"/>'],
                           [("start", "ky"), ("ky", "end")]), "p")
    wf = runtime.start(v1, {})
    assert len(runtime.ready_steps(wf)) == 2
    before = runtime.dump(wf)
    with pytest.raises(migration.Blocked) as err:
        migration.migrate(wf, v1)
    assert "Ký nhiều lần" in str(err.value)
    assert runtime.dump(wf) == before  # refused before anything moved
