"""Seeing a process: BPMN diagrams drawn on the server as SVG (contract "Seeing a process").

Served as `image/svg+xml`, never inlined into a page, with a policy that forbids everything but
the drawing's own inline `<style>`: opened on its own, the SVG can run nothing and load nothing.
"""
from flask import Blueprint, make_response

from api.auth import current_actor, platform
from motcua.errors import NotFound
from motcua.services import diagrams

bp = Blueprint("diagrams", __name__)

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def svg_response(text: str, cache_control: str):
    response = make_response(text)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/procedures/<code>/versions/<version>/diagram.svg")
def procedure_diagram(code, version):
    """The diagram of a published version, drawn from the BPMN file's diagram interchange.
    ---
    get:
      tags: [procedures]
      parameters:
        - {in: path, name: code, schema: {type: string}, required: true}
        - {in: path, name: version, schema: {type: integer, minimum: 1, maximum: 999999999}, required: true}
      responses:
        200:
          description: Sơ đồ quy trình (SVG)
          content: {image/svg+xml: {schema: {type: string}}}
        404: {description: Không có thủ tục hoặc phiên bản này}
    """
    actor = current_actor()  # signed in first: an anonymous caller gets 401 whatever the path says
    if not (version.isascii() and version.isdigit() and 0 < len(version) < 10):
        raise NotFound("Không có phiên bản này: số phiên bản là một số nguyên dương.")
    svg = diagrams.procedure_diagram(platform(), actor, code, int(version))
    return svg_response(svg, "private, max-age=300")  # a published version never changes


@bp.get("/dossiers/<code>/diagram.svg")
def dossier_diagram(code):
    """The dossier's pinned version with the path taken, each completed step marked early, on time
    or late, and the current steps marked.
    ---
    get:
      tags: [dossiers]
      parameters:
        - {in: path, name: code, schema: {type: string}, required: true}
      responses:
        200:
          description: Sơ đồ quy trình của hồ sơ với đường đã đi (SVG)
          content: {image/svg+xml: {schema: {type: string}}}
        404: {description: Không có hồ sơ, hoặc người gọi không được xem}
    """
    svg = diagrams.dossier_diagram(platform(), current_actor(), code)
    return svg_response(svg, "no-store")
