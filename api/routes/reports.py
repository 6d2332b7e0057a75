"""Reports: the 766 service index, the monthly snapshots and their corrections, the dossier register
(form 07) and the public list of late handling."""
import re

from flask import Blueprint, make_response
from marshmallow import Schema, ValidationError, fields, validate

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import StrictSchema, paged
from motcua.services import dashboard, register, reports
from motcua.services import index766_drill as index766_drill_service

bp = Blueprint("reports", __name__)
_MONTH_FORM = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _MONTH(value: str) -> None:
    """A month the reports can be about: the regular form, and a year in the platform's era (past it
    the calendar arithmetic of a report runs beyond datetime's year 9999: 9999-12 answered 500)."""
    if not isinstance(value, str) or not _MONTH_FORM.match(value):
        raise ValidationError("Cần tháng dạng YYYY-MM, ví dụ 2026-11.")
    if not 2000 <= int(value[:4]) <= 2099:
        raise ValidationError("Tháng phải trong khoảng 2000-01 đến 2099-12.")


_DAY = validate.Regexp(r"^\d{4}-\d{2}-\d{2}$", error="Cần ngày dạng YYYY-MM-DD, ví dụ 2026-11-30.")


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
    code = fields.String(metadata={"description": "Số hiệu chỉ tiêu quốc gia, ví dụ 2.1, 5.4"})
    name = fields.String()
    numerator = fields.Float(allow_none=True)
    denominator = fields.Integer(allow_none=True)
    rate = fields.Float(allow_none=True, metadata={"description": "Tỷ lệ 0–1; null khi mẫu số bằng 0 (N/A)"})
    points = fields.Float(allow_none=True, metadata={"description": "null khi không đo được hoặc N/A"})
    max_points = fields.Float()
    threshold = fields.Float(metadata={"description": "Tỷ lệ đạt điểm tối đa (cấu hình)"})
    measured = fields.Boolean(metadata={"description": "false: nền tảng chưa có dữ liệu cho chỉ tiêu này"})
    detail = fields.List(fields.Dict(), metadata={"description": "2.2: thời gian trung bình từng thủ tục"})


class IndexGroupSchema(Schema):
    code = fields.String()
    key = fields.String(allow_none=True)
    name = fields.String()
    points = fields.Float()
    max_points = fields.Float()
    measured_max = fields.Float()
    indicators = fields.List(fields.Nested(IndicatorSchema))


class Index766Schema(Schema):
    office = fields.String(allow_none=True)
    office_name = fields.String(allow_none=True)
    month = fields.String()
    as_of = fields.DateTime()
    total = fields.Float()
    measured_max = fields.Float(metadata={"description": "Tổng điểm tối đa của các chỉ tiêu có điểm"})
    max_total = fields.Float(metadata={"description": "100: thang điểm của Quyết định 766"})
    groups = fields.List(fields.Nested(IndexGroupSchema))
    figures = fields.Dict()
    stored = fields.Boolean(metadata={"description": "true: số liệu tháng đã chốt (bản mới nhất)"})
    created_at = fields.DateTime(allow_none=True)
    snapshot_id = fields.Integer(allow_none=True)
    revision = fields.Integer(allow_none=True)
    corrects_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class MonthlyReportSchema(Index766Schema):
    pass


class CorrectionBody(StrictSchema):
    office = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    month = fields.String(required=True, validate=_MONTH)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class RegisterQuery(StrictSchema):
    office = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                           metadata={"description": "Mã cơ quan (gồm cả cơ quan trực thuộc); bỏ trống: cơ quan mình"})
    from_ = fields.String(data_key="from", load_default=None, validate=_DAY,
                          metadata={"description": "YYYY-MM-DD; mặc định: ngày đầu tháng này"})
    to = fields.String(load_default=None, validate=_DAY, metadata={"description": "YYYY-MM-DD; mặc định: hôm nay"})
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


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
    """The 766 service index of an office (its children included) or the province for a month:
    every indicator with its national number, numerator, denominator, rate, points and maximum.
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
    """The monthly report (figures and 766 index): the latest stored snapshot, or as of now.
    ---
    get:
      tags: [reports]
      parameters: [{in: query, schema: ReportQuery}]
      responses:
        200: {content: {application/json: {schema: MonthlyReportSchema}}}
        404: {description: Không có cơ quan này}
        422: {description: Tháng không hợp lệ}
    """
    actor = current_actor()
    q = query(ReportQuery)
    return MonthlyReportSchema().dump(reports.monthly_for(platform(), actor, q["office"], q["month"]))


@bp.post("/reports/monthly/corrections")
def correct_monthly():
    """A correction of a stored month (admin): a new snapshot referring to the one it corrects.
    ---
    post:
      tags: [reports]
      requestBody: {content: {application/json: {schema: CorrectionBody}}}
      responses:
        201: {content: {application/json: {schema: MonthlyReportSchema}}}
        403: {description: Chỉ quản trị viên}
        404: {description: Không có cơ quan này, hoặc tháng chưa được chốt}
        409: {description: Một đính chính khác vừa được lưu}
        422: {description: Dữ liệu không hợp lệ}
    """
    actor = current_actor()
    b = body(CorrectionBody)
    result = reports.correct_monthly(platform(), actor, b["office"], b["month"], b["reason"])
    return MonthlyReportSchema().dump(result), 201


@bp.get("/reports/register")
def dossier_register():
    """The dossier register (TT 03/2025/TT-VPCP form 07) of an office and its children, as CSV
    (UTF-8 with BOM) or XLSX: leaders and receivers of the office, admins, auditors.
    ---
    get:
      tags: [reports]
      parameters: [{in: query, schema: RegisterQuery}]
      responses:
        200:
          description: Sổ theo dõi hồ sơ
          content:
            text/csv: {schema: {type: string}}
            application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
        403: {description: Không có quyền xem sổ của cơ quan này}
        404: {description: Không có cơ quan này}
        422: {description: Ngày hoặc định dạng không hợp lệ}
    """
    actor = current_actor()
    q = query(RegisterQuery)
    content, media_type, name = register.export(platform(), actor, q["office"], q["from_"], q["to"], q["format"])
    response = make_response(content)
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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


# --- the leader's dashboard and the drill-down behind the 766 numbers (issue 15 item 4) ---------

class DrillQuery(ReportQuery):
    indicator = fields.String(required=True, validate=validate.Length(min=1, max=8),
                              metadata={"description": "Số hiệu chỉ tiêu: 2.1, 2.2, 3.1, 3.2, 3.3, 5.4"})
    part = fields.String(load_default="denominator", validate=validate.OneOf(["numerator", "denominator"]),
                         metadata={"description": "numerator (tử số) hoặc denominator (mẫu số)"})


class DrillDossierSchema(Schema):
    code = fields.String()
    procedure_name = fields.String()
    receiving_office_name = fields.String()
    competent_office_name = fields.String()
    status = fields.String()
    channel = fields.String()
    received_at = fields.DateTime()
    due_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    apology = fields.Boolean()
    end = fields.DateTime(metadata={"description": "2.1, 5.4: thời điểm kết thúc xử lý được xét"})
    on_time = fields.Boolean()
    waiting = fields.Boolean()
    supplement_requests = fields.Integer()
    disliked = fields.Boolean()


class DrillItemSchema(DrillDossierSchema):
    procedure = fields.String(metadata={"description": "unit=procedure: tên thủ tục"})
    online = fields.Boolean()
    average_days = fields.Float()
    allowed_days = fields.Float()
    within = fields.Boolean()
    dossiers = fields.Raw(metadata={"description": "2.2: các hồ sơ của thủ tục (như mục hồ sơ)"})


class DrillSchema(Schema):
    office = fields.String(allow_none=True)
    office_name = fields.String(allow_none=True)
    month = fields.String()
    as_of = fields.DateTime()
    indicator = fields.String()
    name = fields.String()
    part = fields.String()
    unit = fields.String(metadata={"description": "dossier: danh sách hồ sơ; procedure: danh sách thủ tục"})
    numerator = fields.Float(allow_none=True)
    denominator = fields.Integer(allow_none=True)
    count = fields.Float(metadata={"description": "Tử số hoặc mẫu số của chỉ tiêu"})
    total = fields.Integer(metadata={"description": "Số mục trong danh sách"})
    items = fields.Method("_items")
    note = fields.String(allow_none=True)

    def _items(self, obj):
        if obj["unit"] == "procedure":
            return [{**DrillItemSchema(exclude=("dossiers",)).dump(i),
                     **({"dossiers": DrillDossierSchema(many=True).dump(i["dossiers"])} if "dossiers" in i else {})}
                    for i in obj["items"]]
        return DrillDossierSchema(many=True).dump(obj["items"])


class LateStepSchema(Schema):
    step = fields.String()
    office_name = fields.String()
    due_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    officials = fields.List(fields.String(), metadata={"description": "Họ tên cán bộ chịu trách nhiệm"})


class LateDossierSchema(DrillDossierSchema):
    finished = fields.Boolean()
    reason = fields.String()
    steps = fields.List(fields.Nested(LateStepSchema))
    officials = fields.List(fields.String())


class RateSchema(Schema):
    numerator = fields.Float(allow_none=True)
    denominator = fields.Integer(allow_none=True)
    rate = fields.Float(allow_none=True)


class TrendPointSchema(RateSchema):
    month = fields.String()
    label = fields.String()
    stored = fields.Boolean()


class DashboardSchema(Schema):
    office = fields.String(allow_none=True)
    office_name = fields.String(allow_none=True)
    offices = fields.List(fields.Dict())
    month = fields.String()
    as_of = fields.DateTime()
    on_time = fields.Nested(RateSchema)
    trend = fields.List(fields.Nested(TrendPointSchema))
    late = fields.List(fields.Nested(LateDossierSchema))
    index = fields.Nested(Index766Schema)
    charts = fields.Dict(metadata={"description": "trend, index: SVG vẽ trên máy chủ"})


@bp.get("/reports/dashboard")
def leader_dashboard():
    """The leader's dashboard of an office (its children included) for a month: on-time rate and its
    12-month trend, late dossiers with the officials responsible, the 766 index, charts as SVG.
    Leaders: their office and below; admins and auditors: any office or the province.
    ---
    get:
      tags: [reports]
      parameters: [{in: query, schema: ReportQuery}]
      responses:
        200: {content: {application/json: {schema: DashboardSchema}}}
        403: {description: Không phải lãnh đạo của cơ quan này}
        404: {description: Không có cơ quan này}
        422: {description: Tháng không hợp lệ}
    """
    actor = current_actor()
    q = query(ReportQuery)
    return DashboardSchema().dump(dashboard.dashboard_for(platform(), actor, q["office"], q["month"]))


@bp.get("/reports/index766/dossiers")
def index766_drill():
    """The dossiers (or procedures) behind an indicator's numerator or denominator for an office
    and month: the list's length is the number the index shows (5.4: see `note`).
    ---
    get:
      tags: [reports]
      parameters: [{in: query, schema: DrillQuery}]
      responses:
        200: {content: {application/json: {schema: DrillSchema}}}
        403: {description: Không phải lãnh đạo của cơ quan này}
        404: {description: Không có cơ quan này}
        422: {description: Chỉ tiêu, phần hoặc tháng không hợp lệ}
    """
    actor = current_actor()
    q = query(DrillQuery)
    return DrillSchema().dump(index766_drill_service.drill_for(platform(), actor, q["office"], q["month"],
                                                               q["indicator"], q["part"]))
