from flask import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import PageQuery, StrictSchema, paged
from api.schemas.people import OfficeCreate, OfficeSchema, UserCreate, UserQuery, UserSchema, UserUpdate
from motcua.services import desk, people

bp = Blueprint("people", __name__)


@bp.post("/offices")
def create_office():
    """Create an office (admin).
    ---
    post:
      tags: [people]
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: OfficeCreate}}}
      responses:
        201: {content: {application/json: {schema: OfficeSchema}}}
        409: {description: Mã cơ quan đã tồn tại}
    """
    actor = current_actor()
    actor.require("admin")
    return OfficeSchema().dump(people.create_office(platform(), actor, body(OfficeCreate))), 201


@bp.get("/offices")
def list_offices():
    """Offices of the province (any signed-in user).
    ---
    get:
      tags: [people]
      security: [{bearer: []}]
      parameters: [{in: query, schema: PageQuery}]
      responses:
        200: {content: {application/json: {schema: OfficePageSchema}}}
    """
    current_actor()
    q = query(PageQuery)
    rows, total = people.list_offices(platform(), q["page"], q["per_page"])
    return paged(OfficeSchema, rows, total, q["page"], q["per_page"])


@bp.get("/offices/<code>")
def get_office(code):
    """One office.
    ---
    get:
      tags: [people]
      security: [{bearer: []}]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: OfficeSchema}}}
    """
    current_actor()
    return OfficeSchema().dump(people.get_office(platform(), code))


@bp.post("/users")
def create_user():
    """Create a user (admin).
    ---
    post:
      tags: [people]
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: UserCreate}}}
      responses:
        201: {content: {application/json: {schema: UserSchema}}}
        409: {description: Tên đăng nhập đã tồn tại}
    """
    actor = current_actor()
    actor.require("admin")
    return UserSchema().dump(people.create_user(platform(), actor, body(UserCreate))), 201


@bp.get("/users")
def list_users():
    """User accounts (admins and auditors), optionally of one office or role.
    ---
    get:
      tags: [people]
      security: [{bearer: []}]
      parameters: [{in: query, schema: UserQuery}]
      responses:
        200: {content: {application/json: {schema: UserPageSchema}}}
    """
    actor = current_actor()
    q = query(UserQuery)
    rows, total = people.list_users(platform(), actor, office=q.get("office"), role=q.get("role"), page=q["page"],
                                    per_page=q["per_page"])
    return paged(UserSchema, rows, total, q["page"], q["per_page"])


@bp.patch("/users/<username>")
def update_user(username):
    """Change a user's name, office, roles, password or active flag (admin); deactivation, a new
    password or a move to another office ends the user's open sessions.
    ---
    patch:
      tags: [people]
      security: [{bearer: []}]
      parameters: [{in: path, name: username, schema: {type: string}, required: true}]
      requestBody: {required: true, content: {application/json: {schema: UserUpdate}}}
      responses:
        200: {content: {application/json: {schema: UserSchema}}}
    """
    actor = current_actor()
    actor.require("admin")
    return UserSchema().dump(people.update_user(platform(), actor, username, body(UserUpdate)))


class DeskQuery(StrictSchema):
    procedure = fields.String(validate=validate.Length(min=1, max=64))
    at = fields.AwareDateTime(metadata={"description": "Thời điểm hỏi (mặc định: bây giờ)"})


class DeskSchema(Schema):
    office = fields.String()
    office_name = fields.String()
    at = fields.DateTime()
    open = fields.Boolean()
    next_opening = fields.DateTime()
    message = fields.String(allow_none=True)


@bp.get("/offices/<code>/desk")
def office_desk(code):
    """Is the office's desk open for a direct-channel receipt (of a procedure) now or at `at`?
    ---
    get:
      tags: [people]
      security: [{bearer: []}]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}, {in: query, schema: DeskQuery}]
      responses:
        200: {content: {application/json: {schema: DeskSchema}}}
        404: {description: Không có cơ quan hoặc thủ tục}
    """
    actor = current_actor()
    q = query(DeskQuery)
    return DeskSchema().dump(desk.desk_state(platform(), actor, code, procedure=q.get("procedure"), at=q.get("at")))
