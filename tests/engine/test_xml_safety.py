"""Hostile and invalid BPMN uploads: engine.xml_safety."""
import pytest

from engine.problems import PackageInvalid, Problem
from engine.xml_safety import parse_bpmn, validate_xsd

LIMITS = dict(max_bytes=2 * 1024 * 1024, max_depth=100)

VALID = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_receiver" name="receiver">
        <bpmn:flowNodeRef>receive</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="receive" name="Tiếp nhận hồ sơ">
      <bpmn:documentation><![CDATA[<!DOCTYPE html> is only text here]]></bpmn:documentation>
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="allotment_days" value="0.5" />
          <spiffworkflow:property name="form" value="tiep_nhan" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive" />
    <bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


def refused(data: bytes, **limits) -> list[Problem]:
    with pytest.raises(PackageInvalid) as info:
        parse_bpmn(data, **{**LIMITS, **limits})
    problems = info.value.problems
    assert problems and all(isinstance(p, Problem) and p.message for p in problems)
    return problems


# --- parse_bpmn: hostile input -----------------------------------------------------------------

def test_valid_bpmn_parses_and_passes_xsd():
    tree = parse_bpmn(VALID, **LIMITS)
    assert tree.getroot().tag.endswith("definitions")
    assert validate_xsd(tree) == []


def test_utf8_bom_is_accepted():
    assert validate_xsd(parse_bpmn(b"\xef\xbb\xbf" + VALID, **LIMITS)) == []


def test_xxe_external_entity_is_refused():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">
  <bpmn:process id="p"><bpmn:documentation>&xxe;</bpmn:documentation></bpmn:process>
</bpmn:definitions>"""
    problems = refused(data)
    assert "DOCTYPE" in problems[0].message
    assert problems[0].line == 2
    assert "root:" not in str(problems)


def test_billion_laughs_is_refused():
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)]
    data = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [' + "".join(entities) + ']>\n'
            '<lolz a="&lol9;">&lol9;</lolz>').encode()
    problems = refused(data)
    assert "DOCTYPE" in problems[0].message


def test_doctype_hidden_behind_a_comment_is_refused():
    data = b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'
    assert "DOCTYPE" in refused(data)[0].message


def test_non_utf8_encodings_are_refused():
    assert "UTF-8" in refused('<a/>'.encode("utf-16"))[0].message
    assert "UTF-8" in refused(b'<?xml version="1.0" encoding="UTF-7"?><a/>')[0].message


def test_oversized_file_is_refused_before_parsing():
    data = VALID + b" " * (2 * 1024 * 1024)
    problems = refused(data)
    assert problems[0].message.startswith("Tệp BPMN vượt quá giới hạn 2 MB")
    # not even parsed: garbage of that size gets the same answer
    assert refused(b"\x00" * (3 * 1024 * 1024))[0].message.startswith("Tệp BPMN vượt quá giới hạn 2 MB")


def test_deeply_nested_file_is_refused():
    data = b"<a>" * 10_000 + b"</a>" * 10_000
    problems = refused(data)
    assert "quá sâu" in problems[0].message
    assert problems[0].line == 1


def test_depth_limit_reports_the_line_of_the_too_deep_element():
    data = b"\n".join([b"<a>"] * 60 + [b"</a>"] * 60)
    problems = refused(data, max_depth=50)
    assert "quá sâu" in problems[0].message
    assert problems[0].line == 51


def test_malformed_xml_reports_a_line():
    data = b'<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="x">\n  <bpmn:process>\n</bpmn:definitions>'
    problems = refused(data)
    assert "XML" in problems[0].message
    assert problems[0].line == 4


def test_empty_file_is_refused():
    assert refused(b"  \n")[0].message


def test_problem_to_dict_omits_none():
    assert Problem("x").to_dict() == {"message": "x"}
    assert Problem("x", line=3, element="t").to_dict() == {"message": "x", "line": 3, "element": "t"}
    err = PackageInvalid([Problem("a", line=1)])
    assert err.problems[0].line == 1 and "a" in str(err)


# --- validate_xsd -------------------------------------------------------------------------------

def xsd_problems(data: bytes) -> list[Problem]:
    return validate_xsd(parse_bpmn(data, **LIMITS))


def line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def test_unknown_bpmn_element_is_reported_with_line_and_id():
    data = VALID.replace(b'<bpmn:endEvent id="end">', b'<bpmn:fooTask id="weird" /><bpmn:endEvent id="end">')
    problems = xsd_problems(data)
    assert len(problems) == 1
    assert problems[0].element == "weird"
    assert problems[0].line == line_of(data, b"<bpmn:fooTask")
    assert "bpmn:fooTask" in problems[0].message


def test_every_xsd_error_is_reported():
    data = VALID.replace(
        b'<bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="end" />',
        ('<bpmn:sequenceFlow id="f2" sourceRef="receive" />\n'
         '    <bpmn:userTask name="Thiếu id" />\n'
         '    <bpmn:userTask id="receive" name="Trùng id" />\n'
         '    <bpmn:scriptTask id="s" bogus="1" />').encode())
    problems = {p.line: p for p in xsd_problems(data)}
    flow = problems[line_of(data, b'<bpmn:sequenceFlow id="f2"')]
    assert flow.element == "f2" and "targetRef" in flow.message
    missing = problems[line_of(data, 'name="Thiếu id"'.encode())]
    assert missing.element is None and "id" in missing.message and "userTask" in missing.message
    dup = problems[line_of(data, 'name="Trùng id"'.encode())]
    assert dup.element == "receive" and "trùng" in dup.message
    bogus = problems[line_of(data, b"bogus=")]
    assert bogus.element == "s" and "bogus" in bogus.message
    assert len(problems) == 4


def test_wrong_root_is_reported():
    problems = xsd_problems(b"<definitions/>")
    assert problems and problems[0].line == 1


def test_spiffworkflow_extensions_validate():
    data = VALID.replace(
        b"</spiffworkflow:properties>",
        b"</spiffworkflow:properties><spiffworkflow:preScript>x = 1</spiffworkflow:preScript>")
    assert xsd_problems(data) == []


def test_validate_does_not_modify_the_tree():
    from lxml import etree

    tree = parse_bpmn(VALID, **LIMITS)
    before = etree.tostring(tree)
    validate_xsd(tree)
    assert etree.tostring(tree) == before
