"""Seeing a process over HTTP: a procedure version's diagram and a dossier's path drawn over its
pinned version (each completed step early / on time / late, the current step), with who may look."""
from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from engine.diagram_check import BPMN, FLOW_NODES
from motcua.clock import VN_TZ
from tests.api.helpers import API, complete, only_step, problem, receive, simple_package, staff
from tests.conftest import read_package

SVG = "http://www.w3.org/2000/svg"


def svg_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(response.get_data(), parser)


def groups(svg, cls: str) -> dict:
    return {g.get("data-bpmn-id"): g for g in svg.iter(f"{{{SVG}}}g")
            if cls in (g.get("class") or "").split() and g.get("data-bpmn-id")}


def state(group) -> str | None:
    marks = [c[len("state-"):] for c in group.get("class").split() if c.startswith("state-")]
    assert len(marks) <= 1
    return marks[0] if marks else None


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(VN_TZ)


def test_a_procedure_versions_diagram_draws_every_element(client, login, publish):
    package = read_package("giay-phep-xay-dung")
    published = publish(package)
    root = etree.fromstring(package["bpmn"].encode("utf-8"))
    nodes = sorted(el.get("id") for el in root.iter(f"{{{BPMN}}}*") if etree.QName(el).localname in FLOW_NODES)
    lanes = sorted(el.get("id") for el in root.iter(f"{{{BPMN}}}lane"))
    flows = sorted(el.get("id") for el in root.iter(f"{{{BPMN}}}sequenceFlow"))
    url = f"{API}/procedures/{published['code']}/versions/{published['version']}/diagram.svg"

    for username in ("designer", "minhxuan.specialist", "yenson.receiver", "auditor", "admin"):
        svg = svg_of(login(username).get(url))
        assert sorted(groups(svg, "node")) == nodes and sorted(groups(svg, "lane")) == lanes
        assert sorted(groups(svg, "flow")) == flows
        assert len(groups(svg, "pool")) == 1
        assert not any(etree.QName(el).localname in ("script", "foreignObject") for el in svg.iter()
                       if isinstance(el.tag, str))
        assert "Cấp giấy phép xây dựng nhà ở riêng lẻ" in svg.find(f"{{{SVG}}}title").text

    designer = login("designer")
    problem(designer.get(f"{API}/procedures/{published['code']}/versions/99/diagram.svg"), 404)
    problem(designer.get(f"{API}/procedures/khong-co/versions/1/diagram.svg"), 404)
    for version in ("0", "abc", "1.0", "99999999999999999999"):
        problem(designer.get(f"{API}/procedures/{published['code']}/versions/{version}/diagram.svg"), 404)
    problem(client.get(url), 401)
    operation = client.get(f"{API}/openapi.json").get_json()["paths"][
        "/api/v1/procedures/{code}/versions/{version}/diagram.svg"]["get"]
    assert "image/svg+xml" in operation["responses"]["200"]["content"]


def test_a_name_with_markup_is_drawn_as_text(login, publish):
    package = simple_package()
    package["bpmn"] = package["bpmn"].replace('name="Thẩm định hồ sơ"',
                                              'name="&lt;script&gt;alert(1)&lt;/script&gt; Thẩm định"')
    publish(package)
    response = login("minhxuan.specialist").get(f"{API}/procedures/thu-tuc-thu/versions/1/diagram.svg")
    svg = svg_of(response)
    assert b"<script" not in response.get_data()
    assert b"&lt;script&gt;" in response.get_data()
    appraise = groups(svg, "node")["appraise"]
    assert appraise.find(f"{{{SVG}}}title").text.startswith("<script>alert(1)</script> Thẩm định")
    assert not any(etree.QName(el).localname == "script" for el in svg.iter() if isinstance(el.tag, str))


def test_a_dossiers_diagram_marks_late_on_time_early_and_current_steps(client, clock, publish, login):
    publish(simple_package())
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")

    # dossier B, Wednesday 08:00: the desk hands over at once (due the same day: on time), the
    # specialist the same day although the step is due days later (early), then the leader signs
    b = receive(desk)
    step = only_step(b)
    assert at(step["due_at"]).date() == clock.now().date()
    step = only_step(complete(desk, step["task_id"], {"checked": True}))
    assert at(step["due_at"]).date() > clock.now().date()
    step = only_step(complete(specialist, step["task_id"], {"decision": "approve", "opinion": "Đủ điều kiện"}))
    assert at(step["due_at"]).date() == clock.now().date()
    assert complete(leader, step["task_id"], {"signed": True})["status"] == "done"
    svg = svg_of(leader.get(f"{API}/dossiers/{b['code']}/diagram.svg"))
    nodes = groups(svg, "node")
    assert [state(nodes[n]) for n in ("receive", "appraise", "approve")] == \
        ["done-on-time", "done-early", "done-on-time"]
    assert sorted(groups(svg, "taken")) == ["f1", "f2", "f3", "f4", "f5", "f_ok"]
    assert state(nodes["end"]) == "done" and state(nodes["refused"]) is None
    assert "Trước hạn" in nodes["appraise"].find(f"{{{SVG}}}title").text

    # dossier A: the desk hands over an hour after its step was due; the specialist a minute before
    a = receive(desk)
    step = only_step(a)
    clock.freeze(at(step["due_at"]) + timedelta(hours=1))
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")
    step = only_step(complete(desk, step["task_id"], {"checked": True}))
    clock.freeze(at(step["due_at"]) - timedelta(minutes=1))
    desk, specialist, leader = staff(client, "minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader")
    current = only_step(complete(specialist, step["task_id"], {"decision": "approve", "opinion": "Đủ điều kiện"}))

    response = desk.get(f"{API}/dossiers/{a['code']}/diagram.svg")
    assert response.headers["Cache-Control"] == "no-store"
    svg = svg_of(response)
    nodes = groups(svg, "node")
    assert state(nodes["receive"]) == "done-late"
    assert "Trễ hạn" in nodes["receive"].find(f"{{{SVG}}}title").text
    assert state(nodes["appraise"]) == "done-on-time"
    assert state(nodes["approve"]) == "current"
    assert "Đang xử lý" in nodes["approve"].find(f"{{{SVG}}}title").text
    assert current["name"] == "Phê duyệt"
    # the script task, the gateway and the start event were passed; the refusal and the end were not
    assert [state(nodes[n]) for n in ("start", "compute", "decision_gw")] == ["done"] * 3
    assert state(nodes["refused"]) is None and state(nodes["end"]) is None
    assert sorted(groups(svg, "taken")) == ["f1", "f2", "f3", "f4", "f_ok"]
    legend = " ".join(svg.find(f".//{{{SVG}}}g[@class='legend']").itertext())
    assert all(word in legend for word in ("Trước hạn", "Đúng hạn", "Trễ hạn", "Đang xử lý"))


def test_a_refused_dossier_shows_the_branch_it_took(client, publish):
    publish(simple_package())
    desk, specialist = staff(client, "minhxuan.receiver", "minhxuan.specialist")
    dossier = receive(desk)
    step = only_step(complete(desk, only_step(dossier)["task_id"], {"checked": True}))
    complete(specialist, step["task_id"], {"decision": "refuse", "opinion": "Không đủ điều kiện"})
    svg = svg_of(desk.get(f"{API}/dossiers/{dossier['code']}/diagram.svg"))
    nodes = groups(svg, "node")
    assert state(nodes["refused"]) == "done" and state(nodes["approve"]) is None
    assert "f_refuse" in groups(svg, "taken") and "f_ok" not in groups(svg, "taken")


def test_who_may_see_a_dossiers_diagram(client, publish, login):
    publish(simple_package())
    desk = login("minhxuan.receiver")
    code = receive(desk)["code"]
    url = f"{API}/dossiers/{code}/diagram.svg"
    for username in ("minhxuan.receiver", "minhxuan.specialist", "minhxuan.leader", "auditor", "admin"):
        svg = svg_of(login(username).get(url))
        assert state(groups(svg, "node")["receive"]) == "current"
    for username in ("yenson.receiver", "stp.specialist", "catinh.leader"):
        problem(login(username).get(url), 404)
    problem(desk.get(f"{API}/dossiers/UBND.MINHXUAN-261125-9999/diagram.svg"), 404)
    problem(client.get(url), 401)
    assert "/api/v1/dossiers/{code}/diagram.svg" in client.get(f"{API}/openapi.json").get_json()["paths"]
