from flask import Blueprint

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import PageQuery, paged
from api.schemas.people import OfficeCreate, OfficeSchema, UserCreate, UserSchema
from motcua.services import people

bp = Blueprint("people", __name__)


@bp.post("/offices")
def create_office():
    """Create an office (admin).
    ---
    post:
      tags: [people]
      requestBody: {content: {application/json: {schema: OfficeCreate}}}
      responses:
        201: {content: {application/json: {schema: OfficeSchema}}}
    """
    actor = current_actor()
    return OfficeSchema().dump(people.create_office(platform(), actor, body(OfficeCreate))), 201


@bp.get("/offices")
def list_offices():
    """Offices of the province.
    ---
    get:
      tags: [people]
      parameters: [{in: query, schema: PageQuery}]
      responses:
        200: {content: {application/json: {schema: OfficePageSchema}}}
    """
    current_actor()
    q = query(PageQuery)
    rows, total = people.list_offices(platform(), q["page"], q["per_page"])
    return paged(OfficeSchema, rows, total, q["page"], q["per_page"])


@bp.post("/users")
def create_user():
    """Create a user (admin).
    ---
    post:
      tags: [people]
      requestBody: {content: {application/json: {schema: UserCreate}}}
      responses:
        201: {content: {application/json: {schema: UserSchema}}}
    """
    actor = current_actor()
    return UserSchema().dump(people.create_user(platform(), actor, body(UserCreate))), 201
