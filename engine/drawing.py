"""The BPMN diagram drawn on the server as SVG, from the file's diagram interchange (BPMN DI).

Why on the server: a clerk, an auditor or a designer looks at a procedure or a dossier without a
JavaScript modeler, and the drawing can be printed or attached as it is.

What is drawn: pools and lanes (names rotated in their header band), tasks (rounded rectangles,
wrapped names, a user/script marker), events (circles; end events thick; intermediate and boundary
events doubled, a non-interrupting boundary dashed; a clock for timers), gateways (diamonds with
their X / + / O marker), sequence flows (polylines with arrowheads, a slash on default flows) and
labels (inside `BPMNLabel` bounds when the file gives them). An overlay marks elements
(`{element_id: {"state": ..., "title": ...}}`: early / on time / late completion, current step,
reached, problem) and the sequence flows taken; a legend in Vietnamese explains the marks.

Safety: the document is parsed with `engine.xml_safety.parse_bpmn` (hostile XML refused), and the
SVG is built as an lxml tree: every name a designer typed goes in as text or attribute value, so it
is escaped; there is no script, no external reference and no foreignObject, and styles are one
inline `<style>` of our own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

from engine.diagram import BPMN, BPMNDI, DI, FLOW_NODES
from engine.xml_safety import parse_bpmn

DC = "http://www.omg.org/spec/DD/20100524/DC"
SVG = "http://www.w3.org/2000/svg"

# States an overlay may give an element; each is a CSS class `state-<name>` below.
STATES = ("done-early", "done-on-time", "done-late", "done", "current", "problem")
LEGEND = (("done-early", "Trước hạn"), ("done-on-time", "Đúng hạn"), ("done-late", "Trễ hạn"),
          ("current", "Đang xử lý"), ("done", "Đã đi qua"))
PROBLEM_LEGEND = ("problem", "Có vấn đề")
TAKEN_LEGEND = "Luồng đã đi"

MARGIN = 20
HEADER = 30          # width of a pool's / lane's name band
LEGEND_HEIGHT = 36
TASK_FONT = 12
LABEL_FONT = 11
CHAR_WIDTH = 0.56    # average glyph width per font-size unit (sans-serif, Vietnamese text)
LINE_HEIGHT = 1.25

EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent", "implicitThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
            "complexGateway"}
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}

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


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


# --------------------------------------------------------------------------- reading the DI

def _local(el) -> str:
    return etree.QName(el).localname


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


def _name(el) -> str:
    return " ".join((el.get("name") or "").split())


# --------------------------------------------------------------------------- text

def wrap(text: str, width: float, font: float, max_lines: int | None = None) -> list[str]:
    """Greedy word wrap by an average glyph width; a word too long for a line is cut."""
    per_line = max(1, int(width / (font * CHAR_WIDTH)))
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > per_line:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:per_line])
            word = word[per_line:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[:per_line - 1] if len(last) >= per_line else last) + "…"
    return lines


def _text_block(parent, lines: list[str], cx: float, cy: float, font: float, cls: str | None = None):
    """Lines centred on (cx, cy)."""
    if not lines:
        return None
    step = font * LINE_HEIGHT
    top = cy - step * (len(lines) - 1) / 2
    text = etree.SubElement(parent, f"{{{SVG}}}text", {"x": _f(cx), "y": _f(top), "text-anchor": "middle",
                                                         "dominant-baseline": "central"})
    if cls:
        text.set("class", cls)
    for i, line in enumerate(lines):
        span = etree.SubElement(text, f"{{{SVG}}}tspan", {"x": _f(cx), "y": _f(top + i * step)})
        span.text = line
    return text


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _sub(parent, tag: str, **attrs):
    return etree.SubElement(parent, f"{{{SVG}}}{tag}", {k.replace("_", "-"): v for k, v in attrs.items()})


def _title(group, *parts: str | None) -> None:
    text = " — ".join(p for p in parts if p)
    if text:
        _sub(group, "title").text = text


# --------------------------------------------------------------------------- shapes

def _group(parent, kind: str, element_id: str, classes: list[str], overlay: dict):
    mark = overlay.get(element_id) or {}
    state = mark.get("state")
    if state:
        classes = classes + [f"state-{state}"]
    return _sub(parent, "g", **{"class": " ".join([kind] + classes), "data-bpmn-id": element_id}), mark


def _draw_container(parent, el, box: Box, overlay: dict, kind: str, horizontal: bool) -> None:
    group, mark = _group(parent, kind, el.get("id"), [], overlay)
    _title(group, _name(el), mark.get("title"))
    _sub(group, "rect", x=_f(box.x), y=_f(box.y), width=_f(box.w), height=_f(box.h), **{"class": "body"})
    name = _name(el)
    if horizontal:
        band = min(HEADER, box.w)
        _sub(group, "rect", x=_f(box.x), y=_f(box.y), width=_f(band), height=_f(box.h), **{"class": "band"})
        if name:
            cx, cy = box.x + band / 2, box.cy
            lines = wrap(name, max(box.h - 10, 20), 13, max_lines=2)
            text = _text_block(group, lines, cx, cy, 13)
            text.set("transform", f"rotate(-90 {_f(cx)} {_f(cy)})")
    else:
        band = min(HEADER, box.h)
        _sub(group, "rect", x=_f(box.x), y=_f(box.y), width=_f(box.w), height=_f(band), **{"class": "band"})
        if name:
            _text_block(group, wrap(name, max(box.w - 10, 20), 13, max_lines=1), box.cx, box.y + band / 2, 13)


def _user_marker(group, x: float, y: float) -> None:
    _sub(group, "circle", cx=_f(x + 7), cy=_f(y + 5), r="3.5", **{"class": "marker"})
    _sub(group, "path", d=f"M{_f(x)} {_f(y + 16)} q0 -7 7 -7 q7 0 7 7 z", **{"class": "marker"})


def _script_marker(group, x: float, y: float) -> None:
    _sub(group, "path", d=f"M{_f(x + 3)} {_f(y)} h10 q-4 4 0 8 q4 4 0 8 h-10 q4 -4 0 -8 q-4 -4 0 -8 z",
         **{"class": "marker"})
    for dy in (4, 8, 12):
        _sub(group, "line", x1=_f(x + 5), y1=_f(y + dy), x2=_f(x + 11), y2=_f(y + dy), **{"class": "marker"})


def _draw_task(parent, el, box: Box, overlay: dict) -> None:
    local = _local(el)
    container = local in CONTAINERS
    group, mark = _group(parent, "node", el.get("id"), ["task", local] + (["container"] if container else []),
                         overlay)
    _title(group, _name(el) or el.get("id"), mark.get("title"))
    _sub(group, "rect", x=_f(box.x), y=_f(box.y), width=_f(box.w), height=_f(box.h), rx="10", ry="10",
         **{"class": "body"})
    if local == "userTask":
        _user_marker(group, box.x + 6, box.y + 5)
    elif local == "scriptTask":
        _script_marker(group, box.x + 6, box.y + 5)
    name = _name(el)
    if not name:
        return
    if container:  # an expanded sub-process: its name at the top, its content drawn over it
        _text_block(group, wrap(name, box.w - 12, TASK_FONT, max_lines=1), box.cx, box.y + 12, TASK_FONT)
        return
    max_lines = max(1, int((box.h - 8) / (TASK_FONT * LINE_HEIGHT)))
    _text_block(group, wrap(name, box.w - 10, TASK_FONT, max_lines=max_lines), box.cx, box.cy, TASK_FONT)


def _timer_marker(group, cx: float, cy: float, r: float) -> None:
    inner = r * 0.62
    _sub(group, "circle", cx=_f(cx), cy=_f(cy), r=_f(inner), **{"class": "marker"})
    _sub(group, "path", d=f"M{_f(cx)} {_f(cy - inner * 0.8)} L{_f(cx)} {_f(cy)} L{_f(cx + inner * 0.6)} {_f(cy)}",
         **{"class": "marker"})


def _draw_event(parent, el, box: Box, overlay: dict) -> None:
    local = _local(el)
    classes = ["event", {"startEvent": "start", "endEvent": "end", "boundaryEvent": "boundary"}.get(local, "intermediate")]
    if local == "boundaryEvent" and el.get("cancelActivity") == "false":
        classes.append("non-interrupting")
    group, mark = _group(parent, "node", el.get("id"), classes, overlay)
    _title(group, _name(el) or el.get("id"), mark.get("title"))
    r = min(box.w, box.h) / 2
    _sub(group, "circle", cx=_f(box.cx), cy=_f(box.cy), r=_f(r), **{"class": "body"})
    if local in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "implicitThrowEvent"):
        _sub(group, "circle", cx=_f(box.cx), cy=_f(box.cy), r=_f(max(r - 3, 1)), **{"class": "inner"})
    definitions = {_local(child) for child in el if isinstance(child.tag, str)}
    if "timerEventDefinition" in definitions:
        _timer_marker(group, box.cx, box.cy, r)
    elif "terminateEventDefinition" in definitions:
        _sub(group, "circle", cx=_f(box.cx), cy=_f(box.cy), r=_f(r * 0.55), **{"class": "marker solid"})
    elif "messageEventDefinition" in definitions:
        w, h = r * 0.9, r * 0.6
        x, y = box.cx - w / 2, box.cy - h / 2
        solid = " solid" if local in ("endEvent", "intermediateThrowEvent") else ""
        _sub(group, "rect", x=_f(x), y=_f(y), width=_f(w), height=_f(h), **{"class": "marker" + solid})
        _sub(group, "path", d=f"M{_f(x)} {_f(y)} L{_f(box.cx)} {_f(box.cy)} L{_f(x + w)} {_f(y)}",
             **{"class": "marker"})


def _draw_gateway(parent, el, box: Box, overlay: dict, marker_visible: bool) -> None:
    local = _local(el)
    group, mark = _group(parent, "node", el.get("id"), ["gateway", local], overlay)
    _title(group, _name(el) or el.get("id"), mark.get("title"))
    cx, cy, hw, hh = box.cx, box.cy, box.w / 2, box.h / 2
    points = f"{_f(cx)},{_f(box.y)} {_f(box.x + box.w)},{_f(cy)} {_f(cx)},{_f(box.y + box.h)} {_f(box.x)},{_f(cy)}"
    _sub(group, "polygon", points=points, **{"class": "body"})
    s = min(hw, hh) * 0.45
    if local == "exclusiveGateway" and marker_visible:
        _sub(group, "path", d=f"M{_f(cx - s)} {_f(cy - s)} L{_f(cx + s)} {_f(cy + s)} "
                              f"M{_f(cx + s)} {_f(cy - s)} L{_f(cx - s)} {_f(cy + s)}",
             **{"class": "marker", "stroke-width": "3"})
    elif local == "parallelGateway":
        _sub(group, "path", d=f"M{_f(cx)} {_f(cy - s * 1.2)} L{_f(cx)} {_f(cy + s * 1.2)} "
                              f"M{_f(cx - s * 1.2)} {_f(cy)} L{_f(cx + s * 1.2)} {_f(cy)}",
             **{"class": "marker", "stroke-width": "3"})
    elif local in ("inclusiveGateway", "eventBasedGateway"):
        _sub(group, "circle", cx=_f(cx), cy=_f(cy), r=_f(s), **{"class": "marker", "stroke-width": "2.5"})
    elif local == "complexGateway":  # an asterisk
        d = " ".join(f"M{_f(cx - dx)} {_f(cy - dy)} L{_f(cx + dx)} {_f(cy + dy)}"
                     for dx, dy in ((0, s), (s, 0), (s * .7, s * .7), (s * .7, -s * .7)))
        _sub(group, "path", d=d, **{"class": "marker", "stroke-width": "2.5"})


def _in_label_bounds(parent, name: str, label: Box | None) -> bool:
    """Draw a name inside the BPMNLabel bounds the file gives; False when it gives none."""
    if label is None or label.w <= 0:
        return False
    max_lines = max(1, int(label.h / (LABEL_FONT * LINE_HEIGHT)) + 1)
    _text_block(parent, wrap(name, max(label.w, 40), LABEL_FONT, max_lines), label.cx, label.cy, LABEL_FONT, "label")
    return True


def _outside_label(parent, name: str, box: Box, label: Box | None) -> None:
    """An event's or gateway's name: in its BPMNLabel bounds, else centred under the shape."""
    if not name or _in_label_bounds(parent, name, label):
        return
    lines = wrap(name, 100, LABEL_FONT, max_lines=3)
    top = box.y + box.h + 6
    _text_block(parent, lines, box.cx, top + LABEL_FONT * LINE_HEIGHT * len(lines) / 2, LABEL_FONT, "label")


def _draw_flow(parent, el, points, label: Box | None, taken: bool, is_default: bool) -> None:
    classes = ["flow"] + (["message"] if _local(el) == "messageFlow" else []) + (["taken"] if taken else [])
    group = _sub(parent, "g", **{"class": " ".join(classes), "data-bpmn-id": el.get("id")})
    _title(group, _name(el) or None, TAKEN_LEGEND if taken else None)
    path = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
    _sub(group, "polyline", points=path, marker_end="url(#arrow-taken)" if taken else "url(#arrow)",
         **{"class": "line"})
    if is_default and len(points) >= 2:
        (x0, y0), (x1, y1) = points[0], points[1]
        length = math.hypot(x1 - x0, y1 - y0) or 1
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        mx, my = x0 + ux * 10, y0 + uy * 10
        px, py = -uy, ux
        _sub(group, "line", x1=_f(mx - 5 * ux + 6 * px), y1=_f(my - 5 * uy + 6 * py),
             x2=_f(mx + 5 * ux - 6 * px), y2=_f(my + 5 * uy - 6 * py), **{"class": "slash"})
    name = _name(el)
    if not name or _in_label_bounds(group, name, label):
        return
    mid = len(points) // 2
    (ax, ay), (bx, by) = points[mid - 1], points[mid]
    _text_block(group, wrap(name, 100, LABEL_FONT, 2), (ax + bx) / 2, (ay + by) / 2 - 10, LABEL_FONT, "label")


# --------------------------------------------------------------------------- the drawing

def _arrow(defs, marker_id: str) -> None:
    marker = _sub(defs, "marker", id=marker_id, viewBox="0 0 10 10", refX="10", refY="5", markerWidth="10",
                  markerHeight="10", orient="auto", markerUnits="userSpaceOnUse")
    _sub(marker, "path", d="M0 0 L10 5 L0 10 z")


def _legend_entries(with_problem: bool) -> list:
    """(state, text, width) of each legend entry, the taken-flow line last (state None)."""
    entries = list(LEGEND) + ([PROBLEM_LEGEND] if with_problem else []) + [(None, TAKEN_LEGEND)]
    return [(state, text, 28 + len(text) * 12 * CHAR_WIDTH + 22) for state, text in entries]


def _legend(parent, x: float, y: float, entries: list) -> None:
    """The marks explained, in one row under the drawing."""
    group = _sub(parent, "g", **{"class": "legend"})
    for state, text, width in entries:
        if state is None:
            _sub(group, "line", x1=_f(x), y1=_f(y + 8), x2=_f(x + 22), y2=_f(y + 8), **{"class": "taken"})
        else:
            _sub(group, "rect", x=_f(x), y=_f(y), width="22", height="16", rx="4", **{"class": f"state-{state}"})
        _sub(group, "text", x=_f(x + 28), y=_f(y + 8), **{"dominant-baseline": "central"}).text = text
        x += width


def _collect(diagram, semantic: dict) -> tuple[list, list]:
    """(element, DI shape, bounds) and (element, DI edge, waypoints) of one diagram, drawable ones only."""
    shapes, edges = [], []
    for el in diagram.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge") if diagram is not None else ():
        target = semantic.get(el.get("bpmnElement"))
        if target is None:
            continue
        if _local(el) == "BPMNShape":
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
              if _local(el) == "sequenceFlow" and (el.get("sourceRef"), el.get("targetRef")) in transitions}
    diagram = root.find(f"{{{BPMNDI}}}BPMNDiagram")
    shapes, edges = _collect(diagram, semantic)
    min_x, min_y, max_x, max_y = _extent(shapes, edges)
    entries = _legend_entries(any((m or {}).get("state") == "problem" for m in overlay.values()))
    if legend:
        max_x = max(max_x, min_x + 2 * MARGIN + sum(e[2] for e in entries))
    width, height = max_x - min_x, max_y - min_y + (LEGEND_HEIGHT if legend else 0)

    svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})
    svg.set("version", "1.1")
    svg.set("viewBox", f"{_f(min_x)} {_f(min_y)} {_f(width)} {_f(height)}")
    svg.set("width", _f(width))
    svg.set("height", _f(height))
    svg.set("role", "img")
    _sub(svg, "title").text = title or "Sơ đồ quy trình"
    if diagram is None:
        _sub(svg, "desc").text = "Tệp BPMN không có sơ đồ (bpmndi:BPMNDiagram)."
    _sub(svg, "style").text = STYLE
    defs = _sub(svg, "defs")
    _arrow(defs, "arrow")
    _arrow(defs, "arrow-taken")
    _sub(svg, "rect", x=_f(min_x), y=_f(min_y), width=_f(width), height=_f(height), fill="#ffffff")

    layers = {name: _sub(svg, "g", **{"class": f"layer-{name}"})
              for name in ("pools", "lanes", "containers", "flows", "nodes", "boundary", "labels")}
    for target, di, box in shapes:
        local = _local(target)
        if local in ("participant", "lane"):
            _draw_container(layers["pools" if local == "participant" else "lanes"], target, box, overlay,
                            "pool" if local == "participant" else "lane", di.get("isHorizontal") != "false")
        elif local in CONTAINERS and di.get("isExpanded") == "true":
            _draw_task(layers["containers"], target, box, overlay)
        elif local in EVENTS:
            _draw_event(layers["boundary" if local == "boundaryEvent" else "nodes"], target, box, overlay)
            _outside_label(layers["labels"], _name(target), box, _label_box(di))
        elif local in GATEWAYS:
            _draw_gateway(layers["nodes"], target, box, overlay, di.get("isMarkerVisible") != "false")
            _outside_label(layers["labels"], _name(target), box, _label_box(di))
        elif local in FLOW_NODES:
            _draw_task(layers["nodes"], target, box, overlay)
    for target, di, points in edges:
        if _local(target) in ("sequenceFlow", "messageFlow"):
            _draw_flow(layers["flows"], target, points, _label_box(di), target.get("id") in taken,
                       target.get("id") in defaults)
    if legend:
        _legend(svg, min_x + MARGIN, max_y, entries)
    return etree.tostring(svg, encoding="unicode")
