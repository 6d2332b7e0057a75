from marshmallow import Schema, fields, validate

from api.schemas.common import StrictSchema
from motcua.access import ROLES
from motcua.services.people import LEVELS


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_at = fields.DateTime()


class OfficeHoursSchema(StrictSchema):
    periods = fields.List(fields.List(fields.String(validate=validate.Regexp(r"^\d{2}:\d{2}$")),
                                      validate=validate.Length(equal=2)), validate=validate.Length(min=1, max=4))
    cutoff = fields.String(validate=validate.Regexp(r"^\d{2}:\d{2}$"))


class OfficeCreate(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent_code = fields.String(load_default=None, allow_none=True)
    saturday = fields.String(load_default="none", validate=validate.OneOf(("none", "morning", "full_day")))
    hours = fields.Nested(OfficeHoursSchema, load_default=None, allow_none=True)


class OfficeSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)
    saturday = fields.String()
    hours = fields.Dict(allow_none=True)


class UserCreate(StrictSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._-]{3,64}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=256))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    office_code = fields.String(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    email = fields.Email(load_default=None, allow_none=True)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    office_code = fields.Function(lambda u: u.office.code if u.office else None)
    roles = fields.List(fields.String())
    email = fields.String(allow_none=True)
