from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class PageQuery(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ProblemDetailItem(Schema):
    line = fields.Integer(allow_none=True)
    element = fields.String(allow_none=True)
    message = fields.String()


class ProblemSchema(Schema):
    """application/problem+json (RFC 9457): a stable `type`, Vietnamese `title` and `detail`."""
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    problems = fields.List(fields.Nested(ProblemDetailItem))
    next_opening = fields.String(metadata={"description": "Giờ mở cửa tiếp theo (khi bộ phận một cửa đóng)"})
    retry_after = fields.Integer()
    element = fields.String(allow_none=True)
    latest_new_due_at = fields.String(metadata={"description": "Ngày hẹn mới muộn nhất được phép (xin lỗi, mẫu 04)"})


def page_of(item_schema):
    class _Page(Schema):
        items = fields.List(fields.Nested(item_schema))
        page = fields.Integer()
        per_page = fields.Integer()
        total = fields.Integer()
        total_exact = fields.Boolean(metadata={
            "description": "false khi danh sách quá dài: `total` khi đó là số đếm tối đa (lists.count_exact_up_to)"})
    _Page.__name__ = f"{item_schema.__name__.removesuffix('Schema')}PageSchema"
    return _Page


def paged(schema, items, total, page, per_page) -> dict:
    return {"items": schema(many=True).dump(items), "page": page, "per_page": per_page, "total": int(total),
            "total_exact": getattr(total, "exact", True)}
