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
    manifest = fields.Dict(metadata={"description": "Manifest đã đọc (để xem trước)"})
    forms = fields.Dict(metadata={"description": "Biểu mẫu điện tử của gói (để xem trước)"})


class DiffQuery(StrictSchema):
    against = fields.Integer(validate=validate.Range(min=1, max=999999999),
                             metadata={"description": "So với phiên bản này (mặc định: phiên bản liền trước)"})


class FieldChange(Schema):
    field = fields.String()
    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)


class StepBrief(Schema):
    id = fields.String()
    name = fields.String()
    lane = fields.String()
    allotment_days = fields.String()
    form = fields.String(allow_none=True)


class StepChange(Schema):
    id = fields.String()
    name = fields.String()
    changes = fields.List(fields.Nested(FieldChange))


class StepsDiff(Schema):
    added = fields.List(fields.Nested(StepBrief))
    removed = fields.List(fields.Nested(StepBrief))
    changed = fields.List(fields.Nested(StepChange))


class FormFieldChange(Schema):
    name = fields.String()
    title = fields.String(allow_none=True)
    changes = fields.List(fields.Nested(FieldChange))


class FormChange(Schema):
    form = fields.String()
    added = fields.List(fields.Dict())
    removed = fields.List(fields.Dict())
    changed = fields.List(fields.Nested(FormFieldChange))
    schema = fields.List(fields.Nested(FieldChange))


class FormsDiff(Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.Nested(FormChange))


class DiffSchema(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    version = fields.Integer()
    against = fields.Integer()
    same = fields.Boolean(metadata={"description": "Hai phiên bản giống nhau về mọi mặt so sánh"})
    legal_days = fields.Dict(allow_none=True, metadata={"description": "{before, after} khi thời hạn đổi"})
    manifest = fields.List(fields.Nested(FieldChange))
    steps = fields.Nested(StepsDiff)
    lanes = fields.Dict()
    forms = fields.Nested(FormsDiff)


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


# -- moving running dossiers to a new version (issue 14) ----------------------------------------

class MigrationRequest(StrictSchema):
    from_version = fields.Integer(required=True, validate=validate.Range(min=1))
    to_version = fields.Integer(required=True, validate=validate.Range(min=1))
    dossiers = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=None,
                           validate=validate.Length(max=5000), allow_none=True)
    dry_run = fields.Boolean(load_default=True)
    map = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                      values=fields.String(validate=validate.Length(min=1, max=200)), load_default=dict,
                      metadata={"description": "Ánh xạ mã phần tử BPMN cũ → mới cho các bước đổi mã"})


class MigrationProblem(Schema):
    element = fields.String(allow_none=True)
    message = fields.String()


class MigrationItem(Schema):
    code = fields.String()
    migratable = fields.Boolean()
    changes = fields.List(fields.Dict(), metadata={
        "description": "kind = step (before/after: bước, làn, cơ quan, hạn; due_moved_days: số ngày làm việc hạn "
                       "dịch chuyển), event (hẹn giờ đang chờ), dossier (hạn trả kết quả khi thời hạn luật định "
                       "đổi), form (trường biểu mẫu thêm, bớt, đổi)"})
    problems = fields.List(fields.Nested(MigrationProblem))


class MigrationResult(Schema):
    items = fields.List(fields.Nested(MigrationItem))
    migrated = fields.Integer()
    dry_run = fields.Boolean()
    from_version = fields.Integer()
    to_version = fields.Integer()
