"""engine/inspection: the plain-data door to a workflow's timers and end events (no database).

Runs the library's building permit procedure: its appraisal step carries a non-interrupting
boundary timer ("7 working days") that ends in an end event notifying the leader.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from engine import inspection, runtime, timer_clock
from engine.package import compile_package, load_package_dir
from motcua.clock import VN_TZ
from tests.conftest import BPMN_DIR

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ)


def _workflow():
    package = compile_package(load_package_dir(BPMN_DIR / "giay-phep-xay-dung"), max_bytes=10**7, max_depth=200)
    functions = {"working_days_from_now": lambda days: (T0 + timedelta(days=days)).isoformat(),
                 "working_days_after": lambda start, days: start}
    workflow = runtime.start(package.spec_text, {}, functions=functions)
    [first] = runtime.ready_steps(workflow)
    runtime.complete(workflow, first.task_id, {"ho_so_hop_le": True})
    return workflow


def test_waiting_timers_shift_fire_and_end_events():
    with timer_clock.frozen_at(T0):
        workflow = _workflow()
        [appraisal] = runtime.ready_steps(workflow)
        [timer] = inspection.waiting_timers(workflow)
        assert timer.bpmn_id == "nhac_han" and timer.due == T0 + timedelta(days=7)
        assert runtime.next_timer_at(workflow) == timer.due

        moved = T0 + timedelta(days=8)
        inspection.shift_timers(workflow, [type("Move", (), {"task_id": timer.task_id, "due_at": moved})()])
        assert inspection.waiting_timers(workflow)[0].due == moved
        assert runtime.next_timer_at(workflow) == moved
        assert inspection.reached_end_events(workflow) == []

    with timer_clock.frozen_at(moved):  # due exactly now: SpiffWorkflow alone would wait; marked, it fires
        inspection.mark_fired(workflow, [timer.task_id])
        runtime.fire_due_timers(workflow)
    [end] = inspection.reached_end_events(workflow)
    assert (end.bpmn_id, end.properties.get("notify"), end.lane) == ("end_nhac_han", "leader", "specialist")
    assert end.attached_task_id == appraisal.task_id == inspection.attached_step(workflow, end.task_id)
    assert [r.task_id for r in runtime.ready_steps(workflow)] == [appraisal.task_id]  # non-interrupting
    assert inspection.waiting_timers(workflow) == []
    workflow.data.update({"_private": 1, "granted": True})
    assert inspection.result_data(workflow) == {"granted": True}
