"""Dossier use cases: receipt at the desk, the dossier's actions, and reading it back."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from forms.validation import protected_variables, validate_form_data
from motcua import access
from motcua.access import Actor
from motcua.clock import parse_instant
from motcua.db.models import Dossier, DossierSequence, Office, StepRow
from motcua.domain import calendars as domain_calendars
from motcua.domain import content, lifecycle, search
from motcua.domain import statuses as S
from motcua.errors import Forbidden, Invalid, NotFound
from motcua.services import files, history, list_batch, payments, process, store
from motcua.services.office_calendars import OfficeCalendars, hours_for
from motcua.services.row_locks import lock_dossier
from motcua.services.procedures import latest_version

OPEN_STATUSES = S.OPEN_STATUSES


def desk_hours(settings, office: Office, manifest: dict):
    """The office's hours, with Saturday service narrowed to what the procedure allows."""
    return domain_calendars.desk_hours(hours_for(settings, office), manifest)


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


def checklist(manifest: dict, documents: list) -> list:
    """The procedure's required documents, each marked received / digitized from what the desk took."""
    got = {d.get("name"): d for d in documents or []}
    return [{"name": d.get("name"), "copies": d.get("copies", 1), "received": d.get("name") in got,
             "digitized": bool(got.get(d.get("name"), {}).get("digitized"))}
            for d in manifest.get("documents") or []]


def _application_errors(version, data) -> dict:
    """{"data.field": [messages]} of the application form (empty when it is valid or there is none)."""
    manifest = version.manifest
    form_key = manifest.get("application_form")
    if not form_key or not isinstance(data, dict):
        return {}
    errors = validate_form_data(version.forms[form_key], data, protected=protected_variables(manifest))
    return {f"data.{k}": v for k, v in errors.items()}


def application_errors(platform, procedure_code, data) -> dict:
    """The application form's errors for a receipt whose other fields are wrong too (one round of
    validation at the desk); nothing when the procedure is unknown."""
    if not isinstance(procedure_code, str) or not isinstance(data, dict):
        return {}
    with platform.uow(readonly=True) as uow:
        try:
            return _application_errors(latest_version(uow.session, procedure_code), data)
        except NotFound:
            return {}


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
        data = request.get("data") or {}
        # one round: the channel and every field of the application form are reported together
        errors = _application_errors(version, data)
        if channel not in manifest["channels"]:
            errors = {"channel": [f"Thủ tục chỉ tiếp nhận qua: {', '.join(manifest['channels'])}."], **errors}
        if errors:
            raise Invalid("Thủ tục không tiếp nhận qua kênh này." if "channel" in errors else "Tờ khai không hợp lệ.",
                          errors=errors)
        if not (manifest.get("boundary_free") or receiving.id == competent.id or receiving.level == "center"):
            raise Forbidden(f"Thủ tục «{manifest['name']}» chỉ được tiếp nhận tại {competent.name} "
                            f"hoặc Trung tâm Phục vụ hành chính công.")
        calendars = OfficeCalendars(session, platform.settings)
        calendars.remember(receiving, competent)
        hours = domain_calendars.desk_hours(calendars.hours(receiving.code), manifest)
        saturday_ok = bool(manifest.get("saturday_service"))
        lifecycle.check_desk_open(channel, calendars.calendar(receiving.code), hours, now,
                                  saturday_service=saturday_ok)
        applicant = request["applicant"]
        phone_digits = "".join(ch for ch in str(applicant.get("phone", "")) if ch.isdigit())
        submitted = request.get("documents") or []
        held = files.prepare(session, actor, submitted, applicant.get("id_number"), now)
        state, events = lifecycle.receive(
            code=next_code(session, receiving, now.date()), procedure_code=manifest["code"],
            procedure_version=version.version, legal_days=Decimal(str(manifest["legal_days"])), channel=channel,
            receiving=receiving.code, competent=competent.code,
            documents=content.documents(manifest, submitted, held), form_data=data,
            desk_hours=hours, saturday_service=saturday_ok, now=now, calendars=calendars)
        dossier = Dossier(
            code=state.code, procedure_version_id=version.id, status=state.status, channel=channel,
            receiving_office_id=receiving.id, competent_office_id=competent.id, received_by=actor.user_id,
            applicant=applicant, phone4=phone_digits[-4:], data=state.data, documents=state.documents,
            received_at=now, clock_start=state.clock_start, due_at=state.due_at, due_calendar=state.due_calendar,
            supplement_count=0, overdue=False, apology_required=False,
            search_text=search.search_text(state.code, applicant))
        session.add(dossier)
        session.flush()
        files.attach(session, dossier, state.documents, "component", now)
        payments.open_account(session, dossier, manifest)
        loaded = store.load(platform, session, dossier, calendars=calendars, state=state)
        loaded.take((state, events), actor.username, at=now)
        loaded.save()
        process.start(platform, session, loaded, actor.username)
        uow.commit()
        return dossier


# --- reading ---------------------------------------------------------------------------------

load_visible = access.load_visible  # reading a dossier by its code: 404 unless the actor may read it


def get(platform, actor: Actor, code: str) -> dict:
    with platform.uow(readonly=True) as uow:
        return view(uow.session, load_visible(uow.session, actor, code))


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_for(platform, actor: Actor, *, status=None, overdue=None, procedure=None, office=None, q=None,
             page=1, per_page=20):
    """The dossiers the actor may see, newest first; `office` narrows to one office's (as receiving,
    competent or step office); `q` keeps those whose search line (code, name without diacritics,
    identity number, phone) contains every term of the query: `LIKE '%term%'`, which PostgreSQL
    answers from the pg_trgm index (migration 0007)."""
    from motcua.db.models import Procedure, ProcedureVersion
    terms = search.terms(q) if q is not None else []
    if q is not None and not search.searchable(terms):
        raise Invalid("Nhập ít nhất 3 ký tự để tìm (mã hồ sơ, họ tên, số giấy tờ hoặc số điện thoại).",
                      errors={"q": [f"Cần ít nhất {search.MIN_TERM} ký tự liền nhau."]})
    with platform.uow(readonly=True) as uow:
        session = uow.session
        query = select(Dossier).where(access.readable_dossiers(actor))
        for term in terms:
            query = query.where(Dossier.search_text.like(_like(term), escape="\\"))
        if office:
            office_id = session.scalar(select(Office.id).where(Office.code == office))
            query = query.where(access.dossiers_of_office(office_id))
        if status:
            query = query.where(Dossier.status == status)
        if overdue is not None:
            query = query.where(Dossier.overdue.is_(overdue))
        if procedure:
            query = query.join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id).join(
                Procedure, Procedure.id == ProcedureVersion.procedure_id).where(Procedure.code == procedure)
        total = list_batch.count_up_to(session, query, platform.settings)
        rows = session.scalars(query.options(list_batch.light_versions())
                               .order_by(Dossier.received_at.desc(), Dossier.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
        batch = list_batch.batch_for(session, [d.id for d in rows])
        return [view(session, d, batch=batch) for d in rows], total


def _current_steps(session, dossier: Dossier, steps, batch) -> list[dict]:
    """The ready steps: from the core's step states a use case already holds, from the page's batch,
    or from the rows."""
    if steps is None:
        rows = batch.steps[dossier.id] if batch is not None else session.scalars(
            select(StepRow).where(StepRow.dossier_id == dossier.id, StepRow.state == "ready")
            .order_by(StepRow.ready_at, StepRow.id)).all()
        return [{"task_id": t.id, "name": t.name, "lane": t.lane, "office": t.office.code, "due_at": t.due_at,
                 "assignee": t.assignee.username if t.assignee else None} for t in rows]
    ready = sorted((s for s in steps if s.state == S.READY), key=lambda s: (s.ready_at, s.task_id))
    return [{"task_id": s.task_id, "name": s.name, "lane": s.lane, "office": s.office, "due_at": s.due_at,
             "assignee": s.assignee} for s in ready]


def view(session, dossier: Dossier, *, steps=None, batch: list_batch.Batch | None = None) -> dict:
    """The dossier as the API shows it; `steps`: the core's StepStates when the caller holds them;
    `batch`: its steps, payments and result read with its page's."""
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
        "current_steps": _current_steps(session, dossier, steps, batch),
        "result": dossier.result,
        **payments.view_fields(session, dossier, rows=None if batch is None else batch.payments[dossier.id]),
        "result_file": _result_file(session, dossier, batch),
    }


def _result_file(session, dossier: Dossier, batch=None) -> dict | None:
    row = files.result_of(session, dossier.id) if batch is None else batch.results.get(dossier.id)
    return None if row is None else {"id": row.id, "sha256": row.sha256, "name": row.name, "size": row.size,
                                     "media_type": row.media_type}


def history_of(platform, actor: Actor, code: str) -> list:
    with platform.uow(readonly=True) as uow:
        dossier = load_visible(uow.session, actor, code)
        return [{"seq": e.seq, "at": e.at, "type": e.type, "actor": e.actor, "step": e.step, "data": e.data}
                for e in history.events_of(uow.session, dossier.id)]


# --- actions ---------------------------------------------------------------------------------

def _acting(session, actor: Actor, code: str, action: str) -> Dossier:
    """404 if the actor may not see it, 403 if they may see but not take `action` (auditors;
    cooperating agencies; an office the action does not belong to; see motcua/access.py)."""
    dossier = load_visible(session, actor, code)
    access.check_dossier_action(session, actor, dossier, action)
    return lock_dossier(session, dossier.id)


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


def _act(platform, actor: Actor, code: str, action: str, move) -> dict:
    """One action on a dossier: lock it, load its state, let the core move it (`move(loaded)`
    returns the transition's result), store the state and the events, commit."""
    with platform.uow() as uow:
        session = uow.session
        loaded = store.load(platform, session, _acting(session, actor, code, action))
        loaded.take(move(loaded), actor.username)
        loaded.save()
        result = view(session, loaded.dossier)
        uow.commit()
        return result


def request_supplement(platform, actor: Actor, code: str, reason: str, items: list) -> dict:
    """Form 02: the applicant must add or fix documents; the legal clock stops meanwhile."""
    return _act(platform, actor, code, "supplement-request", lambda loaded: lifecycle.request_supplement(
        loaded.state, reason=reason, items=[_item_text(i) for i in items or []], now=platform.now()))


def supplement(platform, actor: Actor, code: str, documents: list, data: dict | None) -> dict:
    """The supplement arrived: the clock resumes and every due time (and waiting BPMN timer)
    moves by the paused working time."""
    def move(loaded):
        lifecycle.require_status(loaded.state, S.SUPPLEMENT_REQUESTED)
        version = loaded.dossier.procedure_version
        form_key = version.manifest.get("application_form")
        if data and form_key:
            errors = validate_form_data(version.forms[form_key], {**(loaded.state.data or {}), **data},
                                        protected=protected_variables(version.manifest))
            if errors:
                raise Invalid("Tờ khai bổ sung không hợp lệ.", errors={f"data.{k}": v for k, v in errors.items()})
        workflow, timers = process.waiting_timers(platform, loaded.session, loaded)
        held = files.prepare(loaded.session, actor, documents or [], (loaded.dossier.applicant or {}).get("id_number"),
                             platform.now())
        given = content.documents(version.manifest, documents or [], held, earlier=loaded.state.documents)
        state, events = lifecycle.supplement(
            loaded.state, documents=given, data=data, now=platform.now(), calendars=loaded.calendars, timers=timers)
        files.attach(loaded.session, loaded.dossier, given, "supplement", platform.now())
        loaded.state = state
        process.move_timers(platform, loaded, workflow, events[-1].timers, save=True)
        return loaded.state, events
    return _act(platform, actor, code, "supplement", move)


def apologise(platform, actor: Actor, code: str, reason: str, new_due_at) -> dict:
    """Form 04, at most once: on time when made at least one working day before the due time."""
    new_due = parse_instant(new_due_at) if isinstance(new_due_at, str) else new_due_at
    bound = apology_max_extension_days(platform.settings)
    return _act(platform, actor, code, "apology", lambda loaded: lifecycle.apologise(
        loaded.state, reason=reason, new_due_at=new_due, by=actor.username, now=platform.now(),
        calendars=loaded.calendars, max_extension_days=bound))


def apology_max_extension_days(settings) -> Decimal | None:
    """config.yaml `dossier.apology_max_extension_days` (None or absent: no upper bound)."""
    value = (settings.section("dossier") or {}).get("apology_max_extension_days")
    return None if value is None else Decimal(str(value))


def end(platform, actor: Actor, code: str, status: str, reason: str | None) -> dict:
    """reject (form 03) / stop / withdraw: the process is cancelled and the dossier closed."""
    def move(loaded):
        moved = lifecycle.end(loaded.state, status, reason=reason, now=platform.now())
        process.cancel(platform, loaded.session, loaded)
        return moved
    return _act(platform, actor, code, access.ENDING_ACTIONS.get(status, "reject"), move)


def hand_over(platform, actor: Actor, code: str) -> dict:
    """The result is handed to the applicant by the desk that received the dossier (or an admin)."""
    return _act(platform, actor, code, "return",
                lambda loaded: lifecycle.hand_over(loaded.state, now=platform.now()))


# --- content: the electronic result, fees, reuse (motcua/services/files.py, payments.py) --------

def issue_result(platform, actor: Actor, code: str, file_id: str, number: str | None, issued_at) -> dict:
    """The competent office attaches the electronic result (before or when the dossier is done)."""
    return _act(platform, actor, code, "result", lambda loaded: files.result_move(
        loaded, actor, file_id, number, issued_at, platform.now()))


def record_payment(platform, actor: Actor, code: str, body: dict) -> dict:
    """A fee paid at the desk (or by post, or online and reported by the receiver)."""
    return _act(platform, actor, code, "payment", lambda loaded: payments.payment_move(
        loaded, actor, body, platform.now()))


def look_up_applicant_files(platform, actor: Actor, id_number: str, code: str | None) -> list[dict]:
    """The applicant's reusable files; the look-up is recorded in the history of dossier `code`
    when it serves one (a core transition, `files_reused`), else in the platform's own log."""
    if not code:
        return files.applicant_files(platform, actor, id_number)
    files.check_may_look_up(actor)
    found: list[dict] = []
    _act(platform, actor, code, "reuse", lambda loaded: files.reuse_move(loaded, id_number, found))
    return found
