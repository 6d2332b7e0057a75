"""Bearer tokens on every request that needs a signed-in user."""
from __future__ import annotations

from flask import current_app, g, request

from motcua.access import Actor
from motcua.errors import Unauthorized
from motcua.services import people


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def current_actor() -> Actor:
    if "actor" not in g:
        token = bearer_token()
        if token is None:
            raise Unauthorized("Cần đăng nhập (Authorization: Bearer …).")
        g.actor = people.authenticate(current_app.extensions["motcua"], token)
    return g.actor


def platform():
    return current_app.extensions["motcua"]
