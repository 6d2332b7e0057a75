from marshmallow import Schema, fields, validate

from api.schemas.common import StrictSchema


class ApplicantSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    id_number = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z]{6,20}$"))
    phone = fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9 .-]{8,20}$"))
    email = fields.Email(load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class DocumentItem(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    digitized = fields.Boolean(load_default=False)
    copies = fields.Integer(load_default=1, validate=validate.Range(min=0, max=100))


class DossierCreate(StrictSchema):
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel = fields.String(required=True, validate=validate.OneOf(("direct", "online", "postal")))
    applicant = fields.Nested(ApplicantSchema, required=True)
    data = fields.Dict(load_default=dict)
    documents = fields.List(fields.Nested(DocumentItem), load_default=list)


class DossierQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(
        ("processing", "supplement_requested", "done", "returned", "rejected", "stopped", "withdrawn")))
    overdue = fields.Boolean()
    procedure = fields.String()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SupplementRequest(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    items = fields.List(fields.String(validate=validate.Length(min=1, max=500)), load_default=list)


class SupplementBody(StrictSchema):
    documents = fields.List(fields.Nested(DocumentItem), load_default=list)
    data = fields.Dict(load_default=None, allow_none=True)


class ApologyBody(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    new_due_at = fields.AwareDateTime(required=True, default_timezone=None)


class ReasonBody(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class OptionalReasonBody(StrictSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class StepSchema(Schema):
    task_id = fields.String()
    name = fields.String()
    lane = fields.String()
    office = fields.String()
    due_at = fields.DateTime()
    assignee = fields.String(allow_none=True)


class ApologySchema(Schema):
    reason = fields.String()
    new_due_at = fields.String()
    on_time = fields.Boolean()
    original_due_at = fields.String()


class DossierSchema(Schema):
    code = fields.String()
    status = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    procedure_version = fields.Integer()
    channel = fields.String()
    receiving_office = fields.String()
    competent_office = fields.String()
    applicant = fields.Dict()
    data = fields.Dict()
    documents = fields.List(fields.Dict())
    received_at = fields.DateTime()
    clock_start = fields.DateTime()
    due_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    supplement_count = fields.Integer()
    paused = fields.Boolean()
    overdue = fields.Boolean()
    apology_required = fields.Boolean()
    apology = fields.Nested(ApologySchema, allow_none=True)
    current_steps = fields.List(fields.Nested(StepSchema))
    result = fields.Dict(allow_none=True)


class EventSchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    type = fields.String()
    actor = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    data = fields.Raw(allow_none=True)


class HistorySchema(Schema):
    events = fields.List(fields.Nested(EventSchema))
