"""The library against the law in force (issue 13 item 7): judicial record certificates come from
the provincial police; the building permit cites the amended Construction Law and Decree 175/2024;
every fee and time limit is stated in the legal basis, and what is unverified says so."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from lxml import etree

from motcua.seed import OFFICES

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
UNVERIFIED = "chưa kiểm chứng"
PROCEDURES = sorted(p.parent.name for p in BPMN_DIR.glob("*/manifest.yaml"))


def manifest(code):
    return yaml.safe_load((BPMN_DIR / code / "manifest.yaml").read_text(encoding="utf-8"))


def test_judicial_records_are_issued_by_the_provincial_police():
    m = manifest("ly-lich-tu-phap")
    offices = {code: name for code, name, *_ in OFFICES}
    assert m["competent_office"] == "CA.TINH" and offices["CA.TINH"].startswith("Công an tỉnh")
    doc = etree.parse(str(BPMN_DIR / "ly-lich-tu-phap" / "process.bpmn"))
    texts = [t for t in doc.xpath("//bpmn:lane/bpmn:documentation/text() | //@name", namespaces=NS)]
    assert not [t for t in texts if "Sở Tư pháp" in t]
    lanes = {lane.get("name"): lane.findtext("bpmn:documentation", namespaces=NS)
             for lane in doc.iterfind(".//bpmn:lane", NS)}
    assert "Công an tỉnh" in lanes["specialist"] and "Công an tỉnh" in lanes["leader"]
    basis = " ".join(m["legal_basis"])
    assert "Luật Lý lịch tư pháp 2009" in basis and "Công an" in basis


def test_building_permit_cites_the_law_in_force():
    m = manifest("giay-phep-xay-dung")
    basis = " ".join(m["legal_basis"])
    assert "175/2024/NĐ-CP" in basis and "62/2020/QH14" in basis
    # the old decree 15/2021 appears only as the one Decree 175/2024 replaced
    assert all("thay thế" in line for line in m["legal_basis"] if "15/2021" in line)
    assert 0 < m["legal_days"] <= 15  # the Construction Law's maximum for individual houses (art. 102)


@pytest.mark.parametrize("code", PROCEDURES)
def test_fee_and_time_are_grounded_or_marked_unverified(code):
    m = manifest(code)
    basis = m["legal_basis"]
    assert basis and all(isinstance(b, str) and b.strip() for b in basis)
    fee_lines = [b for b in basis if re.search(r"\b(lệ phí|phí)\b", b, re.IGNORECASE)]
    if m["fee"]:
        amount = f"{m['fee']:,}".replace(",", ".")
        assert any(amount in b for b in fee_lines), f"{code}: the fee {amount} đồng is not in legal_basis"
    else:
        assert fee_lines, f"{code}: say why nothing is charged"
    # a line that names no law, decree or circular (số hiệu) is a claim that must be marked unverified
    for line in basis:
        if not re.search(r"(Luật|Nghị định|Thông tư|Quyết định|Nghị quyết)", line):
            assert UNVERIFIED in line, f"{code}: unsourced and not marked: {line}"
