"""Diagram interchange (BPMN DI): every element a designer works with must be drawn.

The XSD accepts a process with no diagram at all, and SpiffWorkflow ignores DI; but a package
without shapes opens as an empty canvas in bpmn-js / Camunda Modeler, so the next designer cannot
see or edit what runs. Publishing therefore requires a `BPMNShape` for every participant (pool),
lane and flow node, and a `BPMNEdge` with at least two waypoints for every sequence flow.
Shapes are looked up across all diagrams, so a collapsed sub-process drawn on its own plane counts.
"""
from __future__ import annotations

from lxml import etree

from engine.problems import Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DI = "http://www.omg.org/spec/DD/20100524/DI"

# Elements of type tFlowNode (BPMN 2.0 spec, 8.3.13): each needs a shape.
FLOW_NODES = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "implicitThrowEvent", "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
    "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
})
CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})

KINDS = {
    "participant": "Bể (pool)", "lane": "Làn (lane)", "userTask": "Bước", "scriptTask": "Bước tự động",
    "startEvent": "Sự kiện bắt đầu", "endEvent": "Sự kiện kết thúc", "boundaryEvent": "Sự kiện biên",
    "exclusiveGateway": "Cổng rẽ nhánh", "parallelGateway": "Cổng song song",
}


def _local(el) -> str:
    return etree.QName(el).localname


def _label(el) -> str:
    kind = KINDS.get(_local(el), f"Phần tử bpmn:{_local(el)}")
    name = (el.get("name") or "").strip()
    return f"{kind} «{name}»" if name else f"{kind} «{el.get('id')}»"


def _flow_elements(container):
    """Flow nodes and sequence flows of a process or sub-process, sub-processes included."""
    for el in container:
        if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN:
            continue
        local = _local(el)
        if local in FLOW_NODES or local == "sequenceFlow":
            yield el
        if local in CONTAINERS:
            yield from _flow_elements(el)


def _lanes(process):
    for lane in process.iter(f"{{{BPMN}}}lane"):
        yield lane


def check_diagram(tree) -> list[Problem]:
    """Problems of the package's diagram interchange; [] when every element is drawn."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    diagrams = root.findall(f"{{{BPMNDI}}}BPMNDiagram")
    if not diagrams:
        return [Problem("Tệp BPMN không có sơ đồ (bpmndi:BPMNDiagram): cần vẽ quy trình "
                        "(bể, làn, mọi bước, cổng, sự kiện và luồng) để người khác mở và sửa được.")]

    problems: list[Problem] = []
    shapes: dict[str, etree._Element] = {}
    edges: dict[str, etree._Element] = {}
    for diagram in diagrams:
        for shape in diagram.iter(f"{{{BPMNDI}}}BPMNShape"):
            shapes.setdefault(shape.get("bpmnElement"), shape)
        for edge in diagram.iter(f"{{{BPMNDI}}}BPMNEdge"):
            edges.setdefault(edge.get("bpmnElement"), edge)
        for drawn in list(diagram.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge",
                                       f"{{{BPMNDI}}}BPMNPlane")):
            target = drawn.get("bpmnElement")
            if target and target not in ids:
                problems.append(Problem(
                    f"Hình vẽ «{drawn.get('id') or _local(drawn)}» trỏ tới phần tử «{target}» không có "
                    f"trong quy trình.", line=drawn.sourceline, element=drawn.get("id")))

    def need_shape(el):
        if el.get("id") not in shapes:
            problems.append(Problem(f"{_label(el)} không có hình vẽ (BPMNShape) trong sơ đồ.",
                                    line=el.sourceline, element=el.get("id")))

    for participant in root.iter(f"{{{BPMN}}}participant"):
        need_shape(participant)
    for process in root.findall(f"{{{BPMN}}}process"):
        for lane in _lanes(process):
            need_shape(lane)
        for el in _flow_elements(process):
            if _local(el) != "sequenceFlow":
                need_shape(el)
                continue
            edge = edges.get(el.get("id"))
            name = (el.get("name") or "").strip() or el.get("id")
            if edge is None:
                problems.append(Problem(f"Luồng «{name}» không có đường vẽ (BPMNEdge) trong sơ đồ.",
                                        line=el.sourceline, element=el.get("id")))
            elif len(edge.findall(f"{{{DI}}}waypoint")) < 2:
                problems.append(Problem(f"Đường vẽ của luồng «{name}» cần ít nhất hai điểm (waypoint).",
                                        line=edge.sourceline, element=el.get("id")))
    return problems


def require_diagram(bpmn: bytes, *, max_bytes: int, max_depth: int) -> None:
    """Raise `PackageInvalid` unless the BPMN document draws every element (for `motcua validate`)."""
    from engine.problems import PackageInvalid
    from engine.xml_safety import parse_bpmn
    problems = check_diagram(parse_bpmn(bpmn, max_bytes=max_bytes, max_depth=max_depth))
    if problems:
        raise PackageInvalid(problems)
