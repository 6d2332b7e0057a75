from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate

from api.schemas.common import StrictSchema
from motcua.access import ROLES
from motcua.services import passwords
from motcua.services.people import LEVELS


def acceptable_password(value: str) -> None:
    """The password policy (config.yaml `security`) at the schema, so that its message comes with
    every other field's; the use case checks again with the user's own name and words."""
    found = passwords.problems(value, passwords.PasswordPolicy.from_settings(current_app.extensions["motcua"].settings))
    if found:
        raise ValidationError(found)


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class PasswordChange(StrictSchema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True,
                                 validate=[validate.Length(min=1, max=256), acceptable_password],
                                 metadata={"description": "Ít nhất security.password_min_length ký tự, không phải "
                                                          "mật khẩu phổ biến, không dễ đoán"})


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
    parent_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
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
    # the password policy (length, common passwords, guessability) is checked by services/passwords.py
    password = fields.String(required=True, load_only=True,
                             validate=[validate.Length(min=1, max=256), acceptable_password])
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    office_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    email = fields.Email(load_default=None, allow_none=True)


class UserUpdate(StrictSchema):
    full_name = fields.String(validate=validate.Length(min=1, max=255))
    password = fields.String(load_only=True, validate=[validate.Length(min=1, max=256), acceptable_password])
    office_code = fields.String(validate=validate.Length(min=1, max=64))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    email = fields.Email(allow_none=True)
    active = fields.Boolean()


class UserQuery(StrictSchema):
    office = fields.String(validate=validate.Length(min=1, max=64))
    role = fields.String(validate=validate.OneOf(ROLES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    office_code = fields.Function(lambda u: u.office.code if u.office else None, metadata={"type": "string"})
    office_name = fields.Function(lambda u: u.office.name if u.office else None, metadata={"type": "string"})
    roles = fields.List(fields.String())
    email = fields.String(allow_none=True)
    active = fields.Boolean()
