from flask import Blueprint, current_app, request

from api.auth import bearer_token, current_actor, platform
from api.ratelimit import RateLimiter
from api.routes import body
from api.schemas.people import TokenRequest, TokenSchema, UserSchema
from motcua.errors import Unauthorized
from motcua.services import people

bp = Blueprint("auth", __name__)


def _failures() -> RateLimiter:
    """Failed sign-ins per address and user name: password guessing meets a 429."""
    limiter = current_app.extensions.get("motcua_login_failures")
    if limiter is None:
        per_minute = int(platform().settings.section("auth").get("failed_logins_per_minute", 10))
        limiter = current_app.extensions["motcua_login_failures"] = RateLimiter(per_minute)
    return limiter


@bp.post("/auth/token")
def token():
    """Sign in: a bearer token that expires.
    ---
    post:
      tags: [auth]
      security: []
      requestBody: {required: true, content: {application/json: {schema: TokenRequest}}}
      responses:
        200: {content: {application/json: {schema: TokenSchema}}}
        401: {description: Sai tên đăng nhập hoặc mật khẩu}
        429: {description: Đăng nhập sai quá nhiều lần}
    """
    data = body(TokenRequest)
    key = f"{request.remote_addr or '?'}|{data['username'].lower()}"
    failures = _failures()
    failures.ensure_allowed(key, "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau một phút.")
    try:
        issued = people.issue_token(platform(), data["username"], data["password"])
    except Unauthorized:
        failures.record(key)
        raise
    return TokenSchema().dump(issued)


@bp.post("/auth/revoke")
def revoke():
    """Sign out: the current token stops working.
    ---
    post:
      tags: [auth]
      security: [{bearer: []}]
      responses:
        204: {description: Đã thu hồi}
    """
    current_actor()
    people.revoke_token(platform(), bearer_token())
    return "", 204


@bp.get("/users/me")
def me():
    """The signed-in user, with their office and roles.
    ---
    get:
      tags: [people]
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: UserSchema}}}
    """
    actor = current_actor()
    return UserSchema().dump(people.get_user(platform(), actor.user_id))
