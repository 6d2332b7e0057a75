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
from motcua.services import feedback, public

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
    with ratelimit.misses_counted(p, code.upper()):
        found = public.lookup(p, code, q["phone4"], q["key"])
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
    with ratelimit.misses_counted(p, code.upper()):
        rating = public.rate(p, code, data["phone4"], data["satisfied"], data["comment"], level=data["level"],
                             key=data["key"])
    return RatingSchema().dump(rating), 201


# -- complaints and recommendations (PAKN) ----------------------------------------------------------

class FeedbackBody(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    contact = fields.String(required=True, validate=validate.Length(min=3, max=255),
                            metadata={"description": "Số điện thoại hoặc thư điện tử để cơ quan liên hệ"})
    content = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    kind = fields.String(required=True, validate=validate.OneOf(("complaint", "recommendation")))
    dossier_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    phone4 = fields.String(load_default=None, allow_none=True,
                           validate=validate.Regexp(r"^\d{4}$", error="Nhập đúng 4 chữ số."))
    repeat_of = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                              metadata={"description": "Mã phản ánh, kiến nghị đã gửi trước về cùng việc"})


class FeedbackCreatedSchema(Schema):
    id = fields.Integer()
    code = fields.String()


class PublicFeedbackSchema(Schema):
    code = fields.String()
    kind = fields.String()
    status = fields.String()
    status_text = fields.String()
    office_name = fields.String()
    received_at = fields.DateTime()
    answer_due_at = fields.DateTime()
    answered = fields.Boolean()
    published_at = fields.DateTime(allow_none=True)
    answer = fields.String(allow_none=True)
    refused = fields.Boolean()
    refuse_reason = fields.String(allow_none=True)
    info_requested = fields.Boolean()
    info_reason = fields.String(allow_none=True)
    rating = fields.String(allow_none=True)
    may_rate = fields.Boolean()


class FeedbackRatingBody(StrictSchema):
    rating = fields.String(required=True, validate=validate.OneOf(("very_satisfied", "satisfied", "dissatisfied")))


class FeedbackRatingSchema(Schema):
    code = fields.String()
    rating = fields.String()
    at = fields.DateTime()


@bp.post("/public/feedback")
def send_feedback():
    """Send a complaint or recommendation (PAKN), without signing in; rate limited.
    ---
    post:
      tags: [public]
      security: []
      requestBody: {content: {application/json: {schema: FeedbackBody}}}
      responses:
        201: {content: {application/json: {schema: FeedbackCreatedSchema}}}
        429: {description: Quá nhiều yêu cầu}
    """
    p = platform()
    data = body(FeedbackBody)
    ratelimit.before_feedback(p, data["dossier_code"] if data["phone4"] else None)
    created, matched = feedback.submit(p, data)
    if data["dossier_code"] and data["phone4"] and not matched:
        ratelimit.lookup_failed(p, data["dossier_code"].strip().upper())
    return FeedbackCreatedSchema().dump(created), 201


@bp.get("/public/feedback/<code>")
def feedback_status(code):
    """A PAKN's status and published answer, by its code: never the sender's name, contact or content.
    ---
    get:
      tags: [public]
      security: []
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: PublicFeedbackSchema}}}
        404: {description: Mã không đúng}
        429: {description: Quá nhiều lần tra cứu}
    """
    p = platform()
    ratelimit.before_lookup(p, code.upper())
    with ratelimit.misses_counted(p, code.upper()):
        return PublicFeedbackSchema().dump(feedback.public_view(p, code))


@bp.post("/public/feedback/<code>/rating")
def rate_feedback(code):
    """One rating of the published answer (very satisfied, satisfied, dissatisfied).
    ---
    post:
      tags: [public]
      security: []
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      requestBody: {content: {application/json: {schema: FeedbackRatingBody}}}
      responses:
        201: {content: {application/json: {schema: FeedbackRatingSchema}}}
        404: {description: Mã không đúng}
        409: {description: Chưa công khai trả lời, hoặc đã đánh giá}
        429: {description: Quá nhiều yêu cầu}
    """
    p = platform()
    ratelimit.before_lookup(p, code.upper())
    data = body(FeedbackRatingBody)
    with ratelimit.misses_counted(p, code.upper()):
        return FeedbackRatingSchema().dump(feedback.rate(p, code, data["rating"])), 201
