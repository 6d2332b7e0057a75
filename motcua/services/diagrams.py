"""Seeing a process: a procedure version's BPMN diagram, and a dossier's progress drawn over it.

Read-only use cases (contract "Seeing a process"); the drawing itself is `engine.drawing`.

- A procedure version's diagram: any signed-in role (designers, staff, auditors, admins) may look;
  an unknown procedure or version is 404.
- A dossier's diagram: whoever may read the dossier (`dossiers.load_visible`: own office's
  dossiers, everything for auditors and admins; anything else is 404, as if it did not exist). It
  draws the version the dossier is pinned to, with:
  - each completed step marked early, on time or late by `step_timeliness` (domain rule 9);
  - the current steps (ready now) marked current, a step that is done and ready again (a rework
    loop) shown as current;
  - the other elements the engine ran (script tasks, gateways, events) marked as passed, and the
    sequence flows followed between consecutively reached elements (`engine.trail`).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from engine.drawing import render_svg
from engine.trail import Trail, trail_of
from motcua.access import ROLES, Actor
from motcua.clock import VN_TZ
from motcua.db.models import Procedure, ProcedureVersion, ProcessInstance, StepRow
from engine.problems import PackageInvalid
from motcua.errors import NotFound, PackageRejected
from motcua.services.documents import classify
from motcua.services.dossiers import load_visible
from motcua.services.procedures import compile_or_reject

log = logging.getLogger(__name__)

STATE_OF = {"early": "done-early", "on_time": "done-on-time", "late": "done-late"}
WORDS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Trễ hạn"}


def step_timeliness(completed_at: datetime | None, due_at: datetime | None) -> str | None:
    """Early / on time / late of a completed step (domain.md, lifecycle rule 9): "late" when it was
    completed after its due time; "early" when completed on an earlier calendar day (Vietnamese
    time) than the day it was due; otherwise "on time". None while it is not completed.

    The one rule, shared with the control slip (form 06): `motcua.services.documents.classify`.
    """
    return classify(completed_at, due_at)


def _fmt(at: datetime | None) -> str:
    return at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if at else "?"


def _limits(platform, bpmn: str) -> dict:
    limits = platform.settings.limits
    # A stored version passed the limits when it was published; a lower limit set later must not
    # make it undrawable.
    return {"max_bytes": max(int(limits["bpmn_max_bytes"]), len(bpmn.encode("utf-8"))),
            "max_depth": int(limits["bpmn_max_depth"])}


def procedure_diagram(platform, actor: Actor, code: str, version: int) -> str:
    """The diagram of one published version of a procedure, as SVG text."""
    actor.require(*ROLES)
    with platform.uow(readonly=True) as uow:
        row = uow.session.scalar(
            select(ProcedureVersion).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
            .where(Procedure.code == code, ProcedureVersion.version == version))
        if row is None:
            raise NotFound(f"Không có phiên bản {version} của thủ tục «{code}».")
        bpmn, name = row.bpmn, row.manifest.get("name") or code
    return render_svg(bpmn, title=f"{name} — phiên bản {version}", **_limits(platform, bpmn))


def package_diagram(platform, actor: Actor, package) -> tuple[str, list[dict]]:
    """An uploaded, unpublished package drawn with every validation problem's element marked.

    -> (SVG text, problems): the problems are those `validate` answers (empty for a valid package);
    a BPMN the safe parser refuses cannot be drawn and answers 422 with its problems.
    """
    actor.require("designer", "admin")
    try:
        compile_or_reject(platform, package)
        problems: list[dict] = []
    except PackageRejected as err:
        problems = list((err.extra or {}).get("problems") or [])
    marks: dict[str, dict] = {}
    for item in problems:
        element = item.get("element")
        if element:
            where = f" (dòng {item['line']})" if item.get("line") else ""
            title = f"{marks[element]['title']}; " if element in marks else ""
            marks[element] = {"state": "problem", "title": f"{title}{item['message']}{where}"}
    bpmn = package.bpmn or b""
    limits = platform.settings.limits
    try:
        svg = render_svg(bpmn, overlay=marks, legend=bool(marks), title="Gói thủ tục tải lên (chưa công bố)",
                         max_bytes=int(limits["bpmn_max_bytes"]), max_depth=int(limits["bpmn_max_depth"]))
    except PackageInvalid as err:
        raise PackageRejected("Không vẽ được sơ đồ: tệp BPMN không đọc được.",
                              extra={"problems": problems or err.to_dicts()}) from err
    return svg, problems


def step_marks(rows: list[StepRow], now: datetime) -> dict:
    """The overlay for the user steps: the latest completion of each, or current when ready."""
    marks: dict[str, dict] = {}
    done_count: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: (r.ready_at, r.completed_at or r.ready_at)):
        if row.state == "completed":
            done_count[row.bpmn_id] = done_count.get(row.bpmn_id, 0) + 1
            kind = step_timeliness(row.completed_at, row.due_at)
            if kind is None or marks.get(row.bpmn_id, {}).get("state") == "current":
                continue
            times = f" (lần {done_count[row.bpmn_id]})" if done_count[row.bpmn_id] > 1 else ""
            marks[row.bpmn_id] = {"state": STATE_OF[kind], "title": (
                f"{WORDS[kind]}: hoàn thành lúc {_fmt(row.completed_at)}{times}, hạn {_fmt(row.due_at)}")}
        elif row.state == "ready":
            late = ", đã quá hạn" if now > row.due_at else ""
            marks[row.bpmn_id] = {"state": "current", "title": (
                f"Đang xử lý tại {row.office.name}{late}; hạn {_fmt(row.due_at)}")}
    return marks


def _trail(session, dossier) -> Trail | None:
    instance = session.scalar(select(ProcessInstance).where(ProcessInstance.dossier_id == dossier.id))
    if instance is None or not instance.state:
        return None
    try:
        return trail_of(instance.state, dossier.procedure_version.spec)
    except Exception:  # noqa: BLE001 - the drawing falls back to the recorded steps; the log keeps why
        log.exception("could not read the process trail of dossier %s", dossier.code)
        return None


def dossier_diagram(platform, actor: Actor, code: str) -> str:
    """The dossier's pinned version with its path, step timeliness and current steps, as SVG text."""
    now = platform.now()
    with platform.uow(readonly=True) as uow:
        session = uow.session
        dossier = load_visible(session, actor, code)
        rows = session.scalars(select(StepRow).where(StepRow.dossier_id == dossier.id)
                               .order_by(StepRow.ready_at, StepRow.id)).all()
        marks = step_marks(rows, now)
        trail = _trail(session, dossier)
        version = dossier.procedure_version
        bpmn, name, number = version.bpmn, version.manifest.get("name") or "", version.version

    transitions: set = set()
    if trail is not None:
        for element in trail.reached:
            marks.setdefault(element, {"state": "done", "title": "Đã đi qua"})
        for element in trail.active:
            marks.setdefault(element, {"state": "current", "title": "Đang chờ"})
        transitions = set(trail.transitions)
    else:  # without the engine's trail: flows whose source and target were both reached
        reached = set(marks)
        transitions = {(a, b) for a in reached for b in reached if a != b}
    return render_svg(bpmn, overlay=marks, taken_transitions=transitions, legend=True,
                      title=f"Hồ sơ {code} — {name} (phiên bản {number})", **_limits(platform, bpmn))
