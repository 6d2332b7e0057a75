"""Safe parsing of uploaded BPMN files, and validation against the BPMN 2.0 XSD.

A BPMN file comes from a designer's browser: treat it as hostile.

- The size is checked before anything is parsed.
- A DOCTYPE is refused outright (XXE, "billion laughs"): first by scanning the prolog before
  libxml2 sees the document, then again on the parsed tree (`docinfo`, entity nodes). The parser
  itself never resolves entities, loads a DTD or touches the network.
- The nesting depth is limited; libxml2 also stops at 256 levels without `huge_tree`.
- Only UTF-8 (or ASCII) documents are accepted, so the prolog scan sees what libxml2 sees.

`validate_xsd` reports every schema error with its line and the id of the element concerned, plus
elements that SpiffWorkflow needs an id for but lack one (the XSD makes `id` optional).
"""
from __future__ import annotations

import copy
import os
import re
import threading

from lxml import etree

import SpiffWorkflow
from engine.problems import PackageInvalid, Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
SCHEMA_DIR = os.path.join(os.path.dirname(SpiffWorkflow.__file__), "bpmn", "parser", "schema")
XSD_PATH = os.path.join(SCHEMA_DIR, "BPMN20.xsd")

_NS_PREFIXES = {
    BPMN_NS: "bpmn",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi",
    "http://www.omg.org/spec/DD/20100524/DC": "dc",
    "http://www.omg.org/spec/DD/20100524/DI": "di",
    SPIFF_NS: "spiffworkflow",
}
_ALLOWED_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii"}
_LIBXML_MAX_DEPTH = 256


# --------------------------------------------------------------------------- sizes and messages

def _format_size(n: int) -> str:
    def number(value: float) -> str:
        text = f"{value:.1f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")  # Vietnamese decimal comma

    if n >= 1024 * 1024:
        return f"{number(n / (1024 * 1024))} MB"
    if n >= 1024:
        return f"{number(n / 1024)} KB"
    return f"{n} byte"


def _short(text: str) -> str:
    """`{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask` → `bpmn:userTask`."""
    for uri, prefix in _NS_PREFIXES.items():
        text = text.replace("{" + uri + "}", prefix + ":")
    return text


# --------------------------------------------------------------------------- parsing

def _prolog_problem(data: bytes) -> Problem | None:
    """Scan what precedes the root element without parsing it: refuse a DOCTYPE and any
    encoding other than UTF-8/ASCII (in another encoding the scan could not see a DOCTYPE)."""
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) or b"\x00" in head \
            or head == b"\x4c\x6f\xa7\x94":
        return Problem("Tệp BPMN phải được mã hoá UTF-8.", line=1)
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    size = len(data)
    while pos < size:
        while pos < size and data[pos] in b" \t\r\n":
            pos += 1
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos)
            if end < 0:
                return None  # malformed: the parser reports it
            if data.startswith(b"<?xml", pos) and data[pos + 5:pos + 6] in (b" ", b"\t", b"\r", b"\n"):
                match = re.search(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", data[pos:end])
                if match and match.group(1).decode("ascii").lower() not in _ALLOWED_ENCODINGS:
                    return Problem(
                        f"Tệp BPMN phải được mã hoá UTF-8 (khai báo encoding «{match.group(1).decode()}» "
                        "không được chấp nhận).", line=data.count(b"\n", 0, pos) + 1)
            pos = end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
        elif data[pos:pos + 9].upper() == b"<!DOCTYPE" or data[pos:pos + 8].upper() == b"<!ENTITY":
            return _doctype_problem(line=data.count(b"\n", 0, pos) + 1)
        else:
            return None  # the root element (or garbage, which the parser reports)
    return None


def _doctype_problem(line: int | None = None) -> Problem:
    return Problem("Tệp BPMN không được chứa khai báo DOCTYPE hay ENTITY "
                   "(bị từ chối vì lý do an toàn: XXE, «billion laughs»).", line=line)


def _new_parser() -> etree.XMLParser:
    # A fresh parser per document: lxml parsers are not thread-safe and keep an error log.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True, recover=False,
        attribute_defaults=False, collect_ids=True)


def parse_bpmn(data: bytes, *, max_bytes: int, max_depth: int) -> etree._ElementTree:
    """Parse an uploaded BPMN document safely; raise `PackageInvalid` when it is refused.

    `max_bytes`: the largest accepted input; `max_depth`: the deepest element nesting (the root
    element is at depth 1). Comments and processing instructions are dropped; line numbers
    (`element.sourceline`) are those of the input.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError("parse_bpmn expects bytes")
    if len(data) > max_bytes:
        raise PackageInvalid([Problem(
            f"Tệp BPMN vượt quá giới hạn {_format_size(max_bytes)} (tệp có {_format_size(len(data))}).")])
    if not data.strip():
        raise PackageInvalid([Problem("Tệp BPMN trống.")])
    problem = _prolog_problem(data)
    if problem:
        raise PackageInvalid([problem])

    try:
        root = etree.fromstring(data, _new_parser())
    except etree.XMLSyntaxError as err:
        message = err.msg or str(err)
        if "Excessive depth" in message:  # libxml2 stops at 256 levels without huge_tree
            limit = min(max_depth, _LIBXML_MAX_DEPTH)
            raise PackageInvalid([Problem(
                f"Tệp BPMN lồng nhau quá sâu (tối đa {limit} cấp).", line=err.lineno)]) from None
        if "amplification" in message or "Detected an entity reference loop" in message:
            raise PackageInvalid([_doctype_problem(err.lineno)]) from None
        # lxml appends ", line N, column M" to the message; the line is reported separately.
        message = re.sub(r",\s*line \d+, column \d+\s*$", "", message)
        raise PackageInvalid([Problem(f"Tệp BPMN không phải XML hợp lệ: {message}", line=err.lineno)]) from None

    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise PackageInvalid([_doctype_problem()])
    if (docinfo.encoding or "UTF-8").lower() not in _ALLOWED_ENCODINGS:
        raise PackageInvalid([Problem("Tệp BPMN phải được mã hoá UTF-8.", line=1)])

    # Depth (iteratively), and no entity references anywhere (defence in depth: a DOCTYPE is
    # already refused, so none can be declared).
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if depth > max_depth:
            raise PackageInvalid([Problem(
                f"Tệp BPMN lồng nhau quá sâu (tối đa {max_depth} cấp).", line=element.sourceline)])
        if isinstance(element, etree._Entity):
            raise PackageInvalid([_doctype_problem(element.sourceline)])
    return tree


# --------------------------------------------------------------------------- XSD validation

class _Schema:
    def __init__(self):
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        self.schema = etree.XMLSchema(etree.parse(XSD_PATH, parser))
        self.needs_id = self._elements_needing_id(parser)
        self.lock = threading.Lock()  # one validator, one error log: validate one at a time

    @staticmethod
    def _elements_needing_id(parser) -> frozenset:
        """Local names of the BPMN elements SpiffWorkflow identifies by id: every member of the
        `flowElement` and `rootElement` substitution groups, plus lanes and participants."""
        semantic = etree.parse(os.path.join(SCHEMA_DIR, "Semantic.xsd"), parser)
        groups: dict[str, set] = {}
        for el in semantic.getroot().iter(f"{{{XSD_NS}}}element"):
            group = el.get("substitutionGroup")
            if el.get("name") and group:
                groups.setdefault(group, set()).add(el.get("name"))
        names, todo = set(), ["flowElement", "rootElement"]
        while todo:
            for name in groups.get(todo.pop(), ()):
                if name not in names:
                    names.add(name)
                    todo.append(name)
        return frozenset(names | {"process", "lane", "participant", "messageFlow"})


_schema: _Schema | None = None
_schema_lock = threading.Lock()


def _get_schema() -> _Schema:
    global _schema
    if _schema is None:
        with _schema_lock:
            if _schema is None:
                _schema = _Schema()
    return _schema


_MESSAGES = [
    (re.compile(r"Element '(?P<el>[^']+)': This element is not expected\. Expected is (?:one of )?\( ?(?P<exp>.+?) ?\)\.?$"),
     "Phần tử {el} không được phép ở vị trí này (được phép: {exp})."),
    (re.compile(r"Element '(?P<el>[^']+)': This element is not expected\.?$"),
     "Phần tử {el} không được phép ở vị trí này."),
    (re.compile(r"Element '(?P<el>[^']+)': Missing child element\(s\)\. Expected is (?:one of )?\( ?(?P<exp>.+?) ?\)\.?$"),
     "Phần tử {el} thiếu phần tử con bắt buộc ({exp})."),
    (re.compile(r"Element '(?P<el>[^']+)': The attribute '(?P<attr>[^']+)' is required but missing\.?$"),
     "Phần tử {el} thiếu thuộc tính bắt buộc «{attr}»."),
    (re.compile(r"Element '(?P<el>[^']+)', attribute '(?P<attr>[^']+)': The attribute '[^']+' is not allowed\.?$"),
     "Phần tử {el} không được có thuộc tính «{attr}»."),
    (re.compile(r"Element '(?P<el>[^']+)', attribute 'id': '(?P<val>[^']*)' is not a valid value of the atomic type 'xs:ID'\.?$"),
     "ID"),  # handled specially: invalid or duplicate id
    (re.compile(r"Element '(?P<el>[^']+)', attribute '(?P<attr>[^']+)': '(?P<val>[^']*)' is not a valid value of (?P<type>.+?)\.?$"),
     "Giá trị «{val}» của thuộc tính «{attr}» (phần tử {el}) không hợp lệ ({type})."),
    (re.compile(r"Element '(?P<el>[^']+)': No matching global declaration available for the validation root\.?$"),
     "Phần tử gốc {el} không hợp lệ: tệp BPMN phải bắt đầu bằng bpmn:definitions."),
    (re.compile(r"Element '(?P<el>[^']+)': Character content other than whitespace is not allowed because the content type is 'element-only'\.?$"),
     "Phần tử {el} không được chứa văn bản."),
]


def _translate(message: str, first_with_id: dict, element) -> str:
    message = _short(message.strip())
    for pattern, template in _MESSAGES:
        match = pattern.match(message)
        if not match:
            continue
        if template == "ID":
            value = match.group("val")
            first = first_with_id.get(value)
            if first is not None and first is not element:
                return f"ID «{value}» của phần tử {match.group('el')} bị trùng với một phần tử khác."
            return (f"ID «{value}» của phần tử {match.group('el')} không hợp lệ "
                    "(phải bắt đầu bằng chữ cái hoặc «_», không chứa khoảng trắng hay «:»).")
        return template.format(**match.groupdict())
    return f"Lỗi lược đồ BPMN: {message}"


def _element_at(line: int | None, message: str, by_line: dict):
    """The element an error is about: the one starting on that line (if several, the one whose
    tag the message names)."""
    candidates = by_line.get(line) or []
    if len(candidates) > 1:
        match = re.match(r"Element '([^']+)'", message)
        if match:
            named = [el for el in candidates if el.tag == match.group(1)]
            candidates = named or candidates
    return candidates[-1] if candidates else None


def validate_xsd(tree) -> list[Problem]:
    """Every BPMN 2.0 XSD error of the document, each with its line and element id when known.

    The tree is not modified. Elements in other namespaces (such as `spiffworkflow:properties`)
    are accepted inside `bpmn:extensionElements` (`xsd:any namespace="##other" lax`).
    """
    if isinstance(tree, etree._Element):
        tree = tree.getroottree()
    schema = _get_schema()

    # Like SpiffWorkflow's BpmnValidator: bpmn-js writes correlation retrieval expressions
    # as formalExpression, which the XSD calls messagePath. Work on a copy (lines are kept).
    work = tree
    ns = {"bpmn": BPMN_NS}
    if tree.getroot().xpath(".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression",
                            namespaces=ns):
        work = copy.deepcopy(tree)
        for expr in work.getroot().xpath(
                ".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression", namespaces=ns):
            expr.tag = f"{{{BPMN_NS}}}messagePath"

    with schema.lock:
        schema.schema.validate(work)
        errors = [(e.line, e.message) for e in schema.schema.error_log]

    by_line: dict[int, list] = {}
    first_with_id: dict = {}
    if errors:
        for el in tree.getroot().iter():
            if not isinstance(el.tag, str):
                continue
            by_line.setdefault(el.sourceline, []).append(el)
            el_id = el.get("id")
            if el_id is not None:
                first_with_id.setdefault(el_id, el)

    problems = []
    for line, message in errors:
        element = _element_at(line, message, by_line)
        element_id = element.get("id") if element is not None else None
        problems.append(Problem(_translate(message, first_with_id, element), line=line or None,
                                element=element_id or None))

    # The XSD makes `id` optional everywhere; SpiffWorkflow cannot work without it.
    for el in tree.getroot().iter(f"{{{BPMN_NS}}}*"):
        local = etree.QName(el).localname
        if local in schema.needs_id and not (el.get("id") or "").strip():
            name = el.get("name")
            label = f"bpmn:{local}" + (f" «{name}»" if name else "")
            problems.append(Problem(f"Phần tử {label} thiếu thuộc tính id.", line=el.sourceline))
    problems.sort(key=lambda p: (p.line is None, p.line or 0))
    return problems
