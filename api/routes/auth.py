from flask import Blueprint, request

from api.auth import current_actor, platform
from api.routes import body
from api.schemas.people import TokenRequest, TokenSchema, UserSchema
from motcua.services import people

bp = Blueprint("auth", __name__)


@bp.post("/auth/token")
def token():
    """Sign in: a bearer token that expires.
    ---
    post:
      tags: [auth]
      requestBody: {content: {application/json: {schema: TokenRequest}}}
      responses:
        200: {content: {application/json: {schema: TokenSchema}}}
        401: {description: Sai tên đăng nhập hoặc mật khẩu}
    """
    data = body(TokenRequest)
    return TokenSchema().dump(people.issue_token(platform(), data["username"], data["password"]))


@bp.post("/auth/revoke")
def revoke():
    """Sign out: the current token stops working.
    ---
    post:
      tags: [auth]
      responses:
        204: {description: Đã thu hồi}
    """
    current_actor()
    people.revoke_token(platform(), request.headers["Authorization"].partition(" ")[2].strip())
    return "", 204


@bp.get("/users/me")
def me():
    """The signed-in user.
    ---
    get:
      tags: [people]
      responses:
        200: {content: {application/json: {schema: UserSchema}}}
    """
    actor = current_actor()
    return UserSchema().dump(people.get_user(platform(), actor.user_id))
