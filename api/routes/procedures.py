from decimal import Decimal

from flask import Blueprint

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import PageQuery, paged
from api.schemas.procedures import (
    MigrationRequest, MigrationResult, ProcedureDetailSchema, ProcedureSchema, PublishRequest, PublishResult, ValidateResult,
)
from engine.package import ProcedurePackage
from motcua.services import migrations, procedures

bp = Blueprint("procedures", __name__)


def _package(data) -> ProcedurePackage:
    return ProcedurePackage(manifest=data["manifest"], bpmn=data["bpmn"].encode("utf-8"), forms=data["forms"])


@bp.post("/procedures")
def publish():
    """Publish a new version of a procedure (designer).
    ---
    post:
      tags: [procedures]
      requestBody: {required: true, content: {application/json: {schema: PublishRequest}}}
      responses:
        201: {content: {application/json: {schema: PublishResult}}}
        422: {description: Gói không hợp lệ; problems liệt kê từng lỗi với dòng và phần tử}
    """
    actor = current_actor()
    actor.require("designer", "admin")
    published = procedures.publish(platform(), _package(body(PublishRequest)), actor)
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
      requestBody: {required: true, content: {application/json: {schema: PublishRequest}}}
      responses:
        200: {content: {application/json: {schema: ValidateResult}}}
        422: {description: Gói không hợp lệ}
    """
    actor = current_actor()
    actor.require("designer", "admin")
    compiled = procedures.validate_procedure(platform(), _package(body(PublishRequest)))
    steps = [{"id": s.bpmn_id, "name": s.name, "lane": s.lane, "allotment_days": str(s.allotment_days),
              "form": s.form} for s in compiled.steps]
    return ValidateResult().dump({"valid": True, "problems": [], "steps": steps,
                                  "warnings": [w.to_dict() for w in compiled.warnings]})


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
