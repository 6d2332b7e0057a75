"""Indicators 5.1–5.3 of the 766 index from the stored PAKN, and 5.4's "dossiers with a complaint"
(../shared/domain.md, group 5). One SQL aggregate each, over the PAKN of the scope (the office
concerned inside the office's tree) received in the period, judged as they stood at the cut:

- 5.1 classified: a `feedback_classified` event before the cut / all;
- 5.2 on time: none of its duties late at the cut (see `late()`) / all;
- 5.3 satisfaction: (all − rated dissatisfied, repeated or late) / all. "Repeated": the sender
  sent another PAKN about the same matter before the cut (`repeat_of`: named by the sender, or the
  same contact about the same dossier).
The rules of lateness are the core's (`motcua.domain.feedback.late_duties`), written in SQL.
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from motcua.db.models import Feedback, FeedbackEvent


def _before(column, cut):
    return and_(column.is_not(None), column < cut)


def _not_before(column, cut):
    return or_(column.is_(None), column >= cut)


def late(cut):
    """SQL: a duty done after its due time before the cut, or the answer / publication owed and
    past due at the cut. (Refusing or asking for information are options: not taking them is not late.)"""
    F = Feedback
    return or_(
        and_(_before(F.refused_at, cut), F.refused_at > F.refuse_due_at),
        and_(_before(F.info_requested_at, cut), F.info_requested_at > F.info_due_at),
        and_(_before(F.answered_at, cut), F.answered_at > F.answer_due_at),
        and_(_not_before(F.answered_at, cut), _not_before(F.refused_at, cut), F.answer_due_at < cut),
        and_(_before(F.published_at, cut), F.published_at > F.publish_due_at),
        and_(_before(F.answered_at, cut), _not_before(F.published_at, cut), F.publish_due_at < cut),
    )


def _population(scope, start, cut):
    conditions = [Feedback.received_at >= start, Feedback.received_at < cut]
    if scope.ids is not None:
        conditions.append(Feedback.office_id.in_(scope.ids))
    return conditions


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def measures(session, scope, start, cut) -> dict:
    """{"5.1": (numerator, denominator), "5.2": …, "5.3": …} in one query."""
    classified = select(FeedbackEvent.id).where(FeedbackEvent.feedback_id == Feedback.id,
                                                FeedbackEvent.type == "feedback_classified",
                                                FeedbackEvent.at < cut).exists()
    later = aliased(Feedback)
    repeated = select(later.id).where(later.repeat_of_id == Feedback.id, later.received_at < cut).exists()
    dissatisfied = and_(Feedback.rating == "dissatisfied", _before(Feedback.rated_at, cut))
    row = session.execute(select(func.count(Feedback.id), _count(classified), _count(~late(cut)),
                                 _count(~or_(late(cut), dissatisfied, repeated)))
                          .where(*_population(scope, start, cut))).one()
    total, classified_n, on_time, satisfied = (int(v or 0) for v in row)
    return {"5.1": (classified_n, total), "5.2": (on_time, total), "5.3": (satisfied, total)}


def dossiers_with_complaint(session, dossier_ids: list[int], cut) -> set[int]:
    """Of these dossiers, those a complaint (not a recommendation) was linked to before the cut."""
    if not dossier_ids:
        return set()
    found = set()
    for k in range(0, len(dossier_ids), 500):
        found.update(session.scalars(select(Feedback.dossier_id).distinct().where(
            Feedback.kind == "complaint", Feedback.dossier_id.in_(dossier_ids[k:k + 500]), Feedback.received_at < cut)))
    return found
