"""Loops are bounded (issue 11, item 2): multi-instance cardinality and engine-only loops fail the
step cleanly (422, nothing stored) past their caps, and never end the process silently."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from engine import limits
from motcua.db.models import ProcedureVersion
from tests.security.script_support import (
    APPRAISAL,
    dossier_at_appraisal,
    stored_state,
    with_engine_loop,
    with_multi_instance,
)


def test_multi_instance_cardinality_is_capped_at_run_time(login, people):
    assert login("designer").post("/api/v1/procedures", json=with_multi_instance("instances")).status_code == 201
    code, task = dossier_at_appraisal(login, {"copies": 1, "fee_per_copy": 1, "instances": 3000})
    before = stored_state(people)
    started = time.monotonic()
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert time.monotonic() - started < 5  # 3,000 instances took 9.7 s
    assert r.status_code == 422, r.get_json()
    assert str(limits.current().multi_instance_max) in r.get_json()["detail"]
    assert stored_state(people) == before


def test_multi_instance_within_the_cap_runs(login, people):
    assert login("designer").post("/api/v1/procedures", json=with_multi_instance("instances")).status_code == 201
    code, task = dossier_at_appraisal(login, {"copies": 1, "fee_per_copy": 1, "instances": 3})
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 200, r.get_json()
    d = login("minhxuan.leader").get(f"/api/v1/dossiers/{code}").get_json()
    assert [s["name"] for s in d["current_steps"]] == ["Phê duyệt"]


def test_a_constant_cardinality_above_the_cap_is_refused_at_publish(login, people):
    cap = limits.current().multi_instance_max
    r = login("designer").post("/api/v1/procedures", json=with_multi_instance(str(cap + 1)))
    assert r.status_code == 422, r.get_json()
    problem = r.get_json()["problems"][0]
    assert problem["element"] == "compute" and str(cap) in problem["message"]
    with people.uow() as uow:
        assert uow.session.scalar(select(func.count(ProcedureVersion.id))) == 0


def test_an_engine_only_loop_past_the_cap_fails_instead_of_completing(login, people):
    """499 iterations used to mark the workflow completed and skip the approval step."""
    assert login("designer").post("/api/v1/procedures", json=with_engine_loop()).status_code == 201
    code, task = dossier_at_appraisal(login, {"copies": 1, "fee_per_copy": 1, "count": 0, "target": 499})
    before = stored_state(people)
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 422, r.get_json()
    assert "lặp" in r.get_json()["detail"]
    assert stored_state(people) == before
    d = login("minhxuan.specialist").get(f"/api/v1/dossiers/{code}").get_json()
    assert d["status"] not in ("done", "rejected", "stopped")
    assert d["current_steps"][0]["task_id"] == task


def test_an_engine_only_loop_within_the_cap_runs_to_the_next_step(login, people):
    assert login("designer").post("/api/v1/procedures", json=with_engine_loop()).status_code == 201
    code, task = dossier_at_appraisal(login, {"copies": 1, "fee_per_copy": 1, "count": 0, "target": 40})
    r = login("minhxuan.specialist").post(f"/api/v1/tasks/{task}/complete", json={"data": APPRAISAL})
    assert r.status_code == 200, r.get_json()
    d = login("minhxuan.leader").get(f"/api/v1/dossiers/{code}").get_json()
    assert [s["name"] for s in d["current_steps"]] == ["Phê duyệt"]  # nothing skipped
