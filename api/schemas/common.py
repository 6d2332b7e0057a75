from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class PageQuery(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


def page_of(item_schema):
    class _Page(Schema):
        items = fields.List(fields.Nested(item_schema))
        page = fields.Integer()
        per_page = fields.Integer()
        total = fields.Integer()
    _Page.__name__ = f"{item_schema.__name__.removesuffix('Schema')}PageSchema"
    return _Page


def paged(schema, items, total, page, per_page) -> dict:
    return {"items": schema(many=True).dump(items), "page": page, "per_page": per_page, "total": total}
