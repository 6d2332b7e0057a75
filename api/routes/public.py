"""The citizen's pages: status by code and phone digits, and the satisfaction rating.

Limited per client and per client-and-code (api/ratelimit.py): another address's wrong guesses
never lock a citizen out of their own dossier.
"""
from flask import Blueprint, request, send_file
from marshmallow import Schema, fields, validate

from api import ratelimit
from api.auth import platform
from api.routes import body, query
from api.schemas.common import StrictSchema
from motcua.errors import Invalid, NotFound
from motcua.services import public

bp = Blueprint("public", __name__)


class LookupQuery(StrictSchema):
    phone4 = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}$", error="Nhập đúng 4 chữ số."))
    key = fields.String(load_default=None, validate=validate.Length(min=1, max=64))  # the receipt's lookup key


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
    result_available = fields.Boolean()


LEVELS = ("very_satisfied", "satisfied", "dissatisfied")


class RatingBody(StrictSchema):
    """`phone4` or `key` (the receipt's); `level` (the national portal's three levels) or the
    contract's `satisfied` (true: satisfied, false: dissatisfied)."""
    phone4 = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}$", error="Nhập đúng 4 chữ số."))
    key = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    satisfied = fields.Boolean(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(
        LEVELS, error="Chọn một mức: rất hài lòng, hài lòng hoặc không hài lòng."))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class RatingSchema(Schema):
    code = fields.String()
    satisfied = fields.Boolean()
    level = fields.String()
    at = fields.DateTime()


def _key_valid(p, code: str) -> bool:
    """The receipt's key, read before the query is validated: its holder skips the rate limits."""
    key = request.args.get("key")
    return bool(key) and len(key) <= 64 and public.key_valid(p, code, key)


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
    p = platform()
    ratelimit.before_lookup(p, code.upper(), key_valid=_key_valid(p, code))
    q = query(LookupQuery)
    if not q["phone4"] and not q["key"]:
        raise Invalid("Cần 4 số cuối điện thoại hoặc mã tra cứu trên phiếu.", errors={"phone4": ["Bắt buộc."]})
    try:
        found = public.lookup(p, code, q["phone4"], q["key"])
    except NotFound:
        ratelimit.lookup_failed(p, code.upper())
        raise
    return PublicDossierSchema().dump(found)


class KeyQuery(StrictSchema):
    key = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


@bp.get("/public/dossiers/<code>/result")
def result(code):
    """The electronic result, for the holder of the receipt's lookup key (done or returned).
    ---
    get:
      tags: [public]
      security: []
      parameters:
        - {in: path, name: code, schema: {type: string}, required: true}
        - {in: query, schema: KeyQuery}
      responses:
        200: {description: Tệp kết quả}
        404: {description: Mã tra cứu không khớp hoặc chưa có kết quả}
    """
    p = platform()
    valid = _key_valid(p, code)
    ratelimit.before_lookup(p, code.upper(), key_valid=valid)
    q = query(KeyQuery)
    if not valid:
        ratelimit.lookup_failed(p, code.upper())
        raise NotFound("Không tìm thấy hồ sơ với mã tra cứu đã nhập.")
    meta, stream = public.result_file(p, code, q["key"])
    return send_file(stream, mimetype=meta["media_type"], as_attachment=True, download_name=meta["name"])


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
    p = platform()
    ratelimit.before_lookup(p, code.upper())
    data = body(RatingBody)
    errors = {}
    if not data["phone4"] and not data["key"]:
        errors["phone4"] = ["Cần 4 số cuối điện thoại hoặc mã tra cứu trên phiếu."]
    if data["level"] is None and data["satisfied"] is None:
        errors["level"] = ["Chọn một mức: rất hài lòng, hài lòng hoặc không hài lòng."]
    elif data["level"] is not None and data["satisfied"] is not None \
            and data["satisfied"] != (data["level"] != "dissatisfied"):
        errors["satisfied"] = ["Không khớp với mức đánh giá đã chọn."]
    if errors:
        raise Invalid("Đánh giá chưa hợp lệ.", errors=errors)
    try:
        rating = public.rate(p, code, data["phone4"], data["satisfied"], data["comment"], level=data["level"],
                             key=data["key"])
    except NotFound:
        ratelimit.lookup_failed(p, code.upper())
        raise
    return RatingSchema().dump(rating), 201
