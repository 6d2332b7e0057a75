"""Complaints and recommendations (PAKN) for the staff of the office concerned: list, read, classify,
ask for information, refuse, answer and publish. Access: motcua/access.py (404 outside the office)."""
from __future__ import annotations

from flask import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import StrictSchema, paged
from motcua.domain import feedback as F
from motcua.services import feedback

bp = Blueprint("feedback", __name__)


class FeedbackQuery(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(F.STATUSES))
    overdue = fields.Boolean(load_default=None, allow_none=True)


class FeedbackDueSchema(Schema):
    refuse = fields.DateTime()
    request_info = fields.DateTime()
    answer = fields.DateTime()
    publish = fields.DateTime()


class FeedbackSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String(metadata={"description": "complaint, recommendation"})
    status = fields.String(metadata={"description": ", ".join(F.STATUSES)})
    status_text = fields.String()
    category = fields.String(allow_none=True, metadata={"description": "policy, procedure, conduct"})
    office = fields.String()
    office_name = fields.String()
    received_at = fields.DateTime()
    clock_start = fields.DateTime()
    due = fields.Nested(FeedbackDueSchema)
    pending = fields.List(fields.String(), metadata={"description": "Việc còn phải làm: refuse, request_info, answer, publish"})
    overdue = fields.Boolean()
    late = fields.List(fields.String())
    answered_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    refused_at = fields.DateTime(allow_none=True)
    info_requested_at = fields.DateTime(allow_none=True)
    rating = fields.String(allow_none=True)


class FeedbackEventSchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    type = fields.String()
    data = fields.Dict()


class FeedbackDetailSchema(FeedbackSchema):
    name = fields.String()
    contact = fields.String()
    content = fields.String()
    info_reason = fields.String(allow_none=True)
    refuse_reason = fields.String(allow_none=True)
    answer = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    history = fields.List(fields.Nested(FeedbackEventSchema))




class ClassifyBody(StrictSchema):
    category = fields.String(required=True, validate=validate.OneOf(F.CATEGORIES))


class ReasonBody(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AnswerBody(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    publish = fields.Boolean(load_default=False)


class NoBody(StrictSchema):
    pass


@bp.get("/feedback")
def list_feedback():
    """The PAKN of the caller's office, the next due answer first (filter by status, overdue).
    ---
    get:
      tags: [feedback]
      parameters: [{in: query, schema: FeedbackQuery}]
      responses:
        200: {content: {application/json: {schema: FeedbackPageSchema}}}
    """
    actor = current_actor()
    q = query(FeedbackQuery)
    items, total = feedback.list_for(platform(), actor, status=q["status"], overdue=q["overdue"], page=q["page"],
                                     per_page=q["per_page"])
    return paged(FeedbackSchema, items, total, q["page"], q["per_page"])


@bp.get("/feedback/<int:feedback_id>")
def get_feedback(feedback_id):
    """One PAKN with the sender's contact, content and history (office concerned only).
    ---
    get:
      tags: [feedback]
      parameters: [{in: path, name: feedback_id, schema: {type: integer}, required: true}]
      responses:
        200: {content: {application/json: {schema: FeedbackDetailSchema}}}
    """
    actor = current_actor()
    return FeedbackDetailSchema().dump(feedback.get(platform(), actor, feedback_id))


def _action(feedback_id, action, schema):
    actor = current_actor()
    data = body(schema)
    return FeedbackSchema().dump(feedback.act(platform(), actor, feedback_id, action, data))


_DOC = """{summary}
    ---
    post:
      tags: [feedback]
      parameters: [{{in: path, name: feedback_id, schema: {{type: integer}}, required: true}}]
      requestBody: {{content: {{application/json: {{schema: {schema}}}}}}}
      responses:
        200: {{content: {{application/json: {{schema: FeedbackSchema}}}}}}
        409: {{description: Trạng thái không cho phép thao tác này}}
    """


def _route(action: str, schema, summary: str):
    def handler(feedback_id):
        return _action(feedback_id, action, schema)
    handler.__name__ = "feedback_" + action.replace("-", "_")
    handler.__doc__ = _DOC.format(summary=summary, schema=schema.__name__)
    bp.post(f"/feedback/<int:feedback_id>/{action}")(handler)
    return handler


classify = _route("classify", ClassifyBody, "Classify a PAKN: policy, procedure or officials' conduct.")
request_info = _route("request-info", ReasonBody, "Ask the sender for information (once, within 5 working days).")
refuse = _route("refuse", ReasonBody, "Refuse the PAKN with a reason (within 2 working days).")
answer = _route("answer", AnswerBody, "Answer (within 15 working days), publishing it at once when `publish`.")
publish = _route("publish", NoBody, "Publish an answer given unpublished (within 2 working days of the answer).")
