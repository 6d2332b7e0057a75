"""Workflow state as text, with the process spec stored once per procedure version.

Two traps from spiffworkflow-notes.md are closed here: task data is stored whole per task
(SimpleTaskConverter), so no key order can lose it, and the spec is split out of every instance.
"""
from __future__ import annotations

import json
from copy import deepcopy
from datetime import date
from decimal import Decimal
from functools import lru_cache

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import SimpleTaskConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task


def _registry():
    config = deepcopy(SPIFF_CONFIG)
    config[Task] = SimpleTaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return registry


@lru_cache(maxsize=1)
def serializer() -> BpmnWorkflowSerializer:
    return BpmnWorkflowSerializer(_registry())


def dump_spec(spec, subprocess_specs: dict) -> str:
    """The parsed spec of a procedure version, as stored in procedure_versions.spec."""
    ser = serializer()
    return json.dumps({
        "spec": ser.registry.convert(spec),
        "subprocess_specs": {name: ser.registry.convert(s) for name, s in subprocess_specs.items()},
    })


def load_spec(text: str):
    """The spec objects of a procedure version, restored once and shared: SpiffWorkflow specs are
    read-only at run time, and restoring them is half the cost of loading an instance."""
    return _restore_spec(text)


@lru_cache(maxsize=128)
def _restore_spec(text: str):
    ser = serializer()
    data = json.loads(text)
    spec = ser.registry.restore(data["spec"])
    subs = {name: ser.registry.restore(s) for name, s in data["subprocess_specs"].items()}
    return spec, subs


def dump_workflow(workflow) -> str:
    """The instance without its spec: stored as text, never jsonb."""
    ser = serializer()
    ser.registry._encoder_mode = True
    try:
        dct = ser.to_dict(workflow)
    finally:
        ser.registry._encoder_mode = False
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    dct[ser.VERSION_KEY] = ser.VERSION
    return json.dumps(dct, cls=ser._encoder_cls)


def remember(workflow, text: str) -> None:
    """Keep the text a workflow was just serialized to: the save that follows reuses it."""
    workflow._motcua_text = text


def forget(workflow) -> None:
    """The workflow moved (a task ran, a timer shifted): its remembered text no longer holds."""
    workflow._motcua_text = None


def remembered(workflow) -> str | None:
    return getattr(workflow, "_motcua_text", None)


def load_workflow(text: str, spec_text: str):
    ser = serializer()
    dct = json.loads(text, cls=ser.json_decoder_cls)
    spec, subs = load_spec(spec_text)
    # The registry hands objects it does not recognise back unchanged: the cached specs go in as is.
    dct["spec"] = spec
    dct["subprocess_specs"] = dict(subs)
    ser.migrate(dct)
    return ser.from_dict(dct)
