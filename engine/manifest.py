"""The procedure manifest (contract: "manifest"), checked with marshmallow."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from engine.problems import Problem
from engine.publication import load_publication
from forms.messages import field_errors

CHANNELS = ("direct", "online", "postal")
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
MAX_PROTECTED = 100  # protected process variables per procedure: a sanity bound, not a legal one


class DocumentSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    copies = fields.Integer(load_default=1, validate=validate.Range(min=0, max=100))


class ManifestSchema(Schema):
    class Meta:
        unknown = INCLUDE  # designers may add their own notes (legal_basis, official_code, ...)

    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", error="Mã thủ tục chỉ gồm chữ, số, '.', '_' hoặc '-' (tối đa 64 ký tự)."))
    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    field = fields.String(required=True, validate=validate.Length(min=1, max=255))
    legal_days = fields.Decimal(required=True, as_string=True, validate=validate.Range(min=0, max=365))
    fee = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    documents = fields.List(fields.Nested(DocumentSchema), required=True)
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), required=True,
                           validate=validate.Length(min=1))
    competent_office = fields.String(required=True, validate=validate.Length(min=1, max=64))
    saturday_service = fields.Boolean(required=True)
    saturday_hours = fields.String(load_default=None, allow_none=True,
                                   validate=validate.OneOf(("morning", "full_day")))
    boundary_free = fields.Boolean(required=True)
    process_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    application_form = fields.String(load_default=None, allow_none=True)
    # Process variables that scripts maintain (e.g. a supplement-round counter): no form may
    # declare them and no completion or receipt may write them (forms.validate_form_data).
    protected_variables = fields.List(fields.String(validate=validate.Regexp(
        IDENTIFIER, error="Tên biến phải là định danh Python (chữ, số, '_'; không bắt đầu bằng số).")),
        validate=validate.Length(max=MAX_PROTECTED))

    @validates_schema
    def _channels_unique(self, data, **kwargs):
        channels = data.get("channels") or []
        if len(set(channels)) != len(channels):
            raise ValidationError("Kênh tiếp nhận bị lặp.", "channels")

    @validates_schema
    def _protected_unique(self, data, **kwargs):
        names = data.get("protected_variables") or []
        if len(set(names)) != len(names):
            raise ValidationError("Biến được bảo vệ bị lặp.", "protected_variables")


def load_manifest(raw) -> tuple[dict | None, list[Problem], list[Problem]]:
    """(manifest, errors, warnings); the publication block is checked by engine.publication."""
    if not isinstance(raw, dict):
        return None, [Problem("manifest phải là một đối tượng (YAML/JSON).")], []
    raw = dict(raw)
    publication, problems, warnings = load_publication(raw.pop("publication", None))
    try:
        data = ManifestSchema().load(raw)
    except ValidationError as err:
        return None, problems + [Problem(f"manifest.{path}: {msg}", element=f"manifest.{path}")
                                 for path, messages in field_errors(err.messages).items() for msg in messages], warnings
    if problems:
        return None, problems, warnings
    data["legal_days"] = str(data["legal_days"])
    data["documents"] = [dict(d) for d in data["documents"]]
    if publication is not None:
        data["publication"] = publication
    return data, [], warnings
