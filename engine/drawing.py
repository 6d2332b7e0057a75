"""The BPMN diagram drawn on the server as SVG, from the file's diagram interchange (BPMN DI).

Why on the server: a clerk, an auditor or a designer looks at a procedure or a dossier without a
JavaScript modeler, and the drawing can be printed or attached as it is.

What is drawn: pools and lanes (names rotated in their header band), tasks (rounded rectangles,
wrapped names, a user/script marker), events (circles; end events thick; intermediate and boundary
events doubled, a non-interrupting boundary dashed; a clock for timers), gateways (diamonds with
their X / + / O marker), sequence flows (polylines with arrowheads, a slash on default flows) and
labels (inside `BPMNLabel` bounds when the file gives them); each element's shape is drawn by
`engine.svg_shapes`, this module lays the diagram out and marks it. An overlay marks elements
(`{element_id: {"state": ..., "title": ...}}`: early / on time / late completion, current step,
reached, problem) and the sequence flows taken; a legend in Vietnamese explains the marks.

Safety: the document is parsed with `engine.xml_safety.parse_bpmn` (hostile XML refused), and the
SVG is built as an lxml tree: every name a designer typed goes in as text or attribute value, so it
is escaped; there is no script, no external reference and no foreignObject, and styles are one
inline `<style>` of our own.
"""
from __future__ import annotations

import math

from lxml import etree

from engine.diagram_check import BPMN, BPMNDI, DI, FLOW_NODES
from engine.svg_shapes import (
    CHAR_WIDTH, CONTAINERS, SVG, TAKEN as TAKEN_LEGEND, Box, draw_container, draw_event, draw_flow, draw_gateway,
    draw_task, fmt, local_name, name_of, outside_label, sub,
)
from engine.xml_safety import parse_bpmn

DC = "http://www.omg.org/spec/DD/20100524/DC"

# States an overlay may give an element; each is a CSS class `state-<name>` below.
STATES = ("done-early", "done-on-time", "done-late", "done", "current", "problem")
LEGEND = (("done-early", "Trước hạn"), ("done-on-time", "Đúng hạn"), ("done-late", "Trễ hạn"),
          ("current", "Đang xử lý"), ("done", "Đã đi qua"))
PROBLEM_LEGEND = ("problem", "Có vấn đề")

MARGIN = 20
LEGEND_HEIGHT = 36

EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent", "implicitThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
            "complexGateway"}

STYLE = """
svg { font-family: "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif; }
text { fill: #1f2933; }
.pool > rect, .lane > rect { fill: none; stroke: #52606d; stroke-width: 1.2; }
.pool > .band, .lane > .band { fill: #f5f7fa; }
.pool text, .lane text { font-size: 13px; font-weight: 600; }
.node > .body { fill: #ffffff; stroke: #1f2933; stroke-width: 1.5; }
.node.container > .body { fill: none; }
.node .marker { fill: none; stroke: #1f2933; stroke-width: 1.2; }
.node .marker.solid { fill: #1f2933; }
.event.end > .body { stroke-width: 4; }
.event.boundary.non-interrupting > .body, .event.boundary.non-interrupting > .inner { stroke-dasharray: 4 2; }
.event > .inner { fill: none; stroke: #1f2933; stroke-width: 1.2; }
.node text { font-size: 12px; }
.label { font-size: 11px; }
.flow > .line { fill: none; stroke: #1f2933; stroke-width: 1.4; }
.flow.message > .line { stroke-dasharray: 8 4; }
.flow > .slash { stroke: #1f2933; stroke-width: 1.4; }
.flow.taken > .line { stroke: #2f855a; stroke-width: 3; }
#arrow path { fill: #1f2933; }
#arrow-taken path { fill: #2f855a; }
.state-done-early > .body, .legend .state-done-early { fill: #e3f9e5; stroke: #2f855a; stroke-width: 2.5; }
.state-done-on-time > .body, .legend .state-done-on-time { fill: #e6f0ff; stroke: #2b6cb0; stroke-width: 2.5; }
.state-done-late > .body, .legend .state-done-late { fill: #ffe3e3; stroke: #c53030; stroke-width: 2.5; }
.state-done > .body, .legend .state-done { fill: #edf2f7; stroke: #4a5568; stroke-width: 2; }
.state-current > .body, .legend .state-current { fill: #fff3c4; stroke: #d97706; stroke-width: 3.5; }
.state-problem > .body, .legend .state-problem { fill: #fff5f5; stroke: #e53e3e; stroke-width: 3;
  stroke-dasharray: 6 3; }
.event.end[class*="state-"] > .body { stroke-width: 4; }
.legend text { font-size: 12px; }
.legend rect { stroke-width: 2; }
.legend line.taken { stroke: #2f855a; stroke-width: 3; }
"""


# --------------------------------------------------------------------------- reading the DI

def _num(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and abs(number) < 1e7 else None


def _bounds(el) -> Box | None:
    bounds = el.find(f"{{{DC}}}Bounds")
    if bounds is None:
        return None
    values = [_num(bounds.get(k)) for k in ("x", "y", "width", "height")]
    if any(v is None for v in values) or values[2] < 0 or values[3] < 0:
        return None
    return Box(*values)


def _label_box(el) -> Box | None:
    label = el.find(f"{{{BPMNDI}}}BPMNLabel")
    return _bounds(label) if label is not None else None


def _waypoints(edge) -> list[tuple[float, float]]:
    points = []
    for wp in edge.findall(f"{{{DI}}}waypoint"):
        x, y = _num(wp.get("x")), _num(wp.get("y"))
        if x is not None and y is not None:
            points.append((x, y))
    return points


# --------------------------------------------------------------------------- the drawing

def _arrow(defs, marker_id: str) -> None:
    marker = sub(defs, "marker", id=marker_id, viewBox="0 0 10 10", refX="10", refY="5", markerWidth="10",
                 markerHeight="10", orient="auto", markerUnits="userSpaceOnUse")
    sub(marker, "path", d="M0 0 L10 5 L0 10 z")


def _legend_entries(with_problem: bool) -> list:
    """(state, text, width) of each legend entry, the taken-flow line last (state None)."""
    entries = list(LEGEND) + ([PROBLEM_LEGEND] if with_problem else []) + [(None, TAKEN_LEGEND)]
    return [(state, text, 28 + len(text) * 12 * CHAR_WIDTH + 22) for state, text in entries]


def _legend(parent, x: float, y: float, entries: list) -> None:
    """The marks explained, in one row under the drawing."""
    group = sub(parent, "g", **{"class": "legend"})
    for state, text, width in entries:
        if state is None:
            sub(group, "line", x1=fmt(x), y1=fmt(y + 8), x2=fmt(x + 22), y2=fmt(y + 8), **{"class": "taken"})
        else:
            sub(group, "rect", x=fmt(x), y=fmt(y), width="22", height="16", rx="4", **{"class": f"state-{state}"})
        sub(group, "text", x=fmt(x + 28), y=fmt(y + 8), **{"dominant-baseline": "central"}).text = text
        x += width


def _collect(diagram, semantic: dict) -> tuple[list, list]:
    """(element, DI shape, bounds) and (element, DI edge, waypoints) of one diagram, drawable ones only."""
    shapes, edges = [], []
    for el in diagram.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge") if diagram is not None else ():
        target = semantic.get(el.get("bpmnElement"))
        if target is None:
            continue
        if local_name(el) == "BPMNShape":
            box = _bounds(el)
            if box is not None:
                shapes.append((target, el, box))
        elif len(points := _waypoints(el)) >= 2:
            edges.append((target, el, points))
    return shapes, edges


def _extent(shapes, edges) -> tuple[float, float, float, float]:
    """The drawing's box: every shape, label and waypoint, a margin, and room under the lowest
    shape for names drawn below events and gateways without label bounds."""
    xs, ys = [0.0, 200.0], [0.0, 40.0]  # an empty drawing still has room for its title
    if shapes or edges:
        xs, ys = [], []
    for _, di, box in shapes:
        for b in (box, _label_box(di)):
            if b is not None:
                xs += [b.x, b.x + b.w]
                ys += [b.y, b.y + b.h]
    for _, _, points in edges:
        xs += [p[0] for p in points]
        ys += [p[1] for p in points]
    return min(xs) - MARGIN, min(ys) - MARGIN, max(xs) + MARGIN, max(ys) + MARGIN + 30


def render_svg(bpmn: bytes | str, *, max_bytes: int, max_depth: int, overlay: dict | None = None,
               taken_flows=(), taken_transitions=(), legend: bool | None = None,
               title: str | None = None) -> str:
    """The first diagram of a BPMN document as SVG text.

    `overlay`: `{element_id: {"state": one of STATES, "title": text}}`, to mark steps (a dossier's
    progress, a validation problem); `taken_flows`: ids of the sequence flows drawn as taken;
    `taken_transitions`: (source id, target id) pairs, each marking the flows between them as taken.
    `legend`: draw the legend (default: when there is an overlay or a taken flow).
    Raises `PackageInvalid` when the document is refused by the safe parser, `ValueError` for an
    unknown overlay state.
    """
    overlay = dict(overlay or {})
    for element_id, mark in overlay.items():
        if (mark or {}).get("state") not in STATES:
            raise ValueError(f"unknown overlay state for {element_id!r}: {(mark or {}).get('state')!r}")
    taken = set(taken_flows or ())
    transitions = set(taken_transitions or ())
    if legend is None:
        legend = bool(overlay or taken or transitions)
    data = bpmn.encode("utf-8") if isinstance(bpmn, str) else bpmn
    root = parse_bpmn(data, max_bytes=max_bytes, max_depth=max_depth).getroot()

    semantic = {el.get("id"): el for el in root.iter(f"{{{BPMN}}}*") if el.get("id")}
    defaults = {el.get("default") for el in semantic.values() if el.get("default")}
    taken |= {fid for fid, el in semantic.items()
              if local_name(el) == "sequenceFlow" and (el.get("sourceRef"), el.get("targetRef")) in transitions}
    diagram = root.find(f"{{{BPMNDI}}}BPMNDiagram")
    shapes, edges = _collect(diagram, semantic)
    min_x, min_y, max_x, max_y = _extent(shapes, edges)
    entries = _legend_entries(any((m or {}).get("state") == "problem" for m in overlay.values()))
    if legend:
        max_x = max(max_x, min_x + 2 * MARGIN + sum(e[2] for e in entries))
    width, height = max_x - min_x, max_y - min_y + (LEGEND_HEIGHT if legend else 0)

    svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})
    svg.set("version", "1.1")
    svg.set("viewBox", f"{fmt(min_x)} {fmt(min_y)} {fmt(width)} {fmt(height)}")
    svg.set("width", fmt(width))
    svg.set("height", fmt(height))
    svg.set("role", "img")
    sub(svg, "title").text = title or "Sơ đồ quy trình"
    if diagram is None:
        sub(svg, "desc").text = "Tệp BPMN không có sơ đồ (bpmndi:BPMNDiagram)."
    sub(svg, "style").text = STYLE
    defs = sub(svg, "defs")
    _arrow(defs, "arrow")
    _arrow(defs, "arrow-taken")
    sub(svg, "rect", x=fmt(min_x), y=fmt(min_y), width=fmt(width), height=fmt(height), fill="#ffffff")

    layers = {name: sub(svg, "g", **{"class": f"layer-{name}"})
              for name in ("pools", "lanes", "containers", "flows", "nodes", "boundary", "labels")}
    for target, di, box in shapes:
        local = local_name(target)
        if local in ("participant", "lane"):
            draw_container(layers["pools" if local == "participant" else "lanes"], target, box, overlay,
                           "pool" if local == "participant" else "lane", di.get("isHorizontal") != "false")
        elif local in CONTAINERS and di.get("isExpanded") == "true":
            draw_task(layers["containers"], target, box, overlay)
        elif local in EVENTS:
            draw_event(layers["boundary" if local == "boundaryEvent" else "nodes"], target, box, overlay)
            outside_label(layers["labels"], name_of(target), box, _label_box(di))
        elif local in GATEWAYS:
            draw_gateway(layers["nodes"], target, box, overlay, di.get("isMarkerVisible") != "false")
            outside_label(layers["labels"], name_of(target), box, _label_box(di))
        elif local in FLOW_NODES:
            draw_task(layers["nodes"], target, box, overlay)
    for target, di, points in edges:
        if local_name(target) in ("sequenceFlow", "messageFlow"):
            draw_flow(layers["flows"], target, points, _label_box(di), target.get("id") in taken,
                      target.get("id") in defaults)
    if legend:
        _legend(svg, min_x + MARGIN, max_y, entries)
    return etree.tostring(svg, encoding="unicode")
