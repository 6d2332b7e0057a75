"""The OpenAPI document, generated from the marshmallow schemas and each route's docstring."""
from __future__ import annotations

import inspect
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


def _schemas():
    from api.routes import calendar, health, public
    from api.schemas import common, dossiers, people, procedures, tasks
    found: dict[str, type] = {}
    for module in (common, people, procedures, dossiers, tasks, calendar, health, public):
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                found[name] = obj
    for item in ("OfficeSchema", "ProcedureSchema", "DossierSchema", "TaskSchema"):
        page = common.page_of(found[item])
        found[page.__name__] = page
    return found


def _schema_resolver(schema):
    cls = schema if inspect.isclass(schema) else type(schema)
    name = cls.__name__
    return name if not getattr(schema, "many", False) else name


@lru_cache(maxsize=1)
def _build(rules: tuple) -> dict:
    spec = APISpec(title="Một Cửa API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_resolver)],
                   info={"description": "API xử lý thủ tục hành chính một cửa (tiếp nhận, giải quyết, trả kết quả)."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in sorted(_schemas().items()):
        spec.components.schema(name, schema=schema)
    views = current_app.view_functions
    for rule, endpoint in rules:
        operations = load_operations_from_docstring(views[endpoint].__doc__ or "")
        if operations:
            path = rule.replace("<", "{").replace(">", "}")
            path = path.replace("{int:", "{")
            spec.path(path=path, operations=operations)
    return spec.to_dict()


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
