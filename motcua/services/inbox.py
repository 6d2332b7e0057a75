"""The task inbox: who sees a step, claiming it, and completing it exactly once."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from engine import runtime
from engine.runtime import StepFailed
from forms.validation import validate_form_data
from motcua.access import WORKING_ROLES, Actor
from motcua.db.models import Dossier, TaskRow
from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.services import history, process
from motcua.services.clockwork import resume
from motcua.services.dossiers import view
from motcua.services.locking import lock_dossier


def _may_work(actor: Actor, row: TaskRow) -> bool:
    """A step is worked by whoever holds its lane's role at the step's office (motcua/access.py)."""
    return actor.office_id is not None and actor.office_id == row.office_id and actor.has(row.role)


def _may_see(actor: Actor, row: TaskRow) -> bool:
    """Own office's tasks (read); admins and auditors: every office's."""
    return actor.sees_everything or (actor.office_id is not None and actor.office_id == row.office_id)


def _load(session, actor: Actor, task_id: str) -> TaskRow:
    row = session.get(TaskRow, task_id)
    if row is None or not _may_see(actor, row):
        raise NotFound("Không tìm thấy công việc này.")
    return row


def task_view(row: TaskRow, dossier: Dossier, *, with_form: bool = False) -> dict:
    out = {
        "id": row.id, "name": row.name, "lane": row.lane, "role": row.role, "office": row.office.code,
        "state": row.state, "dossier_code": dossier.code,
        "procedure_code": dossier.procedure_version.manifest["code"],
        "procedure_name": dossier.procedure_version.manifest["name"],
        "allotment_days": row.allotment_days, "ready_at": row.ready_at, "due_at": row.due_at,
        "overdue": row.overdue, "assignee": row.assignee.username if row.assignee else None,
        "form": row.form, "completed_at": row.completed_at, "data": row.data,
    }
    if with_form:
        out["form_schema"] = dossier.procedure_version.forms.get(row.form) if row.form else None
    return out


def _workable_by(actor: Actor):
    roles = [r for r in WORKING_ROLES if actor.has(r)]
    if actor.office_id is None or not roles:
        return false()
    return and_(TaskRow.office_id == actor.office_id, TaskRow.role.in_(roles))


def list_tasks(platform, actor: Actor, scope: str | None, page: int, per_page: int, *,
               state: str = "ready", dossier: str | None = None):
    """The inbox, most urgent first.

    scope=candidate: steps the user may take (their role at their office), nobody has them yet;
    scope=mine: steps they took; no scope: both. scope=all: every step the user may read (their
    office's; every office's for admins and auditors, whose default this is).
    """
    with platform.uow() as uow:
        session = uow.session
        query = select(TaskRow)
        if state != "all":
            query = query.where(TaskRow.state == state)
        if scope is None and actor.sees_everything and not actor.has(*WORKING_ROLES):
            scope = "all"
        if scope == "mine":
            query = query.where(_workable_by(actor), TaskRow.assignee_id == actor.user_id)
        elif scope == "candidate":
            query = query.where(_workable_by(actor), TaskRow.assignee_id.is_(None))
        elif scope == "all":
            if not actor.sees_everything:
                query = query.where(TaskRow.office_id == (actor.office_id if actor.office_id is not None else -1))
        else:
            query = query.where(_workable_by(actor), or_(TaskRow.assignee_id.is_(None),
                                                         TaskRow.assignee_id == actor.user_id))
        if dossier:
            query = query.join(Dossier, Dossier.id == TaskRow.dossier_id).where(Dossier.code == dossier)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(TaskRow.due_at, TaskRow.id)
                               .offset((page - 1) * per_page).limit(per_page)).all()
        return [task_view(r, session.get(Dossier, r.dossier_id)) for r in rows], total


def get_task(platform, actor: Actor, task_id: str) -> dict:
    with platform.uow() as uow:
        row = _load(uow.session, actor, task_id)
        return task_view(row, uow.session.get(Dossier, row.dossier_id), with_form=True)


def _workable(session, actor: Actor, task_id: str) -> TaskRow:
    row = _load(session, actor, task_id)
    if not _may_work(actor, row):
        raise Forbidden("Công việc này không thuộc vai trò của tài khoản tại cơ quan.")
    # Lock the dossier, then the task (always in that order): a concurrent change to the same
    # dossier waits here and then sees the state it left, instead of racing it.
    lock_dossier(session, row.dossier_id)
    row = session.scalar(select(TaskRow).where(TaskRow.id == row.id)
                         .with_for_update(of=TaskRow).execution_options(populate_existing=True))
    if row.state != "ready":
        raise Conflict("Công việc đã được xử lý hoặc không còn chờ xử lý.")
    return row


@contextmanager
def _conflicts():
    """A concurrent change to the same task or dossier row surfaces as a 409, never a double step."""
    try:
        yield
    except (StaleDataError, IntegrityError) as err:
        raise Conflict("Công việc vừa được người khác cập nhật; hãy tải lại.") from err


def claim(platform, actor: Actor, task_id: str) -> dict:
    with platform.uow() as uow, _conflicts():
        session = uow.session
        row = _workable(session, actor, task_id)
        if row.assignee_id not in (None, actor.user_id):
            raise Conflict("Công việc đã được người khác nhận.")
        dossier = session.get(Dossier, row.dossier_id)
        if row.assignee_id == actor.user_id:  # already theirs: nothing changes, nothing is recorded
            return task_view(row, dossier)
        row.assignee_id = actor.user_id
        history.append(session, dossier, "claimed", at=platform.now(), actor=actor.username, step=row.bpmn_id,
                       data={"task_id": row.id})
        session.flush()
        session.refresh(row)
        result = task_view(row, dossier)
        uow.commit()
        return result


def unclaim(platform, actor: Actor, task_id: str) -> dict:
    with platform.uow() as uow, _conflicts():
        session = uow.session
        row = _workable(session, actor, task_id)
        if row.assignee_id != actor.user_id:
            raise Conflict("Chỉ người đã nhận công việc mới trả lại được.")
        row.assignee_id = None
        dossier = session.get(Dossier, row.dossier_id)
        history.append(session, dossier, "unclaimed", at=platform.now(), actor=actor.username, step=row.bpmn_id,
                       data={"task_id": row.id})
        session.flush()
        session.refresh(row)
        result = task_view(row, dossier)
        uow.commit()
        return result


def complete(platform, actor: Actor, task_id: str, data: dict) -> dict:
    """One completion per step: the row's version counter turns a concurrent second one into a 409."""
    with platform.uow() as uow, _conflicts():
        session = uow.session
        row = _workable(session, actor, task_id)
        if row.assignee_id not in (None, actor.user_id):
            raise Conflict("Công việc đã được người khác nhận.")
        dossier = session.get(Dossier, row.dossier_id)
        if dossier.paused_at is not None and not row.pause_clock:
            raise Conflict("Hồ sơ đang chờ bổ sung; thời hạn tạm dừng nên chưa xử lý được bước này.")
        if not isinstance(data, dict):
            raise Invalid("Dữ liệu phải là một đối tượng.", errors={"data": ["Phải là một đối tượng JSON."]})
        schema = dossier.procedure_version.forms.get(row.form) if row.form else None
        if schema is not None:
            errors = validate_form_data(schema, data)
            if errors:
                raise Invalid("Dữ liệu biểu mẫu không hợp lệ.", errors=errors)
        instance = process.instance_of(session, dossier)
        workflow = process.load(platform, session, dossier, instance)
        now = platform.now()
        try:
            runtime.complete(workflow, task_id, data)
        except LookupError as err:
            raise Conflict("Bước này không còn chờ xử lý trong quy trình.") from err
        except StepFailed as err:
            raise Invalid(f"Quy trình không chạy tiếp được: {err}",
                          errors={"process": [str(err)]}, extra={"element": err.element}) from err
        if row.pause_clock and dossier.paused_at is not None:
            # the applicant's supplement arrived: the clock restarts and every open due time,
            # this step's included, moves by the paused working time before it is judged
            resume(platform, session, dossier, actor.username, data={"step": row.bpmn_id}, workflow=workflow)
        row.state = "completed"
        row.completed_at = now
        row.completed_by = actor.user_id
        row.assignee_id = row.assignee_id or actor.user_id
        row.data = data
        history.append(session, dossier, "step_completed", at=now, actor=actor.username, step=row.bpmn_id,
                       data={"task_id": row.id, "name": row.name, "data": data,
                             "on_time": now <= row.due_at, "due_at": row.due_at.isoformat()})
        process.sync(platform, session, dossier, instance, workflow, actor.username)
        session.flush()
        result = view(session, dossier)
        uow.commit()
        return result
