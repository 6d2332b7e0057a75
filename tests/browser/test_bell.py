"""The bell in the console's header: the unread count, the list, opening one opens its dossier and
marks it read (the count goes down)."""
from __future__ import annotations

from sqlalchemy import select

from motcua.config import ROOT
from tests.browser.test_desk_search import _receive

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails these tests with the reason
    expect = None

SHOTS = ROOT / "artifacts" / "screenshots"


def _notify(live_server, username, code, kind, title):
    """A notification as the scheduler would write it (the bell only reads the API)."""
    from motcua.db.models import Dossier, User
    from motcua.services.notifications import notify
    platform = live_server.app.extensions["motcua"]
    with platform.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        dossier = uow.session.scalar(select(Dossier).where(Dossier.code == code))
        notify(uow.session, platform.settings, kind=kind, subject=code, users=[user], title=title,
               body=title, at=platform.now(), dossier=dossier)
        uow.commit()


def test_the_bell_counts_lists_and_opens_the_dossier(new_page, sign_in, live_server):
    page = sign_in(new_page(), "minhxuan.receiver")
    first = _receive(page, "Đặng Thị Ánh Tuyết", "0987654321")
    second = _receive(page, "Phạm Văn An", "0912345678")
    # what the receipts themselves announced is read first, so the count is exactly ours
    token = page.request.post("/api/v1/auth/token", data={"username": "minhxuan.receiver",
                                                           "password": "motcua-demo"}).json()["access_token"]
    assert page.request.post("/api/v1/notifications/read-all", headers={"Authorization": f"Bearer {token}"}).ok
    _notify(live_server, "minhxuan.receiver", first, "due_soon", f"Hồ sơ {first} sắp đến hạn")
    _notify(live_server, "minhxuan.receiver", second, "overdue", f"Hồ sơ {second} đã quá hạn")
    page.reload()
    expect(page.locator("#user-box")).to_be_visible()
    count = page.locator("#bell-count")
    expect(count).to_have_text("2")
    page.get_by_role("button", name="Thông báo: 2 chưa đọc").click()
    items = page.locator("#bell-menu li a")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(f"Hồ sơ {second} đã quá hạn")      # newest first
    expect(page.locator("#bell-menu")).not_to_contain_text("null")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "test_the_bell_counts_lists_and_opens_the_dossier.png"))
    items.filter(has_text=first).click()
    expect(page.locator("#view h1")).to_contain_text(first)
    expect(count).to_have_text("1")
    expect(page.locator("#bell-menu")).to_be_hidden()
    # the one opened is read; the other is still listed
    page.locator("#bell-button").click()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(second)
    page.keyboard.press("Escape")
    expect(page.locator("#bell-menu")).to_be_hidden()
