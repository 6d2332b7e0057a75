"""Printable documents of a dossier (forms 01–06) as HTML pages, A5/A4 ready to print."""
from flask import Blueprint, make_response

from api.auth import current_actor, platform
from motcua.services import documents

bp = Blueprint("documents", __name__)


@bp.get("/dossiers/<code>/documents/<form>")
def document(code, form):
    """A printable document of the dossier: receipt (form 01), supplement (02), refusal (03),
    apology (04), stop (notice of stopping), control-slip (06).
    ---
    get:
      tags: [dossiers]
      parameters:
        - {in: path, name: code, schema: {type: string}, required: true}
        - in: path
          name: form
          required: true
          schema: {type: string, enum: [receipt, supplement, refusal, apology, stop, control-slip]}
      responses:
        200:
          description: Trang HTML in được (tiếng Việt)
          content: {text/html: {schema: {type: string}}}
        404: {description: Không có hồ sơ, hoặc giấy tờ này không áp dụng cho hồ sơ}
    """
    html = documents.render(platform(), current_actor(), code, form)
    response = make_response(html)
    response.mimetype = "text/html"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
