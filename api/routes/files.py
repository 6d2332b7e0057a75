"""Files: upload, a dossier's files and their bytes, the electronic result, the applicant's files.

The upload route alone takes bodies up to `limits.upload_max_bytes` (plus the multipart
envelope): it raises the request's own limit before Werkzeug reads the body, which Werkzeug
spools to a temporary file (not memory); the service then copies it to the store in chunks.
"""
from __future__ import annotations

from flask import Blueprint, request, send_file

from api.auth import current_actor, platform
from api.routes import body
from api.schemas.files import ResultBody
from motcua.errors import Invalid
from motcua.services import dossiers, files

bp = Blueprint("files", __name__)
ENVELOPE = 64 * 1024  # multipart headers and boundaries around the one file


@bp.post("/files")
def upload():
    """Upload one file (multipart field `file`); its type is judged from the content.
    ---
    post:
      tags: [files]
      requestBody: {required: true, content: {multipart/form-data: {schema: {type: object, properties: {file: {type: string, format: binary}}}}}}
      responses:
        201: {description: "{id, sha256, size, name, media_type}"}
        413: {description: Tệp quá lớn}
        415: {description: Loại tệp không được chấp nhận}
    """
    actor = current_actor()
    request.max_content_length = files.upload_limit(platform().settings) + ENVELOPE
    sent = request.files.get("file")
    if sent is None:
        raise Invalid("Thiếu tệp (trường «file» của multipart/form-data).", errors={"file": ["Bắt buộc."]})
    try:
        return files.upload(platform(), actor, sent.stream, sent.filename), 201
    finally:
        sent.close()


@bp.get("/dossiers/<code>/files")
def list_files(code):
    """The dossier's files (components, supplements, result), to those who may read it.
    ---
    get:
      tags: [files]
      responses: {200: {description: "{items: [...]}"}, 404: {description: Không tìm thấy}}
    """
    return {"items": files.list_for(platform(), current_actor(), code)}


@bp.get("/dossiers/<code>/files/<file_id>")
def download(code, file_id):
    """The bytes of one file of the dossier.
    ---
    get:
      tags: [files]
      responses: {200: {description: Nội dung tệp}, 404: {description: Không tìm thấy}}
    """
    meta, stream = files.open_for(platform(), current_actor(), code, file_id)
    return send_file(stream, mimetype=meta["media_type"], as_attachment=True, download_name=meta["name"])


@bp.post("/dossiers/<code>/result")
def result(code):
    """The competent office attaches the electronic result `{file_id, number?, issued_at?}`.
    ---
    post:
      tags: [files]
      responses: {200: {description: Hồ sơ}, 404: {description: Không tìm thấy}, 409: {description: Trạng thái không cho phép}}
    """
    actor = current_actor()  # 401 before the body is looked at
    data = body(ResultBody)
    return dossiers.issue_result(platform(), actor, code, data["file_id"], data.get("number"),
                                 data.get("issued_at"))


@bp.get("/applicants/<id_number>/files")
def applicant_files(id_number):
    """The applicant's digitised components and results that may be reused (`?dossier=` the
    dossier the look-up serves: it is recorded in its history).
    ---
    get:
      tags: [files]
      responses: {200: {description: "{items: [...]}"}}
    """
    return {"items": dossiers.look_up_applicant_files(platform(), current_actor(), id_number,
                                                      request.args.get("dossier"))}
