"""The signed-in official's notifications: due soon, overdue, assigned, reminders, reports."""
from flask import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_actor, platform
from api.routes import query
from api.schemas.common import StrictSchema, paged
from motcua.services import notifications

bp = Blueprint("notifications", __name__)


class NotificationQuery(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    unread = fields.Boolean(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, validate=validate.OneOf(notifications.KINDS))


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "assigned, reminder, step_due_soon, step_overdue, due_soon, "
                                                  "overdue, monthly_report, report_deadline, saturday_desk, calendar_unconfirmed, "
                                                  "feedback_due_soon, feedback_overdue"})
    title = fields.String()
    body = fields.String()
    dossier_code = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Boolean()
    data = fields.Dict()



class ReadAllSchema(Schema):
    updated = fields.Integer()


@bp.get("/notifications")
def list_notifications():
    """The signed-in user's notifications, newest first.
    ---
    get:
      tags: [notifications]
      parameters: [{in: query, schema: NotificationQuery}]
      responses:
        200: {content: {application/json: {schema: NotificationPageSchema}}}
        401: {description: Chưa đăng nhập}
    """
    actor = current_actor()
    q = query(NotificationQuery)
    items, total = notifications.list_for(platform(), actor, page=q["page"], per_page=q["per_page"],
                                          unread=q["unread"], kind=q["kind"])
    return paged(NotificationSchema, items, total, q["page"], q["per_page"])


@bp.post("/notifications/<int:notification_id>/read")
def read(notification_id):
    """Mark one notification read.
    ---
    post:
      tags: [notifications]
      parameters: [{in: path, name: notification_id, schema: {type: integer}, required: true}]
      responses:
        200: {content: {application/json: {schema: NotificationSchema}}}
        404: {description: Không tìm thấy}
    """
    return NotificationSchema().dump(notifications.mark_read(platform(), current_actor(), notification_id))


@bp.post("/notifications/read-all")
def read_all():
    """Mark every notification of the signed-in user read.
    ---
    post:
      tags: [notifications]
      responses:
        200: {content: {application/json: {schema: ReadAllSchema}}}
    """
    return ReadAllSchema().dump({"updated": notifications.mark_all_read(platform(), current_actor())})
