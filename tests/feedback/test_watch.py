"""The scheduler's PAKN watch on SQLite and PostgreSQL: a reminder before each due time and the
overdue flag, each exactly once however many times (and by how many schedulers) the job runs, and
through the jobs' registry like every other job."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from motcua.clock import VN_TZ
from motcua.db.models import Feedback, FeedbackEvent, Notification, User
from motcua.services import feedback
from scheduler.jobs import JOBS, run_job, tick


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def kinds(platform) -> Counter:
    with platform.uow() as uow:
        return Counter(uow.session.scalars(select(Notification.kind).where(Notification.kind.like("feedback_%"))))


def recipients(platform, kind: str) -> set:
    with platform.uow() as uow:
        return set(uow.session.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                                       .where(Notification.kind == kind)))


def events(platform, feedback_id: int) -> list:
    with platform.uow() as uow:
        return [(e.type, (e.data or {}).get("duty")) for e in uow.session.scalars(
            select(FeedbackEvent).where(FeedbackEvent.feedback_id == feedback_id).order_by(FeedbackEvent.seq))]


def test_reminders_and_overdue_exactly_once_across_the_national_day(people, clock):
    assert "feedback" in JOBS
    clock.freeze(at("2026-08-28 09:00"))  # due: refuse 4/9 09:00, information 9/9 09:00, answer 23/9 09:00
    sent, _ = feedback.submit(people, {"name": "Lê Văn Cường", "contact": "cuong@example.vn",
                                       "content": "Đề nghị niêm yết phí rõ hơn.", "kind": "recommendation"})
    # Wednesday 2/9 (holiday): 9.5 working hours before the refusal's due time, over the 8 h of one day
    assert run_job(people, "feedback", at("2026-09-02 09:00"))["done"] == 0
    # Thursday 3/9 09:00: one working day before 4/9 09:00, reminded; a second scheduler, later runs: nothing more
    assert run_job(people, "feedback", at("2026-09-03 09:00"))["done"] == 1
    assert run_job(people, "feedback", at("2026-09-03 09:00"))["done"] == 0
    assert tick(people, at("2026-09-03 09:05"))["feedback"]["done"] == 0
    assert kinds(people) == Counter({"feedback_due_soon": 2})  # the centre's leader and specialist
    assert recipients(people, "feedback_due_soon") == {"ttpvhcc.leader", "ttpvhcc.specialist"}
    # Tuesday 8/9 09:00: information due tomorrow 09:00; Tuesday 22/9 09:00: the answer tomorrow
    assert run_job(people, "feedback", at("2026-09-08 09:00"))["done"] == 1
    assert run_job(people, "feedback", at("2026-09-22 09:00"))["done"] == 1
    assert run_job(people, "feedback", at("2026-09-22 09:30"))["done"] == 0
    # the answer's due time passes: flagged once, the leader told once
    assert run_job(people, "feedback", at("2026-09-23 09:00"))["done"] == 0   # exactly at it: still on time
    assert run_job(people, "feedback", at("2026-09-23 09:01"))["done"] == 1
    assert run_job(people, "feedback", at("2026-09-24 09:00"))["done"] == 0
    assert kinds(people) == Counter({"feedback_due_soon": 6, "feedback_overdue": 1})
    assert recipients(people, "feedback_overdue") == {"ttpvhcc.leader"}
    assert events(people, sent["id"]) == [("feedback_received", None), ("feedback_due_soon", "refuse"),
                                          ("feedback_due_soon", "request_info"), ("feedback_due_soon", "answer"),
                                          ("feedback_overdue", "answer")]
    with people.uow() as uow:
        row = uow.session.get(Feedback, sent["id"])
        assert row.overdue == ["answer"]
        # nothing personal in what the officials are sent
        for note in uow.session.scalars(select(Notification).where(Notification.kind.like("feedback_%"))):
            assert "Cường" not in note.title + note.body and "cuong@" not in note.title + note.body
    assert feedback.verify(people, sent["id"]) is None
