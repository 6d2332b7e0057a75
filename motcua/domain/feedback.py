"""The life of a complaint or recommendation (PAKN: phản ánh, kiến nghị), in plain Python.

    received ──classify──▶ classified ──answer──▶ answered ──publish──▶ published ──rate (once)
        │  ╲                   │   ▲                  (answer with publish: both at once)
        │   ╲─request_info─▶ info_requested ─classify / answer (once classified)
        └─refuse (also from classified / info_requested) ─▶ refused

Due times, on the legal clock of the office concerned, counted from the receipt's clock start
(the 15:00 cut-off and opening hours as for a dossier), in working days from configuration
(`feedback.times`, QĐ 766's formula description for indicator 5.2): refuse within 2, request
information within 5, answer within 15; publish within 2 after the answer (counted from the
answer). Each transition is `(state, inputs, now, calendars) -> (new state, [events])`; a move
the rules do not allow raises `NotAllowed` (409).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from motcua.domain import feedback_events as FE
from motcua.domain.calendars import Calendars
from motcua.domain.errors import NotAllowed
from motcua.errors import Invalid
from motcua.legal_clock import deadlines

RECEIVED, CLASSIFIED, INFO_REQUESTED = "received", "classified", "info_requested"
REFUSED, ANSWERED, PUBLISHED = "refused", "answered", "published"
STATUSES = (RECEIVED, CLASSIFIED, INFO_REQUESTED, REFUSED, ANSWERED, PUBLISHED)
OPEN = (RECEIVED, CLASSIFIED, INFO_REQUESTED)
KINDS = ("complaint", "recommendation")
CATEGORIES = ("policy", "procedure", "conduct")
RATINGS = ("very_satisfied", "satisfied", "dissatisfied")
DUTIES = ("refuse", "request_info", "answer", "publish")

STATUS_TEXT = {RECEIVED: "Đã tiếp nhận", CLASSIFIED: "Đang xem xét", INFO_REQUESTED: "Đề nghị bổ sung thông tin",
               REFUSED: "Từ chối tiếp nhận", ANSWERED: "Đã trả lời", PUBLISHED: "Đã công khai trả lời"}
DUTY_TEXT = {"refuse": "từ chối tiếp nhận", "request_info": "đề nghị bổ sung thông tin",
             "answer": "trả lời", "publish": "công khai kết quả trả lời"}


@dataclass
class FeedbackState:
    code: str
    office: str
    kind: str
    status: str
    received_at: datetime
    clock_start: datetime
    due: dict                       # duty -> due time (publish only once answered)
    category: str | None = None
    done: dict = field(default_factory=dict)   # duty -> when it was done
    overdue: tuple = ()             # duties flagged overdue
    reminded: tuple = ()            # duties reminded
    rating: str | None = None

    def copy(self) -> "FeedbackState":
        return dataclasses.replace(self, due=dict(self.due), done=dict(self.done))


Moved = tuple[FeedbackState, list]


def _require(state: FeedbackState, *allowed: str) -> None:
    if state.status not in allowed:
        raise NotAllowed(f"Phản ánh, kiến nghị đang ở trạng thái «{STATUS_TEXT.get(state.status, state.status)}», "
                         "không thực hiện được thao tác này.")


def _text(value: str | None, field_name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid("Thiếu nội dung.", errors={field_name: ["Bắt buộc."]})
    return text


def receive(*, code: str, office: str, kind: str, dossier: str | None, repeat_of: str | None, times: dict,
            now: datetime, calendars: Calendars) -> Moved:
    """A PAKN arrives: its clock starts as a receipt's would at the office concerned."""
    if kind not in KINDS:
        raise Invalid("Loại không hợp lệ.", errors={"kind": ["complaint hoặc recommendation."]})
    cal, hours = calendars.calendar(office), calendars.hours(office)
    start = deadlines.clock_start(cal, hours, now)
    due = {duty: deadlines.due_at(cal, hours, start, times[duty]) for duty in ("refuse", "request_info", "answer")}
    state = FeedbackState(code=code, office=office, kind=kind, status=RECEIVED, received_at=now, clock_start=start,
                          due=due)
    return state, [FE.FeedbackReceived(kind=kind, office=office, dossier=dossier, repeat_of=repeat_of,
                                       clock_start=start, due=due, calendar=cal.fingerprint)]


def classify(state: FeedbackState, *, category: str, now: datetime) -> Moved:
    _require(state, RECEIVED, INFO_REQUESTED)
    if category not in CATEGORIES:
        raise Invalid("Phân loại không hợp lệ.", errors={"category": ["policy, procedure hoặc conduct."]})
    state = state.copy()
    state.category, state.status = category, CLASSIFIED
    return state, [FE.FeedbackClassified(category=category)]


def request_info(state: FeedbackState, *, reason: str, now: datetime) -> Moved:
    """Once: the sender is asked for what is missing (the answer's due time does not move)."""
    _require(state, RECEIVED, CLASSIFIED)
    if "request_info" in state.done:
        raise NotAllowed("Đã đề nghị bổ sung thông tin một lần.")
    reason = _text(reason, "reason")
    state = state.copy()
    state.status = INFO_REQUESTED
    state.done["request_info"] = now
    return state, [FE.FeedbackInfoRequested(reason=reason, on_time=now <= state.due["request_info"])]


def refuse(state: FeedbackState, *, reason: str, now: datetime) -> Moved:
    _require(state, *OPEN)
    reason = _text(reason, "reason")
    state = state.copy()
    state.status = REFUSED
    state.done["refuse"] = now
    return state, [FE.FeedbackRefused(reason=reason, on_time=now <= state.due["refuse"])]


def answer(state: FeedbackState, *, text: str, publish: bool, times: dict, now: datetime,
           calendars: Calendars) -> Moved:
    """The office answers (classified first: 5.1 counts the classified ones); `publish` publishes
    at once. The publication is due `times["publish"]` working days after the answer."""
    _require(state, CLASSIFIED, INFO_REQUESTED)
    if state.category is None:
        raise NotAllowed("Cần phân loại phản ánh, kiến nghị trước khi trả lời.")
    text = _text(text, "text")
    cal, hours = calendars.calendar(state.office), calendars.hours(state.office)
    state = state.copy()
    state.status = ANSWERED
    state.done["answer"] = now
    state.due["publish"] = deadlines.add_working_time(cal, hours, now, times["publish"])
    events = [FE.FeedbackAnswered(text=text, on_time=now <= state.due["answer"], publish_due_at=state.due["publish"])]
    if publish:
        state, more = publish_answer(state, now=now)
        events += more
    return state, events


def publish_answer(state: FeedbackState, *, now: datetime) -> Moved:
    _require(state, ANSWERED)
    state = state.copy()
    state.status = PUBLISHED
    state.done["publish"] = now
    return state, [FE.FeedbackPublished(on_time=now <= state.due["publish"])]


def rate(state: FeedbackState, *, rating: str, now: datetime) -> Moved:
    """The sender's one rating of the published answer."""
    _require(state, PUBLISHED)
    if state.rating is not None:
        raise NotAllowed("Phản ánh, kiến nghị này đã được đánh giá.")
    if rating not in RATINGS:
        raise Invalid("Mức đánh giá không hợp lệ.", errors={"rating": ["very_satisfied, satisfied hoặc dissatisfied."]})
    state = state.copy()
    state.rating = rating
    return state, [FE.FeedbackRated(rating=rating)]


# -- what is still owed, and when -----------------------------------------------------------------

def pending_duties(state: FeedbackState) -> dict:
    """duty -> due time of what the office still owes: refusing and asking for information are
    possible only while nothing else was decided; the answer while open; publication once answered."""
    out = {}
    if state.status in (RECEIVED, CLASSIFIED) and "request_info" not in state.done:
        out["refuse"], out["request_info"] = state.due["refuse"], state.due["request_info"]
    if state.status in OPEN:
        out["answer"] = state.due["answer"]
    if state.status == ANSWERED:
        out["publish"] = state.due["publish"]
    return out


def late_duties(state: FeedbackState, at: datetime) -> list[str]:
    """The duties done after their due time, or owed and past due at `at` (5.2, 5.3). Refusing or
    asking for information are options: not taking them is not late; an answer or a publication is
    owed once due."""
    late = [duty for duty, when in state.done.items() if duty in state.due and when > state.due[duty]]
    for duty, due in pending_duties(state).items():
        if duty in ("answer", "publish") and at > due and duty not in late:
            late.append(duty)
    return late


def flag_due_soon(state: FeedbackState, *, duty: str, now: datetime) -> Moved:
    """A reminder before `duty` falls due (once per duty)."""
    due = pending_duties(state).get(duty)
    if due is None or duty in state.reminded or now > due:
        return state, []
    state = state.copy()
    state.reminded = state.reminded + (duty,)
    return state, [FE.FeedbackDueSoon(duty=duty, due_at=due)]


def flag_overdue(state: FeedbackState, *, now: datetime) -> Moved:
    """The answer or the publication is past due (done exactly at the due time is on time) and
    still owed: flagged once per duty."""
    pending = pending_duties(state)
    events = []
    state = state.copy()
    for duty in ("answer", "publish"):
        due = pending.get(duty)
        if due is not None and now > due and duty not in state.overdue:
            state.overdue = state.overdue + (duty,)
            events.append(FE.FeedbackOverdue(duty=duty, due_at=due))
    return state, events


def duties_due_soon(state: FeedbackState, *, now: datetime, warn_days, calendars: Calendars) -> list[str]:
    """The owed duties not yet reminded whose due time is at most `warn_days` working days away."""
    cal, hours = calendars.calendar(state.office), calendars.hours(state.office)
    warn = deadlines.to_working_us(hours, warn_days)
    return [duty for duty, due in pending_duties(state).items()
            if duty not in state.reminded and now <= due and deadlines.working_us_between(cal, hours, now, due) <= warn]
