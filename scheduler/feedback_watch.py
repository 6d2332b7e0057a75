"""The PAKN watch (issue 13 item 3): reminders to the office concerned before each due time
(`feedback.reminder_days` working days before: refuse, request information, answer, publish) and
the overdue flag when the answer or the publication is past due. Rows are claimed with
scheduler/claims.scan and every effect is keyed, so a run twice or in two processes does it once."""
from __future__ import annotations

from datetime import datetime

from motcua.db.models import Feedback
from motcua.services import feedback
from scheduler.claims import at_instant, scan


def watch_feedback(platform, now: datetime) -> dict:
    platform = at_instant(platform, now)
    return scan(platform, feedback.watched, [Feedback], Feedback.id,
                lambda session, row: feedback.watch_one(session, platform.settings, row, now),
                what="feedback watch")
