"""What every API answer gets: headers for personal data, an access log, security events.

- Answers under /api/ carry personal data (applicants, officials) or may: none is stored by a
  browser or proxy (`Cache-Control: no-store`) and none is sniffed into another type (`nosniff`).
- `motcua.access` logs one line per request: method, the route's *template* (never the filled-in
  path or the query string, which hold dossier codes and phone digits), status, duration, the
  signed-in user's id, and the client address as a keyed digest (it correlates, it does not name).
- `motcua.security` logs failed sign-ins (by the code that raises them), 403 and 429 answers, with
  the same fields: no user names, phone or identity numbers.
- GET and HEAD requests only read: their units of work start read-only (motcua/platform.py).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import current_app, g, has_request_context, request

access_log = logging.getLogger("motcua.access")
security_log = logging.getLogger("motcua.security")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_address() -> str:
    """The client as the API sees it (ProxyFix rewrites it when `security.trusted_proxies` > 0)."""
    return request.remote_addr or "?"


def client_tag() -> str:
    """A short keyed digest of the client address, for logs: the same client, the same tag."""
    key = (current_app.config.get("SECRET_KEY") or "").encode("utf-8")
    return hmac.new(key, client_address().encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def route_template() -> str:
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def _user_id():
    actor = g.get("actor")
    return actor.user_id if actor is not None else "-"


def security_event(event: str, **fields) -> None:
    """One security event; `fields` must hold no personal data (ids, scopes, counts only)."""
    extra = " ".join(f"{k}={v}" for k, v in fields.items())
    security_log.warning("%s method=%s route=%s user_id=%s client=%s %s", event, request.method,
                         route_template(), _user_id(), client_tag(), extra)


def _reading() -> bool:
    return has_request_context() and request.method in READ_METHODS


def register(app, platform) -> None:
    platform.read_intent = _reading
    section = platform.settings.section("security")
    proxies = int(section["trusted_proxies"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    @app.before_request
    def _started():
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Content-Type-Options"] = "nosniff"
        if response.status_code == 403:
            security_event("forbidden")
        elif response.status_code == 429:
            security_event("rate_limited")
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_log.info("%s %s %s %.1fms user_id=%s client=%s", request.method, route_template(),
                        response.status_code, elapsed, _user_id(), client_tag())
        return response
