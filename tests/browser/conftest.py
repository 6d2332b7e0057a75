"""Browser fixtures: the real server on a free localhost port over a fresh SQLite database with the
demo province seeded, its clock frozen at a working-day instant, and a real headless Chromium
driven by Playwright (never `playwright install`: the Debian package's /usr/bin/chromium).
The browser tests are skipped, with the reason, only when /usr/bin/chromium is missing."""
from __future__ import annotations

import os
import shutil
import threading
from datetime import datetime
from pathlib import Path

import pytest

from motcua.clock import VN_TZ, Clock

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
# Wednesday 25/11/2026 09:00: the desk is open (a plain working day).
T_OPEN = datetime(2026, 11, 25, 9, 0, tzinfo=VN_TZ)
DEMO_PASSWORD = "motcua-demo"


def _need_chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install the Debian package `chromium` to run the browser tests")
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("the `playwright` Python package is missing: install the test extra (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory):
    """One migrated database with the demo province, copied for every test (seeding compiles BPMN)."""
    from motcua.config import load_settings
    from motcua.db.migrate import upgrade
    from motcua.platform import build_platform
    from motcua.seed import seed_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    settings = load_settings(environ={"DATABASE_URL": f"sqlite:///{path}", "MOTCUA_ENV": "test"})
    clock = Clock()
    clock.freeze(T_OPEN)
    platform = build_platform(settings, clock=clock)
    engine = platform.session_factory.kw["bind"]
    upgrade(engine)
    seed_demo(platform)
    engine.dispose()
    return path


class LiveServer:
    def __init__(self, url: str, clock: Clock, app):
        self.url = url
        self.clock = clock
        self.app = app


@pytest.fixture
def live_server(tmp_path, _demo_template):
    """The whole application (API + web pages) served by werkzeug in a thread."""
    from werkzeug.serving import make_server

    from api import create_app
    from motcua.config import load_settings

    path = tmp_path / "motcua.sqlite"
    shutil.copy(_demo_template, path)
    # the instance folder (uploaded files) in the test's own folder, never the checkout's
    settings = load_settings(environ={"DATABASE_URL": f"sqlite:///{path}", "MOTCUA_ENV": "test"},
                             instance=tmp_path / "instance")
    clock = Clock()
    clock.freeze(T_OPEN)
    app = create_app(settings, clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", clock, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        from api import db
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    chromium = manager.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    manager.stop()


class PageErrors(list):
    """Script errors and CSP violations seen by a page; HTTP error statuses are expected, not errors."""

    def watch(self, page):
        page.on("pageerror", lambda exc: self.append(f"pageerror: {exc}"))

        def console(msg):
            text = msg.text
            if msg.type == "error" and "Failed to load resource" not in text:
                self.append(f"console: {text}")
            elif "Content Security Policy" in text:
                self.append(f"csp: {text}")
        page.on("console", console)
        return page


@pytest.fixture
def new_page(browser, live_server):
    """new_page(width=1280, height=900) → a page in a fresh context (own sessionStorage)."""
    contexts = []
    errors = PageErrors()

    def _new(width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                      base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = errors.watch(context.new_page())
        context.on("page", errors.watch)
        return page

    _new.errors = errors
    yield _new
    for context in contexts:
        context.close()
    assert not errors, f"errors in the browser: {errors}"


@pytest.fixture
def screenshots(tmp_path):
    """Where screenshots go: $MOTCUA_SCREENSHOTS if set (to look at them), else the test's tmp dir."""
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def sign_in():
    """Sign a demo user in through the console's form."""
    from playwright.sync_api import expect

    def _sign_in(page, username):
        page.goto("/app")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.locator("#user-box")).to_be_visible()
        return page
    return _sign_in
