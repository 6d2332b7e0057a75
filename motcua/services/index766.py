"""The 766 service index (QĐ 766/QĐ-TTg) as the national dashboard scores it.

The indicators are computed in index766_indicators.py (one function per national number); this
module only scores them with the configuration (`index766` in config.yaml, the one source of the
weights and thresholds):

- `rate` = numerator / denominator, or `None` ("N/A") when the denominator is 0;
- points = max_points × min(1, rate / threshold) (domain.md: "≥ 80 % gives full points, else
  rate × points / 80 %"; a threshold of 1.0 is plain proportion);
- an indicator the platform cannot measure is `measured: false`, `points: null`;
- an N/A indicator is measured but has nothing to judge: `points: null` too;
- `total` adds the points that exist, out of `measured_max`, the sum of their max_points; a group
  shows its points, its `max_points` from the decision and its own `measured_max`.

So a perfect month scores `measured_max` out of `measured_max`, and an indicator the platform has no
data for neither lowers nor pads the score.
"""
from __future__ import annotations

from datetime import datetime

import yaml
from sqlalchemy import func, select

from motcua.config import DEFAULT_CONFIG_FILE, ConfigError
from motcua.db.models import Dossier
from motcua.services.index766_indicators import INDICATORS, Context, Measure
from motcua.services.report_scope import Scope, month_range, month_text

_PACKAGED: dict | None = None


def config(settings) -> dict:
    """The `index766` section; when a deployment's file lacks it, the packaged defaults file's
    (config.yaml shipped with the code), so that the numbers are written in one place only."""
    cfg = settings.section("index766")
    if cfg.get("groups"):
        return cfg
    global _PACKAGED
    if _PACKAGED is None:
        raw = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8")) or {}
        _PACKAGED = raw.get("index766") or {}
        if not _PACKAGED.get("groups"):
            raise ConfigError(f"Thiếu mục index766 trong {DEFAULT_CONFIG_FILE}.")
    return _PACKAGED


def _points(measure: Measure | None, max_points: float, threshold: float):
    if measure is None or not measure.denominator:
        return None, None
    rate = measure.numerator / measure.denominator
    share = min(1.0, rate / threshold) if threshold > 0 else 1.0
    return rate, round(max_points * share, 2)


def score(cfg: dict, measures: dict) -> dict:
    """Groups and total from each indicator's Measure (None: not measured)."""
    groups, total, measured_max = [], 0.0, 0.0
    for group in cfg["groups"]:
        items, g_points, g_max = [], 0.0, 0.0
        for ind in group["indicators"]:
            code = str(ind["code"])
            max_points, threshold = float(ind["max_points"]), float(ind.get("threshold", 1.0))
            measure = measures.get(code)
            rate, points = _points(measure, max_points, threshold)
            item = {"code": code, "name": ind.get("name", code),
                    "numerator": None if measure is None else measure.numerator,
                    "denominator": None if measure is None else measure.denominator,
                    "rate": None if rate is None else round(rate, 4), "points": points,
                    "max_points": max_points, "threshold": threshold, "measured": measure is not None}
            if measure is not None and measure.detail is not None:
                item["detail"] = measure.detail
            items.append(item)
            if points is not None:
                g_points += points
                g_max += max_points
        groups.append({"code": str(group["code"]), "key": group.get("key"), "name": group.get("name", group["code"]),
                       "points": round(g_points, 2), "max_points": float(group["points"]),
                       "measured_max": g_max, "indicators": items})
        total += g_points
        measured_max += g_max
    return {"total": round(total, 2), "measured_max": round(measured_max, 2),
            "max_total": float(sum(g["points"] for g in cfg["groups"])), "groups": groups}


def measure_all(ctx: Context, cfg: dict) -> dict:
    """Each configured indicator's Measure; an indicator without a function is not measured."""
    out = {}
    for group in cfg["groups"]:
        for ind in group["indicators"]:
            fn = INDICATORS.get(str(ind["code"]))
            out[str(ind["code"])] = fn(ctx) if fn else None
    return out


def figures(ctx: Context) -> dict:
    """The month's counts that the monthly report and its notification show (SQL counts, plus
    2.1's judgement of the dossiers handled in the period)."""
    scoped = ctx.scope.dossiers(select(Dossier.channel, func.count(Dossier.id)).where(
        Dossier.received_at >= ctx.start, Dossier.received_at < ctx.cut).group_by(Dossier.channel))
    by_channel = dict(ctx.session.execute(scoped).all())
    ended = ctx.scope.dossiers(select(Dossier.status, func.count(Dossier.id)).where(
        Dossier.finished_at >= ctx.start, Dossier.finished_at < ctx.cut).group_by(Dossier.status))
    by_status = dict(ctx.session.execute(ended).all())
    judged = ctx.judged
    open_ = [j for j in judged if not j.finished]
    return {
        "received": sum(by_channel.values()),
        "received_online": by_channel.get("online", 0),
        "received_direct": by_channel.get("direct", 0),
        "received_postal": by_channel.get("postal", 0),
        "finished": sum(by_status.values()),
        "finished_by_status": by_status,
        "handled": len(judged),
        "on_time": sum(1 for j in judged if j.on_time),
        "late": sum(1 for j in judged if not j.on_time),
        "waiting_supplement": sum(1 for j in judged if j.waiting),
        "in_progress": len(open_),
        "overdue_in_progress": sum(1 for j in open_ if not j.on_time),
        "disliked": sum(1 for j in judged if j.disliked),
    }


def index766(session, settings, office, year: int, month: int, until: datetime) -> dict:
    """The index of `office` (with its children; None: the province) for a month, as of `until`."""
    start, end = month_range(year, month)
    cut = max(start, min(end, until))
    ctx = Context(session, settings, Scope(session, office), start, cut)
    cfg = config(settings)
    return {"office": office.code if office else None, "office_name": office.name if office else None,
            "month": month_text(year, month), "as_of": cut,
            **score(cfg, measure_all(ctx, cfg)), "figures": figures(ctx)}
