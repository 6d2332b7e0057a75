"""Structural tests for the procedure library in bpmn/ (issue 7).

For every procedure folder: the BPMN file is valid BPMN 2.0 (XSD) with complete diagram
interchange, follows the platform conventions (lanes, allotments, forms, gateway conditions,
end-event outcomes, timers), the forms are valid JSON Schema 2020-12 whose examples validate,
the manifest is complete, SpiffWorkflow parses and *runs* every path to completion, and no path
exceeds the manifest's legal_days.

Path sums are checked twice:
- statically over the XML sequence flows (every simple path, each node at most once);
- dynamically by running the workflow with SpiffWorkflow for every combination of the values
  that gateway conditions read (enum and boolean form fields). Loops are bounded by the process
  itself (e.g. a counter in a script task), so the run-based exploration counts each loop once
  per allowed round, exactly as the engine would execute it.
"""
from __future__ import annotations

import ast
import copy
import json
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from lxml import etree

import SpiffWorkflow
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = ROOT / "bpmn"
XSD_PATH = Path(SpiffWorkflow.__file__).parent / "bpmn" / "parser" / "schema" / "BPMN20.xsd"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
B = "{%s}" % NS["bpmn"]

EXPECTED = {
    "trich-luc-ho-tich", "dang-ky-ket-hon", "lien-thong-khai-sinh", "lien-thong-khai-tu",
    "giay-phep-xay-dung", "giao-dat-cho-thue-dat", "dang-ky-ho-kinh-doanh", "ly-lich-tu-phap",
}
MANIFEST_REQUIRED = {
    "code", "name", "field", "level", "legal_days", "fee", "documents", "channels", "competent_office",
    "saturday_service", "boundary_free", "process_id", "legal_basis",
}
MANIFEST_OPTIONAL = {"official_code", "saturday_hours", "application_form", "protected_variables", "publication"}
FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "complexGateway",
}
LANE_RE = re.compile(r"^(receiver|specialist|leader)$|^[A-Z0-9][A-Z0-9._-]*:(receiver|specialist|leader)$")
SAFE_CALLS = {"len", "int", "float", "str", "bool", "min", "max", "abs", "round", "sum", "any", "all"}
FUTURE = "2099-01-01T00:00:00+07:00"
PAST = "2000-01-01T00:00:00+07:00"

PROCEDURES = sorted(
    d.name for d in BPMN_DIR.iterdir() if d.is_dir() and not d.name.startswith((".", "_"))
) if BPMN_DIR.is_dir() else []


# ------------------------------------------------------------------------------------ loading
@lru_cache(maxsize=None)
def xsd():
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def safe_parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False)


@lru_cache(maxsize=None)
def bpmn_bytes(code):
    return (BPMN_DIR / code / "process.bpmn").read_bytes()


@lru_cache(maxsize=None)
def bpmn_doc(code):
    return etree.fromstring(bpmn_bytes(code), safe_parser())


@lru_cache(maxsize=None)
def manifest(code):
    return yaml.safe_load((BPMN_DIR / code / "manifest.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def forms(code):
    out = {}
    for f in sorted((BPMN_DIR / code / "forms").glob("*.json")):
        out[f.stem] = json.loads(f.read_text(encoding="utf-8"))
    return out


def process_el(code):
    procs = bpmn_doc(code).findall("bpmn:process", NS)
    assert len(procs) == 1
    return procs[0]


def flow_nodes(code):
    return [el for el in process_el(code) if etree.QName(el).localname in FLOW_NODE_TAGS]


def seq_flows(code):
    return process_el(code).findall("bpmn:sequenceFlow", NS)


def props(el):
    return {p.get("name"): p.get("value")
            for p in el.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def lane_of(code):
    out = {}
    for lane in process_el(code).findall("bpmn:laneSet/bpmn:lane", NS):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            out.setdefault(ref.text.strip(), []).append(lane.get("name"))
    return out


def condition_text(flow):
    c = flow.find("bpmn:conditionExpression", NS)
    return c.text.strip() if c is not None and c.text else None


def names_in(expr):
    return {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}


@lru_cache(maxsize=None)
def gateway_fields(code):
    """Names read by gateway conditions (minus True/False)."""
    out = set()
    for f in seq_flows(code):
        c = condition_text(f)
        if c:
            out |= names_in(c)
    return out - {"True", "False", "None"}


@lru_cache(maxsize=None)
def script_assigned(code):
    out = set()
    for st in process_el(code).findall("bpmn:scriptTask", NS):
        tree = ast.parse(st.find("bpmn:script", NS).text)
        for n in ast.walk(tree):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                out.add(n.id)
    return out


def allotment(el):
    return Decimal(props(el)["allotment_days"])


# ------------------------------------------------------------------------------- the library
def test_library_has_the_expected_procedures():
    assert EXPECTED <= set(PROCEDURES), EXPECTED - set(PROCEDURES)
    assert (BPMN_DIR / "README.md").is_file()


@pytest.mark.parametrize("code", PROCEDURES)
def test_folder_layout(code):
    d = BPMN_DIR / code
    for name in ("process.bpmn", "manifest.yaml", "README.md"):
        assert (d / name).is_file(), name
    assert (d / "forms").is_dir() and list((d / "forms").glob("*.json"))
    lines = [l for l in (d / "README.md").read_text(encoding="utf-8").splitlines() if l.strip()]
    assert 3 <= len(lines) <= 6, "README.md should have 3-6 lines"


# ------------------------------------------------------------------------------------- XML
@pytest.mark.parametrize("code", PROCEDURES)
def test_bpmn_is_safe_xml_and_valid_against_the_xsd(code):
    raw = bpmn_bytes(code)
    assert b"<!DOCTYPE" not in raw and b"<!ENTITY" not in raw
    doc = bpmn_doc(code)
    assert etree.QName(doc).localname == "definitions" and etree.QName(doc).namespace == NS["bpmn"]
    schema = xsd()
    assert schema.validate(doc), schema.error_log
    # namespaces follow the convention
    for prefix, uri in NS.items():
        assert doc.nsmap.get(prefix) == uri, prefix


@pytest.mark.parametrize("code", PROCEDURES)
def test_one_executable_process_named_in_the_manifest(code):
    procs = bpmn_doc(code).findall("bpmn:process", NS)
    assert len(procs) == 1
    assert procs[0].get("isExecutable") == "true"
    assert procs[0].get("id") == manifest(code)["process_id"]
    for part in bpmn_doc(code).findall("bpmn:collaboration/bpmn:participant", NS):
        assert part.get("processRef") == procs[0].get("id")


@pytest.mark.parametrize("code", PROCEDURES)
def test_names_and_ids(code):
    proc = process_el(code)
    assert proc.get("name")
    for el in flow_nodes(code) + seq_flows(code):
        assert el.get("id").isascii() and re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", el.get("id"))
        assert (el.get("name") or "").strip(), "missing Vietnamese name on %s" % el.get("id")
    for el in flow_nodes(code):
        # user-facing names are Vietnamese: at least one non-ASCII letter or a Vietnamese word
        assert not el.get("name").isascii(), el.get("id")


def _bounds(shape):
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def _on_border(pt, bounds, tol=2.0):
    x, y, w, h = bounds
    px, py = pt
    inside = x - tol <= px <= x + w + tol and y - tol <= py <= y + h + tol
    return inside


@pytest.mark.parametrize("code", PROCEDURES)
def test_diagram_interchange_is_complete(code):
    doc = bpmn_doc(code)
    planes = doc.findall("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert len(planes) == 1
    plane = planes[0]
    ids = {el.get("id") for el in doc.iter() if el.get("id")}
    assert plane.get("bpmnElement") in ids
    shapes = {s.get("bpmnElement"): s for s in plane.findall("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.findall("bpmndi:BPMNEdge", NS)}
    for node in flow_nodes(code):
        assert node.get("id") in shapes, "no BPMNShape for %s" % node.get("id")
        x, y, w, h = _bounds(shapes[node.get("id")])
        assert w > 0 and h > 0 and x >= 0 and y >= 0
    for lane in process_el(code).findall("bpmn:laneSet/bpmn:lane", NS):
        assert lane.get("id") in shapes, "no BPMNShape for lane %s" % lane.get("name")
    for part in doc.findall("bpmn:collaboration/bpmn:participant", NS):
        assert part.get("id") in shapes
    for flow in seq_flows(code):
        assert flow.get("id") in edges, "no BPMNEdge for %s" % flow.get("id")
        pts = [(float(w.get("x")), float(w.get("y"))) for w in edges[flow.get("id")].findall("di:waypoint", NS)]
        assert len(pts) >= 2
        assert _on_border(pts[0], _bounds(shapes[flow.get("sourceRef")])), flow.get("id")
        assert _on_border(pts[-1], _bounds(shapes[flow.get("targetRef")])), flow.get("id")
    # every node is drawn inside the lane it belongs to
    lanes = {l.get("name"): l.get("id") for l in process_el(code).findall("bpmn:laneSet/bpmn:lane", NS)}
    for node_id, (lane_name,) in lane_of(code).items():
        lx, ly, lw, lh = _bounds(shapes[lanes[lane_name]])
        x, y, w, h = _bounds(shapes[node_id])
        assert lx <= x + w / 2 <= lx + lw and ly <= y + h / 2 <= ly + lh, node_id
    # all element shapes are distinct (no two nodes drawn on top of each other)
    centres = [(round(_bounds(shapes[n.get("id")])[0]), round(_bounds(shapes[n.get("id")])[1]))
               for n in flow_nodes(code)]
    assert len(centres) == len(set(centres))


# ------------------------------------------------------------------------------ conventions
@pytest.mark.parametrize("code", PROCEDURES)
def test_every_flow_node_in_exactly_one_lane(code):
    lanes = lane_of(code)
    node_ids = {n.get("id") for n in flow_nodes(code)}
    assert set(lanes) == node_ids, (node_ids - set(lanes), set(lanes) - node_ids)
    for node_id, names in lanes.items():
        assert len(names) == 1, node_id
    for lane in process_el(code).findall("bpmn:laneSet/bpmn:lane", NS):
        assert LANE_RE.match(lane.get("name") or ""), lane.get("name")
        if ":" in lane.get("name"):
            assert ":" not in lane.get("name").split(":")[0]


@pytest.mark.parametrize("code", PROCEDURES)
def test_user_tasks_have_allotments_and_forms(code):
    lanes = lane_of(code)
    fs = forms(code)
    tasks = process_el(code).findall("bpmn:userTask", NS)
    assert tasks
    for t in tasks:
        p = props(t)
        assert "allotment_days" in p, t.get("id")
        assert re.match(r"^\d+(\.\d+)?$", p["allotment_days"]), p["allotment_days"]
        assert "form" in p, "every step in the library collects data: %s" % t.get("id")
        assert p["form"] in fs, "form %s missing for %s" % (p["form"], t.get("id"))
        if "pause_clock" in p:
            assert p["pause_clock"] == "true"
            assert lanes[t.get("id")] == ["receiver"], "pause_clock only on receiver tasks"
            assert Decimal(p["allotment_days"]) == 0
        assert set(p) <= {"allotment_days", "form", "pause_clock", "legal_days", "legal_reason"}, p
        if "legal_days" in p:  # a longer legal time on this step's path (issue 13.4), with its reason
            assert Decimal(p["legal_days"]) > Decimal(str(manifest(code)["legal_days"])) and p.get("legal_reason")
    # no unused forms
    used = {props(t)["form"] for t in tasks} | {manifest(code).get("application_form")}
    assert set(fs) <= used, set(fs) - used


@pytest.mark.parametrize("code", PROCEDURES)
def test_end_events_and_timers(code):
    proc = process_el(code)
    ends = proc.findall("bpmn:endEvent", NS)
    assert any("outcome" not in props(e) and "notify" not in props(e) for e in ends), "needs a done end"
    for e in ends:
        p = props(e)
        assert set(p) <= {"outcome", "notify"}
        if "outcome" in p:
            assert p["outcome"] in ("done", "rejected")
        if "notify" in p:
            assert p["notify"] in ("leader", "specialist", "receiver")
    for be in proc.findall("bpmn:boundaryEvent", NS):
        td = be.find("bpmn:timerEventDefinition/bpmn:timeDate", NS)
        assert td is not None, "only timer boundary events are used"
        assert be.get("cancelActivity") == "false", "reminders must be non-interrupting"
        attached = proc.find("bpmn:userTask[@id='%s']" % be.get("attachedToRef"), NS)
        assert attached is not None
        expr = td.text.strip()
        m = re.fullmatch(r"working_days_from_now\((\d+(?:\.\d+)?)\)", expr)
        assert m, expr
        assert Decimal(m.group(1)) < allotment(attached), "the reminder must come before the step's due time"
        # the reminder path ends in an end event that notifies someone
        targets = [f.get("targetRef") for f in seq_flows(code) if f.get("sourceRef") == be.get("id")]
        assert targets and all("notify" in props(proc.find("*[@id='%s']" % t)) for t in targets)


def _check_safe_expression(expr):
    tree = ast.parse(expr, mode="eval")
    for n in ast.walk(tree):
        assert not isinstance(n, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield)), expr
        if isinstance(n, ast.Attribute):
            raise AssertionError("no attribute access in conditions: %s" % expr)
        if isinstance(n, ast.Name):
            assert not n.id.startswith("_"), expr
        if isinstance(n, ast.Call):
            assert isinstance(n.func, ast.Name) and n.func.id in SAFE_CALLS, expr


@pytest.mark.parametrize("code", PROCEDURES)
def test_gateway_conditions(code):
    proc = process_el(code)
    fs = forms(code)
    field_schemas = {}
    for schema in fs.values():
        for k, v in schema["properties"].items():
            field_schemas.setdefault(k, []).append(v)
    for gw in proc.findall("bpmn:exclusiveGateway", NS):
        outs = [f for f in seq_flows(code) if f.get("sourceRef") == gw.get("id")]
        if len(outs) > 1:
            assert gw.get("default") in {f.get("id") for f in outs}, "gateway %s needs a default" % gw.get("id")
            for f in outs:
                if f.get("id") != gw.get("default"):
                    assert condition_text(f), "conditional flow without condition: %s" % f.get("id")
        for f in outs:
            if f.get("id") == gw.get("default"):
                assert condition_text(f) is None
    for f in seq_flows(code):
        c = condition_text(f)
        if not c:
            continue
        _check_safe_expression(c)
        for name in names_in(c) - {"True", "False", "None"}:
            assert name in field_schemas or name in script_assigned(code), "%s reads unknown %s" % (f.get("id"), name)
        # string constants compared with a form field must be values of that field's enum
        for node in ast.walk(ast.parse(c, mode="eval")):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name):
                for comp in node.comparators:
                    if isinstance(comp, ast.Constant) and node.left.id in field_schemas:
                        for sch in field_schemas[node.left.id]:
                            if isinstance(comp.value, bool):
                                assert sch["type"] == "boolean"
                            elif isinstance(comp.value, str):
                                assert comp.value in sch.get("enum", []), (node.left.id, comp.value)
    for name in gateway_fields(code) - script_assigned(code):
        for sch in field_schemas[name]:
            assert "enum" in sch or sch.get("type") == "boolean"
        # the field is required wherever it is collected, so the condition can always be evaluated
        for key, schema in fs.items():
            if name in schema["properties"]:
                assert name in schema["required"], (key, name)
    for st in proc.findall("bpmn:scriptTask", NS):
        tree = ast.parse(st.find("bpmn:script", NS).text)
        for n in ast.walk(tree):
            assert not isinstance(n, (ast.Import, ast.ImportFrom, ast.Attribute, ast.While, ast.For,
                                      ast.FunctionDef, ast.Lambda)), st.get("id")
            if isinstance(n, ast.Call):
                assert isinstance(n.func, ast.Name) and n.func.id in SAFE_CALLS


# ------------------------------------------------------------------------------------- forms
def example_of(schema):
    return {k: copy.deepcopy(v["examples"][0]) for k, v in schema["properties"].items()}


@pytest.mark.parametrize("code", PROCEDURES)
def test_forms_are_valid_schemas(code):
    for key, schema in forms(code).items():
        assert re.match(r"^[a-z][a-z0-9_]*$", key), key
        Draft202012Validator.check_schema(schema)
        assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
        assert schema.get("type") == "object"
        assert schema.get("title") and "description" in schema
        assert isinstance(schema.get("required"), list) and schema["required"], key
        assert set(schema["required"]) <= set(schema["properties"]), key
        for name, prop in schema["properties"].items():
            assert prop.get("title"), (key, name)
            assert "type" in prop, (key, name)
            assert prop.get("examples"), (key, name)
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        validator.validate(example_of(schema))
        # required fields are really required
        for req in schema["required"]:
            bad = example_of(schema)
            del bad[req]
            assert not validator.is_valid(bad), (key, req)


# ---------------------------------------------------------------------------------- manifest
@pytest.mark.parametrize("code", PROCEDURES)
def test_manifest(code):
    m = manifest(code)
    assert MANIFEST_REQUIRED <= set(m), MANIFEST_REQUIRED - set(m)
    assert set(m) <= MANIFEST_REQUIRED | MANIFEST_OPTIONAL, set(m) - MANIFEST_REQUIRED - MANIFEST_OPTIONAL
    assert m["code"] == code
    assert isinstance(m["name"], str) and not m["name"].isascii()
    assert isinstance(m["field"], str) and m["field"]
    assert m["level"] in ("province", "commune")
    assert isinstance(m["legal_days"], (int, float)) and not isinstance(m["legal_days"], bool)
    assert m["legal_days"] >= 0
    assert isinstance(m["fee"], int) and not isinstance(m["fee"], bool) and m["fee"] >= 0
    assert m["documents"] and all(isinstance(d["name"], str) and d["name"] and isinstance(d["copies"], int)
                                  and d["copies"] >= 1 and set(d) == {"name", "copies"} for d in m["documents"])
    assert m["channels"] and set(m["channels"]) <= {"direct", "online", "postal"}
    assert len(m["channels"]) == len(set(m["channels"]))
    assert isinstance(m["competent_office"], str) and ":" not in m["competent_office"]
    assert re.match(r"^[A-Z0-9][A-Z0-9._-]*$", m["competent_office"])
    assert isinstance(m["saturday_service"], bool) and isinstance(m["boundary_free"], bool)
    if m["saturday_service"]:
        assert m.get("saturday_hours") in ("morning", "full_day")
    else:
        assert "saturday_hours" not in m
    if "official_code" in m:
        assert re.match(r"^\d\.\d{6}$", str(m["official_code"]))
    if "application_form" in m:
        assert m["application_form"] in forms(code)
    assert m["legal_basis"] and all(isinstance(x, str) and x for x in m["legal_basis"])
    for name in m.get("protected_variables", []):  # a variable the process's own scripts assign
        assert re.search(rf"<bpmn:script>\s*{re.escape(name)}\s*=", bpmn_bytes(code).decode("utf-8")), name


# ------------------------------------------------------------------------------ SpiffWorkflow
@lru_cache(maxsize=None)
def parsed(code):
    p = SpiffBpmnParser()
    p.add_bpmn_str(bpmn_bytes(code))
    pid = manifest(code)["process_id"]
    return p.get_spec(pid), p.get_subprocess_specs(pid)


def engine(when=FUTURE):
    return PythonScriptEngine(environment=TaskDataEnvironment({"working_days_from_now": lambda d: when}))


@pytest.mark.parametrize("code", PROCEDURES)
def test_spiffworkflow_parses_lanes_and_properties(code):
    spec, _ = parsed(code)
    by_id = {ts.bpmn_id: ts for ts in spec.task_specs.values() if getattr(ts, "bpmn_id", None)}
    lanes = lane_of(code)
    for t in process_el(code).findall("bpmn:userTask", NS):
        ts = by_id[t.get("id")]
        assert ts.lane == lanes[t.get("id")][0]
        assert ts.extensions["properties"]["allotment_days"] == props(t)["allotment_days"]


# static path enumeration over the XML graph
def _graph(code):
    succ = {}
    for f in seq_flows(code):
        succ.setdefault(f.get("sourceRef"), []).append(f.get("targetRef"))
    for be in process_el(code).findall("bpmn:boundaryEvent", NS):
        succ.setdefault(be.get("attachedToRef"), []).append(be.get("id"))
    return succ


def static_path_sums(code, with_nodes=False):
    """Sums of allotments over every simple start→end path (each node at most once)."""
    proc = process_el(code)
    allot = {t.get("id"): allotment(t) for t in proc.findall("bpmn:userTask", NS)}
    ends = {e.get("id") for e in proc.findall("bpmn:endEvent", NS)}
    succ = _graph(code)
    out = []

    def walk(node, seen, total):
        total += allot.get(node, 0)
        if node in ends:
            out.append((total, node, seen))
            return
        for nxt in succ.get(node, []):
            if nxt not in seen:
                walk(nxt, seen | {nxt}, total)

    for s in proc.findall("bpmn:startEvent", NS):
        walk(s.get("id"), {s.get("id")}, Decimal(0))
    return [(total, end) for total, end, _ in out] if not with_nodes else out


def legal_on_path(code, nodes) -> Decimal:
    """The legal time on a path: the manifest's, or the longest `legal_days` of a user task on it
    (a longer legal time for the case that path handles, e.g. with verification; issue 13.4)."""
    days = [Decimal(str(manifest(code)["legal_days"]))]
    days += [Decimal(props(t)["legal_days"]) for t in process_el(code).findall("bpmn:userTask", NS)
             if t.get("id") in nodes and props(t).get("legal_days")]
    return max(days)


@pytest.mark.parametrize("code", PROCEDURES)
def test_static_paths_within_legal_days(code):
    sums = static_path_sums(code)
    assert sums
    for total, end, nodes in static_path_sums(code, with_nodes=True):
        assert total <= legal_on_path(code, nodes), (total, end, sorted(nodes))
    # every end event is reachable
    assert {e for _, e in sums} == {e.get("id") for e in process_el(code).findall("bpmn:endEvent", NS)}


# dynamic exploration
def variants(schema, fields):
    """Example data for a form, one variant per combination of the gateway-read fields."""
    base = example_of(schema)
    out = [base]
    for name in sorted(fields & set(schema["properties"])):
        prop = schema["properties"][name]
        if "const" in prop:
            values = [prop["const"]]
        elif "enum" in prop:
            values = list(prop["enum"])
        elif prop.get("type") == "boolean":
            values = [False, True]
        else:
            continue
        out = [dict(v, **{name: val}) for v in out for val in values]
    return out


class Branch(Exception):
    def __init__(self, n):
        self.n = n


def run_path(code, choices, when=FUTURE):
    """Run the workflow; choices[i] picks the variant at the i-th decision point.

    Raises Branch(n) when the choices run out at a point with n variants.
    Returns (total allotment, [user task ids], end event ids reached, workflow)."""
    spec, subs = parsed(code)
    m = manifest(code)
    fs = forms(code)
    fields = gateway_fields(code)
    it = iter(choices)

    def pick(options):
        try:
            return options[next(it)]
        except StopIteration:
            raise Branch(len(options))

    wf = BpmnWorkflow(spec, subs, script_engine=engine(when))
    start = wf.get_tasks(state=TaskState.READY)[0]
    if m.get("application_form"):
        app = pick(variants(fs[m["application_form"]], fields))
        Draft202012Validator(fs[m["application_form"]], format_checker=FormatChecker()).validate(app)
        start.data.update(copy.deepcopy(app))
    wf.do_engine_steps()
    total, trace = Decimal(0), []
    by_id = {t.get("id"): t for t in process_el(code).findall("bpmn:userTask", NS)}
    while not wf.is_completed():
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        assert ready, "workflow stuck after %s" % trace
        assert len(trace) < 60, "unbounded loop? %s" % trace
        t = ready[0]
        el = by_id[t.task_spec.bpmn_id]
        schema = fs[props(el)["form"]]
        data = pick(variants(schema, fields))
        Draft202012Validator(schema, format_checker=FormatChecker()).validate(data)
        t.set_data(**copy.deepcopy(data))
        t.run()
        wf.do_engine_steps()
        total += allotment(el)
        trace.append(el.get("id"))
    ends = [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id in {e.get("id") for e in process_el(code).findall("bpmn:endEvent", NS)}]
    return total, trace, ends, wf


def explore(code):
    results, stack = [], [[]]
    while stack:
        prefix = stack.pop()
        try:
            results.append((prefix,) + run_path(code, prefix)[:3])
        except Branch as b:
            stack.extend(prefix + [i] for i in reversed(range(b.n)))
        assert len(results) < 5000
    return results


@lru_cache(maxsize=None)
def explored(code):
    return explore(code)


@pytest.mark.parametrize("code", PROCEDURES)
def test_every_execution_completes_within_legal_days(code):
    results = explored(code)
    assert results
    for choices, total, trace, ends in results:
        assert total <= legal_on_path(code, set(trace)), (total, trace)
        assert len(ends) == 1, (trace, ends)
    proc = process_el(code)
    # coverage: every user task and every end event (except timer reminders) is reached
    reached_tasks = {t for r in results for t in r[2]}
    assert reached_tasks == {t.get("id") for t in proc.findall("bpmn:userTask", NS)}
    reached_ends = {e for r in results for e in r[3]}
    normal_ends = {e.get("id") for e in proc.findall("bpmn:endEvent", NS) if "notify" not in props(e)}
    assert reached_ends == normal_ends
    # refusals end in a rejected end event; everything else in a done one
    for choices, total, trace, ends in results:
        assert ends[0] in normal_ends


@pytest.mark.parametrize("code", PROCEDURES)
def test_rejected_outcome_follows_a_refusal(code):
    proc = process_el(code)
    rejected = {e.get("id") for e in proc.findall("bpmn:endEvent", NS) if props(e).get("outcome") == "rejected"}
    for choices, total, trace, ends in explored(code):
        if ends[0] in rejected:
            assert trace, "a refusal is decided in a user task"


@pytest.mark.parametrize("code", [c for c in PROCEDURES
                                  if process_el(c).findall("bpmn:boundaryEvent", NS)])
def test_reminder_timer_fires_without_interrupting(code):
    proc = process_el(code)
    for be in proc.findall("bpmn:boundaryEvent", NS):
        attached = be.get("attachedToRef")
        notify_ends = {f.get("targetRef") for f in seq_flows(code) if f.get("sourceRef") == be.get("id")}
        # choose the path whose trace reaches the attached task first
        for choices, total, trace, ends in explored(code):
            if attached in trace:
                break
        idx = trace.index(attached)
        # rerun with timers already due, stop when the attached task is ready
        spec, subs = parsed(code)
        wf = BpmnWorkflow(spec, subs, script_engine=engine(PAST))
        m = manifest(code)
        fs = forms(code)
        fields = gateway_fields(code)
        it = iter(choices)
        start = wf.get_tasks(state=TaskState.READY)[0]
        if m.get("application_form"):
            start.data.update(variants(fs[m["application_form"]], fields)[next(it)])
        wf.do_engine_steps()
        by_id = {t.get("id"): t for t in proc.findall("bpmn:userTask", NS)}
        for step in range(idx):
            t = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            t.set_data(**variants(fs[props(by_id[t.task_spec.bpmn_id])["form"]], fields)[next(it)])
            t.run()
            wf.do_engine_steps()
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        assert [t.task_spec.bpmn_id for t in ready] == [attached]
        wf.refresh_timers()
        wf.do_engine_steps()
        done = {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)}
        assert notify_ends <= done, "the reminder did not fire"
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        assert [t.task_spec.bpmn_id for t in ready] == [attached], "the reminder interrupted the task"
        # the rest of the path still completes
        for step in range(idx, len(trace)):
            t = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            t.set_data(**variants(fs[props(by_id[t.task_spec.bpmn_id])["form"]], fields)[next(it)])
            t.run()
            wf.refresh_timers()
            wf.do_engine_steps()
        assert wf.is_completed()
