"""The leader's dashboard (issue 15 item 4): one office (with the offices below it) and one month.

`GET /api/v1/reports/dashboard?office=&month=` answers, in one read-only unit of work:

- `on_time`: indicator 2.1 for the month (numerator, denominator, rate), and `trend`: the same for
  the twelve months ending with it (a stored monthly snapshot when the scheduler made one, else
  computed as of the month's end or now);
- `late`: the dossiers 2.1 judged late, each with the steps that were late (finished after their
  due time, or still open past it at the month's end) and the officials responsible by full name:
  who completed the step, else who held it, else the people the deadline watch recorded for it;
- `index`: the 766 index of the month, as GET /reports/index766 serves it;
- `charts`: the trend and the index as SVG drawn on the server (motcua/services/charts.py);
- `offices`: the offices the caller may choose (a leader: theirs and those below it; admins and
  auditors: every office, and the province as `null`).

Who: leaders (their office and below), admins and auditors (motcua/access.py `office_report_denial`).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, or_, select

from motcua.db.models import Dossier, LateHandling, Office, StepRow, User
from motcua.services import charts, index766
from motcua.services import report_snapshots as snapshots
from motcua.services.index766_drill import authorised_office, dossier_rows
from motcua.services.index766_indicators import INDICATORS, Context
from motcua.services.report_scope import Scope, month_range, month_text, office_tree, parse_month, previous_month

TREND_MONTHS = 12


def _stored_on_time(run) -> dict | None:
    for group in (run.figures or {}).get("groups") or []:
        for ind in group.get("indicators") or []:
            if str(ind.get("code")) == "2.1" and ind.get("measured"):
                return {"numerator": ind["numerator"], "denominator": ind["denominator"], "rate": ind["rate"]}
    return None


def _rate(numerator, denominator) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _month_on_time(session, settings, scope: Scope, office, year: int, month: int, now: datetime,
                   first: datetime | None, ctx: Context | None = None) -> dict:
    """2.1 of a month: stored, or computed (with `ctx` when given); a month ending before the
    scope's first receipt has no population (2.1 counts dossiers received before the period's end)."""
    start, end = month_range(year, month)
    if first is None or end <= first:
        return {"numerator": 0, "denominator": 0, "rate": None, "stored": False}
    run = snapshots.latest(session, snapshots.monthly_key(office, year, month))
    stored = _stored_on_time(run) if run is not None else None
    if stored is not None:
        return {**stored, "stored": True}
    measure = INDICATORS["2.1"](ctx or Context(session, settings, scope, start, max(start, min(end, now))))
    return {"numerator": measure.numerator, "denominator": measure.denominator,
            "rate": _rate(measure.numerator, measure.denominator), "stored": False}


def _late_steps(session, ids: list[int], cut: datetime) -> dict[int, list[dict]]:
    """The steps of these dossiers that were late as of `cut`, with the officials responsible."""
    steps = session.scalars(select(StepRow).where(
        StepRow.dossier_id.in_(ids),
        or_(StepRow.completed_at > StepRow.due_at,
            (StepRow.completed_at.is_(None) & (StepRow.state == "ready") & (StepRow.due_at < cut))))
        .order_by(StepRow.dossier_id, StepRow.ready_at)).all() if ids else []
    user_ids = {s.completed_by for s in steps if s.completed_by} | {s.assignee_id for s in steps if s.assignee_id}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    recorded = defaultdict(list)
    if steps:
        for task_id, officials in session.execute(select(LateHandling.task_id, LateHandling.officials).where(
                LateHandling.task_id.in_([s.id for s in steps]))):
            recorded[task_id].extend(o["full_name"] for o in officials or [])
    out = defaultdict(list)
    for s in steps:
        who = s.completed_by or s.assignee_id
        officials = [names[who]] if who in names else sorted(set(recorded.get(s.id, [])))
        out[s.dossier_id].append({"step": s.name, "office_name": s.office.name, "due_at": s.due_at,
                                  "completed_at": s.completed_at, "officials": officials})
    return out


def _late(session, ctx: Context) -> list[dict]:
    late = [j for j in ctx.judged if not j.on_time]
    ids = [j.dossier_id for j in late]
    rows = dossier_rows(session, ids)
    steps = _late_steps(session, ids, ctx.cut)
    items = []
    for j in late:
        reason = "Yêu cầu bổ sung hồ sơ quá một lần" if j.requests > 1 else "Quá hạn giải quyết"
        items.append({**rows[j.dossier_id], "end": j.end, "finished": j.finished, "reason": reason,
                      "steps": steps.get(j.dossier_id, []),
                      "officials": sorted({name for s in steps.get(j.dossier_id, []) for name in s["officials"]})})
    return sorted(items, key=lambda d: (d["due_at"], d["code"]))


def _offices(session, actor) -> list[dict]:
    if actor.sees_everything:
        offices = session.scalars(select(Office).order_by(Office.name)).all()
        return [{"code": None, "name": "Toàn tỉnh"}] + [{"code": o.code, "name": o.name} for o in offices]
    own = session.get(Office, actor.office_id)
    return [{"code": o.code, "name": o.name} for o in office_tree(session, own)]


def _index(session, settings, office, ctx: Context, year: int, month: int) -> dict:
    """As GET /reports/index766 serves it: the stored month, else index766.index766's answer,
    computed on the dashboard's own context (so 2.1's population is judged once)."""
    run = snapshots.latest(session, snapshots.monthly_key(office, year, month))
    if run is not None and "measured_max" in (run.figures or {}):
        return snapshots.served(run)
    cfg = index766.config(settings)
    return {"office": office.code if office else None, "office_name": office.name if office else None,
            "month": month_text(year, month), "as_of": ctx.cut, **index766.score(cfg, index766.measure_all(ctx, cfg)),
            "figures": index766.figures(ctx), "stored": False}


def dashboard(session, settings, actor, office, year: int, month: int, now: datetime) -> dict:
    scope = Scope(session, office)
    start, end = month_range(year, month)
    ctx = Context(session, settings, scope, start, max(start, min(end, now)))
    first = session.scalar(scope.dossiers(select(func.min(Dossier.received_at))))
    trend, y, m = [], year, month
    for _ in range(TREND_MONTHS):
        trend.append({"month": month_text(y, m), "label": f"{m:02d}/{y % 100:02d}",
                      **_month_on_time(session, settings, scope, office, y, m, now, first,
                                       ctx if (y, m) == (year, month) else None)})
        y, m = previous_month(y, m)
    trend.reverse()
    current = trend[-1]
    report = _index(session, settings, office, ctx, year, month)
    measured = [i for g in report["groups"] for i in g["indicators"]]
    threshold = next((float(i.get("threshold") or 1.0) for i in measured if i["code"] == "2.1"), 1.0)
    who = office.name if office else "toàn tỉnh"
    return {
        "office": office.code if office else None, "office_name": office.name if office else None,
        "offices": _offices(session, actor), "month": month_text(year, month), "as_of": ctx.cut,
        "on_time": {k: current[k] for k in ("numerator", "denominator", "rate")},
        "trend": trend, "late": _late(session, ctx), "index": report,
        "charts": {
            "trend": charts.trend(trend, f"Tỷ lệ hồ sơ đúng hạn 12 tháng – {who}", threshold),
            "index": charts.indicators([i for i in measured if i["measured"]], f"Chỉ số 766 tháng {month:02d}/{year} – {who}"),
        },
    }


def dashboard_for(platform, actor, office_code: str | None, month: str | None) -> dict:
    """GET /api/v1/reports/dashboard."""
    year, mon = parse_month(month, default=platform.now())
    with platform.uow(readonly=True) as uow:
        session = uow.session
        office = authorised_office(session, actor, office_code)
        return dashboard(session, platform.settings, actor, office, year, mon, platform.now())
