"""`motcua validate`: the procedure library lint (issue 7), run through the real CLI.

The whole of bpmn/ must pass; a copy of a procedure broken in one way must fail with that
problem named (the element and a Vietnamese message), so the lint is known to look at each rule:
XSD validity, diagram interchange, lanes and allotments, forms present and valid, allotments
within legal_days, gateway conditions and scripts accepted by the restricted engine, manifests.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from engine import xml_safety
from engine.diagram_check import check_diagram
from motcua.cli import main
from motcua.config import ROOT

BPMN_DIR = ROOT / "bpmn"
LIBRARY = sorted(p.name for p in BPMN_DIR.iterdir() if (p / "process.bpmn").is_file())
EXPECTED = {
    "trich-luc-ho-tich", "dang-ky-ket-hon", "lien-thong-khai-sinh", "lien-thong-khai-tu",
    "giay-phep-xay-dung", "giao-dat-cho-thue-dat", "dang-ky-ho-kinh-doanh", "ly-lich-tu-phap",
}
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
LIMITS = {"max_bytes": 2 * 1024 * 1024, "max_depth": 64}



def run_validate(path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def ok_lines(output: str) -> dict:
    """{folder name: line} of the ✓ lines."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^✓ (\S+): .+ \((\d+) bước\)$", output, re.M)}


# ------------------------------------------------------------------------------- the library

def test_the_library_has_the_eight_procedures():
    assert EXPECTED <= set(LIBRARY)


def test_validate_passes_the_whole_library():
    code, output = run_validate(BPMN_DIR)
    assert code == 0, output
    lines = ok_lines(output)
    assert set(lines) == set(LIBRARY), output
    assert "✗" not in output
    # the step count printed is the number of user tasks in the diagram
    for name in LIBRARY:
        tree = etree.parse(str(BPMN_DIR / name / "process.bpmn"))
        tasks = tree.findall(".//bpmn:userTask", NS)
        manifest = yaml.safe_load((BPMN_DIR / name / "manifest.yaml").read_text(encoding="utf-8"))
        assert lines[name] == f"✓ {name}: {manifest['name']} ({len(tasks)} bước)"


def test_validate_one_procedure_folder():
    code, output = run_validate(BPMN_DIR / "giay-phep-xay-dung")
    assert code == 0, output
    assert list(ok_lines(output)) == ["giay-phep-xay-dung"]


def test_the_installed_command_validates_the_library():
    """The console script itself, as `make lint-bpmn` runs it."""
    command = Path(sys.executable).with_name("motcua")
    if not command.exists():
        command = ROOT / ".venv" / "bin" / "motcua"
    done = subprocess.run([str(command), "validate", "bpmn"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(ok_lines(done.stdout)) == set(LIBRARY), done.stdout
    assert "✗" not in done.stdout + done.stderr


def test_every_library_diagram_is_complete():
    for name in LIBRARY:
        tree = xml_safety.parse_bpmn((BPMN_DIR / name / "process.bpmn").read_bytes(), **LIMITS)
        assert check_diagram(tree) == [], name


# ------------------------------------------------------------------------------ broken copies

def copy_of(tmp_path, name="giay-phep-xay-dung") -> Path:
    target = tmp_path / name
    shutil.copytree(BPMN_DIR / name, target)
    return target


def edit_bpmn(folder: Path, old: str, new: str, count: int = 1) -> None:
    path = folder / "process.bpmn"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def edit_manifest(folder: Path, change) -> None:
    path = folder / "manifest.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_form(folder: Path, key: str, change) -> None:
    path = folder / "forms" / f"{key}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def drop_allotment(f):
    edit_bpmn(f, '<spiffworkflow:property name="allotment_days" value="8"/>', "")


def drop_lane(f):
    edit_bpmn(f, "<bpmn:flowNodeRef>tham_dinh</bpmn:flowNodeRef>", "")


def bad_lane(f):
    edit_bpmn(f, '<bpmn:lane id="Lane_leader" name="leader">', '<bpmn:lane id="Lane_leader" name="giam_doc">')


def drop_form(f):
    (f / "forms" / "tham_dinh_bo_sung.json").unlink()


def invalid_form(f):
    edit_form(f, "tham_dinh", lambda s: s["properties"]["ket_qua_kiem_tra_thuc_dia"].update(minLength=-1))


def over_legal_days(f):
    edit_bpmn(f, 'name="allotment_days" value="8"', 'name="allotment_days" value="11"')


def import_in_script(f):
    edit_bpmn(f, "<bpmn:script>supplement_round = 0</bpmn:script>",
              '<bpmn:script>supplement_round = __import__("os").getpid()</bpmn:script>')


def dunder_in_condition(f):
    edit_bpmn(f, 'decision == "approve"</bpmn:conditionExpression>',
              'decision.__class__.__name__ == "str"</bpmn:conditionExpression>')


def eval_in_condition(f):
    edit_bpmn(f, 'decision == "approve"</bpmn:conditionExpression>',
              'eval("decision") == "approve"</bpmn:conditionExpression>')


def not_xsd_valid(f):
    edit_bpmn(f, '<bpmn:exclusiveGateway id="gw_ket_qua"', '<bpmn:exclusiveGateway id="gw_ket_qua" bogus="1"')


def manifest_without_legal_days(f):
    edit_manifest(f, lambda m: m.pop("legal_days"))


def manifest_bad_channel(f):
    edit_manifest(f, lambda m: m.update(channels=["direct", "fax"]))


def manifest_wrong_process(f):
    edit_manifest(f, lambda m: m.update(process_id="khong_co_quy_trinh"))


def application_form_missing(f):
    (f / "forms" / "to_khai.json").unlink()


BROKEN = {
    # name: (how to break, element named, words of the message)
    "user task without allotment": (drop_allotment, "tham_dinh", "thiếu thuộc tính allotment_days"),
    "user task outside every lane": (drop_lane, "tham_dinh", "không nằm trong làn"),
    "lane that is not a role": (bad_lane, "phe_duyet", "không phải vai trò hợp lệ"),
    "form file missing": (drop_form, "tham_dinh_bo_sung", "«tham_dinh_bo_sung» không có trong gói"),
    "form not a valid JSON Schema": (invalid_form, "forms.tham_dinh", "Biểu mẫu «tham_dinh»"),
    "allotments over legal_days": (over_legal_days, "tra_ket_qua", "vượt thời hạn giải quyết 12 ngày"),
    "script calling __import__": (import_in_script, "khoi_tao", "Kịch bản bị từ chối"),
    "condition reading a dunder": (dunder_in_condition, "gw_ket_qua", "__class__"),
    "condition calling eval()": (eval_in_condition, "gw_ket_qua", "Eval calls are not allowed"),
    "not valid against the BPMN XSD": (not_xsd_valid, "gw_ket_qua", "bogus"),
    "manifest without legal_days": (manifest_without_legal_days, "manifest.legal_days", "bắt buộc"),
    "manifest with an unknown channel": (manifest_bad_channel, "manifest.channels", "không được phép"),
    "manifest naming another process": (manifest_wrong_process, "manifest.process_id", "khong_co_quy_trinh"),
    "application form missing": (application_form_missing, "manifest.application_form", "«to_khai»"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_copy_fails_with_the_problem_named(tmp_path, case):
    breaker, element, words = BROKEN[case]
    folder = copy_of(tmp_path)
    breaker(folder)
    code, output = run_validate(folder)
    assert code != 0, output
    assert f"✗ {folder}" in output
    assert "✓" not in output
    problems = [line.strip() for line in output.splitlines() if line.startswith("    ")]
    named = [p for p in problems if re.search(rf"[\[ ]{re.escape(element)}[.\]]", p) and words in p]
    assert named, output
    assert "1/1 thủ tục có lỗi" in output


def test_one_broken_procedure_fails_the_folder_but_the_others_still_pass(tmp_path):
    shutil.copytree(BPMN_DIR / "trich-luc-ho-tich", tmp_path / "trich-luc-ho-tich")
    broken = copy_of(tmp_path)
    drop_allotment(broken)
    code, output = run_validate(tmp_path)
    assert code != 0
    assert list(ok_lines(output)) == ["trich-luc-ho-tich"]
    assert f"✗ {broken}" in output and "1/2 thủ tục có lỗi" in output


def test_allotments_over_legal_days_through_a_supplement_round_are_refused(tmp_path):
    folder = copy_of(tmp_path)
    # straight path 1 + 10 + 0.5 + 0.5 = 12 fits; with one supplement round 1 + 10 + 1 + 0.5 + 0.5 = 13
    edit_bpmn(folder, 'name="allotment_days" value="8"', 'name="allotment_days" value="10"')
    code, output = run_validate(folder)
    assert code != 0, output
    assert "vượt thời hạn giải quyết 12 ngày" in output


def test_an_unrelated_manifest_error_is_reported_alone(tmp_path):
    folder = copy_of(tmp_path)
    manifest_bad_channel(folder)
    code, output = run_validate(folder)
    assert code != 0
    assert "manifest.channels" in output
    assert "vượt thời hạn" not in output, output


def test_a_condition_calling_a_function_the_engine_does_not_offer_is_refused(tmp_path):
    folder = copy_of(tmp_path)
    edit_bpmn(folder, 'decision == "approve"</bpmn:conditionExpression>',
              'open("/etc/passwd") and decision == "approve"</bpmn:conditionExpression>')
    code, output = run_validate(folder)
    assert code != 0, output
    assert "open" in output


# -------------------------------------------------------------------------- diagram interchange

def drop_shape(f):
    text = (f / "process.bpmn").read_text(encoding="utf-8")
    text, n = re.subn(r'<bpmndi:BPMNShape id="tham_dinh_di".*?</bpmndi:BPMNShape>\s*', "", text, flags=re.S)
    assert n == 1
    (f / "process.bpmn").write_text(text, encoding="utf-8")


def drop_lane_shape(f):
    text = (f / "process.bpmn").read_text(encoding="utf-8")
    text, n = re.subn(r'<bpmndi:BPMNShape id="Lane_leader_di".*?</bpmndi:BPMNShape>\s*', "", text, flags=re.S)
    assert n == 1
    (f / "process.bpmn").write_text(text, encoding="utf-8")


def drop_edge(f):
    text = (f / "process.bpmn").read_text(encoding="utf-8")
    text, n = re.subn(r'<bpmndi:BPMNEdge id="f4_di".*?</bpmndi:BPMNEdge>\s*', "", text, flags=re.S)
    assert n == 1
    (f / "process.bpmn").write_text(text, encoding="utf-8")


def drop_diagram(f):
    text = (f / "process.bpmn").read_text(encoding="utf-8")
    text, n = re.subn(r"<bpmndi:BPMNDiagram .*?</bpmndi:BPMNDiagram>\s*", "", text, flags=re.S)
    assert n == 1
    (f / "process.bpmn").write_text(text, encoding="utf-8")


DI_BROKEN = {
    "flow node without a shape": (drop_shape, "tham_dinh", "không có hình vẽ (BPMNShape)"),
    "lane without a shape": (drop_lane_shape, "Lane_leader", "không có hình vẽ (BPMNShape)"),
    "sequence flow without an edge": (drop_edge, "f4", "không có đường vẽ (BPMNEdge)"),
    "no diagram at all": (drop_diagram, None, "không có sơ đồ"),
}


@pytest.mark.parametrize("case", list(DI_BROKEN))
def test_check_diagram_names_what_is_not_drawn(tmp_path, case):
    breaker, element, words = DI_BROKEN[case]
    folder = copy_of(tmp_path)
    breaker(folder)
    problems = check_diagram(xml_safety.parse_bpmn((folder / "process.bpmn").read_bytes(), **LIMITS))
    assert len(problems) == 1, problems
    assert problems[0].element == element and words in problems[0].message
    if element:
        line = (folder / "process.bpmn").read_text(encoding="utf-8").splitlines()[problems[0].line - 1]
        assert f'id="{element}"' in line


def test_check_diagram_reports_shapes_of_unknown_elements(tmp_path):
    folder = copy_of(tmp_path)
    edit_bpmn(folder, 'bpmnElement="tham_dinh_bo_sung"', 'bpmnElement="khong_ton_tai"')
    problems = check_diagram(xml_safety.parse_bpmn((folder / "process.bpmn").read_bytes(), **LIMITS))
    messages = sorted(p.message for p in problems)
    assert len(problems) == 2
    assert any("«khong_ton_tai»" in m for m in messages)
    assert any("«Thẩm định hồ sơ bổ sung»" in m and "BPMNShape" in m for m in messages)


@pytest.mark.parametrize("case", list(DI_BROKEN))
def test_validate_refuses_missing_diagram_interchange(tmp_path, case):
    breaker, element, words = DI_BROKEN[case]
    folder = copy_of(tmp_path)
    breaker(folder)
    code, output = run_validate(folder)
    assert code != 0, output
    assert words in output
    if element:
        assert f"{element}]" in output
