"""What changed between two published versions of a procedure (the designer's studio).

`diff_versions(platform, actor, code, version, against)` compares `against` (before) with
`version` (after): the user steps (added, removed, and for the ones kept: name, lane, allotment,
form, supplement pause, the law's longer time), the lanes, the legal time, each form's fields
(added, removed, changed: title, type, required, choices, bounds…) and the other manifest fields.
Designers and administrators only; an unknown procedure or version is 404.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from engine.outline import lanes_of, steps_of
from motcua.access import Actor
from motcua.db.models import Procedure, ProcedureVersion
from motcua.errors import NotFound

DESIGNERS = ("designer", "admin")
STEP_FIELDS = ("name", "lane", "allotment_days", "form", "pause_clock", "legal_days", "legal_reason")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return _days(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _days(value) -> str | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return str(number.normalize()) if number != number.to_integral_value() else str(int(number))


def _changes(before: dict, after: dict, keys) -> list[dict]:
    out = []
    for key in keys:
        b, a = _text(before.get(key)), _text(after.get(key))
        if b != a:
            out.append({"field": key, "before": b, "after": a})
    return out


def _steps(before: str, after: str) -> dict:
    old = {s.bpmn_id: s.__dict__ for s in steps_of(before)}
    new = {s.bpmn_id: s.__dict__ for s in steps_of(after)}
    short = lambda s: {"id": s["bpmn_id"], "name": s["name"], "lane": s["lane"],  # noqa: E731
                       "allotment_days": _days(s["allotment_days"]), "form": s["form"]}
    changed = []
    for key in (k for k in new if k in old):
        fields = _changes(old[key], new[key], STEP_FIELDS)
        if fields:
            changed.append({"id": key, "name": new[key]["name"], "changes": fields})
    return {"added": [short(new[k]) for k in new if k not in old],
            "removed": [short(old[k]) for k in old if k not in new], "changed": changed}


def _fields(schema) -> tuple[dict, set]:
    if not isinstance(schema, dict):
        return {}, set()
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or ()) if isinstance(schema.get("required"), list) else set()
    return props, required


def _form(before, after) -> dict | None:
    (old, old_req), (new, new_req) = _fields(before), _fields(after)
    title = lambda props, name: (props.get(name) or {}).get("title") if isinstance(props.get(name), dict) else None  # noqa: E731
    changed = []
    for name in (n for n in new if n in old):
        o = {**(old[name] if isinstance(old[name], dict) else {}), "required": name in old_req}
        n = {**(new[name] if isinstance(new[name], dict) else {}), "required": name in new_req}
        fields = _changes(o, n, sorted(set(o) | set(n)))
        if fields:
            changed.append({"name": name, "title": title(new, name), "changes": fields})
    out = {"added": [{"name": k, "title": title(new, k)} for k in new if k not in old],
           "removed": [{"name": k, "title": title(old, k)} for k in old if k not in new], "changed": changed}
    rest = _changes({k: v for k, v in (before or {}).items() if k not in ("properties", "required")},
                    {k: v for k, v in (after or {}).items() if k not in ("properties", "required")},
                    sorted(set(before or {}) | set(after or {}) - {"properties", "required"}))
    if rest:
        out["schema"] = rest
    return out if any(out.values()) else None


def _forms(before: dict, after: dict) -> dict:
    changed = []
    for name in sorted(set(before) & set(after)):
        change = _form(before[name], after[name])
        if change:
            changed.append({"form": name, **change})
    return {"added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after)),
            "changed": changed}


def _version(session, code: str, number: int) -> ProcedureVersion:
    row = session.scalar(select(ProcedureVersion).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                         .where(Procedure.code == code, ProcedureVersion.version == number))
    if row is None:
        raise NotFound(f"Không có phiên bản {number} của thủ tục «{code}».")
    return row


def compare(old: ProcedureVersion, new: ProcedureVersion) -> dict:
    """The difference between two stored versions (rows or anything with manifest, forms, spec)."""
    manifest_keys = sorted((set(old.manifest) | set(new.manifest)) - {"legal_days"})
    legal = None
    if _days(old.manifest.get("legal_days")) != _days(new.manifest.get("legal_days")):
        legal = {"before": _days(old.manifest.get("legal_days")), "after": _days(new.manifest.get("legal_days"))}
    old_lanes, new_lanes = set(lanes_of(old.spec)), set(lanes_of(new.spec))
    out = {"legal_days": legal, "manifest": _changes(old.manifest, new.manifest, manifest_keys),
           "steps": _steps(old.spec, new.spec),
           "lanes": {"added": sorted(new_lanes - old_lanes), "removed": sorted(old_lanes - new_lanes)},
           "forms": _forms(old.forms or {}, new.forms or {})}
    out["same"] = (legal is None and not out["manifest"] and not any(out["steps"].values())
                   and not any(out["lanes"].values()) and not any(out["forms"].values()))
    return out


def diff_versions(platform, actor: Actor, code: str, version: int, against: int) -> dict:
    actor.require(*DESIGNERS)
    with platform.uow(readonly=True) as uow:
        new, old = _version(uow.session, code, version), _version(uow.session, code, against)
        return {"code": code, "version": version, "against": against, "name": new.manifest.get("name"),
                **compare(old, new)}
