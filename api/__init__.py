"""The REST API: Flask's application factory with one blueprint per resource."""
from __future__ import annotations

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from motcua.config import Settings, load_settings
from motcua.db.models import Base
from motcua.db.session import engine_options
from motcua.platform import Platform, build_platform
from web import bp as web_bp

db = SQLAlchemy(model_class=Base)


def create_app(settings: Settings | None = None, *, clock=None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    from api.jsonsafe import SafeJSONProvider
    app.json = SafeJSONProvider(app)
    app.json.max_depth = int(settings.section("security")["json_max_depth"])
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=int(settings.limits["max_request_bytes"]),
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    db.init_app(app)
    with app.app_context():
        platform = build_platform(settings, engine=db.engine, clock=clock)
    app.extensions["motcua"] = platform

    from api import errors, openapi, security
    from api.routes import (
        audit, auth, calendar, diagrams, documents, dossiers, health, notifications, people, procedures, public,
        reports, tasks,
    )

    errors.register(app)
    security.register(app, platform)
    for module in (health, auth, people, procedures, dossiers, documents, tasks, calendar, public, audit,
                   notifications, reports, diagrams):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
    if platform.settings.section("security")["api_docs"]:
        openapi.register(app)  # the interactive docs and the OpenAPI document; off: both answer 404
    from api.routes import feedback as feedback_routes  # issue 13 item 3 (PAKN)
    from api.routes import files as files_routes, payments as payments_routes  # issue 12
    for module in (files_routes, payments_routes, feedback_routes):
        app.register_blueprint(module.bp, url_prefix="/api/v1")
    app.register_blueprint(web_bp)  # the pages people use: /, /tra-cuu, /app
    return app


def platform_of(app) -> Platform:
    return app.extensions["motcua"]
