"""Publication data in the manifest (engine.publication): checked at publish, the seven parts."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import pytest

from engine.package import compile_package, load_package_dir, package_dirs
from engine.problems import PackageInvalid
from motcua.config import ROOT

SIMPLE = ROOT / "tests" / "fixtures" / "simple"
GOOD = {"decision": "1356/QĐ-UBND", "decision_date": dt.date(2025, 6, 20), "legal_basis_effective": "2025-07-01",
        "national_code": "1.000894", "national_updated": "2025-06-25", "applicants": "Công dân Việt Nam"}


def _compile(publication=..., **extra):
    package = load_package_dir(SIMPLE)
    manifest = copy.deepcopy(package.manifest)
    if publication is not ...:
        manifest["publication"] = publication
    manifest.update(extra)
    return compile_package(dataclasses.replace(package, manifest=manifest), max_bytes=2_000_000, max_depth=200)


def _problems(publication) -> dict:
    with pytest.raises(PackageInvalid) as err:
        _compile(publication)
    return {p.element: p.message for p in err.value.problems}


def test_good_publication_is_stored_with_iso_dates_and_its_seven_parts():
    compiled = _compile(GOOD)
    pub = compiled.manifest["publication"]
    assert (pub["decision_date"], pub["legal_basis_effective"]) == ("2025-06-20", "2025-07-01")
    # six parts come from the package itself, "who may apply" is declared
    assert pub["parts"] == {"name": "derived", "steps": "derived", "channels": "derived", "documents": "derived",
                            "processing_time": "derived", "applicants": "declared", "deciding_agency": "derived"}
    assert compiled.warnings == []


def test_absent_publication_is_a_warning_not_an_error():
    compiled = _compile()
    assert "publication" not in compiled.manifest
    assert [w.element for w in compiled.warnings] == ["manifest.publication"]
    assert "Chưa có dữ liệu công bố" in compiled.warnings[0].message


def test_missing_applicants_is_a_warning_and_the_part_is_missing():
    compiled = _compile({k: v for k, v in GOOD.items() if k != "applicants"})
    assert compiled.manifest["publication"]["parts"]["applicants"] == "missing"
    assert [w.element for w in compiled.warnings] == ["manifest.publication.applicants"]


@pytest.mark.parametrize("change, element", [
    ({"decision_date": "20/06/2025"}, "manifest.publication.decision_date"),
    ({"legal_basis_effective": None}, "manifest.publication.legal_basis_effective"),
    ({"decision": ""}, "manifest.publication.decision"),
    ({"national_code": "1000894"}, "manifest.publication.national_code"),
    ({"national_updated": "2025-06-19"}, "manifest.publication.national_updated"),   # before the decision
    ({"signed_by": "x"}, "manifest.publication.signed_by"),                           # unknown key
])
def test_malformed_publication_is_an_error_with_its_element(change, element):
    problems = _problems({**GOOD, **change})
    assert element in problems
    assert all(ord(c) < 128 for c in element)
    assert any(ch in problems[element] for ch in "ảạấầẩễệịọốồớờợủụứừữựỳ"), problems[element]  # Vietnamese


def test_missing_required_publication_field():
    problems = _problems({"decision": "1/QĐ-UBND"})
    assert {"manifest.publication.decision_date", "manifest.publication.legal_basis_effective"} <= set(problems)


def test_every_problem_at_once_with_other_manifest_errors():
    with pytest.raises(PackageInvalid) as err:
        _compile({**GOOD, "decision_date": "x"}, fee=-1)
    elements = {p.element for p in err.value.problems}
    assert {"manifest.publication.decision_date", "manifest.fee"} <= elements


def test_the_library_publishes_with_complete_publication_data():
    for folder in package_dirs(ROOT / "bpmn"):
        compiled = compile_package(load_package_dir(folder), max_bytes=2_000_000, max_depth=200)
        assert compiled.warnings == [], folder.name
        pub = compiled.manifest["publication"]
        assert "missing" not in pub["parts"].values(), folder.name
        assert "chưa kiểm chứng" in pub["note"], folder.name
