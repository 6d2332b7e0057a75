from decimal import Decimal

from flask import Blueprint, request

from api.auth import current_actor, platform
from api.routes import body, query
from api.routes.diagrams import svg_response
from api.schemas.common import PageQuery, paged
from api.schemas.procedures import (
    DiffQuery, DiffSchema, MigrationRequest, MigrationResult, ProcedureDetailSchema, ProcedureSchema, PublishRequest,
    PublishResult, ValidateResult,
)
from engine.package import ProcedurePackage
from motcua.errors import NotFound
from motcua.services import diagrams, migrations, procedure_diff, procedures

bp = Blueprint("procedures", __name__)


ENVELOPE = 256 * 1024  # multipart headers and boundaries around the files


def _package(data) -> ProcedurePackage:
    return ProcedurePackage(manifest=data["manifest"], bpmn=data["bpmn"].encode("utf-8"), forms=data["forms"])


def _read(storage, limit: int) -> bytes:
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        from motcua.errors import TooLarge
        raise TooLarge(f"Tệp «{(storage.filename or '')[:80]}» vượt quá giới hạn {limit // 1024} KB.")
    return data


def _package_from_request() -> ProcedurePackage:
    """The JSON body of the contract ({manifest, bpmn, forms}), or an upload from the studio."""
    if request.mimetype != "multipart/form-data":
        return _package(body(PublishRequest))
    limits = procedures.upload_limits(platform())
    request.max_content_length = limits.max_bytes + ENVELOPE
    files = [(f.filename or f.name or "", _read(f, limits.max_unpacked)) for f in request.files.getlist("files")]
    archive = request.files.get("package")
    return procedures.package_from_upload(platform(), files=files,
                                          archive=_read(archive, limits.max_bytes) if archive else None)


@bp.post("/procedures")
def publish():
    """Publish a new version of a procedure (designer).
    ---
    post:
      tags: [procedures]
      description: JSON theo hợp đồng, hoặc multipart `files` (các tệp của thư mục thủ tục, tên là đường
        dẫn tương đối) và/hoặc `package` (thư mục nén .zip).
      requestBody:
        required: true
        content:
          application/json: {schema: PublishRequest}
          multipart/form-data: {schema: {type: object, properties: {files: {type: array, items: {type: string, format: binary}}, package: {type: string, format: binary}}}}
      responses:
        201: {content: {application/json: {schema: PublishResult}}}
        413: {description: Gói hoặc tệp vượt quá giới hạn}
        422: {description: Gói không hợp lệ; problems liệt kê từng lỗi với dòng và phần tử}
    """
    actor = current_actor()
    actor.require("designer", "admin")
    published = procedures.publish(platform(), _package_from_request(), actor)
    version = published.version
    return PublishResult().dump({"code": version.manifest["code"], "version": version.version,
                                 "process_id": version.process_id,
                                 "warnings": [w.to_dict() for w in published.warnings]}), 201


@bp.post("/procedures/validate")
def validate():
    """Check a package without publishing it.
    ---
    post:
      tags: [procedures]
      requestBody:
        required: true
        content:
          application/json: {schema: PublishRequest}
          multipart/form-data: {schema: {type: object, properties: {files: {type: array, items: {type: string, format: binary}}, package: {type: string, format: binary}}}}
      responses:
        200: {content: {application/json: {schema: ValidateResult}}}
        413: {description: Gói hoặc tệp vượt quá giới hạn}
        422: {description: Gói không hợp lệ}
    """
    actor = current_actor()
    actor.require("designer", "admin")
    compiled = procedures.validate_procedure(platform(), _package_from_request())
    steps = [{"id": s.bpmn_id, "name": s.name, "lane": s.lane, "allotment_days": str(s.allotment_days),
              "form": s.form} for s in compiled.steps]
    return ValidateResult().dump({"valid": True, "problems": [], "steps": steps,
                                  "manifest": _manifest(compiled.manifest), "forms": compiled.forms,
                                  "warnings": [w.to_dict() for w in compiled.warnings]})


@bp.post("/procedures/diagram.svg")
def package_diagram():
    """The diagram of an uploaded, unpublished package, each element with a problem marked (designer).
    ---
    post:
      tags: [procedures]
      description: Gói gửi như khi kiểm tra (JSON, hoặc multipart `files` / `package`); đầu trả lời
        `X-Problem-Count` cho biết số lỗi.
      requestBody:
        required: true
        content:
          application/json: {schema: PublishRequest}
          multipart/form-data: {schema: {type: object, properties: {files: {type: array, items: {type: string, format: binary}}, package: {type: string, format: binary}}}}
      responses:
        200:
          description: Sơ đồ (SVG), các phần tử có lỗi được đánh dấu
          content: {image/svg+xml: {schema: {type: string}}}
        413: {description: Gói hoặc tệp vượt quá giới hạn}
        422: {description: Tệp BPMN không đọc được (không vẽ được)}
    """
    actor = current_actor()
    actor.require("designer", "admin")
    svg, problems = diagrams.package_diagram(platform(), actor, _package_from_request())
    response = svg_response(svg, "no-store")
    response.headers["X-Problem-Count"] = str(len(problems))
    return response


def _version_number(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 0 < len(text) < 10) or int(text) < 1:
        raise NotFound("Không có phiên bản này: số phiên bản là một số nguyên dương.")
    return int(text)


@bp.get("/procedures/<code>/versions/<version>/diff")
def version_diff(code, version):
    """What changed from version `against` to this version (designer).
    ---
    get:
      tags: [procedures]
      parameters:
        - {in: path, name: code, schema: {type: string}, required: true}
        - {in: path, name: version, schema: {type: integer, minimum: 1, maximum: 999999999}, required: true}
        - {in: query, schema: DiffQuery}
      responses:
        200: {content: {application/json: {schema: DiffSchema}}}
        403: {description: Chỉ người thiết kế thủ tục hoặc quản trị}
        404: {description: Không có thủ tục hoặc phiên bản}
    """
    actor = current_actor()
    actor.require("designer", "admin")
    number = _version_number(version)
    against = query(DiffQuery).get("against") or max(number - 1, 1)
    return DiffSchema().dump(procedure_diff.diff_versions(platform(), actor, code, number, against))


def _number(value):
    """legal_days is kept as exact decimal text; the API shows it as the number the contract says."""
    if value is None:
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _manifest(manifest: dict | None) -> dict | None:
    if manifest is None:
        return None
    return {**manifest, "legal_days": _number(manifest.get("legal_days"))}


def _summary(procedure, latest) -> dict:
    m = latest.manifest if latest else {}
    return {"code": procedure.code, "name": procedure.name, "latest_version": procedure.latest_version,
            "legal_days": _number(m.get("legal_days")), "field": m.get("field"), "fee": m.get("fee"),
            "channels": m.get("channels"), "competent_office": m.get("competent_office"),
            "saturday_service": m.get("saturday_service"), "boundary_free": m.get("boundary_free")}


@bp.get("/procedures")
def list_procedures():
    """Published procedures.
    ---
    get:
      tags: [procedures]
      parameters: [{in: query, schema: PageQuery}]
      responses:
        200: {content: {application/json: {schema: ProcedurePageSchema}}}
    """
    current_actor()
    q = query(PageQuery)
    rows, total = procedures.list_procedures(platform(), q["page"], q["per_page"])
    return paged(ProcedureSchema, [_summary(p, v) for p, v in rows], total, q["page"], q["per_page"])


@bp.get("/procedures/<code>")
def get_procedure(code):
    """A procedure with all its versions.
    ---
    get:
      tags: [procedures]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: ProcedureDetailSchema}}}
        404: {description: Không có thủ tục}
    """
    current_actor()
    procedure, versions = procedures.get_procedure(platform(), code)
    latest = versions[-1] if versions else None
    out = _summary(procedure, latest)
    out.update(manifest=_manifest(latest.manifest) if latest else None, forms=latest.forms if latest else None,
               versions=[{"version": v.version, "process_id": v.process_id, "content_hash": v.content_hash,
                          "published_at": v.published_at, "manifest": _manifest(v.manifest)} for v in versions])
    return ProcedureDetailSchema().dump(out)


@bp.post("/procedures/<code>/migrations")
def migrate(code):
    """Move running dossiers from one version to another (designer, admin); `dry_run` (default) writes nothing.
    ---
    post:
      tags: [procedures]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      requestBody: {required: true, content: {application/json: {schema: MigrationRequest}}}
      responses:
        200: {content: {application/json: {schema: MigrationResult}}}
        403: {description: Chỉ người thiết kế quy trình và quản trị viên}
        422: {description: Phiên bản không có hoặc trùng nhau}
    """
    actor = current_actor()
    data = body(MigrationRequest)
    result = migrations.migrate(platform(), actor, code, from_version=data["from_version"],
                                to_version=data["to_version"], dossiers=data["dossiers"], dry_run=data["dry_run"],
                                id_map=data["map"])
    return MigrationResult().dump(result)
