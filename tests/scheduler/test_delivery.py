"""The notification outbox: webhook and SMTP channels, retries with backoff, leases, pluggable channels."""
from __future__ import annotations

import email
import json
import socketserver
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from motcua.config import load_settings
from motcua.db.models import Notification, NotificationDelivery, User
from motcua.platform import build_platform
from motcua.seed import seed_people
from motcua.services.notifications import register_channel, unregister_channel
from tests.scheduler.helpers import PERSONAL, SIMPLE, publish, receive
from scheduler.jobs import tick

T0 = "2026-11-25T08:00:00+07:00"


class Webhook:
    """A local HTTP endpoint that fails the first `failures` requests with 500."""

    def __init__(self):
        self.received, self.failures = [], 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append((self.headers["Idempotency-Key"], json.loads(body)))
                failing = hook.failures > 0
                hook.failures -= 1 if failing else 0
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeSmtp(socketserver.ThreadingTCPServer):
    """Just enough SMTP to accept messages and keep them."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 fake\r\n")
                lines, in_data = [], False
                while line := self.rfile.readline():
                    if in_data:
                        if line.rstrip(b"\r\n") == b".":
                            in_data = False
                            self.server.messages.append(email.message_from_bytes(b"".join(lines)))
                            lines = []
                            self.wfile.write(b"250 queued\r\n")
                        else:
                            lines.append(line)
                        continue
                    verb = line.strip().upper()[:4]
                    if verb == b"DATA":
                        in_data = True
                        self.wfile.write(b"354 go on\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def _platform(db_url, clock, **notifications):
    # next year confirmed: the yearly calendar warning (scheduler/calendar_years.py) stays out of the counts
    settings = load_settings(overrides={"notifications": notifications,
                                        "calendar": {"confirmed_years": [2026, 2027]}},
                             environ={"DATABASE_URL": db_url, "MOTCUA_ENV": "test"})
    platform = build_platform(settings, clock=clock)
    with platform.uow() as uow:
        seed_people(uow.session, platform.now())
        uow.commit()
    publish(platform, SIMPLE)
    return platform


def _deliveries(platform):
    with platform.uow() as uow:
        return list(uow.session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)))


def _at(offset_seconds: int):
    from motcua.clock import parse_instant
    return parse_instant(T0) + timedelta(seconds=offset_seconds)


def test_webhook_retries_with_backoff_then_delivers_once(db_url, clock, webhook):
    platform = _platform(db_url, clock, webhook_url=webhook.url, retry_backoff_seconds=60)
    webhook.failures = 2
    code = receive(platform, "thu-tuc-thu")  # the desk clerk is told of the new step ("assigned")
    (delivery,) = _deliveries(platform)
    assert (delivery.channel, delivery.status) == ("webhook", "pending")

    assert tick(platform, _at(0))["notifications"] == {"sent": 0, "retry": 1, "failed": 0}
    assert _deliveries(platform)[0].next_attempt_at == _at(60)
    assert tick(platform, _at(59))["notifications"]["retry"] == 0 and len(webhook.received) == 1
    assert tick(platform, _at(60))["notifications"]["retry"] == 1  # second failure: waits 120 s
    assert tick(platform, _at(179))["notifications"] == {"sent": 0, "retry": 0, "failed": 0}
    assert tick(platform, _at(180))["notifications"]["sent"] == 1
    assert tick(platform, _at(3600))["notifications"]["sent"] == 0

    keys = {key for key, _ in webhook.received}
    with platform.uow() as uow:
        (note,) = uow.session.scalars(select(Notification))
    assert len(webhook.received) == 3 and keys == {note.key}  # every attempt carries the same key
    payload = webhook.received[-1][1]
    assert payload["dossier_code"] == code and payload["kind"] == "assigned"
    assert payload["recipient"] == "minhxuan.receiver" and "recipient_email" not in payload
    assert not any(p in json.dumps(payload, ensure_ascii=False) for p in PERSONAL)
    done = _deliveries(platform)[0]
    assert (done.status, done.attempts, done.sent_at) == ("sent", 3, _at(180))
    platform.session_factory.kw["bind"].dispose()


def test_a_delivery_gives_up_after_max_attempts(db_url, clock, webhook):
    platform = _platform(db_url, clock, webhook_url=webhook.url, retry_backoff_seconds=10, max_attempts=2)
    webhook.failures = 100
    receive(platform, "thu-tuc-thu")
    tick(platform, _at(0))
    assert tick(platform, _at(10))["notifications"]["failed"] == 1
    tick(platform, _at(3000))  # (before the step is due at 13:30, which would notify again)
    assert len(webhook.received) == 2
    (failed,) = _deliveries(platform)
    assert failed.status == "failed" and "HTTPError" in failed.last_error
    platform.session_factory.kw["bind"].dispose()


def test_email_to_officials_with_an_address(db_url, clock):
    smtp = FakeSmtp()
    try:
        platform = _platform(db_url, clock, smtp_host="127.0.0.1", smtp_port=smtp.server_address[1],
                             smtp_from="motcua@tuyenquang.gov.vn")
        with platform.uow() as uow:
            uow.session.execute(update(User).where(User.username == "minhxuan.receiver")
                                .values(email="lan@minhxuan.gov.vn"))
            uow.commit()
        code = receive(platform, "thu-tuc-thu")
        assert tick(platform, _at(0))["notifications"]["sent"] == 1
        (mail,) = smtp.messages
        assert mail["To"] == "lan@minhxuan.gov.vn" and mail["From"] == "motcua@tuyenquang.gov.vn"
        assert code in mail["Subject"]
        text = mail.get_payload(decode=True).decode("utf-8")
        assert code in text and not any(p in text for p in PERSONAL)
        platform.session_factory.kw["bind"].dispose()
    finally:
        smtp.shutdown()
        smtp.server_close()


def test_a_sender_that_died_mid_delivery_is_taken_over_after_its_lease(db_url, clock, webhook):
    platform = _platform(db_url, clock, webhook_url=webhook.url, lease_seconds=300)
    receive(platform, "thu-tuc-thu")
    with platform.uow() as uow:  # as a process that leased the delivery and died before sending
        uow.session.execute(update(NotificationDelivery).values(
            status="sending", attempts=1, lease_owner="dead", lease_until=_at(300)))
        uow.commit()
    assert tick(platform, _at(299))["notifications"]["sent"] == 0 and webhook.received == []
    assert tick(platform, _at(300))["notifications"]["sent"] == 1
    assert tick(platform, _at(900))["notifications"]["sent"] == 0
    assert len(webhook.received) == 1
    platform.session_factory.kw["bind"].dispose()


def test_a_registered_channel_gets_its_deliveries(db_url, clock):
    sent = []

    class Pager:
        name = "pager"

        def accepts(self, user):
            return "leader" in (user.roles or [])

        def send(self, message):
            sent.append((message["recipient"], message["kind"]))

    register_channel("pager", lambda cfg: Pager() if cfg.get("pager") else None)
    try:
        platform = _platform(db_url, clock, pager=True)
        from tests.scheduler.helpers import complete
        code = receive(platform, "thu-tuc-thu")
        complete(platform, code, "minhxuan.receiver", {"checked": True})
        complete(platform, code, "minhxuan.specialist", {"decision": "approve", "opinion": "Đủ điều kiện"})
        tick(platform, _at(0))
        assert sent == [("minhxuan.leader", "assigned")]  # only leaders accept pages
        platform.session_factory.kw["bind"].dispose()
    finally:
        unregister_channel("pager")
