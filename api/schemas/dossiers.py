from marshmallow import Schema, ValidationError, fields, validate

from api.schemas.common import StrictSchema
from motcua.clock import VN_TZ


class ApplicantSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    id_number = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z]{6,20}$"))
    phone = fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9 .-]{8,20}$"))
    email = fields.Email(load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class DocumentItem(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    # Accepted for older clients and ignored: a document is digitized exactly when it has a file.
    digitized = fields.Boolean(load_default=False)
    copies = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100))
    file_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))  # issue 12
    reused_from = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))


class _OneOrOther(fields.Field):
    """A bare text, or an object of `schema`: desks write "Bản sao CCCD" as often as {name: ...}."""

    def __init__(self, schema, text_to: str, **kwargs):
        self.schema, self.text_to = schema, text_to
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {self.text_to: value}
        if not isinstance(value, dict):
            raise ValidationError("Phải là chuỗi ký tự hoặc một đối tượng JSON.")
        return self.schema().load(value)


class SupplementItem(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    kind = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                         metadata={"description": "bản chính / bản sao có chứng thực / bản sao…"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


def _document_field(**kwargs):
    return _OneOrOther(DocumentItem, "name", metadata={"oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 500}, {"$ref": "#/components/schemas/DocumentItem"}]},
        **kwargs)


def _supplement_item_field(**kwargs):
    return _OneOrOther(SupplementItem, "name", metadata={"oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 500}, {"$ref": "#/components/schemas/SupplementItem"}]},
        **kwargs)


class DossierCreate(StrictSchema):
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel = fields.String(required=True, validate=validate.OneOf(("direct", "online", "postal")))
    applicant = fields.Nested(ApplicantSchema, required=True)
    data = fields.Dict(load_default=dict)
    documents = fields.List(_document_field(), load_default=list, validate=validate.Length(max=200))


class DossierQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(
        ("processing", "supplement_requested", "done", "returned", "rejected", "stopped", "withdrawn")))
    overdue = fields.Boolean()
    procedure = fields.String(validate=validate.Length(max=64))
    office = fields.String(validate=validate.Length(max=64))
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "Tìm theo mã hồ sơ, họ tên người nộp (có hoặc không dấu), số giấy tờ tùy thân, số điện thoại"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SupplementRequest(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    items = fields.List(_supplement_item_field(), load_default=list, validate=validate.Length(max=100))


class SupplementBody(StrictSchema):
    documents = fields.List(_document_field(), load_default=list, validate=validate.Length(max=200))
    data = fields.Dict(load_default=None, allow_none=True)


class ApologyBody(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    new_due_at = fields.AwareDateTime(required=True, default_timezone=VN_TZ)  # no offset: Vietnamese time


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
    at = fields.String()
    by = fields.String()


class DocumentSchema(Schema):
    name = fields.String()
    copies = fields.Integer(allow_none=True)
    digitized = fields.Boolean()
    file_id = fields.String()  # issue 12: the document's file, its hash, its version (supplements)
    sha256 = fields.String()
    reused_from = fields.String()
    version = fields.Integer()


class ChecklistItemSchema(Schema):
    name = fields.String()
    copies = fields.Integer(allow_none=True)
    received = fields.Boolean()
    digitized = fields.Boolean()


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
    documents = fields.List(fields.Nested(DocumentSchema))
    checklist = fields.List(fields.Nested(ChecklistItemSchema))
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
    # issue 12: the electronic result, the citizen's key, the fee and its payments
    result_file = fields.Dict(allow_none=True)
    lookup_key = fields.String(allow_none=True)
    fee = fields.Integer(allow_none=True)
    paid = fields.Boolean()
    amount_paid = fields.Integer()
    payments = fields.List(fields.Dict())


class EventSchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    type = fields.String()
    actor = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    data = fields.Raw(allow_none=True)


class HistorySchema(Schema):
    events = fields.List(fields.Nested(EventSchema))
