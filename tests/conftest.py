"""Shared fixtures: a real database per test (SQLite always, PostgreSQL when one is reachable),
the platform with a frozen clock, the Flask app and a signed-in HTTP client per demo user."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from motcua.clock import VN_TZ, Clock
from motcua.config import ROOT, load_settings
from motcua.db.migrate import upgrade
from motcua.db.session import make_engine

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Wednesday 25/11/2026, 08:00: a plain working day (24/11 is Vietnam Cultural Day).
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ)
BPMN_DIR = ROOT / "bpmn"


def _pg_reachable() -> bool:
    if os.environ.get("MOTCUA_TEST_NO_PG"):
        return False
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


PG_AVAILABLE = _pg_reachable()
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_AVAILABLE, reason="no PostgreSQL reachable at TEST_DATABASE_URL"))]


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_schema():
    """One schema per test process, migrated once; emptied between tests with TRUNCATE."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = PG_URL
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    engine.dispose()
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, _sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "motcua.sqlite"
        shutil.copy(_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    schema = request.getfixturevalue("_pg_schema")
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
            {"s": schema})]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield PG_URL + ("&" if "?" in PG_URL else "?") + f"options=-csearch_path%3D{schema}"


@pytest.fixture
def settings(db_url):
    return load_settings(environ={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})


@pytest.fixture
def clock():
    c = Clock()
    c.freeze(T0)
    return c


@pytest.fixture
def platform(settings, clock):
    from motcua.platform import build_platform
    p = build_platform(settings, clock=clock)
    yield p
    p.session_factory.kw["bind"].dispose()


@pytest.fixture
def people(platform):
    from motcua.seed import seed_people
    with platform.uow() as uow:
        seed_people(uow.session, platform.now())
        uow.commit()
    return platform


@pytest.fixture
def app(settings, clock, people):
    from api import create_app
    application = create_app(settings, clock=clock)
    application.testing = True
    yield application
    from api import db
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A test client signed in as one demo user."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json if json is not None else {}, headers=self.headers, **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self.headers, **kw)


@pytest.fixture
def login(client):
    cache = {}

    def _login(username, password="motcua-demo"):
        if username not in cache:
            response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
            assert response.status_code == 200, response.get_json()
            cache[username] = Api(client, response.get_json()["access_token"])
        return cache[username]
    return _login


def read_package(name: str) -> dict:
    """A procedure folder of bpmn/ as the JSON body of POST /procedures."""
    import json
    import yaml
    folder = BPMN_DIR / name
    return {
        "manifest": yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8")),
        "bpmn": (folder / "process.bpmn").read_text(encoding="utf-8"),
        "forms": {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "forms").glob("*.json"))},
    }


@pytest.fixture
def publish(login):
    def _publish(package: dict):
        response = login("designer").post("/api/v1/procedures", json=package)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return _publish


def bpmn_path(name: str) -> Path:
    return BPMN_DIR / name
