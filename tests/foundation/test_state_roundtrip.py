"""Workflow state through the real database loses no task data (spiffworkflow-notes: the reordered-JSON trap)."""
from __future__ import annotations

import json

from sqlalchemy import select, text
from SpiffWorkflow.util.task import TaskState

from engine import runtime, serializer
from motcua.db.models import Dossier, ProcessInstance
from tests.foundation.helpers import complete_current, publish_simple, receive_simple

NESTED = {"checked": True, "note": "đủ thành phần",
          "items": [{"name": "Tờ khai", "copies": 2, "extra": {"z": 1, "a": [3, 2, 1]}}]}


def _task_data(workflow) -> dict:
    return {str(t.id): t.data for t in workflow.get_tasks()}


def test_round_trip_through_the_database_keeps_every_tasks_data(people):
    platform = people
    publish_simple(platform)
    dossier = receive_simple(platform)
    complete_current(platform, dossier["code"], "minhxuan.receiver", NESTED)
    complete_current(platform, dossier["code"], "minhxuan.specialist", {"decision": "approve", "opinion": "Được"})

    with platform.uow() as uow:
        d = uow.session.scalar(select(Dossier).where(Dossier.code == dossier["code"]))
        instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == d.id))
        spec_text = d.procedure_version.spec
        stored = instance.state
        if uow.session.get_bind().dialect.name == "postgresql":
            kind = uow.session.execute(text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'process_instances' AND column_name = 'state' "
                "AND table_schema = current_schema()")).scalar_one()
            assert kind == "text"  # never jsonb, which reorders keys

    workflow = runtime.load(stored, spec_text)
    before = _task_data(workflow)
    (ready,) = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert ready.task_spec.bpmn_id == "approve"
    assert ready.data["items"] == NESTED["items"]
    assert ready.data["decision"] == "approve" and ready.data["fee_total"] == 10000

    # The trap itself: the same document with its keys reordered, as jsonb or sort_keys would.
    reordered = json.dumps(json.loads(stored), sort_keys=True)
    assert reordered != stored
    again = runtime.load(reordered, spec_text)
    assert _task_data(again) == before

    # and a third trip through the serializer gives the same document
    assert json.loads(serializer.dump_workflow(again)) == json.loads(serializer.dump_workflow(workflow))


def test_spec_is_stored_once_per_version_not_in_each_instance(people):
    platform = people
    publish_simple(platform)
    receive_simple(platform)
    with platform.uow() as uow:
        instance = uow.session.scalars(select(ProcessInstance)).one()
        document = json.loads(instance.state)
    assert "spec" not in document and "subprocess_specs" not in document
    assert "tasks" in document
