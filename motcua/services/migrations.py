"""Moving running dossiers to a new version of their procedure (issue 14; contract "Moving running
dossiers to a new version"), with a dry run first.

Each dossier is its own unit of work: a dry run loads it read-only, moves a copy of its workflow
and its state exactly as the run would, reports, and writes nothing; a run locks the dossier's row
(services/row_locks.py, as a completion does), so a migration racing a completion of the same
dossier sees the state the completion left (or the completion sees the migrated one), never a mix.
One dossier failing is reported and the others go on. Only designers and admins (motcua/access.py).
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from engine import migration as engine_migration, runtime
from motcua import access
from motcua.access import Actor
from motcua.db.models import Dossier, Procedure, ProcedureVersion
from motcua.domain import migration, statuses as S
from motcua.domain.errors import NotAllowed
from motcua.errors import Invalid, NotFound
from motcua.legal_clock import deadlines
from motcua.services import process, store
from motcua.services.row_locks import lock_dossier

log = logging.getLogger("motcua.migrations")
Progress = Callable[[int, int], None]


def _versions(session, code: str, from_version: int, to_version: int):
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã «{code}».")
    found = {v.version: v for v in session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.version.in_((from_version, to_version))))}
    errors = {}
    for key, number in (("from_version", from_version), ("to_version", to_version)):
        if number not in found:
            errors[key] = [f"Thủ tục không có phiên bản {number}."]
    if from_version == to_version:
        errors["to_version"] = ["Phiên bản mới phải khác phiên bản đang dùng."]
    if errors:
        raise Invalid("Phiên bản không hợp lệ.", errors=errors)
    return found[from_version], found[to_version]


def _candidates(session, old: ProcedureVersion, codes: list[str] | None) -> list[tuple[str, int | None]]:
    """(code, dossier id) to consider: the named ones (None: not a dossier of this version), or
    every open dossier of the old version."""
    if codes:
        rows = dict(session.execute(select(Dossier.code, Dossier.id).where(
            Dossier.code.in_(codes), Dossier.procedure_version_id == old.id)).all())
        return [(code, rows.get(code)) for code in dict.fromkeys(codes)]
    return list(session.execute(select(Dossier.code, Dossier.id).where(
        Dossier.procedure_version_id == old.id, Dossier.status.in_(S.OPEN_STATUSES)).order_by(Dossier.code)).all())


def _fields(schema) -> dict:
    props = (schema or {}).get("properties") or {}
    return {name: props[name] for name in props}


def _form_changes(old: ProcedureVersion, new: ProcedureVersion, forms) -> list[dict]:
    out = []
    for form in sorted({f for f in forms if f}):
        a, b = _fields(old.forms.get(form)), _fields(new.forms.get(form))
        added, removed = sorted(set(b) - set(a)), sorted(set(a) - set(b))
        changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
        required = (old.forms.get(form) or {}).get("required") != (new.forms.get(form) or {}).get("required")
        if added or removed or changed or required:
            out.append({"kind": "form", "form": form, "added": added, "removed": removed, "changed": changed,
                        "required_changed": required})
    return out


def _working_days(loaded, office: str, a, b) -> str:
    """How far a due time moves, in working days of the office (signed, e.g. "-0.5")."""
    cal, hours = loaded.calendars.calendar(office), loaded.calendars.hours(office)
    days = deadlines.working_time_between(cal, hours, min(a, b), max(a, b))
    days = -days if b < a else days
    return format(days.normalize() if days else Decimal(0), "f")


def _changes(loaded, before, event, moves, old: ProcedureVersion, new: ProcedureVersion) -> list[dict]:
    cals = loaded.calendars
    out = []
    for change in event.steps:
        step, was = loaded.state.steps[change["task_id"]], before.steps[change["task_id"]]
        out.append({
            "kind": "step", "task_id": step.task_id,
            "before": {"step": was.bpmn_id, "name": was.name, "lane": was.lane, "office": was.office,
                       "office_name": cals.name(was.office), "allotment_days": str(was.allotment_days),
                       "due_at": was.due_at.isoformat()},
            "after": {"step": step.bpmn_id, "name": step.name, "lane": step.lane, "office": step.office,
                      "office_name": cals.name(step.office), "allotment_days": str(step.allotment_days),
                      "due_at": step.due_at.isoformat()},
            "rerouted": was.office != step.office or was.lane != step.lane,
            "due_moved_days": _working_days(loaded, step.office, was.due_at, step.due_at),
        })
    for move in moves:
        if move.kind == "event":
            out.append({"kind": "event", "task_id": move.task_id, "before": {"step": move.old_id},
                        "after": {"step": move.new_id}})
    if event.dossier:
        out.append({"kind": "dossier", "before": {"due_at": before.due_at.isoformat(),
                                                  "legal_days": str(before.legal_days)},
                    "after": {"due_at": loaded.state.due_at.isoformat(),
                              "legal_days": str(Decimal(str(new.manifest["legal_days"])))},
                    "due_moved_days": _working_days(loaded, loaded.state.receiving_office, before.due_at,
                                                    loaded.state.due_at)})
    forms = [s.form for s in loaded.state.open_steps()]
    return out + _form_changes(old, new, forms)


def _reroute(platform, loaded, event) -> None:
    """What the store does not write for a step once it exists: its element, lane and office; the
    officials of a step that changed hands are told, as for a new step."""
    for change in event.steps:
        step, row = loaded.state.steps[change["task_id"]], loaded.rows[change["task_id"]]
        handed_over = row.role != step.role or "old_office" in change
        row.bpmn_id, row.name, row.lane, row.role = step.bpmn_id, step.name, step.lane, step.role
        row.allotment_days, row.form, row.pause_clock = str(step.allotment_days), step.form, step.pause_clock
        row.office_id = loaded.calendars.office(step.office).id
        if handed_over:
            loaded.session.flush()
            process.notify_assigned(platform, loaded.session, loaded.dossier, row, platform.now())


def _one(platform, dossier_id: int, code: str, old_id: int, new_id: int, id_map: dict, *, dry_run: bool,
         actor_name: str | None) -> dict:
    item = {"code": code, "migratable": False, "changes": [], "problems": []}
    with platform.uow(readonly=dry_run) as uow:
        session = uow.session
        dossier = session.get(Dossier, dossier_id) if dry_run else lock_dossier(session, dossier_id)
        old, new = session.get(ProcedureVersion, old_id), session.get(ProcedureVersion, new_id)
        if dossier is None or dossier.procedure_version_id != old.id:
            item["problems"].append({"message": f"Hồ sơ không còn theo phiên bản {old.version} của thủ tục."})
            return item
        loaded = store.load(platform, session, dossier, pauses=True)
        reason = migration.refusal(loaded.state)
        if reason is not None:
            item["problems"].append({"message": reason})
            return item
        workflow = process.load(platform, session, dossier, loaded.instance)
        try:
            moves = engine_migration.migrate(workflow, new.spec, id_map)
        except engine_migration.Blocked as err:
            item["problems"] += [{"element": p.element, "message": p.message} for p in err.problems]
            return item
        specs = {r.task_id: r.step for r in runtime.ready_steps(workflow)}
        before = loaded.state
        try:
            moved = migration.migrate(
                loaded.state, specs.items(), from_version=old.version, to_version=new.version, mapping=id_map,
                legal_days=Decimal(str(new.manifest["legal_days"])), now=platform.now(), calendars=loaded.calendars)
        except NotAllowed as err:
            item["problems"].append({"message": str(err)})
            return item
        (event,) = loaded.take(moved, actor_name)
        item["changes"] = _changes(loaded, before, event, moves, old, new)
        item["migratable"] = True
        if dry_run:
            return item
        state = loaded.state.copy()
        state.process.next_timer_at = runtime.next_timer_at(workflow)
        loaded.take((state, []), actor_name)
        dossier.procedure_version_id = new.id
        loaded.instance.procedure_version_id = new.id
        loaded.instance.state = runtime.dump(workflow)
        loaded.instance.updated_at = platform.now()
        loaded.save()
        _reroute(platform, loaded, event)
        uow.commit()
        item["migrated"] = True
        return item


def migrate(platform, actor: Actor | None, code: str, *, from_version: int, to_version: int,
            dossiers: list[str] | None = None, dry_run: bool = True, id_map: dict | None = None,
            progress: Progress | None = None) -> dict:
    """-> {items: [{code, migratable, changes, problems}], migrated, dry_run}. `actor` None: the
    operator at the server's console (`motcua migrate`)."""
    if actor is not None:
        access.require_migrator(actor)
    id_map = {str(k): str(v) for k, v in (id_map or {}).items()}
    with platform.uow(readonly=True) as uow:
        old, new = _versions(uow.session, code, int(from_version), int(to_version))
        old_id, new_id = old.id, new.id
        candidates = _candidates(uow.session, old, dossiers)
    actor_name = actor.username if actor is not None else "cli"
    items, migrated = [], 0
    for n, (dossier_code, dossier_id) in enumerate(candidates, 1):
        if dossier_id is None:
            items.append({"code": dossier_code, "migratable": False, "changes": [], "problems": [
                {"message": f"Không có hồ sơ này theo phiên bản {from_version} của thủ tục."}]})
        else:
            try:
                item = _one(platform, dossier_id, dossier_code, old_id, new_id, id_map, dry_run=dry_run,
                            actor_name=actor_name)
            except (StaleDataError, IntegrityError):
                item = {"code": dossier_code, "migratable": False, "changes": [], "problems": [
                    {"message": "Hồ sơ vừa được người khác cập nhật; hãy chạy lại cho hồ sơ này."}]}
            except runtime.StepFailed as err:
                item = {"code": dossier_code, "migratable": False, "changes": [],
                        "problems": [{"element": err.element, "message": str(err)}]}
            except Exception:  # noqa: BLE001 - one dossier failing never stops the others
                log.exception("migrating dossier %s failed", dossier_code)
                item = {"code": dossier_code, "migratable": False, "changes": [], "problems": [
                    {"message": "Lỗi hệ thống khi chuyển hồ sơ này; hồ sơ giữ nguyên, xem nhật ký máy chủ."}]}
            migrated += 1 if item.pop("migrated", False) else 0
            items.append(item)
        if progress is not None:
            progress(n, len(candidates))
    return {"items": items, "migrated": migrated, "dry_run": bool(dry_run),
            "from_version": int(from_version), "to_version": int(to_version)}

