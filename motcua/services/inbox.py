"""The task inbox: who sees a step, claiming it, and completing it exactly once."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from engine import inspection, runtime
from engine.runtime import StepFailed
from forms.validation import protected_variables, validate_form_data
from motcua import access
from motcua.access import WORKING_ROLES, Actor
from motcua.db.models import Dossier, StepRow
from motcua.domain import statuses as S
from motcua.domain import steps
from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.services import list_batch, process, store
from motcua.services.dossiers import view
from motcua.services.row_locks import lock_dossier


def _load(session, actor: Actor, task_id: str) -> StepRow:
    row = session.get(StepRow, task_id)
    if row is None or not access.may_read_task(actor, row):
        raise NotFound("Không tìm thấy công việc này.")
    return row


def task_view(row: StepRow, dossier: Dossier, *, with_form: bool = False) -> dict:
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


def list_tasks(platform, actor: Actor, scope: str | None, page: int, per_page: int, *,
               state: str = "ready", dossier: str | None = None):
    """The inbox, most urgent first.

    scope=candidate: steps the user may take (their role at their office), nobody has them yet;
    scope=mine: steps they took; no scope: both. scope=all: every step the user may read (their
    office's; every office's for admins and auditors, whose default this is).
    """
    with platform.uow(readonly=True) as uow:
        session = uow.session
        query = select(StepRow)
        if state != "all":
            query = query.where(StepRow.state == state)
        if scope is None and actor.sees_everything and not actor.has(*WORKING_ROLES):
            scope = "all"
        if scope == "mine":
            query = query.where(access.workable_tasks(actor), StepRow.assignee_id == actor.user_id)
        elif scope == "candidate":
            query = query.where(access.workable_tasks(actor), StepRow.assignee_id.is_(None))
        elif scope == "all":
            query = query.where(access.readable_tasks(actor))
        else:
            query = query.where(access.workable_tasks(actor), or_(StepRow.assignee_id.is_(None),
                                                         StepRow.assignee_id == actor.user_id))
        if dossier:
            query = query.join(Dossier, Dossier.id == StepRow.dossier_id).where(Dossier.code == dossier)
        total = list_batch.count_up_to(session, query, platform.settings)
        rows = session.scalars(query.order_by(StepRow.due_at, StepRow.id)
                               .offset((page - 1) * per_page).limit(per_page)).all()
        of = list_batch.dossiers_by_id(session, [r.dossier_id for r in rows])  # one statement, not one a row
        return [task_view(r, of[r.dossier_id]) for r in rows], total


def get_task(platform, actor: Actor, task_id: str) -> dict:
    with platform.uow(readonly=True) as uow:
        row = _load(uow.session, actor, task_id)
        return task_view(row, uow.session.get(Dossier, row.dossier_id), with_form=True)


def _workable(session, actor: Actor, task_id: str) -> tuple[StepRow, Dossier]:
    """The task and its dossier, both locked (the dossier row is kept: the session's identity map
    holds objects weakly, and reading it again would cost a statement)."""
    row = _load(session, actor, task_id)
    if not access.may_work_task(actor, row):
        raise Forbidden("Công việc này không thuộc vai trò của tài khoản tại cơ quan.")
    # Lock the dossier, then the task (always in that order): a concurrent change to the same
    # dossier waits here and then sees the state it left, instead of racing it.
    dossier = lock_dossier(session, row.dossier_id)
    if session.get_bind().dialect.name != "sqlite":
        # SQLite's unit of work began with BEGIN IMMEDIATE: the task read above is already current
        row = session.scalar(select(StepRow).where(StepRow.id == row.id)
                             .with_for_update(of=StepRow).execution_options(populate_existing=True))
    if row.state != S.READY:
        raise Conflict("Công việc đã được xử lý hoặc không còn chờ xử lý.")
    return row, dossier


@contextmanager
def _conflicts():
    """A concurrent change to the same task or dossier row surfaces as a 409, never a double step."""
    try:
        yield
    except (StaleDataError, IntegrityError) as err:
        raise Conflict("Công việc vừa được người khác cập nhật; hãy tải lại.") from err


def _assign(platform, actor: Actor, task_id: str, move) -> dict:
    """claim / unclaim: the core decides, the row and the history follow."""
    with platform.uow() as uow, _conflicts():
        session = uow.session
        row, dossier = _workable(session, actor, task_id)
        loaded = store.load(platform, session, dossier)
        loaded.knows_user(actor.username, actor.user_id)
        if not loaded.take(move(loaded.state, row.id, actor=actor.username, now=platform.now()), actor.username):
            return task_view(row, loaded.dossier)  # already theirs: nothing changes, nothing is recorded
        loaded.save()
        session.flush()
        session.refresh(row)
        result = task_view(row, loaded.dossier)
        uow.commit()
        return result


def claim(platform, actor: Actor, task_id: str) -> dict:
    return _assign(platform, actor, task_id, steps.claim)


def unclaim(platform, actor: Actor, task_id: str) -> dict:
    return _assign(platform, actor, task_id, steps.unclaim)


def complete(platform, actor: Actor, task_id: str, data: dict) -> dict:
    """One completion per step: the row's version counter turns a concurrent second one into a 409."""
    with platform.uow() as uow, _conflicts():
        session = uow.session
        row, dossier = _workable(session, actor, task_id)
        loaded = store.load(platform, session, dossier)
        loaded.knows_user(actor.username, actor.user_id)
        step = steps.check_completable(loaded.state, row.id, actor=actor.username)
        if not isinstance(data, dict):
            raise Invalid("Dữ liệu phải là một đối tượng.", errors={"data": ["Phải là một đối tượng JSON."]})
        dossier = loaded.dossier
        # A step writes only what its form declares (a step without a form writes nothing), and
        # never a variable the procedure protects (the manifest's protected_variables).
        schema = dossier.procedure_version.forms.get(step.form) if step.form else None
        errors = validate_form_data(schema, data, protected=protected_variables(dossier.procedure_version.manifest))
        if errors:
            raise Invalid("Dữ liệu biểu mẫu không hợp lệ.", errors=errors)
        workflow = process.load(platform, session, dossier, loaded.instance)
        now = platform.now()
        try:
            runtime.complete(workflow, task_id, data)
        except LookupError as err:
            raise Conflict("Bước này không còn chờ xử lý trong quy trình.") from err
        except StepFailed as err:
            raise Invalid(f"Quy trình không chạy tiếp được: {err}",
                          errors={"process": [str(err)]}, extra={"element": err.element}) from err
        resumes = step.pause_clock and loaded.state.paused_at is not None
        events = loaded.take(steps.complete(
            loaded.state, row.id, actor=actor.username, data=data, now=now, calendars=loaded.calendars,
            timers=inspection.waiting_timers(workflow) if resumes else ()), actor.username, at=now)
        if resumes:  # the held workflow's timers move with the pause; `advance` saves it
            process.move_timers(platform, loaded, workflow, events[0].timers, save=False)
        process.advance(platform, session, loaded, workflow, actor.username)
        session.flush()
        result = view(session, dossier, steps=loaded.state.steps.values())
        uow.commit()
        return result
