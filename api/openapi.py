"""The OpenAPI document, generated from the marshmallow schemas and each route's docstring.

Every operation also gets the error answers every route can give (application/problem+json with
ProblemSchema): 400 malformed, 401/403 for signed-in routes, 404, 413 for bodies, 422, and a
`default`, so that clients and property-based tests can rely on the document.
"""
from __future__ import annotations

import inspect
from decimal import Decimal
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from flask import Blueprint, current_app, send_from_directory
from marshmallow import Schema

DOCS_HTML = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Một Cửa — API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""

# Endpoints that need no sign-in; every other operation is documented with the bearer scheme.
PUBLIC_ENDPOINTS = {"health.health", "auth.token", "public.lookup", "public.rate", "calendar.deadline",
                    "calendar.days"}

_ERRORS = {
    "400": "Yêu cầu không đọc được (JSON hỏng, không phải đối tượng)",
    "401": "Chưa đăng nhập, hoặc phiên đã hết hạn / bị thu hồi",
    "403": "Không có quyền thực hiện",
    "404": "Không tìm thấy (hoặc người gọi không được xem)",
    "409": "Xung đột trạng thái",
    "413": "Dữ liệu gửi lên quá lớn",
    "422": "Dữ liệu không hợp lệ; errors liệt kê lỗi theo từng trường",
    "429": "Quá nhiều yêu cầu",
}


def _schema_modules():
    """Modules whose Schema classes become components (other engineers add schemas to theirs)."""
    from api.routes import audit, calendar, feedback, health, notifications, public, reports
    from api.schemas import common, dossiers, people, procedures, tasks
    return (common, people, procedures, dossiers, tasks, calendar, health, public, audit, notifications, reports,
            feedback)


def _schemas():
    found: dict[str, type] = {}
    for module in _schema_modules():
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                found[name] = obj
    from api.schemas import common
    for item in ("OfficeSchema", "ProcedureSchema", "DossierSchema", "TaskSchema", "UserSchema",
                 "NotificationSchema", "LateHandlingSchema", "FeedbackSchema"):
        page = common.page_of(found[item])
        found[page.__name__] = page
    return found


def _schema_resolver(schema):
    cls = schema if inspect.isclass(schema) else type(schema)
    return cls.__name__


def _problem_content() -> dict:
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemSchema"}}}


def _complete_responses(operation: dict, *, secured: bool, path_params: bool) -> None:
    responses = operation.setdefault("responses", {})
    for code, response in list(responses.items()):
        code = str(code)
        if code[:1] in "45" and "content" not in response:
            response["content"] = _problem_content()
        response.setdefault("description", _ERRORS.get(code, "Kết quả"))
    wanted = ["400", "422"]
    if secured:
        wanted += ["401", "403"]
    if path_params or secured:
        wanted.append("404")
    if "requestBody" in operation:
        wanted.append("413")
    for code in wanted:
        if code not in responses and int(code) not in responses:
            responses[code] = {"description": _ERRORS[code], "content": _problem_content()}
    responses.setdefault("default", {"description": "Lỗi khác (application/problem+json)",
                                     "content": _problem_content()})


_NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def _numbers(node):
    """apispec copies a Decimal field's Range bounds as Decimals (printed as strings): make them numbers."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _NUMERIC_KEYWORDS and isinstance(value, (Decimal, str)):
                number = Decimal(str(value))
                node[key] = int(number) if number == number.to_integral_value() else float(number)
            else:
                _numbers(value)
    elif isinstance(node, list):
        for item in node:
            _numbers(item)
    return node


@lru_cache(maxsize=1)
def _build(rules: tuple) -> dict:
    spec = APISpec(title="Một Cửa API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_resolver)],
                   info={"description": "API xử lý thủ tục hành chính một cửa (tiếp nhận, giải quyết, trả kết quả). "
                                        "Lỗi trả về dạng application/problem+json (RFC 9457) bằng tiếng Việt; "
                                        "danh sách phân trang bằng page và per_page."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    schemas = _schemas()
    # plain schemas first: a page schema registers its nested item schema by the same name
    for name, schema in sorted(schemas.items(), key=lambda kv: ("PageSchema" in kv[0], kv[0])):
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    views = current_app.view_functions
    for rule, endpoint in rules:
        operations = load_operations_from_docstring(views[endpoint].__doc__ or "")
        if not operations:
            continue
        for operation in operations.values():
            # public: listed above, or declared so in the route's docstring with `security: []`
            secured = endpoint not in PUBLIC_ENDPOINTS and operation.get("security") != []
            if secured:
                operation.setdefault("security", [{"bearer": []}])
            else:
                operation["security"] = []
            _complete_responses(operation, secured=secured, path_params="<" in rule)
        path = rule.replace("<", "{").replace(">", "}")
        for converter in ("int:", "path:", "string:"):
            path = path.replace("{" + converter, "{")
        spec.path(path=path, operations=operations)
    return _numbers(spec.to_dict())


def register(app) -> None:
    bp = Blueprint("openapi", __name__)

    @bp.get("/api/v1/openapi.json")
    def openapi_json():
        rules = tuple(sorted((r.rule, r.endpoint) for r in current_app.url_map.iter_rules()
                             if r.rule.startswith("/api/v1/") and r.endpoint != "openapi.openapi_json"))
        return _build(rules)

    @bp.get("/api/docs")
    def docs():
        return DOCS_HTML

    @bp.get("/api/docs/static/<path:filename>")
    def docs_static(filename):
        from swagger_ui_bundle import swagger_ui_path
        return send_from_directory(swagger_ui_path, filename)

    app.register_blueprint(bp)
