"""Production is production (issue 11 item 7): the demo password never works, a weak secret key
stops the start, the API docs can be switched off."""
from __future__ import annotations

import pytest

from api import create_app
from motcua.config import ConfigError, load_settings
from motcua.platform import build_platform
from tests.api.helpers import API, problem

STRONG_KEY = "k" * 48


def _settings(db_url, env="production", key=STRONG_KEY, **overrides):
    environ = {"DATABASE_URL": db_url, "MOTCUA_ENV": env}
    if key is not None:
        environ["MOTCUA_SECRET_KEY"] = key
    return load_settings(environ=environ, overrides=overrides)


def test_the_demo_password_never_works_in_production(db_url, clock, people):
    """A database that has the demo accounts (seeded before, or copied) opens no session with
    `motcua-demo` once the process runs as production; the same accounts work with their own passwords."""
    app = create_app(_settings(db_url), clock=clock)
    client = app.test_client()
    for username in ("admin", "minhxuan.receiver", "auditor"):
        problem(client.post(f"{API}/auth/token", json={"username": username, "password": "motcua-demo"}), 401)

    dev = create_app(_settings(db_url, env="development"), clock=clock).test_client()
    token = dev.post(f"{API}/auth/token", json={"username": "admin", "password": "motcua-demo"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert dev.patch(f"{API}/users/admin", json={"password": "mot-mat-khau-rieng-2026"},
                     headers=headers).status_code == 200
    assert client.post(f"{API}/auth/token", json={"username": "admin",
                                                  "password": "mot-mat-khau-rieng-2026"}).status_code == 200
    # and in production the demo password cannot be set again
    token = client.post(f"{API}/auth/token", json={"username": "admin", "password": "mot-mat-khau-rieng-2026"})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    problem(client.patch(f"{API}/users/minhxuan.leader", json={"password": "motcua-demo"}, headers=headers), 422)


@pytest.mark.parametrize("key", ["", "   ", "ngan-qua", "dev-secret-change-me", "x" * 31])
def test_a_weak_secret_key_is_refused_at_start(db_url, key):
    with pytest.raises(ConfigError, match="MOTCUA_SECRET_KEY"):
        build_platform(_settings(db_url, key=key))
    with pytest.raises(ConfigError, match="MOTCUA_SECRET_KEY"):
        create_app(_settings(db_url, key=key))


def test_an_empty_secret_key_is_refused_in_every_environment(db_url):
    with pytest.raises(ConfigError, match="MOTCUA_SECRET_KEY"):
        build_platform(_settings(db_url, env="development", key=""))
    build_platform(_settings(db_url, env="production", key="x" * 32))  # long enough: starts


def test_the_api_docs_can_be_switched_off(db_url, clock, people):
    off = create_app(_settings(db_url, security={"api_docs": False}), clock=clock).test_client()
    assert off.get("/api/docs").status_code == 404
    assert off.get(f"{API}/openapi.json").status_code == 404
    assert off.get(f"{API}/health").status_code == 200  # the API itself still answers
    on = create_app(_settings(db_url), clock=clock).test_client()
    assert on.get("/api/docs").status_code == 200 and on.get(f"{API}/openapi.json").status_code == 200
