"""SVG shapes of BPMN elements, for engine.drawing: pools and lanes, tasks, events, gateways,
sequence flows, their markers and their wrapped names.

Every piece of designer text goes into the lxml tree as text or an attribute value (escaped by
lxml); the only styling is classes, which engine.drawing's inline `<style>` defines.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

from engine.conventions import Lane

SVG = "http://www.w3.org/2000/svg"
HEADER = 30          # width of a pool's / lane's name band
TASK_FONT = 12
LABEL_FONT = 11
CHAR_WIDTH = 0.56    # average glyph width per font-size unit (sans-serif, Vietnamese text)
LINE_HEIGHT = 1.25
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
TAKEN = "Luồng đã đi"
# A lane named by convention (bpmn/README.md) is shown by what it means, as in the staff console.
LANE_ROLES = {"receiver": "Bộ phận Một cửa", "specialist": "Chuyên viên", "leader": "Lãnh đạo"}


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


def local_name(el) -> str:
    return etree.QName(el).localname


def name_of(el) -> str:
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
    text = sub(parent, "text", x=fmt(cx), y=fmt(top), text_anchor="middle", dominant_baseline="central")
    if cls:
        text.set("class", cls)
    for i, line in enumerate(lines):
        sub(text, "tspan", x=fmt(cx), y=fmt(top + i * step)).text = line
    return text


def fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def sub(parent, tag: str, **attrs):
    return etree.SubElement(parent, f"{{{SVG}}}{tag}", {k.replace("_", "-"): v for k, v in attrs.items()})


def _title(group, *parts: str | None) -> None:
    text = " — ".join(p for p in parts if p)
    if text:
        sub(group, "title").text = text


# --------------------------------------------------------------------------- shapes

def _group(parent, kind: str, element_id: str, classes: list[str], overlay: dict):
    mark = overlay.get(element_id) or {}
    state = mark.get("state")
    if state:
        classes = classes + [f"state-{state}"]
    return sub(parent, "g", **{"class": " ".join([kind] + classes), "data-bpmn-id": element_id}), mark


def _shown_name(el) -> str:
    """A lane `receiver` reads «Bộ phận Một cửa», `CA.TINH:specialist` «Chuyên viên (CA.TINH)»."""
    lane = Lane.parse(name_of(el)) if local_name(el) == "lane" else None
    if lane is None or lane.role not in LANE_ROLES:
        return name_of(el)
    return LANE_ROLES[lane.role] + (f" ({lane.office_code})" if lane.office_code else "")


def draw_container(parent, el, box: Box, overlay: dict, kind: str, horizontal: bool) -> None:
    group, mark = _group(parent, kind, el.get("id"), [], overlay)
    _title(group, name_of(el), mark.get("title"))
    sub(group, "rect", x=fmt(box.x), y=fmt(box.y), width=fmt(box.w), height=fmt(box.h), **{"class": "body"})
    name = _shown_name(el)
    if horizontal:
        band = min(HEADER, box.w)
        sub(group, "rect", x=fmt(box.x), y=fmt(box.y), width=fmt(band), height=fmt(box.h), **{"class": "band"})
        if name:
            cx, cy = box.x + band / 2, box.cy
            lines = wrap(name, max(box.h - 10, 20), 13, max_lines=2)
            text = _text_block(group, lines, cx, cy, 13)
            text.set("transform", f"rotate(-90 {fmt(cx)} {fmt(cy)})")
    else:
        band = min(HEADER, box.h)
        sub(group, "rect", x=fmt(box.x), y=fmt(box.y), width=fmt(box.w), height=fmt(band), **{"class": "band"})
        if name:
            _text_block(group, wrap(name, max(box.w - 10, 20), 13, max_lines=1), box.cx, box.y + band / 2, 13)


def _user_marker(group, x: float, y: float) -> None:
    sub(group, "circle", cx=fmt(x + 7), cy=fmt(y + 5), r="3.5", **{"class": "marker"})
    sub(group, "path", d=f"M{fmt(x)} {fmt(y + 16)} q0 -7 7 -7 q7 0 7 7 z", **{"class": "marker"})


def _script_marker(group, x: float, y: float) -> None:
    sub(group, "path", d=f"M{fmt(x + 3)} {fmt(y)} h10 q-4 4 0 8 q4 4 0 8 h-10 q4 -4 0 -8 q-4 -4 0 -8 z",
         **{"class": "marker"})
    for dy in (4, 8, 12):
        sub(group, "line", x1=fmt(x + 5), y1=fmt(y + dy), x2=fmt(x + 11), y2=fmt(y + dy), **{"class": "marker"})


def draw_task(parent, el, box: Box, overlay: dict) -> None:
    local = local_name(el)
    container = local in CONTAINERS
    group, mark = _group(parent, "node", el.get("id"), ["task", local] + (["container"] if container else []),
                         overlay)
    _title(group, name_of(el) or el.get("id"), mark.get("title"))
    sub(group, "rect", x=fmt(box.x), y=fmt(box.y), width=fmt(box.w), height=fmt(box.h), rx="10", ry="10",
         **{"class": "body"})
    if local == "userTask":
        _user_marker(group, box.x + 6, box.y + 5)
    elif local == "scriptTask":
        _script_marker(group, box.x + 6, box.y + 5)
    name = name_of(el)
    if not name:
        return
    if container:  # an expanded sub-process: its name at the top, its content drawn over it
        _text_block(group, wrap(name, box.w - 12, TASK_FONT, max_lines=1), box.cx, box.y + 12, TASK_FONT)
        return
    shift = 5 if local in ("userTask", "scriptTask") else 0  # clear of the marker in the corner
    max_lines = max(1, int((box.h - 8 - 2 * shift) / (TASK_FONT * LINE_HEIGHT)))
    _text_block(group, wrap(name, box.w - 10, TASK_FONT, max_lines=max_lines), box.cx, box.cy + shift, TASK_FONT)


def _timer_marker(group, cx: float, cy: float, r: float) -> None:
    inner = r * 0.62
    sub(group, "circle", cx=fmt(cx), cy=fmt(cy), r=fmt(inner), **{"class": "marker"})
    sub(group, "path", d=f"M{fmt(cx)} {fmt(cy - inner * 0.8)} L{fmt(cx)} {fmt(cy)} "
                         f"L{fmt(cx + inner * 0.6)} {fmt(cy)}",
         **{"class": "marker"})


def draw_event(parent, el, box: Box, overlay: dict) -> None:
    local = local_name(el)
    kind = {"startEvent": "start", "endEvent": "end", "boundaryEvent": "boundary"}.get(local, "intermediate")
    classes = ["event", kind]
    if local == "boundaryEvent" and el.get("cancelActivity") == "false":
        classes.append("non-interrupting")
    group, mark = _group(parent, "node", el.get("id"), classes, overlay)
    _title(group, name_of(el) or el.get("id"), mark.get("title"))
    r = min(box.w, box.h) / 2
    sub(group, "circle", cx=fmt(box.cx), cy=fmt(box.cy), r=fmt(r), **{"class": "body"})
    if local in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "implicitThrowEvent"):
        sub(group, "circle", cx=fmt(box.cx), cy=fmt(box.cy), r=fmt(max(r - 3, 1)), **{"class": "inner"})
    definitions = {local_name(child) for child in el if isinstance(child.tag, str)}
    if "timerEventDefinition" in definitions:
        _timer_marker(group, box.cx, box.cy, r)
    elif "terminateEventDefinition" in definitions:
        sub(group, "circle", cx=fmt(box.cx), cy=fmt(box.cy), r=fmt(r * 0.55), **{"class": "marker solid"})
    elif "messageEventDefinition" in definitions:
        w, h = r * 0.9, r * 0.6
        x, y = box.cx - w / 2, box.cy - h / 2
        solid = " solid" if local in ("endEvent", "intermediateThrowEvent") else ""
        sub(group, "rect", x=fmt(x), y=fmt(y), width=fmt(w), height=fmt(h), **{"class": "marker" + solid})
        sub(group, "path", d=f"M{fmt(x)} {fmt(y)} L{fmt(box.cx)} {fmt(box.cy)} L{fmt(x + w)} {fmt(y)}",
             **{"class": "marker"})


def draw_gateway(parent, el, box: Box, overlay: dict, marker_visible: bool) -> None:
    local = local_name(el)
    group, mark = _group(parent, "node", el.get("id"), ["gateway", local], overlay)
    _title(group, name_of(el) or el.get("id"), mark.get("title"))
    cx, cy, hw, hh = box.cx, box.cy, box.w / 2, box.h / 2
    corners = ((cx, box.y), (box.x + box.w, cy), (cx, box.y + box.h), (box.x, cy))
    points = " ".join(f"{fmt(x)},{fmt(y)}" for x, y in corners)
    sub(group, "polygon", points=points, **{"class": "body"})
    s = min(hw, hh) * 0.45
    if local == "exclusiveGateway" and marker_visible:
        sub(group, "path", d=f"M{fmt(cx - s)} {fmt(cy - s)} L{fmt(cx + s)} {fmt(cy + s)} "
                              f"M{fmt(cx + s)} {fmt(cy - s)} L{fmt(cx - s)} {fmt(cy + s)}",
             **{"class": "marker", "stroke-width": "3"})
    elif local == "parallelGateway":
        sub(group, "path", d=f"M{fmt(cx)} {fmt(cy - s * 1.2)} L{fmt(cx)} {fmt(cy + s * 1.2)} "
                              f"M{fmt(cx - s * 1.2)} {fmt(cy)} L{fmt(cx + s * 1.2)} {fmt(cy)}",
             **{"class": "marker", "stroke-width": "3"})
    elif local in ("inclusiveGateway", "eventBasedGateway"):
        sub(group, "circle", cx=fmt(cx), cy=fmt(cy), r=fmt(s), **{"class": "marker", "stroke-width": "2.5"})
    elif local == "complexGateway":  # an asterisk
        d = " ".join(f"M{fmt(cx - dx)} {fmt(cy - dy)} L{fmt(cx + dx)} {fmt(cy + dy)}"
                     for dx, dy in ((0, s), (s, 0), (s * .7, s * .7), (s * .7, -s * .7)))
        sub(group, "path", d=d, **{"class": "marker", "stroke-width": "2.5"})


def _in_label_bounds(parent, name: str, label: Box | None) -> bool:
    """Draw a name inside the BPMNLabel bounds the file gives; False when it gives none."""
    if label is None or label.w <= 0:
        return False
    max_lines = max(1, int(label.h / (LABEL_FONT * LINE_HEIGHT)) + 1)
    _text_block(parent, wrap(name, max(label.w, 40), LABEL_FONT, max_lines), label.cx, label.cy, LABEL_FONT, "label")
    return True


def outside_label(parent, name: str, box: Box, label: Box | None) -> None:
    """An event's or gateway's name: in its BPMNLabel bounds, else centred under the shape."""
    if not name or _in_label_bounds(parent, name, label):
        return
    lines = wrap(name, 100, LABEL_FONT, max_lines=3)
    top = box.y + box.h + 6
    _text_block(parent, lines, box.cx, top + LABEL_FONT * LINE_HEIGHT * len(lines) / 2, LABEL_FONT, "label")


def draw_flow(parent, el, points, label: Box | None, taken: bool, is_default: bool) -> None:
    classes = ["flow"] + (["message"] if local_name(el) == "messageFlow" else []) + (["taken"] if taken else [])
    group = sub(parent, "g", **{"class": " ".join(classes), "data-bpmn-id": el.get("id")})
    _title(group, name_of(el) or None, TAKEN if taken else None)
    path = " ".join(f"{fmt(x)},{fmt(y)}" for x, y in points)
    sub(group, "polyline", points=path, marker_end="url(#arrow-taken)" if taken else "url(#arrow)",
         **{"class": "line"})
    if is_default and len(points) >= 2:
        (x0, y0), (x1, y1) = points[0], points[1]
        length = math.hypot(x1 - x0, y1 - y0) or 1
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        mx, my = x0 + ux * 10, y0 + uy * 10
        px, py = -uy, ux
        sub(group, "line", x1=fmt(mx - 5 * ux + 6 * px), y1=fmt(my - 5 * uy + 6 * py),
             x2=fmt(mx + 5 * ux - 6 * px), y2=fmt(my + 5 * uy - 6 * py), **{"class": "slash"})
    name = name_of(el)
    if not name or _in_label_bounds(group, name, label):
        return
    mid = len(points) // 2
    (ax, ay), (bx, by) = points[mid - 1], points[mid]
    _text_block(group, wrap(name, 100, LABEL_FONT, 2), (ax + bx) / 2, (ay + by) / 2 - 10, LABEL_FONT, "label")
