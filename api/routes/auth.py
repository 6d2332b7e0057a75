"""Signing in and out, and the signed-in user's own account (password change)."""
from flask import Blueprint

from api import ratelimit
from api.auth import bearer_token, current_actor, platform
from api.routes import body
from api.schemas.people import PasswordChange, TokenRequest, TokenSchema, UserSchema
from api.security import security_event
from motcua.errors import Invalid, Unauthorized
from motcua.services import people, throttle

bp = Blueprint("auth", __name__)


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
        429: {description: Đăng nhập sai quá nhiều lần (theo địa chỉ hoặc theo tài khoản); xem Retry-After}
        503: {description: Quá nhiều lượt kiểm tra mật khẩu cùng lúc; thử lại sau Retry-After giây}
    """
    data = body(TokenRequest)
    p = platform()
    ratelimit.before_sign_in(p, data["username"])
    try:
        issued = people.issue_token(p, data["username"], data["password"])
    except Unauthorized as err:
        delay = ratelimit.sign_in_failed(p, data["username"])
        security_event("login_failed", account_id=getattr(err, "user_id", None) or "unknown", delay=delay)
        raise
    ratelimit.sign_in_succeeded(p, data["username"])
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


@bp.post("/users/me/password")
def change_password():
    """Change one's own password: the current one, then a new one the password policy accepts
    (long enough, not a common password, not easy to guess). The user's other sessions end; this
    one stays open. Wrong current passwords count as failed sign-ins of the account.
    ---
    post:
      tags: [people]
      security: [{bearer: []}]
      requestBody: {required: true, content: {application/json: {schema: PasswordChange}}}
      responses:
        204: {description: Đã đổi mật khẩu}
        422: {description: Mật khẩu hiện tại sai, hoặc mật khẩu mới không đạt yêu cầu (errors theo trường)}
        429: {description: Nhập sai mật khẩu quá nhiều lần; xem Retry-After}
        503: {description: Quá nhiều lượt kiểm tra mật khẩu cùng lúc; thử lại sau Retry-After giây}
    """
    actor = current_actor()
    data = body(PasswordChange)
    p = platform()
    rule = ratelimit.login_account_rule(p)
    throttle.check_backoff(p, rule, ratelimit.account_subject(actor.username))
    try:
        people.change_own_password(p, actor, bearer_token(), data["current_password"], data["new_password"])
    except Invalid as err:
        if err.errors and "current_password" in err.errors:
            delay = throttle.add_failure(p, rule, ratelimit.account_subject(actor.username))
            security_event("password_change_failed", delay=delay)
        raise
    security_event("password_changed")
    return "", 204
