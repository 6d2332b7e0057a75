"""The dossiers (or procedures) behind a number of the 766 index: the leader's drill-down.

`GET /api/v1/reports/index766/dossiers?office=&month=&indicator=2.1&part=numerator|denominator`
answers the list whose size is that indicator's numerator or denominator for the office (children
included) and the month, as of the month's end (or now), computed with the same machinery as the
index (index766_indicators' `Context`, its `judged` population, its catalogue), never with a second
set of rules:

- 2.1 (on time): the judged population (denominator) and its dossiers on time (numerator), each
  with its end of processing and whether it was on time;
- 2.2 (average processing time): procedures, each with the processed dossiers behind its average
  (denominator: every procedure with a processed dossier; numerator: those within their time);
- 3.1 (online services) and 3.2 (online services used): procedures;
- 3.3 (online dossiers): the dossiers received (denominator) and those received online that count
  (numerator: a paper-result procedure's online dossier counts once its electronic result is issued);
- 5.4 (satisfaction): the judged population (denominator); the numerator is
  dossiers − late − disliked, so a dossier both late and disliked is subtracted twice: the list
  holds the dossiers neither late nor disliked and `note` says when the count is smaller.

Other indicators answer 422 naming the supported ones. A leader reads their office and the
offices below it (motcua/access.py `office_report_denial`); admins and auditors any office.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from motcua.access import office_report_denial
from motcua.db.models import Dossier, Office, Procedure, ProcedureVersion
from motcua.errors import Forbidden, Invalid
from motcua.services import index766 as index
from motcua.services.index766_indicators import INDICATORS, Context, electronic_result_issued
from motcua.services.index766_timing import PROCESSED
from motcua.services.report_scope import Scope, month_range, month_text, office_by_code, office_tree, parse_month

PARTS = ("numerator", "denominator")
MAX_ITEMS = 2000


def authorised_office(session, actor, office_code: str | None) -> Office | None:
    """The office the actor asks about (a leader's default: their own), or 403."""
    office = office_by_code(session, office_code)
    if office is None and not actor.sees_everything and actor.office_id is not None:
        office = session.get(Office, actor.office_id)
    own = office_tree(session, session.get(Office, actor.office_id)) if actor.office_id is not None else []
    denial = office_report_denial(actor, office.id if office else None, [o.id for o in own])
    if denial:
        raise Forbidden(denial)
    return office


def dossier_rows(session, ids) -> dict[int, dict]:
    """What a list shows of each dossier: code, procedure, offices by name, times, status (no
    personal data of the applicant)."""
    receiving, competent = aliased(Office), aliased(Office)
    out = {}
    ids = list(ids)
    for k in range(0, len(ids), 500):
        rows = session.execute(select(
            Dossier.id, Dossier.code, Procedure.name, receiving.name, competent.name, Dossier.status,
            Dossier.received_at, Dossier.due_at, Dossier.finished_at, Dossier.apology, Dossier.channel)
            .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
            .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
            .join(receiving, receiving.id == Dossier.receiving_office_id)
            .join(competent, competent.id == Dossier.competent_office_id)
            .where(Dossier.id.in_(ids[k:k + 500])))
        for r in rows:
            out[r.id] = {"code": r.code, "procedure_name": r[2], "receiving_office_name": r[3],
                         "competent_office_name": r[4], "status": r.status, "channel": r.channel,
                         "received_at": r.received_at, "due_at": r.due_at, "finished_at": r.finished_at,
                         "apology": bool(r.apology)}
    return out


def _dossiers(session, ids, extra: dict | None = None) -> list[dict]:
    rows = dossier_rows(session, ids)
    items = [{**rows[i], **((extra or {}).get(i) or {})} for i in ids if i in rows]
    return sorted(items, key=lambda d: (d["received_at"], d["code"]))


# --- one function per supported indicator: (ctx, part) -> (unit, items, note) ---------------------

def _judged_extra(judged) -> dict:
    return {j.dossier_id: {"end": j.end, "on_time": j.on_time, "waiting": j.waiting,
                           "supplement_requests": j.requests, "disliked": j.disliked} for j in judged}


def _on_time(ctx: Context, part: str):
    judged = ctx.judged
    chosen = judged if part == "denominator" else [j for j in judged if j.on_time]
    return "dossier", _dossiers(ctx.session, [j.dossier_id for j in chosen], _judged_extra(judged)), None


def _satisfaction(ctx: Context, part: str):
    judged = ctx.judged
    if part == "denominator":
        return "dossier", _dossiers(ctx.session, [j.dossier_id for j in judged], _judged_extra(judged)), None
    neither = [j for j in judged if j.on_time and not j.disliked]
    both = sum(1 for j in judged if not j.on_time and j.disliked)
    note = (f"{both} hồ sơ vừa trễ hạn vừa bị đánh giá không hài lòng bị trừ hai lần theo công thức, nên tử số "
            f"nhỏ hơn số hồ sơ liệt kê {both} đơn vị.") if both else None
    return "dossier", _dossiers(ctx.session, [j.dossier_id for j in neither], _judged_extra(judged)), note


def _processing_time(ctx: Context, part: str):
    """2.2's population per procedure (the same selection as index766_timing.processed_in_period),
    matched to the indicator's own per-procedure detail, which says whether each is within."""
    measure = INDICATORS["2.2"](ctx)
    query = ctx.scope.dossiers(select(Dossier.id, ProcedureVersion.procedure_id)
                               .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                               .where(Dossier.status.in_(PROCESSED), Dossier.finished_at < ctx.cut,
                                      Dossier.clock_start >= ctx.start, Dossier.clock_start < ctx.cut))
    per = defaultdict(list)
    for dossier_id, procedure_id in ctx.session.execute(query.order_by(Dossier.id)):
        per[procedure_id].append(dossier_id)
    detail = measure.detail or []
    groups = sorted(per.items())
    if len(groups) != len(detail) or any(len(ids) != d["dossiers"] for (_, ids), d in zip(groups, detail)):
        raise RuntimeError("2.2 drill-down: the population differs from index766_timing.processed_in_period")
    items = [{**d, "dossiers": _dossiers(ctx.session, ids)} for (_, ids), d in zip(groups, detail)
             if part == "denominator" or d["within"]]
    return "procedure", items, None


def _procedures(ctx: Context, online_only: bool, used_only: bool):
    items = []
    catalogue = ctx.catalogue
    used = set()
    if used_only:
        used = set(ctx.session.scalars(ctx.scope.dossiers(
            select(ProcedureVersion.procedure_id).distinct()
            .join(Dossier, Dossier.procedure_version_id == ProcedureVersion.id)
            .where(Dossier.channel == "online", Dossier.received_at >= ctx.start, Dossier.received_at < ctx.cut))))
    for pid, _vid, name, manifest in catalogue:
        online = "online" in (manifest.get("channels") or [])
        if online_only and not online:
            continue
        if used_only and pid not in used:
            continue
        items.append({"procedure": name, "online": online})
    return items


def _procedures_online(ctx: Context, part: str):
    return "procedure", _procedures(ctx, online_only=part == "numerator", used_only=False), None


def _online_used(ctx: Context, part: str):
    return "procedure", _procedures(ctx, online_only=True, used_only=part == "numerator"), None


def _dossiers_online(ctx: Context, part: str):
    """3.3 with the same conditions as index766_indicators.dossiers_online."""
    received = ctx.scope.dossiers(select(Dossier.id).where(Dossier.received_at >= ctx.start,
                                                           Dossier.received_at < ctx.cut))
    if part == "numerator":
        paper = [vid for vid, m in ctx.session.execute(select(ProcedureVersion.id, ProcedureVersion.manifest)).all()
                 if m.get("paper_result")]
        received = received.where(Dossier.channel == "online")
        if paper:
            received = received.where(~Dossier.procedure_version_id.in_(paper) | electronic_result_issued())
    ids = list(ctx.session.scalars(received.order_by(Dossier.id)))
    return "dossier", _dossiers(ctx.session, ids), None


DRILLS = {"2.1": _on_time, "2.2": _processing_time, "3.1": _procedures_online, "3.2": _online_used,
          "3.3": _dossiers_online, "5.4": _satisfaction}


def _indicator_name(settings, code: str) -> str:
    for group in index.config(settings)["groups"]:
        for ind in group["indicators"]:
            if str(ind["code"]) == code:
                return ind.get("name", code)
    return code


def drill_down(session, settings, office: Office | None, year: int, month: int, indicator: str, part: str,
               until: datetime) -> dict:
    start, end = month_range(year, month)
    cut = max(start, min(end, until))
    ctx = Context(session, settings, Scope(session, office), start, cut)
    measure = INDICATORS[indicator](ctx)
    unit, items, note = DRILLS[indicator](ctx, part)
    count = measure.numerator if part == "numerator" else measure.denominator
    return {"office": office.code if office else None, "office_name": office.name if office else None,
            "month": month_text(year, month), "as_of": cut, "indicator": indicator,
            "name": _indicator_name(settings, indicator), "part": part, "unit": unit,
            "numerator": measure.numerator, "denominator": measure.denominator, "count": count,
            "items": items[:MAX_ITEMS], "total": len(items), "note": note}


def drill_for(platform, actor, office_code: str | None, month: str | None, indicator: str, part: str) -> dict:
    """GET /api/v1/reports/index766/dossiers (leaders of the office or above it, admins, auditors)."""
    if indicator not in DRILLS:
        raise Invalid("Chỉ tiêu chưa hỗ trợ xem chi tiết.",
                      errors={"indicator": [f"Chọn một trong: {', '.join(DRILLS)}."]})
    if part not in PARTS:
        raise Invalid("Phần không hợp lệ.", errors={"part": ["Chọn numerator (tử số) hoặc denominator (mẫu số)."]})
    year, mon = parse_month(month, default=platform.now())
    with platform.uow(readonly=True) as uow:
        session = uow.session
        office = authorised_office(session, actor, office_code)
        return drill_down(session, platform.settings, office, year, mon, indicator, part, platform.now())
