"""Reports: the 766 service index, the monthly report, and the public list of late handling."""
import re

from flask import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from api.auth import current_actor, platform
from api.routes import query
from api.schemas.common import StrictSchema, paged
from motcua.services import reports

bp = Blueprint("reports", __name__)
_MONTH_FORM = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _MONTH(value: str) -> None:
    """A month the reports can be about: the regular form, and a year in the platform's era (past it
    the calendar arithmetic of a report runs beyond datetime's year 9999: 9999-12 answered 500)."""
    if not isinstance(value, str) or not _MONTH_FORM.match(value):
        raise ValidationError("Cần tháng dạng YYYY-MM, ví dụ 2026-11.")
    if not 2000 <= int(value[:4]) <= 2099:
        raise ValidationError("Tháng phải trong khoảng 2000-01 đến 2099-12.")


class ReportQuery(StrictSchema):
    office = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                           metadata={"description": "Mã cơ quan; bỏ trống: toàn tỉnh"})
    month = fields.String(load_default=None, validate=_MONTH,
                          metadata={"description": "YYYY-MM (2000-01 đến 2099-12); mặc định: tháng này",
                                    "pattern": _MONTH_FORM.pattern})


class LateQuery(ReportQuery):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class IndicatorSchema(Schema):
    key = fields.String()
    name = fields.String()
    weight = fields.Float()
    target = fields.Float()
    value = fields.Float(allow_none=True)
    numerator = fields.Raw(allow_none=True)
    denominator = fields.Raw(allow_none=True)
    available = fields.Boolean()
    points = fields.Float()


class IndexGroupSchema(Schema):
    key = fields.String()
    name = fields.String()
    max_points = fields.Float()
    points = fields.Float()
    indicators = fields.List(fields.Nested(IndicatorSchema))


class Index766Schema(Schema):
    office = fields.String(allow_none=True)
    office_name = fields.String(allow_none=True)
    month = fields.String()
    as_of = fields.DateTime()
    groups = fields.List(fields.Nested(IndexGroupSchema))
    total = fields.Float()
    max_total = fields.Float()
    figures = fields.Dict()


class MonthlyReportSchema(Index766Schema):
    as_of = fields.String()
    stored = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


class LateOfficialSchema(Schema):
    full_name = fields.String()
    role = fields.String()
    claimed = fields.Boolean()


class LateHandlingSchema(Schema):
    kind = fields.String(metadata={"description": "dossier: the dossier passed its due time; step: one step did"})
    dossier_code = fields.String()
    procedure_name = fields.String()
    step = fields.String(allow_none=True)
    office = fields.String()
    office_name = fields.String()
    due_at = fields.DateTime()
    recorded_at = fields.DateTime()
    officials = fields.List(fields.Nested(LateOfficialSchema))



@bp.get("/reports/index766")
def index766():
    """The 766 service index of an office (or the province) for a month: five groups and the total.
    ---
    get:
      tags: [reports]
      parameters: [{in: query, schema: ReportQuery}]
      responses:
        200: {content: {application/json: {schema: Index766Schema}}}
        404: {description: Không có cơ quan này}
        422: {description: Tháng không hợp lệ}
    """
    actor = current_actor()
    q = query(ReportQuery)
    return Index766Schema().dump(reports.index766_for(platform(), actor, q["office"], q["month"]))


@bp.get("/reports/monthly")
def monthly():
    """The monthly report (figures and 766 index) as the scheduler stored it, or as of now.
    ---
    get:
      tags: [reports]
      parameters: [{in: query, schema: ReportQuery}]
      responses:
        200: {content: {application/json: {schema: MonthlyReportSchema}}}
        404: {description: Không có cơ quan này}
    """
    actor = current_actor()
    q = query(ReportQuery)
    return MonthlyReportSchema().dump(reports.monthly_for(platform(), actor, q["office"], q["month"]))


@bp.get("/reports/late-handling")
def late_handling():
    """Public list of late dossiers and steps with the officials responsible (Directive, seed 002, §1.4).
    ---
    get:
      tags: [reports]
      security: []
      parameters: [{in: query, schema: LateQuery}]
      responses:
        200: {content: {application/json: {schema: LateHandlingPageSchema}}}
    """
    q = query(LateQuery)
    items, total = reports.late_list(platform(), q["office"], q["month"], q["page"], q["per_page"])
    return paged(LateHandlingSchema, items, total, q["page"], q["per_page"])
