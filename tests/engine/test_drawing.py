"""The SVG renderer alone (engine.drawing): every library diagram and the test fixture draw one
shape per pool, lane and flow node and one line per sequence flow, at the positions the diagram
interchange gives; overlays and taken flows are marked; designer text is escaped; nothing active."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.diagram_check import BPMN, BPMNDI, FLOW_NODES
from engine.drawing import STATES, render_svg
from engine.svg_shapes import wrap
from engine.problems import PackageInvalid

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(ROOT.glob("bpmn/*/process.bpmn")) + [ROOT / "tests/fixtures/simple/process.bpmn"]
SVG = "http://www.w3.org/2000/svg"
LIMITS = {"max_bytes": 2 * 1024 * 1024, "max_depth": 64}


def parse_svg(text: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(text.encode("utf-8"), parser)


def groups(svg, cls: str) -> dict:
    """{bpmn id: group} of the groups whose class list holds `cls`."""
    return {g.get("data-bpmn-id"): g for g in svg.iter(f"{{{SVG}}}g")
            if cls in (g.get("class") or "").split() and g.get("data-bpmn-id")}


def semantic(path: Path):
    root = etree.parse(str(path)).getroot()
    nodes = [el.get("id") for el in root.iter(f"{{{BPMN}}}*") if etree.QName(el).localname in FLOW_NODES]
    lanes = [el.get("id") for el in root.iter(f"{{{BPMN}}}lane")]
    pools = [el.get("id") for el in root.iter(f"{{{BPMN}}}participant")]
    flows = [el.get("id") for el in root.iter(f"{{{BPMN}}}sequenceFlow")]
    return root, nodes, lanes, pools, flows


def assert_inert(svg) -> None:
    """No script, no foreign content, no reference to anything outside the drawing."""
    for el in svg.iter():
        if not isinstance(el.tag, str):
            continue
        assert etree.QName(el).localname not in ("script", "foreignObject", "image", "a", "use", "iframe")
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower(), name
            if "url(" in value:
                assert value in ("url(#arrow)", "url(#arrow-taken)"), value


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_every_library_diagram_draws_each_element_where_the_di_puts_it(path):
    root, nodes, lanes, pools, flows = semantic(path)
    svg = parse_svg(render_svg(path.read_bytes(), **LIMITS))
    assert etree.QName(svg).localname == "svg"
    assert sorted(groups(svg, "node")) == sorted(nodes)
    assert sorted(groups(svg, "lane")) == sorted(lanes)
    assert sorted(groups(svg, "pool")) == sorted(pools)
    assert sorted(groups(svg, "flow")) == sorted(flows)
    assert groups(svg, "taken") == {} and svg.find(f".//{{{SVG}}}g[@class='legend']") is None
    assert_inert(svg)

    # every task is drawn at its BPMNShape bounds; every flow through its waypoints
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    for element_id, group in groups(svg, "task").items():
        bounds = shapes[element_id].find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
        body = group.find(f"{{{SVG}}}rect[@class='body']")
        assert [float(body.get(k)) for k in ("x", "y", "width", "height")] == \
            [float(bounds.get(k)) for k in ("x", "y", "width", "height")]
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{BPMNDI}}}BPMNEdge")}
    for flow_id, group in groups(svg, "flow").items():
        drawn = group.find(f"{{{SVG}}}polyline").get("points").split()
        given = [(float(w.get("x")), float(w.get("y"))) for w in edges[flow_id]
                 if etree.QName(w).localname == "waypoint"]
        assert [tuple(map(float, p.split(","))) for p in drawn] == given

    # every named element's name is drawn (over one or more lines), lanes by the role they stand for
    text = " ".join(" ".join(t.itertext()) for t in svg.iter(f"{{{SVG}}}text"))
    shown = {"receiver": "Bộ phận Một cửa", "specialist": "Chuyên viên", "leader": "Lãnh đạo"}
    for el in root.iter(f"{{{BPMN}}}*"):
        name = " ".join((el.get("name") or "").split())
        if name and el.get("id") in set(nodes) | set(pools):
            assert name.split()[0][:8] in text, name
        elif name and el.get("id") in lanes:
            office, _, role = name.rpartition(":")
            assert shown[role] in text and office in text, name
            assert groups(svg, "lane")[el.get("id")].find(f"{{{SVG}}}title").text == name


def test_overlay_marks_states_titles_taken_flows_and_the_legend():
    path = ROOT / "tests/fixtures/simple/process.bpmn"
    overlay = {"receive": {"state": "done-late", "title": "Trễ hạn: hoàn thành 14:00"},
               "appraise": {"state": "done-on-time", "title": "Đúng hạn"},
               "compute": {"state": "done"}, "approve": {"state": "current", "title": "Đang xử lý"}}
    svg = parse_svg(render_svg(path.read_bytes(), overlay=overlay, taken_transitions={("compute", "decision_gw")},
                               taken_flows=["f1"], **LIMITS))
    nodes = groups(svg, "node")
    for element_id, mark in overlay.items():
        assert f"state-{mark['state']}" in nodes[element_id].get("class").split()
        if mark.get("title"):
            assert mark["title"] in nodes[element_id].find(f"{{{SVG}}}title").text
    assert not any(c.startswith("state-") for c in nodes["refused"].get("class").split())
    assert sorted(groups(svg, "taken")) == ["f1", "f4"]
    assert groups(svg, "taken")["f4"].find(f"{{{SVG}}}polyline").get("marker-end") == "url(#arrow-taken)"
    legend = " ".join(svg.find(f".//{{{SVG}}}g[@class='legend']").itertext())
    for word in ("Trước hạn", "Đúng hạn", "Trễ hạn", "Đang xử lý"):
        assert word in legend
    assert "Có vấn đề" not in legend

    problem = parse_svg(render_svg(path.read_bytes(), **LIMITS,
                                   overlay={"decision_gw": {"state": "problem", "title": "Thiếu luồng"}}))
    assert "state-problem" in groups(problem, "node")["decision_gw"].get("class")
    assert "Có vấn đề" in " ".join(problem.find(f".//{{{SVG}}}g[@class='legend']").itertext())
    with pytest.raises(ValueError):
        render_svg(path.read_bytes(), overlay={"receive": {"state": "red; fill: url(http://x)"}}, **LIMITS)
    assert set(STATES) >= {"done-early", "done-on-time", "done-late", "current", "problem"}


def test_designer_text_is_escaped_and_nothing_runs():
    source = (ROOT / "tests/fixtures/simple/process.bpmn").read_text(encoding="utf-8")
    hostile = '&lt;script&gt;alert(1)&lt;/script&gt; &lt;foreignObject&gt; &quot;&amp;'
    source = source.replace('name="Thẩm định hồ sơ"', f'name="{hostile}"')
    source = source.replace('name="specialist"', 'name="&lt;/text&gt;&lt;script&gt;x()&lt;/script&gt;"')
    text = render_svg(source, overlay={"appraise": {"state": "current", "title": "<img src=x onerror=alert(1)>"}},
                      **LIMITS)
    assert "<script" not in text and "<foreignObject" not in text and "<img" not in text
    svg = parse_svg(text)
    assert_inert(svg)
    appraise = groups(svg, "node")["appraise"]
    assert "<script>alert(1)</script>" in appraise.find(f"{{{SVG}}}title").text
    assert "<img src=x onerror=alert(1)>" in appraise.find(f"{{{SVG}}}title").text
    drawn = "".join("".join(t.itertext()) for t in appraise.iter(f"{{{SVG}}}tspan")).replace(" ", "")
    assert drawn.startswith("<script>alert(1)</script><foreignObject>")  # as text, over several lines
    assert "</text><script>x()</script>" in "".join(groups(svg, "lane")["lane_specialist"].itertext())


def test_hostile_xml_is_refused_by_the_safe_parser():
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    with pytest.raises(PackageInvalid):
        render_svg(bomb, **LIMITS)


def test_a_document_without_diagram_interchange_still_answers_an_empty_drawing():
    source = (ROOT / "tests/fixtures/simple/process.bpmn").read_text(encoding="utf-8")
    source = source[:source.index("<bpmndi:BPMNDiagram")] + "</bpmn:definitions>"
    svg = parse_svg(render_svg(source, **LIMITS))
    assert groups(svg, "node") == {}
    assert "không có sơ đồ" in svg.find(f"{{{SVG}}}desc").text


def test_wrap_keeps_every_word_within_the_width_and_marks_a_cut():
    lines = wrap("Thẩm định hồ sơ, kiểm tra thực địa và lập tờ trình", 90, 12)
    assert " ".join(lines) == "Thẩm định hồ sơ, kiểm tra thực địa và lập tờ trình"
    assert all(len(line) <= int(90 / (12 * 0.56)) for line in lines)
    cut = wrap("một hai ba bốn năm sáu bảy tám chín mười", 40, 12, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("…")


def _run(workflow, *datas):
    from engine import runtime
    for data in datas:
        (step,) = runtime.ready_steps(workflow)
        runtime.complete(workflow, step.task_id, data)
    return runtime.dump(workflow)


def test_the_trail_follows_the_branch_and_the_loop_actually_taken():
    """engine.trail on the building permit: checked, appraised, sent back for a supplement, which
    is received and appraised again, then approved: the rework loop's flows are taken, the
    boundary timer waiting on the appraisal is not a current step, the refusal is never reached."""
    from datetime import datetime, timedelta, timezone

    from engine import runtime
    from engine.package import compile_package, load_package_dir
    from engine.trail import trail_of

    compiled = compile_package(load_package_dir(ROOT / "bpmn/giay-phep-xay-dung"), **LIMITS)
    soon = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
    functions = {"working_days_from_now": lambda days: soon, "working_days_after": lambda start, days: soon}
    workflow = runtime.start(compiled.spec_text, {}, functions=functions)
    state = _run(workflow, {"ket_qua_kiem_tra": "day_du"}, {"decision": "supplement"})
    trail = trail_of(state, compiled.spec_text)
    assert trail.active == {"tiep_nhan_bo_sung"}
    assert {"start", "tiep_nhan", "khoi_tao", "tham_dinh", "gw_ket_qua", "gw_bo_sung"} <= trail.reached
    assert {("gw_ket_qua", "gw_bo_sung"), ("gw_bo_sung", "tiep_nhan_bo_sung"), ("tham_dinh", "gw_ket_qua")} \
        <= trail.transitions
    assert not {"phe_duyet", "end_tu_choi", "nhac_han"} & (trail.reached | trail.active)

    state = _run(workflow, {"da_nhan": True}, {"decision": "approve"})
    trail = trail_of(state, compiled.spec_text)
    assert trail.active == {"phe_duyet"}
    assert {("tham_dinh_bo_sung", "gw_ket_qua"), ("gw_ket_qua", "phe_duyet"), ("dem_bo_sung", "tham_dinh_bo_sung")} \
        <= trail.transitions
    svg = parse_svg(render_svg(compiled.bpmn, taken_transitions=trail.transitions, **LIMITS))
    taken = set(groups(svg, "taken"))
    assert {"f1", "f2", "f3", "f4", "f_khong_dat", "f_bo_sung", "f5", "f6", "f7", "f_dong_y"} <= taken
    assert not {"f_tu_choi", "f_nhac", "f8", "f9"} & taken
