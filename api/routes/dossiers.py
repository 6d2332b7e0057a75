from flask import Blueprint, request
from marshmallow import ValidationError

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import paged
from api.schemas.dossiers import (
    ApologyBody, DossierCreate, DossierQuery, DossierSchema, HistorySchema, OptionalReasonBody, ReasonBody,
    SupplementBody, SupplementRequest,
)
from motcua.services import dossiers

bp = Blueprint("dossiers", __name__)


@bp.post("/dossiers")
def receive():
    """Receive a dossier at the desk (receiver).
    ---
    post:
      tags: [dossiers]
      requestBody: {required: true, content: {application/json: {schema: DossierCreate}}}
      responses:
        201: {content: {application/json: {schema: DossierSchema}}}
        409: {description: Bộ phận một cửa đang đóng; detail cho biết giờ mở cửa tiếp theo}
        422: {description: Dữ liệu không hợp lệ}
    """
    actor = current_actor()
    try:
        received = body(DossierCreate)
    except ValidationError as err:  # one round: the application form's errors join the request's
        actor.require("receiver")
        raw = request.get_json(silent=True)
        raw = raw if isinstance(raw, dict) else {}
        extra = dossiers.application_errors(platform(), raw.get("procedure_code"), raw.get("data"))
        if extra and isinstance(err.messages, dict) and "data" not in err.messages:
            raise ValidationError({**err.messages, **extra}) from err
        raise
    dossier = dossiers.receive(platform(), actor, received)
    return DossierSchema().dump(dossiers.get(platform(), actor, dossier.code)), 201


@bp.get("/dossiers")
def list_dossiers():
    """Dossiers of the user's office (every office's for admins and auditors), newest first.
    ---
    get:
      tags: [dossiers]
      parameters: [{in: query, schema: DossierQuery}]
      responses:
        200: {content: {application/json: {schema: DossierPageSchema}}}
    """
    actor = current_actor()
    q = query(DossierQuery)
    items, total = dossiers.list_for(platform(), actor, status=q.get("status"), overdue=q.get("overdue"),
                                     procedure=q.get("procedure"), office=q.get("office"), q=q.get("q"), page=q["page"],
                                     per_page=q["per_page"])
    return paged(DossierSchema, items, total, q["page"], q["per_page"])


@bp.get("/dossiers/<code>")
def get_dossier(code):
    """One dossier.
    ---
    get:
      tags: [dossiers]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: DossierSchema}}}
        404: {description: Không tìm thấy}
    """
    return DossierSchema().dump(dossiers.get(platform(), current_actor(), code))


@bp.get("/dossiers/<code>/history")
def history(code):
    """The dossier's events in order (hash-linked history).
    ---
    get:
      tags: [dossiers]
      parameters: [{in: path, name: code, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: HistorySchema}}}
    """
    return HistorySchema().dump({"events": dossiers.history_of(platform(), current_actor(), code)})


def _action(path, schema, doc_summary):
    def decorator(fn):
        fn.__doc__ = f"""{doc_summary}
        ---
        post:
          tags: [dossiers]
          parameters: [{{in: path, name: code, schema: {{type: string}}, required: true}}]
          {"requestBody: {required: true, content: {application/json: {schema: " + schema.__name__ + "}}}"
           if schema else ""}
          responses:
            200: {{content: {{application/json: {{schema: DossierSchema}}}}}}
            403: {{description: Không được thao tác trên hồ sơ này (thanh tra; cơ quan không còn giữ hồ sơ)}}
            409: {{description: Trạng thái hồ sơ không cho phép}}
        """
        return bp.post(f"/dossiers/<code>/{path}", endpoint=path.replace("-", "_"))(fn)
    return decorator


@_action("supplement-request", SupplementRequest, "Ask the applicant for a supplement (form 02): the clock pauses.")
def supplement_request(code):
    actor = current_actor()
    data = body(SupplementRequest)
    return DossierSchema().dump(dossiers.request_supplement(platform(), actor, code, data["reason"], data["items"]))


@_action("supplement", SupplementBody, "Receive the supplement: the clock resumes and due times move.")
def supplement(code):
    actor = current_actor()
    data = body(SupplementBody)
    return DossierSchema().dump(dossiers.supplement(platform(), actor, code, data["documents"], data["data"]))


@_action("apology", ApologyBody, "Apologise and set a new appointment date (form 04, once).")
def apology(code):
    actor = current_actor()
    data = body(ApologyBody)
    return DossierSchema().dump(dossiers.apologise(platform(), actor, code, data["reason"], data["new_due_at"]))


@_action("reject", ReasonBody, "Refuse the dossier (form 03).")
def reject(code):
    actor = current_actor()
    return DossierSchema().dump(dossiers.end(platform(), actor, code, "rejected", body(ReasonBody)["reason"]))


@_action("stop", ReasonBody, "Stop handling the dossier (notice of stopping).")
def stop(code):
    actor = current_actor()
    return DossierSchema().dump(dossiers.end(platform(), actor, code, "stopped", body(ReasonBody)["reason"]))


@_action("withdraw", OptionalReasonBody, "Withdraw at the applicant's request.")
def withdraw(code):
    actor = current_actor()
    return DossierSchema().dump(dossiers.end(platform(), actor, code, "withdrawn",
                                             body(OptionalReasonBody)["reason"]))


@_action("return", None, "Hand the result over to the applicant (only when done).")
def return_result(code):
    return DossierSchema().dump(dossiers.hand_over(platform(), current_actor(), code))
