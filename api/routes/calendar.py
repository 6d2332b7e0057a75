from flask import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import StrictSchema
from motcua.errors import Invalid
from motcua.services import calendar_admin, calendar_years

bp = Blueprint("calendar", __name__)


def _within_calendar(value) -> None:
    """The holidays package and our zone rules are meaningful for this era, not for year 0108."""
    if not 2000 <= value.year <= 2100:
        raise ValidationError("Chỉ tính được thời hạn cho các năm 2000–2100.")


class DeadlineQuery(StrictSchema):
    office = fields.String(load_default=None)
    start = fields.AwareDateTime(required=True, default_timezone=None, validate=_within_calendar)
    days = fields.Decimal(required=True, validate=validate.Range(min=0, max=3650))


class DeadlineSchema(Schema):
    clock_start = fields.DateTime()
    due_at = fields.DateTime()
    calendar = fields.String()
    explanation = fields.String()


class DaysQuery(StrictSchema):
    office = fields.String(load_default=None)
    from_ = fields.Date(required=True, data_key="from", validate=_within_calendar)
    to = fields.Date(required=True, validate=_within_calendar)



class DaySchema(Schema):
    date = fields.Date()
    working = fields.Boolean()
    holiday = fields.String()
    saturday_service = fields.Boolean()


class DaysSchema(Schema):
    days = fields.List(fields.Nested(DaySchema))


class OverrideCreate(StrictSchema):
    date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("day_off", "working_day")))
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    office = fields.String(load_default=None, allow_none=True)


class OverrideSchema(Schema):
    id = fields.Integer()
    date = fields.Date(attribute="day")
    kind = fields.String()
    name = fields.String()
    office_id = fields.Integer(allow_none=True)


class OverrideListSchema(Schema):
    items = fields.List(fields.Nested(OverrideSchema))


@bp.get("/calendar/deadline")
def deadline():
    """Clock start and due time for a receipt at `start` with `days` working days (public).
    ---
    get:
      tags: [calendar]
      parameters: [{in: query, schema: DeadlineQuery}]
      responses:
        200: {content: {application/json: {schema: DeadlineSchema}}}
    """
    q = query(DeadlineQuery)
    return DeadlineSchema().dump(calendar_admin.deadline(platform(), q["office"], q["start"], q["days"]))


@bp.get("/calendar/days")
def days():
    """One entry a day: working or not, holiday name, Saturday service (public).
    ---
    get:
      tags: [calendar]
      parameters: [{in: query, schema: DaysQuery}]
      responses:
        200: {content: {application/json: {schema: DaysSchema}}}
    """
    q = query(DaysQuery)
    return {"days": DaySchema(many=True).dump(calendar_admin.days(platform(), q["office"], q["from_"], q["to"]))}


@bp.get("/calendar/overrides")
def list_overrides():
    """Days off and working days entered by administrators.
    ---
    get:
      tags: [calendar]
      responses:
        200: {content: {application/json: {schema: OverrideListSchema}}}
    """
    current_actor()
    return {"items": OverrideSchema(many=True).dump(calendar_admin.list_overrides(platform()))}


@bp.post("/calendar/overrides")
def add_override():
    """Add a day off or working day (admin): open due times are recomputed.
    ---
    post:
      tags: [calendar]
      requestBody: {content: {application/json: {schema: OverrideCreate}}}
      responses:
        201: {description: Đã thêm; recomputed cho biết số hồ sơ đổi hạn}
    """
    actor = current_actor()
    data = body(OverrideCreate)
    result = calendar_admin.add_override(platform(), actor, day=data["date"], kind=data["kind"],
                                         name=data["name"], office_code=data["office"])
    result["date"] = result["date"].isoformat()
    return result, 201


@bp.delete("/calendar/overrides/<int:override_id>")
def remove_override(override_id):
    """Remove an override (admin): open due times are recomputed.
    ---
    delete:
      tags: [calendar]
      parameters: [{in: path, name: override_id, schema: {type: integer}, required: true}]
      responses:
        200: {description: Đã xóa}
    """
    return calendar_admin.remove_override(platform(), current_actor(), override_id)


class YearConfirm(StrictSchema):
    source = fields.String(required=True, validate=validate.Length(min=1, max=500))


class YearSchema(Schema):
    year = fields.Integer()
    source = fields.String()
    confirmed_at = fields.DateTime(allow_none=True)
    by = fields.String(allow_none=True)


class YearListSchema(Schema):
    items = fields.List(fields.Nested(YearSchema))


@bp.get("/calendar/years")
def list_years():
    """The years whose schedule (the government's notice of days off and swaps) is confirmed.
    ---
    get:
      tags: [calendar]
      responses:
        200: {content: {application/json: {schema: YearListSchema}}}
    """
    current_actor()
    return {"items": YearSchema(many=True).dump(calendar_years.list_years(platform()))}


@bp.post("/calendar/years/<year>/confirm")
def confirm_year(year):
    """Confirm a year's schedule once its notice is entered (admin; recorded in the global chain).
    ---
    post:
      tags: [calendar]
      parameters: [{in: path, name: year, schema: {type: string, pattern: '^[0-9]{4}$'}, required: true}]
      requestBody: {content: {application/json: {schema: YearConfirm}}}
      responses:
        201: {content: {application/json: {schema: YearSchema}}}
    """
    actor = current_actor()
    data = body(YearConfirm)
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        message = "Năm phải có bốn chữ số, ví dụ 2027."
        raise Invalid(message, errors={"year": [message]})
    return YearSchema().dump(calendar_years.confirm_year(platform(), actor, int(year),
                                                         source=data["source"])), 201
