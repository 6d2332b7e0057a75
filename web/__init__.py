"""The web pages people use: a landing page, the public status lookup and the staff console.

Plain HTML, CSS and JavaScript modules served from this package (no build step, nothing from a
CDN). The pages talk to the REST API (/api/v1) from the browser exactly as any other client does,
so the API stays the only way into the platform; these routes only serve files.
"""
from __future__ import annotations

import mimetypes

from flask import Blueprint, make_response, render_template

# Module scripts must be served with a JavaScript type (nosniff is on); some systems' tables lack it.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")

bp = Blueprint("web", __name__, static_folder="static", static_url_path="/assets",
               template_folder="templates")

# Self only: no inline script or style, no third-party origin, never framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
# The document viewer shows the API's printable papers (forms 01–06), which carry their own inline
# <style>, in a sandboxed srcdoc frame that inherits this page's policy: inline style, still no
# inline script (the frame's sandbox forbids scripts too).
VIEWER_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# The console shows a dossier's scans inline: fetched with the bearer token and shown from blob:
# URLs this page made (images in <img>, PDFs in a frame); nothing else may come from blob:.
CONSOLE_CSP = CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:").replace(
    "default-src 'self';", "default-src 'self'; frame-src blob:;")


@bp.after_request
def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def landing():
    return render_template("web/landing.html")


@bp.get("/tra-cuu")
def lookup():
    return render_template("web/lookup.html")


@bp.get("/gop-y")
def feedback():
    """Complaints and recommendations (PAKN): send one, follow it by its code, rate the answer."""
    return render_template("web/feedback.html")


@bp.get("/app")
@bp.get("/app/")
def console():
    response = make_response(render_template("web/console.html"))
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    return response


@bp.get("/app/giay-to")
def document_viewer():
    response = make_response(render_template("web/viewer.html"))
    response.headers["Content-Security-Policy"] = VIEWER_CSP
    return response
