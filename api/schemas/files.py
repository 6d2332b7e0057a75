"""Bodies of the file and payment routes."""
from marshmallow import fields, validate

from api.schemas.common import StrictSchema


class ResultBody(StrictSchema):
    file_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    issued_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class PaymentBody(StrictSchema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    channel = fields.String(required=True, validate=validate.OneOf(("desk", "online", "postal")))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=128))
