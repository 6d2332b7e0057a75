from flask import Blueprint, current_app, request
from marshmallow import Schema, fields, validate

from api.auth import platform
from api.ratelimit import RateLimiter
from api.routes import body, query
from api.schemas.common import StrictSchema
from motcua.services import public

bp = Blueprint("public", __name__)


class LookupQuery(StrictSchema):
    phone4 = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$", error="Nhập đúng 4 chữ số."))


class PublicDossierSchema(Schema):
    code = fields.String()
    status = fields.String()
    status_text = fields.String()
    procedure_name = fields.String()
    received_at = fields.DateTime()
    due_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    paused = fields.Boolean()
    rated = fields.Boolean()


class RatingBody(StrictSchema):
    phone4 = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$", error="Nhập đúng 4 chữ số."))
    satisfied = fields.Boolean(required=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class RatingSchema(Schema):
    code = fields.String()
    satisfied = fields.Boolean()
    at = fields.DateTime()


def _limit(code: str) -> None:
    """Per client address, and per dossier code: four digits are not guessed from many addresses."""
    limiter = current_app.extensions.get("motcua_public_limiter")
    if limiter is None:
        per_minute = int(platform().settings.section("auth").get("public_lookups_per_minute", 20))
        limiter = current_app.extensions["motcua_public_limiter"] = RateLimiter(per_minute)
    limiter.check(f"addr:{request.remote_addr or '?'}")
    limiter.check(f"code:{code}")


@bp.get("/public/dossiers/<code>")
def lookup(code):
    """A citizen looks up a dossier by code and the last four phone digits: no personal data.
    ---
    get:
      tags: [public]
      security: []
      parameters:
        - {in: path, name: code, schema: {type: string}, required: true}
        - {in: query, schema: LookupQuery}
      responses:
        200: {content: {application/json: {schema: PublicDossierSchema}}}
        404: {description: Mã hoặc 4 số cuối không khớp}
        429: {description: Quá nhiều lần tra cứu}
    """
    _limit(code)
    q = query(LookupQuery)
    return PublicDossierSchema().dump(public.lookup(platform(), code, q["phone4"]))


@bp.post("/public/dossiers/<code>/rating")
def rate(code):
    """One satisfaction rating per returned dossier.
    ---
    post:
      tags: [public]
      security: []
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      requestBody: {content: {application/json: {schema: RatingBody}}}
      responses:
        201: {content: {application/json: {schema: RatingSchema}}}
        404: {description: Mã hoặc 4 số cuối không khớp}
        409: {description: Đã đánh giá, hoặc chưa trả kết quả}
        429: {description: Quá nhiều yêu cầu}
    """
    _limit(code)
    data = body(RatingBody)
    return RatingSchema().dump(public.rate(platform(), code, data["phone4"], data["satisfied"], data["comment"])), 201
