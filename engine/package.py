"""A procedure package (process.bpmn + manifest.yaml + forms/*.json) and its validation.

Validation runs every check and reports every problem at once, so a designer fixes a package
in one round; nothing is stored unless the whole package is valid.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine import conventions, publication, sandbox, serializer, xml_safety
from engine.manifest import load_manifest
from engine.problems import PackageInvalid, Problem
from forms.validation import check_form_schema


@dataclass
class ProcedurePackage:
    manifest: dict
    bpmn: bytes
    forms: dict = field(default_factory=dict)


@dataclass
class CompiledProcedure:
    """A valid package, ready to store: the parsed spec is serialized once, here."""

    manifest: dict
    bpmn: str
    forms: dict
    process_id: str
    spec_text: str
    content_hash: str
    steps: list
    warnings: list = field(default_factory=list)  # [Problem]: publishable, but worth fixing


def load_package_dir(path: str | Path) -> ProcedurePackage:
    folder = Path(path)
    problems = []
    bpmn_file, manifest_file = folder / "process.bpmn", folder / "manifest.yaml"
    if not bpmn_file.is_file():
        problems.append(Problem(f"Thiếu tệp {bpmn_file.name} trong thư mục {folder}."))
    if not manifest_file.is_file():
        problems.append(Problem(f"Thiếu tệp {manifest_file.name} trong thư mục {folder}."))
    if problems:
        raise PackageInvalid(problems)
    try:
        manifest = yaml.safe_load(manifest_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise PackageInvalid([Problem(f"manifest.yaml không đọc được: {err}",
                                      line=mark.line + 1 if mark else None)])
    forms = {}
    for form_file in sorted((folder / "forms").glob("*.json")):
        try:
            forms[form_file.stem] = json.loads(form_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            problems.append(Problem(f"Biểu mẫu {form_file.name} không phải JSON hợp lệ: {err.msg}",
                                    line=err.lineno, element=f"forms/{form_file.name}"))
    if problems:
        raise PackageInvalid(problems)
    return ProcedurePackage(manifest=manifest, bpmn=bpmn_file.read_bytes(), forms=forms)


def package_dirs(path: str | Path) -> list[Path]:
    """A procedure folder, or a folder of them."""
    folder = Path(path)
    if (folder / "process.bpmn").exists() or (folder / "manifest.yaml").exists():
        return [folder]
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "process.bpmn").exists())


def content_hash(package: ProcedurePackage) -> str:
    digest = hashlib.sha256()
    digest.update(package.bpmn)
    digest.update(json.dumps(package.manifest, sort_keys=True, ensure_ascii=False, default=str).encode())
    digest.update(json.dumps(package.forms, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def _element_lines(tree) -> dict:
    return {el.get("id"): el.sourceline for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}


def compile_package(package: ProcedurePackage, *, max_bytes: int, max_depth: int) -> CompiledProcedure:
    """Check everything; raise PackageInvalid with every problem found."""
    manifest, problems, warnings = load_manifest(package.manifest)
    bpmn = package.bpmn.encode("utf-8") if isinstance(package.bpmn, str) else package.bpmn
    forms = package.forms if isinstance(package.forms, dict) else {}
    if not isinstance(package.forms, dict):
        problems.append(Problem("forms phải là một đối tượng {tên: JSON Schema}."))
    protected = (manifest or {}).get("protected_variables") or ()
    for name, schema in forms.items():
        for message in check_form_schema(schema, protected=protected):
            problems.append(Problem(f"Biểu mẫu «{name}»: {message}", element=f"forms.{name}"))
    if manifest and manifest.get("application_form") and manifest["application_form"] not in forms:
        problems.append(Problem(f"application_form «{manifest['application_form']}» không có trong forms.",
                                element="manifest.application_form"))

    tree = xml_safety.parse_bpmn(bpmn, max_bytes=max_bytes, max_depth=max_depth)  # raises on hostile XML
    xsd_problems = xml_safety.validate_xsd(tree)
    if xsd_problems:
        raise PackageInvalid(problems + xsd_problems)
    lines = _element_lines(tree)

    process_id = (manifest or {}).get("process_id") or (package.manifest or {}).get("process_id")
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(tree, filename="process.bpmn")
        known = parser.get_process_ids()
        if process_id not in known:
            problems.append(Problem(
                f"Không có quy trình «{process_id}» trong tệp BPMN (có: {', '.join(known) or 'không có'}).",
                element="manifest.process_id"))
            raise PackageInvalid(problems)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        element = getattr(err, "id", None) or None
        problems.append(Problem(f"BPMN không hợp lệ: {err.args[0] if err.args else err}",
                                line=getattr(err, "line_number", None) or lines.get(element),
                                element=element))
        raise PackageInvalid(problems)
    except PackageInvalid:
        raise
    except Exception as err:  # SpiffWorkflow raises a variety of errors on odd diagrams
        problems.append(Problem(f"Không phân tích được BPMN: {err}"))
        raise PackageInvalid(problems)

    problems.extend(conventions.check_conventions(
        spec, subprocess_specs, forms=forms,
        legal_days=manifest["legal_days"] if manifest else None, lines=lines))
    for element, mode, source in conventions.code_fragments(spec, subprocess_specs):
        for message in sandbox.check_script(source, mode=mode, known_functions=conventions.PLATFORM_FUNCTIONS):
            problems.append(Problem(message, element=element, line=lines.get(element)))
    if problems:
        raise PackageInvalid(problems)

    steps = [conventions.step_info(ts) for ts in spec.task_specs.values() if isinstance(ts, UserTask)]
    if "publication" in manifest:  # the seven parts, derived or declared (engine.publication)
        manifest["publication"]["parts"] = publication.parts(manifest, [s.name for s in steps])
    return CompiledProcedure(
        manifest=manifest, bpmn=bpmn.decode("utf-8"), forms=forms, process_id=process_id,
        spec_text=serializer.dump_spec(spec, subprocess_specs), content_hash=content_hash(package),
        steps=steps, warnings=warnings)
