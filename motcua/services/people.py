"""Offices, users and API tokens.

Signing in hashes nothing inside a database transaction: the account is read, the password checked
under the process's hashing cap (services/passwords.py), then the token written in a short
transaction. Reads (token checks on every request, listings) use read-only units of work.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from motcua.access import ROLES, Actor
from motcua.db.models import ApiToken, Office, User
from motcua.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from motcua.services import passwords
from motcua.services.passwords import PasswordPolicy
from motcua.services.report_scope import office_tree

# province; center (the provincial one-stop centre: receives every procedure); department; district
# (before 1/7/2025); commune / ward; vertical (police, social insurance, tax: central agencies' branches)
LEVELS = ("province", "center", "department", "district", "commune", "ward", "vertical")
BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


def hash_password(password: str) -> str:
    return passwords.hash_password(password)


def actor_of(user: User) -> Actor:
    below = frozenset()
    if "leader" in user.roles and user.office is not None:  # a leader reads the offices below theirs
        below = frozenset(o.id for o in office_tree(object_session(user), user.office)) - {user.office_id}
    return Actor(user_id=user.id, username=user.username, office_id=user.office_id,
                 office_code=user.office.code if user.office else None, roles=frozenset(user.roles),
                 offices_below=below)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _demo_refused(platform, password: str) -> bool:
    """In production the demo accounts' password never opens a session, whatever is stored."""
    if platform.settings.env != "production":
        return False
    from motcua.services.passwords import DEMO_PASSWORD
    return secrets.compare_digest(password.encode("utf-8"), DEMO_PASSWORD.encode("utf-8"))


def check_credentials(platform, username: str, password: str) -> User:
    """The active user with this name and password, or Unauthorized (carrying `user_id` when the
    account exists, for the security log). Hashing happens under the process's cap."""
    with platform.uow(readonly=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
    with passwords.slots(platform):
        ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.active or _demo_refused(platform, password):
        failure = Unauthorized(BAD_CREDENTIALS)
        failure.user_id = user.id if user else None  # for the security log, never for the client
        raise failure
    return user


def issue_token(platform, username: str, password: str) -> dict:
    user = check_credentials(platform, username, password)
    rehash = None
    if passwords.needs_rehash(user.password_hash):
        with passwords.slots(platform):
            rehash = hash_password(password)
    with platform.uow(write=True) as uow:
        now = platform.now()
        minutes = int(platform.settings.section("auth")["token_lifetime_minutes"])
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=minutes)
        uow.session.add(ApiToken(token_hash=_token_digest(token), user_id=user.id, created_at=now,
                                 expires_at=expires))
        if rehash:
            stored = uow.session.get(User, user.id)
            stored.password_hash = rehash
        uow.commit()
        return {"access_token": token, "token_type": "Bearer", "expires_at": expires, "user_id": user.id}


def authenticate(platform, token: str) -> Actor:
    with platform.uow(readonly=True) as uow:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
        if row is None or row.revoked_at is not None or row.expires_at <= platform.now():
            raise Unauthorized("Phiên đăng nhập không hợp lệ hoặc đã hết hạn.")
        user = uow.session.get(User, row.user_id)
        if user is None or not user.active:
            raise Unauthorized("Tài khoản đã bị khóa.")
        return actor_of(user)


def revoke_token(platform, token: str) -> None:
    with platform.uow(write=True) as uow:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = platform.now()
            uow.commit()


def change_own_password(platform, actor: Actor, token: str, current: str, new: str) -> None:
    """Self-service: the current password, then a new one the policy accepts. The user's other
    sessions end; the one that asked stays open."""
    with platform.uow(readonly=True) as uow:
        user = uow.session.get(User, actor.user_id)
        if user is None:
            raise NotFound("Không tìm thấy người dùng.")
    with passwords.slots(platform):
        ok = passwords.verify(user.password_hash, current)
    if not ok:
        raise Invalid("Mật khẩu hiện tại không đúng.",
                      errors={"current_password": ["Mật khẩu hiện tại không đúng."]})
    if new == current:
        raise Invalid("Mật khẩu mới phải khác mật khẩu hiện tại.",
                      errors={"new_password": ["Mật khẩu mới phải khác mật khẩu hiện tại."]})
    passwords.require_acceptable(new, PasswordPolicy.from_settings(platform.settings),
                                 user_inputs=(user.username, user.full_name), field_name="new_password")
    with passwords.slots(platform):
        new_hash = hash_password(new)
    with platform.uow(write=True) as uow:
        session = uow.session
        stored = session.get(User, actor.user_id)
        stored.password_hash = new_hash
        now = platform.now()
        keep = _token_digest(token)
        for row in session.scalars(select(ApiToken).where(ApiToken.user_id == stored.id,
                                                          ApiToken.revoked_at.is_(None))):
            if row.token_hash != keep:
                row.revoked_at = now
        uow.commit()


def create_office(platform, actor: Actor, data: dict) -> Office:
    actor.require("admin")
    with platform.uow() as uow:
        office = add_office(uow.session, platform.now(), **data)
        uow.commit()
        return office


def add_office(session, now, *, code, name, level, parent_code=None, saturday="none", hours=None) -> Office:
    if ":" in code:
        raise Invalid("Mã cơ quan không được chứa dấu ':'.", errors={"code": ["Không được chứa dấu ':'."]})
    if level not in LEVELS:
        raise Invalid("Cấp cơ quan không hợp lệ.", errors={"level": [f"Phải là một trong: {', '.join(LEVELS)}."]})
    if session.scalar(select(Office).where(Office.code == code)) is not None:
        raise Conflict(f"Mã cơ quan «{code}» đã tồn tại.")
    if parent_code and session.scalar(select(Office).where(Office.code == parent_code)) is None:
        raise Invalid("Cơ quan cấp trên không tồn tại.", errors={"parent_code": ["Không có cơ quan mã này."]})
    office = Office(code=code, name=name, level=level, parent_code=parent_code, saturday=saturday,
                    hours=hours, created_at=now)
    session.add(office)
    session.flush()
    return office


def list_offices(platform, page: int, per_page: int):
    with platform.uow(readonly=True) as uow:
        total = uow.session.scalar(select(func.count(Office.id)))
        rows = uow.session.scalars(select(Office).order_by(Office.code).offset((page - 1) * per_page)
                                   .limit(per_page)).all()
        return rows, total


def create_user(platform, actor: Actor, data: dict) -> User:
    actor.require("admin")
    policy = PasswordPolicy.from_settings(platform.settings)
    passwords.require_acceptable(data["password"], policy, user_inputs=(data.get("username"), data.get("full_name")))
    with passwords.slots(platform):  # hashed before the transaction: no lock held while Argon2 runs
        password_hash = hash_password(data["password"])
    with platform.uow() as uow:
        user = add_user(uow.session, platform.now(), **data, password_hash=password_hash, policy=policy)
        uow.commit()
        return user


def add_user(session, now, *, username, password, full_name, office_code, roles, email=None,
             password_hash: str | None = None, policy: PasswordPolicy | None = None) -> User:
    """Every new account (API, `motcua create-admin`, the demo seed): the password must pass the
    policy (the documented defaults when none is given)."""
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise Invalid("Vai trò không hợp lệ.", errors={"roles": [f"Vai trò hợp lệ: {', '.join(ROLES)}."]})
    passwords.require_acceptable(password, policy or PasswordPolicy(), user_inputs=(username, full_name))
    office = session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise Invalid("Cơ quan không tồn tại.", errors={"office_code": ["Không có cơ quan mã này."]})
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập «{username}» đã tồn tại.")
    user = User(username=username, password_hash=password_hash or hash_password(password), full_name=full_name,
                office_id=office.id, office=office, roles=list(dict.fromkeys(roles)), email=email, active=True,
                created_at=now)
    session.add(user)
    session.flush()
    return user


def list_users(platform, actor: Actor, *, office: str | None, role: str | None, page: int, per_page: int):
    """Accounts, for admins (who manage them) and auditors (who read everything)."""
    if not actor.has("admin", "auditor"):
        raise Forbidden("Chỉ quản trị viên hoặc thanh tra mới xem được danh sách tài khoản.")
    with platform.uow(readonly=True) as uow:
        session = uow.session
        query = select(User)
        if office:
            query = query.join(Office, Office.id == User.office_id).where(Office.code == office)
        rows = session.scalars(query.order_by(User.username)).all()
        if role:  # roles are a JSON list: filtered here, the same way on SQLite and PostgreSQL
            rows = [u for u in rows if role in (u.roles or [])]
        return rows[(page - 1) * per_page: page * per_page], len(rows)


def update_user(platform, actor: Actor, username: str, changes: dict) -> User:
    """Change a user's name, office, roles, password or active flag (admin). Deactivating or a new
    password ends the user's open sessions."""
    actor.require("admin")
    new_hash = None
    if changes.get("password") is not None:
        passwords.require_acceptable(changes["password"], PasswordPolicy.from_settings(platform.settings),
                                     user_inputs=(username, changes.get("full_name")))
        with passwords.slots(platform):
            new_hash = hash_password(changes["password"])
    with platform.uow() as uow:
        session = uow.session
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"Không có tài khoản «{username}».")
        now = platform.now()
        end_sessions = False
        if changes.get("full_name") is not None:
            user.full_name = changes["full_name"]
        if changes.get("email") is not None:
            user.email = changes["email"]
        if changes.get("office_code") is not None:
            office = session.scalar(select(Office).where(Office.code == changes["office_code"]))
            if office is None:
                raise Invalid("Cơ quan không tồn tại.", errors={"office_code": ["Không có cơ quan mã này."]})
            end_sessions = end_sessions or office.id != user.office_id
            user.office_id = office.id
            user.office = office
        if changes.get("roles") is not None:
            roles = changes["roles"]
            if not roles or any(r not in ROLES for r in roles):
                raise Invalid("Vai trò không hợp lệ.", errors={"roles": [f"Vai trò hợp lệ: {', '.join(ROLES)}."]})
            if user.id == actor.user_id and "admin" not in roles:
                raise Conflict("Quản trị viên không tự bỏ vai trò quản trị của chính mình.")
            user.roles = list(dict.fromkeys(roles))
        if new_hash is not None:
            user.password_hash = new_hash
            end_sessions = True
        if changes.get("active") is not None:
            if user.id == actor.user_id and not changes["active"]:
                raise Conflict("Quản trị viên không tự khóa tài khoản của chính mình.")
            end_sessions = end_sessions or (user.active and not changes["active"])
            user.active = bool(changes["active"])
        if end_sessions:
            for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                ApiToken.revoked_at.is_(None))):
                token.revoked_at = now
        uow.commit()
        return user


def get_office(platform, code: str) -> Office:
    with platform.uow(readonly=True) as uow:
        office = uow.session.scalar(select(Office).where(Office.code == code))
        if office is None:
            raise NotFound(f"Không có cơ quan mã «{code}».")
        return office


def get_user(platform, user_id: int) -> User:
    with platform.uow(readonly=True) as uow:
        user = uow.session.get(User, user_id)
        if user is None:
            raise NotFound("Không tìm thấy người dùng.")
        return user


def create_console_admin(platform, *, username: str, password: str, office_code: str) -> User:
    """`motcua create-admin`: an administrator made at the server's console, before anyone can sign
    in; the office is created as a one-stop centre if it does not exist yet. One transaction."""
    with platform.uow() as uow:
        now = platform.now()
        if uow.session.scalar(select(Office).where(Office.code == office_code)) is None:
            add_office(uow.session, now, code=office_code, name="Trung tâm Phục vụ hành chính công", level="center")
        user = add_user(uow.session, now, username=username, password=password, full_name="Quản trị hệ thống",
                        office_code=office_code, roles=["admin"])
        uow.commit()
        return user
