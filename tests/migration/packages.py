"""Small procedure versions built from tests/fixtures/simple for the migration tests.

Version 1 is the fixture: receive (receiver, 0.5 d) → appraise (specialist, 2 d) → compute →
gateway → approve (leader, 0.5 d) | refused; legal time 3 working days.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

FIXTURE = Path(__file__).parent.parent / "fixtures" / "simple"
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}


def base() -> dict:
    return {
        "manifest": yaml.safe_load((FIXTURE / "manifest.yaml").read_text(encoding="utf-8")),
        "bpmn": (FIXTURE / "process.bpmn").read_text(encoding="utf-8"),
        "forms": {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (FIXTURE / "forms").glob("*.json")},
    }


def rename(package: dict, old: str, new: str) -> dict:
    """The element `old` called `new` everywhere the diagram names it (not in data values)."""
    out = copy.deepcopy(package)
    bpmn = out["bpmn"]
    for pattern in ('id="{}"', 'bpmnElement="{}"', 'targetRef="{}"', 'sourceRef="{}"', "<bpmn:flowNodeRef>{}<",
                    'id="{}_di"'):
        bpmn = bpmn.replace(pattern.format(old), pattern.format(new))
    out["bpmn"] = bpmn
    return out


def allotment(package: dict, step: str, days: str, legal_days=None) -> dict:
    out = copy.deepcopy(package)
    bpmn = out["bpmn"]
    start = bpmn.index(f'<bpmn:userTask id="{step}"')
    end = bpmn.index("</bpmn:userTask>", start)
    part = bpmn[start:end]
    head, _, tail = part.partition('name="allotment_days" value="')
    part = head + 'name="allotment_days" value="' + days + tail[tail.index('"'):]
    out["bpmn"] = bpmn[:start] + part + bpmn[end:]
    if legal_days is not None:
        out["manifest"]["legal_days"] = legal_days
    return out


def move_to_lane(package: dict, step: str, lane_name: str) -> dict:
    """`step` worked in a new lane `lane_name` (e.g. another office's `UBND.YENSON:specialist`)."""
    out = copy.deepcopy(package)
    bpmn = out["bpmn"].replace(f"<bpmn:flowNodeRef>{step}</bpmn:flowNodeRef>", "")
    lane = (f'<bpmn:lane id="lane_extra" name="{lane_name}"><bpmn:flowNodeRef>{step}</bpmn:flowNodeRef>'
            f"</bpmn:lane>\n    </bpmn:laneSet>")
    bpmn = bpmn.replace("</bpmn:laneSet>", lane, 1)
    shape = ('<bpmndi:BPMNShape id="lane_extra_di" bpmnElement="lane_extra" isHorizontal="true">'
             '<dc:Bounds x="0" y="400" width="900" height="120"/></bpmndi:BPMNShape>\n    ')
    out["bpmn"] = bpmn.replace('<bpmndi:BPMNShape id="lane_receiver_di"', shape + '<bpmndi:BPMNShape id="lane_receiver_di"', 1)
    return out


def add_field(package: dict, form: str, name: str) -> dict:
    out = copy.deepcopy(package)
    out["forms"][form]["properties"][name] = {"type": "string", "title": "Ghi chú thêm"}
    return out


def receive(api, data=None) -> dict:
    response = api.post("/api/v1/dossiers", json={
        "procedure_code": "thu-tuc-thu", "channel": "direct", "applicant": APPLICANT,
        "data": data if data is not None else {"copies": 2, "fee_per_copy": 5000},
        "documents": [{"name": "Tờ khai", "digitized": True}]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def only_step(dossier: dict) -> dict:
    assert len(dossier["current_steps"]) == 1, dossier["current_steps"]
    return dossier["current_steps"][0]


def complete(api, dossier: dict, data: dict) -> dict:
    r = api.post(f"/api/v1/tasks/{only_step(dossier)['task_id']}/complete", json={"data": data})
    assert r.status_code == 200, r.get_json()
    return r.get_json()
