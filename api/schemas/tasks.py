from marshmallow import Schema, fields, validate

from api.schemas.common import StrictSchema


class TaskQuery(StrictSchema):
    scope = fields.String(validate=validate.OneOf(("mine", "candidate", "all")))
    state = fields.String(load_default="ready", validate=validate.OneOf(("ready", "completed", "cancelled", "all")))
    dossier = fields.String(validate=validate.Length(min=1, max=64))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class CompleteBody(StrictSchema):
    data = fields.Dict(load_default=dict)


class TaskSchema(Schema):
    id = fields.String()
    name = fields.String()
    lane = fields.String()
    role = fields.String()
    office = fields.String()
    state = fields.String()
    dossier_code = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    allotment_days = fields.String()
    ready_at = fields.DateTime()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    assignee = fields.String(allow_none=True)
    form = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    data = fields.Dict(allow_none=True)


class TaskDetailSchema(TaskSchema):
    form_schema = fields.Dict(allow_none=True)
