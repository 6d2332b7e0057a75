from flask import Blueprint

from api.auth import current_actor, platform
from api.routes import body, query
from api.schemas.common import paged
from api.schemas.dossiers import DossierSchema
from api.schemas.tasks import CompleteBody, TaskDetailSchema, TaskQuery, TaskSchema
from motcua.services import inbox

bp = Blueprint("tasks", __name__)
_TASK_PARAM = [{"in": "path", "name": "task_id", "schema": {"type": "string"}, "required": True}]


@bp.get("/tasks")
def list_tasks():
    """The inbox: steps whose lane role the user holds at the step's office, most urgent first.

    scope=candidate: nobody has them yet; mine: the user's; none: both; all: every step the user may
    read (their office's; every office's for admins and auditors, whose default this is).
    ---
    get:
      tags: [tasks]
      parameters: [{in: query, schema: TaskQuery}]
      responses:
        200: {content: {application/json: {schema: TaskPageSchema}}}
    """
    actor = current_actor()
    q = query(TaskQuery)
    items, total = inbox.list_tasks(platform(), actor, q.get("scope"), q["page"], q["per_page"],
                                    state=q["state"], dossier=q.get("dossier"))
    return paged(TaskSchema, items, total, q["page"], q["per_page"])


@bp.get("/tasks/<task_id>")
def get_task(task_id):
    """One task, with its form's JSON Schema.
    ---
    get:
      tags: [tasks]
      parameters: [{in: path, name: task_id, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: TaskDetailSchema}}}
        404: {description: Không tìm thấy}
    """
    return TaskDetailSchema().dump(inbox.get_task(platform(), current_actor(), task_id))


@bp.post("/tasks/<task_id>/claim")
def claim(task_id):
    """Take a task.
    ---
    post:
      tags: [tasks]
      parameters: [{in: path, name: task_id, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: TaskSchema}}}
        409: {description: Đã có người nhận hoặc không còn chờ xử lý}
    """
    return TaskSchema().dump(inbox.claim(platform(), current_actor(), task_id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id):
    """Give a task back.
    ---
    post:
      tags: [tasks]
      parameters: [{in: path, name: task_id, schema: {type: string}, required: true}]
      responses:
        200: {content: {application/json: {schema: TaskSchema}}}
    """
    return TaskSchema().dump(inbox.unclaim(platform(), current_actor(), task_id))


@bp.post("/tasks/<task_id>/complete")
def complete(task_id):
    """Complete a step with the data its form asks for.
    ---
    post:
      tags: [tasks]
      parameters: [{in: path, name: task_id, schema: {type: string}, required: true}]
      requestBody: {required: true, content: {application/json: {schema: CompleteBody}}}
      responses:
        200: {content: {application/json: {schema: DossierSchema}}}
        409: {description: Không còn chờ xử lý, hoặc người khác đã nhận}
        422: {description: Dữ liệu không khớp biểu mẫu}
    """
    actor = current_actor()
    data = body(CompleteBody)["data"]
    return DossierSchema().dump(inbox.complete(platform(), actor, task_id, data))
