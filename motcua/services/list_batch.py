"""What a page of dossiers or steps needs, loaded in a few statements instead of a few per row.

A list (the dossier list, the inbox) shows 20 rows; reading each row's steps, payments, result
file and dossier one at a time made ~80 statements a page, and loading the procedure version of
each row carried its BPMN and serialized spec (tens of kilobytes) 20 times. Here a page's
related rows are read once (`IN (…)`), and the procedure versions without their heavy columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only

from motcua.db.models import Dossier, DossierExtra, Payment, ProcedureVersion, StepRow, StoredFile
from motcua.domain import statuses as S


class Total(int):
    """A list's row count; `exact` is false when counting stopped at the configured ceiling."""
    exact: bool = True


def count_up_to(session, query, settings) -> Total:
    """`SELECT count(*)` over at most `lists.count_exact_up_to` + 1 rows: a page of a million
    dossiers must not count them all each time (a ceiling of 0 or none: always exact)."""
    from sqlalchemy import func
    ceiling = int((settings.section("lists") or {}).get("count_exact_up_to") or 0)
    if ceiling <= 0:
        return Total(session.scalar(select(func.count()).select_from(query.subquery())))
    found = session.scalar(select(func.count()).select_from(query.limit(ceiling + 1).subquery()))
    total = Total(min(found, ceiling))
    total.exact = found <= ceiling
    return total


def light_versions():
    """Load option for `select(Dossier)`: the procedure version without its BPMN, spec and forms
    (a list reads the manifest only; anything else is loaded on first access)."""
    return joinedload(Dossier.procedure_version).load_only(
        ProcedureVersion.id, ProcedureVersion.version, ProcedureVersion.manifest)


@dataclass
class Batch:
    """The ready steps, payments and result file of each dossier of a page, by dossier id."""
    steps: dict = field(default_factory=dict)
    payments: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    extras: list = field(default_factory=list)  # held here so that session.get finds them (weak identity map)


def batch_for(session, ids: list[int]) -> Batch:
    batch = Batch({i: [] for i in ids}, {i: [] for i in ids}, {})
    if not ids:
        return batch
    for row in session.scalars(select(StepRow).where(StepRow.dossier_id.in_(ids), StepRow.state == S.READY)
                               .order_by(StepRow.ready_at, StepRow.id)):
        batch.steps[row.dossier_id].append(row)
    batch.extras = list(session.scalars(select(DossierExtra).where(DossierExtra.dossier_id.in_(ids))))
    for p in session.scalars(select(Payment).where(Payment.dossier_id.in_(ids)).order_by(Payment.paid_at, Payment.id)):
        batch.payments[p.dossier_id].append(p)
    for f in session.scalars(select(StoredFile).where(StoredFile.dossier_id.in_(ids), StoredFile.role == "result")
                             .order_by(StoredFile.attached_at, StoredFile.id)):
        batch.results[f.dossier_id] = f  # the last one attached, as files.result_of
    return batch


def dossiers_by_id(session, ids) -> dict:
    """The dossiers of a page of steps, in one statement."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {d.id: d for d in session.scalars(select(Dossier).where(Dossier.id.in_(wanted)).options(light_versions()))}
