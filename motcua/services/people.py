"""Offices, users and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from motcua.access import ROLES, Actor
from motcua.db.models import ApiToken, Office, User
from motcua.errors import Conflict, Invalid, NotFound, Unauthorized

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không-dùng")  # equal work for unknown users: no timing oracle
LEVELS = ("province", "center", "department", "commune", "vertical")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, office_id=user.office_id,
                 office_code=user.office.code if user.office else None, roles=frozenset(user.roles))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(platform, username: str, password: str) -> dict:
    with platform.uow() as uow:
        session = uow.session
        user = session.scalar(select(User).where(User.username == username))
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            user = None
        if user is None or not user.active:
            raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.")
        now = platform.now()
        minutes = int(platform.settings.section("auth").get("token_lifetime_minutes", 480))
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=minutes)
        session.add(ApiToken(token_hash=_token_digest(token), user_id=user.id, created_at=now, expires_at=expires))
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        uow.commit()
        return {"access_token": token, "token_type": "Bearer", "expires_at": expires}


def authenticate(platform, token: str) -> Actor:
    with platform.uow() as uow:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
        if row is None or row.revoked_at is not None or row.expires_at <= platform.now():
            raise Unauthorized("Phiên đăng nhập không hợp lệ hoặc đã hết hạn.")
        user = uow.session.get(User, row.user_id)
        if user is None or not user.active:
            raise Unauthorized("Tài khoản đã bị khóa.")
        return actor_of(user)


def revoke_token(platform, token: str) -> None:
    with platform.uow() as uow:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = platform.now()
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
    with platform.uow() as uow:
        total = uow.session.scalar(select(func.count(Office.id)))
        rows = uow.session.scalars(select(Office).order_by(Office.code).offset((page - 1) * per_page)
                                   .limit(per_page)).all()
        return rows, total


def create_user(platform, actor: Actor, data: dict) -> User:
    actor.require("admin")
    with platform.uow() as uow:
        user = add_user(uow.session, platform.now(), **data)
        uow.commit()
        return user


def add_user(session, now, *, username, password, full_name, office_code, roles, email=None,
             password_hash: str | None = None) -> User:
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise Invalid("Vai trò không hợp lệ.", errors={"roles": [f"Vai trò hợp lệ: {', '.join(ROLES)}."]})
    if len(password) < 8:
        raise Invalid("Mật khẩu quá ngắn.", errors={"password": ["Mật khẩu phải có ít nhất 8 ký tự."]})
    office = session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise Invalid("Cơ quan không tồn tại.", errors={"office_code": ["Không có cơ quan mã này."]})
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập «{username}» đã tồn tại.")
    user = User(username=username, password_hash=password_hash or hash_password(password), full_name=full_name,
                office_id=office.id, roles=list(dict.fromkeys(roles)), email=email, active=True, created_at=now)
    session.add(user)
    session.flush()
    return user


def get_user(platform, user_id: int) -> User:
    with platform.uow() as uow:
        user = uow.session.get(User, user_id)
        if user is None:
            raise NotFound("Không tìm thấy người dùng.")
        return user
