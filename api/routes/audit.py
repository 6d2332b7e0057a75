"""Audit: a dossier's hash-linked history with its replay, its export, and the check of every chain.

Auditors and admins read every office's dossiers; staff read the dossiers they see. Nothing here
writes: the service's sessions refuse any flush.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import StrictSchema
from api.schemas.dossiers import EventSchema
from motcua.services import audit, audit_timeline

bp = Blueprint("audit", __name__)


class AuditEventSchema(EventSchema):
    """A history event with its links in the hash chain."""

    prev_hash = fields.String(metadata={"description": "Mã băm của sự kiện liền trước (64 số 0 cho sự kiện đầu)"})
    hash = fields.String(metadata={"description": "sha256(prev_hash + JSON chuẩn hóa của sự kiện)"})


class ReplayDifferenceSchema(Schema):
    seq = fields.Integer(allow_none=True)
    detail = fields.String()


class ReplaySchema(Schema):
    consistent = fields.Boolean(metadata={"description": "Dựng lại từ lịch sử khớp với trạng thái đã lưu"})
    detail = fields.String(allow_none=True, metadata={"description": "Chỗ sai lệch đầu tiên, bằng lời"})
    diverged_at = fields.Integer(allow_none=True, metadata={"description": "Số thứ tự sự kiện sai lệch đầu tiên"})
    differences = fields.List(fields.Nested(ReplayDifferenceSchema))
    events_replayed = fields.Integer()
    ignored_types = fields.List(fields.String())


class AuditSchema(Schema):
    code = fields.String()
    chain_valid = fields.Boolean(metadata={"description": "Chuỗi băm nguyên vẹn (kể cả sự kiện cuối)"})
    first_broken = fields.Integer(allow_none=True, metadata={"description": "Số thứ tự đầu tiên bị sai"})
    events = fields.List(fields.Nested(AuditEventSchema))
    replay = fields.Nested(ReplaySchema)


class ExportProcedureSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    content_hash = fields.String()


class AuditExportSchema(Schema):
    format = fields.String()
    code = fields.String()
    procedure = fields.Nested(ExportProcedureSchema)
    exported_at = fields.String()
    exported_by = fields.String()
    hash = fields.Dict(metadata={"description": "Thuật toán và quy tắc tính mã băm, để tự kiểm tra"})
    anchor = fields.Dict()
    chain_valid = fields.Boolean()
    first_broken = fields.Integer(allow_none=True)
    replay = fields.Nested(ReplaySchema)
    events = fields.List(fields.Nested(AuditEventSchema))


class VerifyBody(StrictSchema):
    """The body may be empty (every dossier at once, incremental from each dossier's verified
    checkpoint); `limit` checks one page, from `after`; `full` hashes every event again."""

    full = fields.Boolean(load_default=False, metadata={
        "description": "true: băm lại mọi sự kiện, không dựa vào điểm đã kiểm tra trước (chậm hơn)"})
    after = fields.Integer(load_default=0, validate=validate.Range(min=0),
                           metadata={"description": "Con trỏ trang (giá trị `next` của trang trước)"})
    limit = fields.Integer(validate=validate.Range(min=1, max=5000),
                           metadata={"description": "Số hồ sơ tối đa của trang này"})


class VerifyResultSchema(Schema):
    checked = fields.Integer()
    broken = fields.List(fields.String(), metadata={"description": "Mã các hồ sơ có chuỗi băm bị sai"})
    first_broken = fields.Dict(keys=fields.String(), values=fields.Integer(),
                               metadata={"description": "Số thứ tự sai đầu tiên của mỗi hồ sơ"})
    calendar_chain_valid = fields.Boolean()
    calendar_first_broken = fields.Integer(allow_none=True)
    full = fields.Boolean(metadata={"description": "true: mọi sự kiện được băm lại; false: chỉ các sự kiện sau "
                                                   "điểm đã kiểm tra của mỗi hồ sơ"})
    files_broken = fields.List(fields.Dict(), metadata={"description": "Tệp bị sửa hoặc mất: {code, file_id, "
                                                                      "document, problem: changed|missing}"})
    total = fields.Integer(metadata={"description": "Tổng số hồ sơ"})
    next = fields.Integer(metadata={"description": "Con trỏ trang sau (không có: đã hết)"})


@bp.get("/dossiers/<code>/audit")
def dossier_audit(code):
    """A dossier's events with their hashes, the chain check and the replay.
    ---
    get:
      tags: [audit]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: AuditSchema}}}
        403: {description: Vai trò không được xem lịch sử kiểm tra}
        404: {description: Không tìm thấy}
    """
    return AuditSchema().dump(audit.audit_dossier(platform(), current_actor(), code))


@bp.get("/dossiers/<code>/audit/export")
def dossier_export(code):
    """Download the dossier's history as JSON, verifiable offline with sha256.
    ---
    get:
      tags: [audit]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      responses:
        200:
          description: Tệp JSON (tải về)
          content: {application/json: {schema: AuditExportSchema}}
        404: {description: Không tìm thấy}
    """
    document = audit.export_history(platform(), current_actor(), code)
    document["replay"] = ReplaySchema().dump(document["replay"])
    payload = json.dumps(document, ensure_ascii=False, indent=2)
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in document["code"])
    return Response(payload, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="lich-su-{safe}.json"'})


@bp.post("/audit/verify")
def verify():
    """Check the hash chain of every dossier (auditors, admins).
    ---
    post:
      tags: [audit]
      requestBody: {required: false, content: {application/json: {schema: VerifyBody}}}
      responses:
        200: {content: {application/json: {schema: VerifyResultSchema}}}
        403: {description: Chỉ thanh tra viên hoặc quản trị}
    """
    actor = current_actor()
    page = body(VerifyBody) or {}
    return VerifyResultSchema().dump(audit.verify_all(platform(), actor=actor, full=bool(page.get("full")),
                                                      after=page.get("after", 0), limit=page.get("limit")))


class TimelineField(Schema):
    label = fields.String()
    value = fields.String()
    form = fields.Boolean(metadata={"description": "Một trường dữ liệu do bước ghi, theo tiêu đề của biểu mẫu"})


class TimelineEvent(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    when = fields.String(metadata={"description": "dd/mm/yyyy hh:mm, giờ Việt Nam"})
    type = fields.String()
    name = fields.String(metadata={"description": "Tên sự kiện bằng tiếng Việt"})
    actor = fields.String(metadata={"description": "Họ tên người thực hiện"})
    step = fields.String(allow_none=True)
    summary = fields.String()
    fields_ = fields.List(fields.Nested(TimelineField), data_key="fields", attribute="fields")
    broken = fields.Boolean()
    diverged = fields.Boolean()
    hash = fields.String()


class TimelineSchema(Schema):
    code = fields.String()
    procedure = fields.String()
    procedure_version = fields.Integer()
    status = fields.String()
    receiving_office = fields.String()
    chain_valid = fields.Boolean()
    first_broken = fields.Integer(allow_none=True)
    replay = fields.Dict()
    verdict = fields.Dict(metadata={"description": "{ok, text}: kết luận bằng lời"})
    exported_at = fields.String()
    exported_by = fields.String()
    events = fields.List(fields.Nested(TimelineEvent))


class TimelineQuery(StrictSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


@bp.get("/dossiers/<code>/audit/timeline")
def dossier_timeline(code):
    """A dossier's history in words, with the chain and replay verdict (auditors, admins).
    ---
    get:
      tags: [audit]
      parameters:
        - {in: path, name: code, schema: {type: string}, required: true}
        - {in: query, schema: TimelineQuery}
      responses:
        200:
          content:
            application/json: {schema: TimelineSchema}
            text/csv: {schema: {type: string}}
        403: {description: Chỉ thanh tra viên hoặc quản trị}
        404: {description: Không tìm thấy}
    """
    fmt = query(TimelineQuery)["format"]
    data = audit_timeline.dossier_timeline(platform(), current_actor(), code)
    if fmt == "csv":
        safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in data["code"])
        return Response(audit_timeline.timeline_csv(data), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="dong-thoi-gian-{safe}.csv"'})
    return TimelineSchema().dump(data)
