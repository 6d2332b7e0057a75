"""The indicators of the 766 index, one named function per national number (domain.md, "The 766 index").

Each function takes the period's `Context` and returns a `Measure` (numerator, denominator) or
`None` when the platform does not hold the data the dashboard counts: the indicator is then shown
`measured: false` and scores nothing (never 0, never full marks). A later issue that stores the
data replaces the function's body; the scoring (index766.py) and the configuration do not change.

Counting runs in SQL over the dossiers (COUNT/SUM with the scope's filter). Manifests are JSON
text, so the catalogue of procedures (a few hundred rows) is read and filtered in Python, and only
its version ids go back into SQL. 2.1 and 2.2 need the legal calendar per dossier: index766_timing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy import func, or_, select

from motcua.db.models import Dossier, Procedure, ProcedureVersion
from motcua.services import index766_publication as publication
from motcua.services import index766_timing as timing


@dataclass
class Measure:
    numerator: int | float
    denominator: int
    detail: list | None = None


@dataclass
class Context:
    """One office (with its children) and one period, as of `cut` (the period's end, or now)."""

    session: object
    settings: object
    scope: object            # report_scope.Scope
    start: datetime
    cut: datetime
    _cache: dict = field(default_factory=dict)

    def once(self, name: str, compute: Callable):
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    @property
    def judged(self) -> list:
        """2.1's population, judged (shared with 5.4 and the monthly figures)."""
        return self.once("judged", lambda: timing.judge_period(self.session, self.settings, self.scope,
                                                                self.start, self.cut))

    @property
    def catalogue(self) -> list[tuple[int, int, str, dict]]:
        """(procedure id, version id, name, manifest) of the latest version of every procedure
        published before the cut that the scope decides."""
        def read():
            newest = select(ProcedureVersion.procedure_id, func.max(ProcedureVersion.version).label("version")).where(
                ProcedureVersion.published_at < self.cut).group_by(ProcedureVersion.procedure_id).subquery()
            rows = self.session.execute(select(Procedure.id, ProcedureVersion.id, Procedure.name,
                                               ProcedureVersion.manifest).join(
                ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id).join(
                newest, (newest.c.procedure_id == ProcedureVersion.procedure_id)
                & (newest.c.version == ProcedureVersion.version)).order_by(Procedure.code)).all()
            return [tuple(r) for r in rows if self.scope.decides(r[3])]
        return self.once("catalogue", read)

    def received(self, *conditions) -> int:
        """Dossiers of the scope received in the period, with extra conditions: one COUNT."""
        query = self.scope.dossiers(select(func.count(Dossier.id)).where(
            Dossier.received_at >= self.start, Dossier.received_at < self.cut, *conditions))
        return self.session.scalar(query) or 0


INDICATORS: dict[str, Callable[[Context], Measure | None]] = {}


def indicator(code: str):
    def register(fn):
        INDICATORS[code] = fn
        return fn
    return register


def _offers_online(manifest: dict) -> bool:
    return "online" in (manifest.get("channels") or [])


# --- 1. Publicity and transparency ---------------------------------------------------------------

@indicator("1.1")
def published_on_time(ctx: Context) -> Measure:
    """1.1 procedures whose publication decision (dated in the period) is dated ≥ 5 working days
    before their legal basis takes effect (index766_publication states the rules)."""
    return Measure(*publication.published_on_time(ctx))


@indicator("1.2")
def updated_on_national_database(ctx: Context) -> Measure:
    """1.2 procedures (decision dated in the period) updated on the national database within
    5 working days of the decision; not yet updated but still within the time counts as on time."""
    return Measure(*publication.updated_on_time(ctx))


@indicator("1.3")
def published_complete(ctx: Context) -> Measure:
    """1.3 procedures the scope decides published with all seven parts (derived or declared)."""
    return Measure(*publication.published_complete(ctx))


@indicator("1.4")
def synchronised_to_national_portal(ctx: Context) -> Measure | None:
    """1.4 dossiers synchronised to the National Public Service Portal / dossiers received.
    Not measured: synchronisation status is not stored yet."""
    return None


# --- 2. Progress and results ---------------------------------------------------------------------

@indicator("2.1")
def on_time(ctx: Context) -> Measure:
    """2.1 dossiers finished on time or still within their time / dossiers received or handled in
    the period (index766_timing states the rules and how the supplement waits are subtracted)."""
    judged = ctx.judged
    return Measure(sum(1 for j in judged if j.on_time), len(judged))


@indicator("2.2")
def average_processing_time(ctx: Context) -> Measure:
    """2.2 average processing time per procedure: for each procedure, the working days its processed
    dossiers took (clock start → result ready, supplement waits subtracted), averaged, against the
    average time their appointments allowed (the legal time; a same-day procedure allows the rest of
    its clock-start day, never 0). The rate is the share of procedures whose average is within it
    (how the dashboard turns averages into points is unverified: configuration holds the points).
    `detail` lists each procedure's averages in working days."""
    per = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for p in timing.processed_in_period(ctx.session, ctx.settings, ctx.scope, ctx.start, ctx.cut):
        acc = per[p.procedure_id]
        acc[0] += 1
        acc[1] += p.spent_days
        acc[2] += p.allowed_days
    names = dict(ctx.session.execute(select(Procedure.id, Procedure.name).where(Procedure.id.in_(list(per)))).all()) \
        if per else {}
    detail = [{"procedure": names.get(pid, str(pid)), "dossiers": n,
               "average_days": float(round(spent / n, 4)), "allowed_days": float(round(allowed / n, 4)),
               "within": spent <= allowed} for pid, (n, spent, allowed) in sorted(per.items())]
    return Measure(sum(1 for d in detail if d["within"]), len(detail), detail)


# --- 3. Online services and payment --------------------------------------------------------------

@indicator("3.1")
def procedures_online(ctx: Context) -> Measure:
    """3.1 procedures offered as an online public service (partly or fully: channel `online`) /
    all procedures the scope decides (the latest version published before the period's end)."""
    catalogue = ctx.catalogue
    return Measure(sum(1 for *_, m in catalogue if _offers_online(m)), len(catalogue))


@indicator("3.2")
def online_services_used(ctx: Context) -> Measure:
    """3.2 online services that received at least one online dossier in the period / online services."""
    online = {pid for pid, _, _, m in ctx.catalogue if _offers_online(m)}
    if not online:
        return Measure(0, 0)
    used = ctx.session.scalars(ctx.scope.dossiers(
        select(ProcedureVersion.procedure_id).distinct().join(Dossier, Dossier.procedure_version_id == ProcedureVersion.id)
        .where(Dossier.channel == "online", Dossier.received_at >= ctx.start, Dossier.received_at < ctx.cut,
               ProcedureVersion.procedure_id.in_(online)))).all()
    return Measure(len(set(used)), len(online))


def electronic_result_issued():
    """The SQL condition "this dossier's electronic result (result code and file) was issued":
    a file attached with role `result` (contract "Files": `POST /dossiers/{code}/result`)."""
    from motcua.db.models import StoredFile
    return select(StoredFile.id).where(StoredFile.dossier_id == Dossier.id, StoredFile.role == "result").exists()


@indicator("3.3")
def dossiers_online(ctx: Context) -> Measure:
    """3.3 dossiers received online (channel 2) / all dossiers received in the period. A procedure
    that returns a paper result (manifest `paper_result: true`) counts its online dossier only
    when an electronic result was issued."""
    paper = [vid for vid, m in ctx.session.execute(select(ProcedureVersion.id, ProcedureVersion.manifest)).all()
             if m.get("paper_result")]
    online = ctx.received(Dossier.channel == "online", ~Dossier.procedure_version_id.in_(paper)) if paper \
        else ctx.received(Dossier.channel == "online")
    if paper:
        online += ctx.received(Dossier.channel == "online", Dossier.procedure_version_id.in_(paper),
                               electronic_result_issued())
    return Measure(online, ctx.received())


def _fee_bearing(manifest: dict) -> bool:
    return int(manifest.get("fee") or 0) > 0


@indicator("3.5")
def fees_payable_online(ctx: Context) -> Measure:
    """3.5 fee-bearing procedures whose dossiers carry their fee data for online payment / procedures
    with a non-zero fee (the manifest's `fee`). Every dossier carries its fee from receipt
    (`dossier_extras.fee`) and the gateway confirms online payments, so a fee-bearing procedure
    counts when it is offered online (channel `online`): its dossiers can be paid online
    (how the dashboard checks "fee data for online payment" is unverified — chưa kiểm chứng)."""
    fee_bearing = [m for *_, m in ctx.catalogue if _fee_bearing(m)]
    return Measure(sum(1 for m in fee_bearing if _offers_online(m)), len(fee_bearing))


@indicator("3.6")
def paid_online(ctx: Context) -> Measure:
    """3.6 dossiers paid online / dossiers of fee-bearing procedures (their fee ≠ 0) whose
    processing started (clock start) in the period. Paid online: a payment of channel `online`
    (confirmed by the gateway) recorded before the period's end."""
    from motcua.db.models import DossierExtra, Payment
    started = ctx.scope.dossiers(select(func.count(Dossier.id)).join(DossierExtra, DossierExtra.dossier_id == Dossier.id)
                                 .where(Dossier.clock_start >= ctx.start, Dossier.clock_start < ctx.cut,
                                        DossierExtra.fee > 0))
    online = select(Payment.id).where(Payment.dossier_id == Dossier.id, Payment.channel == "online",
                                      Payment.paid_at < ctx.cut).exists()
    return Measure(ctx.session.scalar(started.where(online)) or 0, ctx.session.scalar(started) or 0)


# --- 4. Digitisation -----------------------------------------------------------------------------

def _paper_result_versions(ctx: Context) -> list[int]:
    """Version ids of procedures that return a paper result (manifest `paper_result: true`)."""
    return ctx.once("paper_result_versions", lambda: [
        vid for vid, m in ctx.session.execute(select(ProcedureVersion.id, ProcedureVersion.manifest)).all()
        if m.get("paper_result")])


def _has_file(roles: tuple, cut: datetime, *conditions):
    """SQL: this dossier has a file of one of `roles` attached before the period's end."""
    from motcua.db.models import StoredFile
    return select(StoredFile.id).where(StoredFile.dossier_id == Dossier.id, StoredFile.role.in_(roles),
                                       StoredFile.attached_at < cut, *conditions).exists()


@indicator("4.1")
def electronic_results(ctx: Context) -> Measure:
    """4.1 dossiers whose result file is attached / dossiers of procedures that return a paper result
    whose result was ready (done, then perhaps returned) in the period. A result file attached before
    the period's end counts (the population, "result ready in the period", is unverified — chưa kiểm chứng)."""
    paper = _paper_result_versions(ctx)
    if not paper:
        return Measure(0, 0)
    ready = ctx.scope.dossiers(select(func.count(Dossier.id)).where(
        Dossier.procedure_version_id.in_(paper), Dossier.status.in_(("done", "returned")),
        Dossier.finished_at >= ctx.start, Dossier.finished_at < ctx.cut))
    return Measure(ctx.session.scalar(ready.where(_has_file(("result",), ctx.cut))) or 0,
                   ctx.session.scalar(ready) or 0)


@indicator("4.2")
def digitised_dossiers(ctx: Context) -> Measure:
    """4.2 dossiers received in the period with files attached to their components (at receipt or in
    a supplement, before the period's end) and, for a procedure with a paper result, a result file /
    all dossiers received in the period. Files are counted, never the old `digitized` flag. One
    component file makes a dossier digitised (whether the dashboard wants every component is
    unverified — chưa kiểm chứng)."""
    paper = _paper_result_versions(ctx)
    components = _has_file(("component", "supplement"), ctx.cut)
    result = _has_file(("result",), ctx.cut)
    if paper:
        digitised = ctx.received(components, or_(~Dossier.procedure_version_id.in_(paper), result))
    else:
        digitised = ctx.received(components)
    return Measure(digitised, ctx.received())


@indicator("4.3")
def reused_data(ctx: Context) -> Measure:
    """4.3 dossiers received in the period with at least one component taken from digitised data held
    for the applicant (`reused_from`, attached before the period's end) / dossiers received."""
    from motcua.db.models import StoredFile
    return Measure(ctx.received(_has_file(("component", "supplement"), ctx.cut, StoredFile.reused_from.is_not(None))),
                   ctx.received())


@indicator("4.4")
def personal_data_store(ctx: Context) -> Measure | None:
    """4.4 dossiers connected to the applicant's personal data store / dossiers received.
    Not measured: no connection to the personal data store exists."""
    return None


@indicator("4.5")
def population_database(ctx: Context) -> Measure | None:
    """4.5 dossiers whose applicant was verified with VNeID or whose data came from the national
    population database / dossiers received. Not measured: no such verification is stored."""
    return None


# --- 5. Satisfaction -----------------------------------------------------------------------------

@indicator("5.1")
def complaints_classified(ctx: Context) -> Measure:
    """5.1 complaints and recommendations (PAKN) classified (policy, procedure, officials' conduct) /
    all PAKN received in the period (index766_feedback)."""
    return Measure(*_feedback(ctx)["5.1"])


@indicator("5.2")
def complaints_on_time(ctx: Context) -> Measure:
    """5.2 PAKN handled within their legal times (refused within 2 working days, information asked
    within 5, answered within 15, published within 2 of the answer; owed and past due at the
    period's end = late) / all PAKN received in the period."""
    return Measure(*_feedback(ctx)["5.2"])


@indicator("5.3")
def complaints_satisfaction(ctx: Context) -> Measure:
    """5.3 (PAKN − rated dissatisfied, repeated or late) / PAKN received in the period."""
    return Measure(*_feedback(ctx)["5.3"])


def _feedback(ctx: Context) -> dict:
    from motcua.services import index766_feedback
    return ctx.once("feedback", lambda: index766_feedback.measures(ctx.session, ctx.scope, ctx.start, ctx.cut))


@indicator("5.4")
def satisfaction(ctx: Context) -> Measure:
    """5.4 100 % − (late rate + rate of dossiers with a complaint or a "dislike" rating), both over
    2.1's population (so the late rate is 1 − the 2.1 rate): numerator = dossiers − late − disliked
    (not below 0). A dossier both late and disliked counts in both rates, as the formula adds them.
    A dossier counts once in the second rate when it was rated "not satisfied" or a complaint (PAKN
    of kind complaint, linked by its code and phone digits) was received about it before the cut."""
    from motcua.services.index766_feedback import dossiers_with_complaint
    judged = ctx.judged
    late = sum(1 for j in judged if not j.on_time)
    complained = dossiers_with_complaint(ctx.session, [j.dossier_id for j in judged], ctx.cut)
    disliked = sum(1 for j in judged if j.disliked or j.dossier_id in complained)
    return Measure(max(0, len(judged) - late - disliked), len(judged))
