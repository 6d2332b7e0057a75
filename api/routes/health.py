from flask import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from api.auth import platform
from scheduler.runner import status as scheduler_status

bp = Blueprint("health", __name__)


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    scheduler = fields.String()


@bp.get("/health")
def health():
    """Liveness of the API, its database and the scheduler.
    ---
    get:
      tags: [health]
      responses:
        200: {content: {application/json: {schema: HealthSchema}}}
        503: {content: {application/json: {schema: HealthSchema}}}
    """
    p = platform()
    database = "ok"
    try:
        with p.uow() as uow:
            uow.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - report, do not raise
        database = "unavailable"
    scheduler = scheduler_status(p) if database == "ok" else "unknown"
    status = "ok" if database == "ok" else "degraded"
    return HealthSchema().dump({"status": status, "database": database, "scheduler": scheduler}), (
        200 if database == "ok" else 503)
