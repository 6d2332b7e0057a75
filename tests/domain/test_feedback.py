"""The PAKN core without a database: due times on the legal clock (across 2/9/2026 and Tết 2027),
each transition's events and refusals, and what counts as late (5.2)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from motcua.clock import VN_TZ
from motcua.domain import feedback as F
from motcua.domain.calendars import FixedCalendars
from motcua.domain.errors import NotAllowed
from motcua.errors import Invalid
from motcua.legal_clock import OfficeHours, WorkingCalendar

CAL = FixedCalendars({"X": WorkingCalendar(())}, {"X": OfficeHours()})
TIMES = {"refuse": Decimal(2), "request_info": Decimal(5), "answer": Decimal(15), "publish": Decimal(2)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def received(when: str):
    return F.receive(code="PAKN-1", office="X", kind="complaint", dossier=None, repeat_of=None, times=TIMES,
                     now=at(when), calendars=CAL)


def test_due_times_across_national_day_2026():
    # Friday 28/8/2026 09:00. Monday 31/8 (swapped, worked on Saturday 22/8), Tuesday 1/9 and
    # Wednesday 2/9 are off, so the working days after it are Thu 3/9, Fri 4/9, Mon 7/9 …
    # refuse: 2 working days → Fri 4/9 09:00; information: 5 → Wed 9/9 09:00;
    # answer: 15 → 3,4 | 7–11 | 14–18 | 21,22,23 → Wed 23/9 09:00.
    state, events = received("2026-08-28 09:00")
    assert state.due == {"refuse": at("2026-09-04 09:00"), "request_info": at("2026-09-09 09:00"),
                         "answer": at("2026-09-23 09:00")}
    assert [e.type for e in events] == ["feedback_received"]
    assert events[0].data["due"]["answer"] == "2026-09-23T09:00:00+07:00"


def test_due_times_after_the_cut_off_before_tet_2027():
    # Wednesday 3/2/2027 16:00 is after the 15:00 cut-off, and Thu 4/2 – Wed 10/2 are Tết Đinh Mùi
    # (the holidays package): the clock starts at the next working day's opening, Thu 11/2 07:30.
    # 2 working days from an opening end at a closing: Fri 12/2 17:00. Information (5): 11, 12,
    # 15, 16, 17/2 → Wed 17/2 17:00. Answer (15): 11, 12 | 15–19 | 22–26 | 1, 2, 3/3 → Wed 3/3 17:00.
    state, _ = received("2027-02-03 16:00")
    assert state.clock_start == at("2027-02-11 07:30")
    assert state.due == {"refuse": at("2027-02-12 17:00"), "request_info": at("2027-02-17 17:00"),
                         "answer": at("2027-03-03 17:00")}


def test_transitions_and_refusals():
    state, _ = received("2026-11-25 09:00")
    with pytest.raises(NotAllowed):
        F.answer(state, text="x", publish=True, times=TIMES, now=at("2026-11-26 09:00"), calendars=CAL)
    with pytest.raises(Invalid):
        F.classify(state, category="other", now=at("2026-11-25 10:00"))
    state, ev = F.classify(state, category="procedure", now=at("2026-11-25 10:00"))
    assert (state.status, ev[0].data) == ("classified", {"category": "procedure"})
    with pytest.raises(NotAllowed):
        F.classify(state, category="policy", now=at("2026-11-25 10:00"))
    with pytest.raises(Invalid):
        F.request_info(state, reason="  ", now=at("2026-11-25 10:00"))
    # information asked on Friday 4/12 10:00: after Wednesday 2/12 09:00, so late
    state, ev = F.request_info(state, reason="Thiếu ngày", now=at("2026-12-04 10:00"))
    assert ev[0].data == {"reason": "Thiếu ngày", "on_time": False}
    assert F.late_duties(state, at("2026-12-04 10:00")) == ["request_info"]
    assert "refuse" not in F.pending_duties(state)  # no refusing once information is asked
    state, ev = F.answer(state, text="Trả lời", publish=True, times=TIMES, now=at("2026-12-15 16:00"), calendars=CAL)
    assert [e.type for e in ev] == ["feedback_answered", "feedback_published"]
    assert state.status == "published" and state.due["publish"] == at("2026-12-17 16:00")
    with pytest.raises(NotAllowed):
        F.refuse(state, reason="x", now=at("2026-12-16 09:00"))
    state, ev = F.rate(state, rating="very_satisfied", now=at("2026-12-16 09:00"))
    assert ev[0].data == {"rating": "very_satisfied"}
    with pytest.raises(NotAllowed):
        F.rate(state, rating="dissatisfied", now=at("2026-12-16 09:00"))


def test_late_answer_and_publication_and_the_overdue_flag():
    state, _ = received("2026-11-25 09:00")            # answer due 16/12 09:00
    state, _ = F.classify(state, category="conduct", now=at("2026-11-26 09:00"))
    assert F.late_duties(state, at("2026-12-16 09:00")) == []
    assert F.late_duties(state, at("2026-12-16 09:01")) == ["answer"]
    assert F.flag_overdue(state, now=at("2026-12-16 09:00"))[1] == []      # exactly at the due time: on time
    flagged, ev = F.flag_overdue(state, now=at("2026-12-16 09:01"))
    assert [e.data["duty"] for e in ev] == ["answer"]
    assert F.flag_overdue(flagged, now=at("2026-12-16 10:00"))[1] == []     # once
    state, ev = F.answer(state, text="Muộn", publish=False, times=TIMES, now=at("2026-12-17 10:00"), calendars=CAL)
    assert ev[0].data["on_time"] is False and state.due["publish"] == at("2026-12-21 10:00")
    assert F.late_duties(state, at("2026-12-21 10:01")) == ["answer", "publish"]
    state, ev = F.publish_answer(state, now=at("2026-12-22 08:00"))
    assert ev[0].data == {"on_time": False}


def test_reminders_one_working_day_before():
    state, _ = received("2026-08-28 09:00")            # refuse due Fri 4/9 09:00
    # Wednesday 2/9 09:00 (holiday): 3/9 07:30–17:00 + 4/9 07:30–09:00 = 9.5 h > 8 h: not yet
    assert F.duties_due_soon(state, now=at("2026-09-02 09:00"), warn_days=1, calendars=CAL) == []
    assert F.duties_due_soon(state, now=at("2026-09-03 09:00"), warn_days=1, calendars=CAL) == ["refuse"]
    reminded, ev = F.flag_due_soon(state, duty="refuse", now=at("2026-09-03 09:00"))
    assert ev[0].data == {"duty": "refuse", "due_at": "2026-09-04T09:00:00+07:00"}
    assert F.duties_due_soon(reminded, now=at("2026-09-03 10:00"), warn_days=1, calendars=CAL) == []
