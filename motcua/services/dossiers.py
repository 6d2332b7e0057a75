"""Dossier use cases: receipt at the desk, the dossier's actions, and reading it back."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from forms.validation import validate_form_data
from motcua.access import WORKING_ROLES, Actor
from motcua.clock import parse_instant
from motcua.db.models import Dossier, DossierSequence, Office, TaskRow
from motcua.errors import Conflict, DeskClosed, Forbidden, Invalid, NotFound
from motcua.legal_clock import deadlines
from motcua.services import history, process
from motcua.services.calendars import calendar_for, hours_for
from motcua.services.clockwork import pause, resume
from motcua.services.locking import lock_dossier
from motcua.services.procedures import latest_version

OPEN_STATUSES = ("processing", "supplement_requested")


def _fmt(at: datetime) -> str:
    return at.strftime("%H:%M ngày %d/%m/%Y")


def desk_hours(settings, office: Office, manifest: dict):
    """The office's hours, with Saturday service narrowed to what the procedure allows."""
    hours = hours_for(settings, office)
    wanted = manifest.get("saturday_hours")
    if hours.saturday == "full_day" and wanted == "morning":
        from dataclasses import replace
        hours = replace(hours, saturday="morning")
    return hours


def next_code(session, office: Office, day) -> str:
    """`{office code}-{yymmdd}-{sequence}`: the row lock makes the sequence gap- and duplicate-free."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(DossierSequence).values(office_id=office.id, day=day, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[DossierSequence.office_id, DossierSequence.day],
        set_={"last_seq": DossierSequence.last_seq + 1},
    ).returning(DossierSequence.last_seq)
    seq = session.execute(stmt).scalar_one()
    return f"{office.code}-{day:%y%m%d}-{seq:04d}"


def _procedure_version(session, code: str):
    """The latest version of the procedure named in the body: an unknown code is invalid content."""
    try:
        return latest_version(session, code)
    except NotFound as err:
        raise Invalid(err.detail, errors={"procedure_code": [err.detail]}) from err


def _documents(manifest: dict, submitted: list) -> list:
    """The documents received, each with its count (the procedure's, unless given) and digitized flag."""
    copies = {d.get("name"): d.get("copies", 1) for d in manifest.get("documents") or []}
    out = []
    for item in submitted:
        given = item.get("copies")
        entry = {"name": item["name"], "copies": given if given is not None else copies.get(item["name"], 1),
                 "digitized": bool(item.get("digitized"))}
        out.append(entry)
    return out


def checklist(manifest: dict, documents: list) -> list:
    """The procedure's required documents, each marked received / digitized from what the desk took."""
    got = {d.get("name"): d for d in documents or []}
    return [{"name": d.get("name"), "copies": d.get("copies", 1), "received": d.get("name") in got,
             "digitized": bool(got.get(d.get("name"), {}).get("digitized"))}
            for d in manifest.get("documents") or []]


def receive(platform, actor: Actor, request: dict) -> Dossier:
    actor.require("receiver")
    now = platform.now()
    with platform.uow() as uow:
        session = uow.session
        version = _procedure_version(session, request["procedure_code"])
        manifest = version.manifest
        receiving = session.get(Office, actor.office_id)
        competent = session.scalar(select(Office).where(Office.code == manifest["competent_office"]))
        channel = request["channel"]
        if channel not in manifest["channels"]:
            raise Invalid("Thủ tục không tiếp nhận qua kênh này.",
                          errors={"channel": [f"Thủ tục chỉ tiếp nhận qua: {', '.join(manifest['channels'])}."]})
        if not (manifest.get("boundary_free") or receiving.id == competent.id or receiving.level == "center"):
            raise Forbidden(f"Thủ tục «{manifest['name']}» chỉ được tiếp nhận tại {competent.name} "
                            f"hoặc Trung tâm Phục vụ hành chính công.")
        cal = calendar_for(session, platform.settings, receiving)
        hours = desk_hours(platform.settings, receiving, manifest)
        saturday_ok = bool(manifest.get("saturday_service"))
        if channel == "direct" and not deadlines.desk_open(cal, hours, now, saturday_service_allowed=saturday_ok):
            opening = deadlines.next_opening(cal, hours, now, saturday_service_allowed=saturday_ok)
            raise DeskClosed(f"Bộ phận một cửa đang đóng; mở cửa lại lúc {_fmt(opening)} "
                             f"({opening.isoformat()}).", extra={"next_opening": opening.isoformat()})
        data = request.get("data") or {}
        form_key = manifest.get("application_form")
        if form_key:
            errors = validate_form_data(version.forms[form_key], data)
            if errors:
                raise Invalid("Tờ khai không hợp lệ.", errors={f"data.{k}": v for k, v in errors.items()})
        start = deadlines.clock_start(cal, hours, now)
        due = deadlines.due_at(cal, hours, start, Decimal(manifest["legal_days"]))
        applicant = request["applicant"]
        phone_digits = "".join(ch for ch in str(applicant.get("phone", "")) if ch.isdigit())
        dossier = Dossier(
            code=next_code(session, receiving, now.date()), procedure_version_id=version.id,
            status="processing", channel=channel, receiving_office_id=receiving.id,
            competent_office_id=competent.id, received_by=actor.user_id, applicant=applicant,
            phone4=phone_digits[-4:], data=data, documents=_documents(manifest, request.get("documents") or []),
            received_at=now, clock_start=start, due_at=due, due_calendar=cal.fingerprint,
            supplement_count=0, overdue=False, apology_required=False)
        session.add(dossier)
        session.flush()
        history.append(session, dossier, "received", at=now, actor=actor.username, data={
            "procedure_code": manifest["code"], "procedure_version": version.version, "channel": channel,
            "receiving_office": receiving.code, "competent_office": competent.code,
            "documents": dossier.documents, "data": data,
            "clock_start": start.isoformat(), "due_at": due.isoformat(), "calendar": cal.fingerprint})
        process.start(platform, session, dossier, actor.username)
        uow.commit()
        return dossier


# --- reading ---------------------------------------------------------------------------------

def _office_holds_step(session, office_id, dossier_id, *states) -> bool:
    query = select(func.count(TaskRow.id)).where(TaskRow.dossier_id == dossier_id, TaskRow.office_id == office_id)
    if states:
        query = query.where(TaskRow.state.in_(states))
    return session.scalar(query) > 0


def visible(session, actor: Actor, dossier: Dossier) -> bool:
    """Own office's dossiers (received, decided or with a step there); admins and auditors: all."""
    if actor.sees_everything:
        return True
    if actor.office_id is None:
        return False
    if actor.office_id in (dossier.receiving_office_id, dossier.competent_office_id):
        return True
    return _office_holds_step(session, actor.office_id, dossier.id)


def load_visible(session, actor: Actor, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None or not visible(session, actor, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ «{code}».")
    return dossier


def get(platform, actor: Actor, code: str) -> dict:
    with platform.uow() as uow:
        return view(uow.session, load_visible(uow.session, actor, code))


def list_for(platform, actor: Actor, *, status=None, overdue=None, procedure=None, office=None,
             page=1, per_page=20):
    """The dossiers the actor may see, newest first; `office` narrows to one office's (as receiving,
    competent or step office)."""
    from motcua.db.models import Procedure, ProcedureVersion
    with platform.uow() as uow:
        session = uow.session
        query = select(Dossier)

        def of_office(office_id):
            with_task = select(TaskRow.dossier_id).where(TaskRow.office_id == office_id)
            return or_(Dossier.receiving_office_id == office_id, Dossier.competent_office_id == office_id,
                       Dossier.id.in_(with_task))

        if not actor.sees_everything:
            query = query.where(of_office(actor.office_id if actor.office_id is not None else -1))
        if office:
            office_id = session.scalar(select(Office.id).where(Office.code == office))
            query = query.where(of_office(office_id if office_id is not None else -1))
        if status:
            query = query.where(Dossier.status == status)
        if overdue is not None:
            query = query.where(Dossier.overdue.is_(overdue))
        if procedure:
            query = query.join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id).join(
                Procedure, Procedure.id == ProcedureVersion.procedure_id).where(Procedure.code == procedure)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Dossier.received_at.desc(), Dossier.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
        return [view(session, d) for d in rows], total


def view(session, dossier: Dossier) -> dict:
    steps = session.scalars(select(TaskRow).where(TaskRow.dossier_id == dossier.id, TaskRow.state == "ready")
                            .order_by(TaskRow.ready_at, TaskRow.id)).all()
    manifest = dossier.procedure_version.manifest
    return {
        "code": dossier.code, "status": dossier.status, "procedure_code": manifest["code"],
        "procedure_name": manifest["name"], "procedure_version": dossier.procedure_version.version,
        "channel": dossier.channel, "receiving_office": dossier.receiving_office.code,
        "competent_office": dossier.competent_office.code, "applicant": dossier.applicant,
        "data": dossier.data, "documents": dossier.documents,
        "checklist": checklist(manifest, dossier.documents),
        "received_at": dossier.received_at, "clock_start": dossier.clock_start, "due_at": dossier.due_at,
        "finished_at": dossier.finished_at, "returned_at": dossier.returned_at,
        "supplement_count": dossier.supplement_count, "paused": dossier.paused_at is not None,
        "overdue": dossier.overdue, "apology_required": dossier.apology_required, "apology": dossier.apology,
        "current_steps": [{"task_id": t.id, "name": t.name, "lane": t.lane, "office": t.office.code,
                           "due_at": t.due_at, "assignee": t.assignee.username if t.assignee else None}
                          for t in steps],
        "result": dossier.result,
    }


def history_of(platform, actor: Actor, code: str) -> list:
    with platform.uow() as uow:
        dossier = load_visible(uow.session, actor, code)
        return [{"seq": e.seq, "at": e.at, "type": e.type, "actor": e.actor, "step": e.step, "data": e.data}
                for e in history.events_of(uow.session, dossier.id)]


# --- actions ---------------------------------------------------------------------------------

def holds(session, actor: Actor, dossier: Dossier) -> bool:
    """Does the actor's office hold the dossier now (receiving, competent, or a step waiting there)?"""
    if actor.office_id is None:
        return False
    if actor.office_id in (dossier.receiving_office_id, dossier.competent_office_id):
        return True
    return _office_holds_step(session, actor.office_id, dossier.id, "ready")


def _acting(session, actor: Actor, code: str) -> Dossier:
    """404 if the actor may not see it, 403 if they may see but not act (auditors; offices that no
    longer hold it; users without a working role); admins act everywhere (motcua/access.py)."""
    dossier = load_visible(session, actor, code)
    if not actor.acts_everywhere:
        if not actor.has(*WORKING_ROLES):
            raise Forbidden("Tài khoản chỉ được xem, không được thao tác trên hồ sơ.")
        if not holds(session, actor, dossier):
            raise Forbidden("Cơ quan của tài khoản không còn giữ hồ sơ này nên không thao tác được.")
    return lock_dossier(session, dossier.id)


def _require_status(dossier: Dossier, *allowed: str) -> None:
    if dossier.status not in allowed:
        raise Conflict(f"Hồ sơ đang ở trạng thái «{dossier.status}», không thực hiện được thao tác này.")


def _item_text(item) -> str:
    """An item to add or fix, as form 02 prints it: "name (kind) – note"."""
    if not isinstance(item, dict):
        return str(item)
    text = item["name"]
    if item.get("kind"):
        text += f" ({item['kind']})"
    if item.get("note"):
        text += f" – {item['note']}"
    return text


def request_supplement(platform, actor: Actor, code: str, reason: str, items: list) -> dict:
    """Form 02: the applicant must add or fix documents; the legal clock stops meanwhile."""
    with platform.uow() as uow:
        dossier = _acting(uow.session, actor, code)
        _require_status(dossier, "processing")
        pause(platform, uow.session, dossier, actor.username, reason=reason,
              items=[_item_text(i) for i in items or []], source="api")
        result = view(uow.session, dossier)
        uow.commit()
        return result


def supplement(platform, actor: Actor, code: str, documents: list, data: dict | None) -> dict:
    """The supplement arrived: the clock resumes and every due time moves by the paused working time."""
    with platform.uow() as uow:
        session = uow.session
        dossier = _acting(session, actor, code)
        _require_status(dossier, "supplement_requested")
        manifest = dossier.procedure_version.manifest
        added = _documents(manifest, documents or [])
        if data:
            merged = {**(dossier.data or {}), **data}
            form_key = manifest.get("application_form")
            if form_key:
                errors = validate_form_data(dossier.procedure_version.forms[form_key], merged)
                if errors:
                    raise Invalid("Tờ khai bổ sung không hợp lệ.",
                                  errors={f"data.{k}": v for k, v in errors.items()})
            dossier.data = merged
        dossier.documents = list(dossier.documents or []) + added
        resume(platform, session, dossier, actor.username, data={"documents": added, "data": data})
        result = view(session, dossier)
        uow.commit()
        return result


def apologise(platform, actor: Actor, code: str, reason: str, new_due_at) -> dict:
    """Form 04, at most once: on time when made at least one working day before the due time."""
    with platform.uow() as uow:
        session = uow.session
        dossier = _acting(session, actor, code)
        _require_status(dossier, *OPEN_STATUSES)
        if dossier.apology:
            raise Conflict("Hồ sơ đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần.")
        new_due = parse_instant(new_due_at) if isinstance(new_due_at, str) else new_due_at
        now = platform.now()
        if new_due <= dossier.due_at or new_due <= now:
            message = "Ngày hẹn mới phải sau ngày hẹn trả hiện tại và sau thời điểm hiện tại."
            raise Invalid(message, errors={"new_due_at": [message]})
        cal = calendar_for(session, platform.settings, dossier.receiving_office)
        hours = hours_for(platform.settings, dossier.receiving_office)
        on_time = now < dossier.due_at and deadlines.working_time_between(cal, hours, now, dossier.due_at) >= 1
        dossier.apology = {"reason": reason, "new_due_at": new_due.isoformat(), "on_time": on_time,
                           "original_due_at": dossier.due_at.isoformat(), "at": now.isoformat(),
                           "by": actor.username}
        dossier.due_at = new_due
        dossier.apology_required = False
        dossier.overdue = now > new_due
        history.append(session, dossier, "apology", at=now, actor=actor.username, data=dossier.apology)
        result = view(session, dossier)
        uow.commit()
        return result


def end(platform, actor: Actor, code: str, status: str, reason: str | None) -> dict:
    """reject (form 03) / stop / withdraw: the process is cancelled and the dossier closed."""
    with platform.uow() as uow:
        session = uow.session
        dossier = _acting(session, actor, code)
        _require_status(dossier, *OPEN_STATUSES)
        process.cancel_open_steps(platform, session, dossier, actor.username)
        process.finish(platform, session, dossier, status, actor.username, reason=reason)
        result = view(session, dossier)
        uow.commit()
        return result


def hand_over(platform, actor: Actor, code: str) -> dict:
    """The result is handed to the applicant by the desk that received the dossier (or an admin)."""
    with platform.uow() as uow:
        session = uow.session
        dossier = _acting(session, actor, code)
        if not actor.acts_everywhere and (
                not actor.has("receiver") or actor.office_id != dossier.receiving_office_id):
            raise Forbidden("Chỉ bộ phận một cửa nơi tiếp nhận hồ sơ mới trả kết quả.")
        _require_status(dossier, "done")
        now = platform.now()
        dossier.status = "returned"
        dossier.returned_at = now
        history.append(session, dossier, "returned", at=now, actor=actor.username,
                       data={"on_time": (dossier.finished_at or now) <= dossier.due_at})
        result = view(session, dossier)
        uow.commit()
        return result
