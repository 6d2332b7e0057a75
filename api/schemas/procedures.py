from marshmallow import Schema, fields, validate

from api.schemas.common import StrictSchema


class PublishRequest(StrictSchema):
    manifest = fields.Dict(required=True)
    bpmn = fields.String(required=True, validate=validate.Length(min=1))
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)


class ProblemItem(Schema):
    line = fields.Integer(allow_none=True)
    element = fields.String(allow_none=True)
    message = fields.String()


class PublishResult(Schema):
    code = fields.String()
    version = fields.Integer()
    process_id = fields.String()
    warnings = fields.List(fields.Nested(ProblemItem), metadata={
        "description": "Điều nên sửa nhưng không chặn công bố (vd. thiếu dữ liệu công bố thủ tục)"})


class ValidateResult(Schema):
    valid = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemItem))
    warnings = fields.List(fields.Nested(ProblemItem))
    steps = fields.List(fields.Dict())


class VersionSchema(Schema):
    version = fields.Integer()
    process_id = fields.String()
    content_hash = fields.String()
    published_at = fields.DateTime()
    manifest = fields.Dict()


class ProcedureSchema(Schema):
    code = fields.String()
    name = fields.String()
    latest_version = fields.Integer()
    legal_days = fields.Raw(metadata={"type": "number",
                                      "description": "Số ngày làm việc theo quy định (0 = trong ngày)"})
    field = fields.String()
    fee = fields.Integer()
    channels = fields.List(fields.String())
    competent_office = fields.String()
    saturday_service = fields.Boolean()
    boundary_free = fields.Boolean()


class ProcedureDetailSchema(ProcedureSchema):
    manifest = fields.Dict()
    forms = fields.Dict()
    versions = fields.List(fields.Nested(VersionSchema))
