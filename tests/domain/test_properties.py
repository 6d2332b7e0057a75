"""Property tests of the domain core: any sequence of inputs keeps the lifecycle's invariants.

Hypothesis draws a receipt instant and a sequence of inputs (time passing, claims, completions
with or without a supplement round trip, supplement requests and supplements, apologies, the
deadline watch, reject / stop / withdraw, hand-over, rating, calendar changes). Moves the rules
refuse are part of the sequence too: they must leave the state as it was.
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.clock import VN_TZ
from motcua.domain import statuses as S
from motcua.legal_clock import deadlines
from tests.domain.harness import DESK, LEGAL_DAYS, run

USERS = ("chuyen.vien", "lanh.dao")

advance = st.tuples(st.just("advance"), st.one_of(
    st.sampled_from((30, 240, 480, 60 * 24, 60 * 24 * 2, 60 * 24 * 3)), st.integers(min_value=1, max_value=60 * 24 * 4)))
complete = st.tuples(st.just("complete"), st.booleans(), st.sampled_from(("done", "done", "rejected", "stopped")),
                     st.sampled_from(USERS))
# time passing, completions and the watch are drawn more often: they carry a dossier to its end
actions = st.one_of(
    advance, advance, advance, complete, complete, complete, complete,
    st.tuples(st.just("watch")), st.tuples(st.just("watch")),
    st.tuples(st.just("claim"), st.sampled_from(USERS)),
    st.tuples(st.just("unclaim"), st.sampled_from(USERS)),
    st.tuples(st.just("request_supplement")),
    st.tuples(st.just("supplement")),
    st.tuples(st.just("apologise"), st.integers(min_value=-2, max_value=10)),
    st.tuples(st.just("watch")),
    st.tuples(st.just("end"), st.sampled_from(("rejected", "stopped", "withdrawn", "returned"))),
    st.tuples(st.just("hand_over")),
    st.tuples(st.just("rate"), st.booleans()),
    st.tuples(st.just("calendar"), st.integers(min_value=-3, max_value=20),
              st.sampled_from(("day_off", "working_day"))),
)
starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=VN_TZ))
# each input comes after some time has passed (0 to 3 days)
delays = st.sampled_from((0, 30, 120, 240, 480, 60 * 24, 60 * 24 * 3))
histories = st.tuples(starts, st.lists(st.tuples(delays, actions), min_size=3, max_size=40).map(
    lambda items: [a for delay, action in items for a in (("advance", delay), action) if a != ("advance", 0)]))


def _paused_working_time(cal, hours, pauses, after=None, until=None) -> Decimal:
    total = Decimal(0)
    for paused_from, resumed in pauses:
        if after is not None and resumed <= after:
            continue
        if until is not None and resumed > until:
            continue
        total += deadlines.working_time_between(cal, hours, max(paused_from, after) if after else paused_from,
                                                resumed)
    return total


@settings(max_examples=150, deadline=None)
@given(histories)
def test_paused_working_time_never_counts(history):
    """Working time from the clock start to the due time = legal time + paused working time
    (dossier), allotment + paused working time while it was open (each step)."""
    world = run(*history)
    state, cals = world.state, world.calendars
    hours = cals.hours(DESK)
    if not state.apology:
        cal = cals.by_fingerprint[state.due_calendar]
        counted = deadlines.working_time_between(cal, hours, state.clock_start, state.due_at)
        assert counted == LEGAL_DAYS + _paused_working_time(cal, hours, state.pauses)
    for step in state.steps.values():
        cal = cals.by_fingerprint[step.due_calendar]
        counted = deadlines.working_time_between(cal, hours, deadlines.clock_start(cal, hours, step.ready_at),
                                                 step.due_at)
        until = None if step.open else step.completed_at
        assert counted == step.allotment_days + _paused_working_time(cal, hours, state.pauses, step.ready_at, until)


@settings(max_examples=150, deadline=None)
@given(histories)
def test_due_never_before_clock_start(history):
    state = run(*history).state
    assert state.clock_start >= state.received_at
    assert state.due_at >= state.clock_start
    for step in state.steps.values():
        assert step.due_at >= step.ready_at


@settings(max_examples=150, deadline=None)
@given(histories)
def test_one_apology_one_end(history):
    world = run(*history)
    types = [e.type for e in world.events]
    state = world.state
    assert types.count("apology") <= 1
    assert types.count("finished") == (1 if state.status in S.FINAL_STATUSES else 0)
    assert types.count("returned") == (1 if state.status == S.RETURNED else 0)
    assert types.count("rated") <= 1 and (not state.rated or state.status == S.RETURNED)
    assert types[0] == "received"
    if state.status in S.FINAL_STATUSES:
        # after the end: no step open, no pause, no flag, the process no longer running
        assert not state.open_steps() and state.paused_at is None and not state.apology_required
        assert not state.process.running
        end = types.index("finished")
        assert set(types[end + 1:]) <= {"returned", "rated"}
    assert (state.paused_at is not None) == (state.status == S.SUPPLEMENT_REQUESTED)
    assert state.supplement_count == types.count("supplemented")


@settings(max_examples=100, deadline=None)
@given(histories)
def test_same_inputs_same_history(history):
    """Replay: the recorded inputs fed again through the core give the same events and state."""
    first, second = run(*history), run(*history)
    assert first.records() == second.records()
    assert first.state == second.state


@settings(max_examples=150, deadline=None)
@given(histories)
def test_event_log_rebuilds_the_state(history):
    """Every change of state is in the log: folding the recorded events gives the state back."""
    world = run(*history)
    for _, _, event in world.log:  # payloads are plain JSON, stored as they are
        assert json.loads(json.dumps(event.data, ensure_ascii=False)) == event.data
    rebuilt = fold([(at, actor, json.loads(json.dumps(e.record()))) for at, actor, e in world.log])
    state = world.state
    assert rebuilt["status"] == state.status
    assert rebuilt["due_at"] == state.due_at.isoformat()
    assert rebuilt["paused"] == (state.paused_at is not None)
    assert rebuilt["supplement_count"] == state.supplement_count
    assert rebuilt["apology"] == state.apology
    assert rebuilt["finished_at"] == state.finished_at and rebuilt["returned_at"] == state.returned_at
    if not world.silent:
        assert rebuilt["overdue"] == state.overdue
        assert rebuilt["apology_required"] == state.apology_required
    assert rebuilt["steps"] == {s.task_id: {"state": s.state, "due_at": s.due_at.isoformat(), "assignee": s.assignee,
                                            "overdue": s.overdue} for s in state.steps.values()}


def fold(log) -> dict:
    """The dossier as its history tells it (what motcua/replay.py checks, in miniature)."""
    d = {"steps": {}, "paused": False, "supplement_count": 0, "apology": None, "overdue": False,
         "apology_required": False, "finished_at": None, "returned_at": None}
    for at, actor, (type_, step, data) in log:
        steps = d["steps"]
        if type_ == "received":
            d.update(status=S.PROCESSING, due_at=data["due_at"])
        elif type_ == "step_ready":
            steps[data["task_id"]] = {"state": S.READY, "due_at": data["due_at"], "assignee": None, "overdue": False}
        elif type_ == "step_cancelled":
            steps[data["task_id"]]["state"] = S.CANCELLED
        elif type_ == "step_completed":
            row = steps[data["task_id"]]
            row.update(state=S.COMPLETED, assignee=row["assignee"] or actor)
        elif type_ == "claimed":
            steps[data["task_id"]]["assignee"] = actor
        elif type_ == "unclaimed":
            steps[data["task_id"]]["assignee"] = None
        elif type_ == "supplement_requested":
            d.update(status=S.SUPPLEMENT_REQUESTED, paused=True, apology_required=False)
        elif type_ == "supplemented":
            d.update(status=S.PROCESSING, paused=False, due_at=data["due_at"],
                     supplement_count=d["supplement_count"] + 1)
            for move in data["steps"]:
                steps[move["task_id"]]["due_at"] = move["due_at"]
            if at <= datetime.fromisoformat(data["due_at"]):
                d["overdue"] = False
        elif type_ == "apology":
            d.update(apology=data, due_at=data["new_due_at"], apology_required=False,
                     overdue=at > datetime.fromisoformat(data["new_due_at"]))
        elif type_ == "apology_required":
            d["apology_required"] = True
        elif type_ == "overdue":
            d["overdue"] = True
        elif type_ == "step_overdue":
            steps[data["task_id"]]["overdue"] = True
        elif type_ == "due_recomputed":
            if "dossier" in data:
                d["due_at"] = data["dossier"]["due_at"]
            for change in data.get("steps", ()):
                steps[change["task_id"]]["due_at"] = change["due_at"]
        elif type_ == "finished":
            d.update(status=data["status"], paused=False, apology_required=False, finished_at=at)
            for row in steps.values():
                if row["state"] == S.READY:
                    row["state"] = S.CANCELLED  # reject / stop / withdraw close open steps
        elif type_ == "returned":
            d.update(status=S.RETURNED, returned_at=at)
    return d


def test_histories_reach_every_end():
    """The strategy is not vacuous: fixed sequences reach done, returned, rejected and a pause."""
    walk = [("claim", "chuyen.vien"), ("complete", True, "done", "chuyen.vien"), ("advance", 600),
            ("complete", False, "done", "chuyen.vien"), ("complete", False, "done", "chuyen.vien"),
            ("complete", False, "done", "lanh.dao"), ("hand_over",), ("rate", True)]
    world = run(datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ), walk)
    assert world.state.status == S.RETURNED and world.state.supplement_count == 1 and world.refused == 0
    types = [e.type for e in world.events]
    assert types == ["received", "step_ready", "claimed", "step_completed", "step_ready", "supplement_requested",
                     "supplemented", "step_completed", "step_ready", "step_completed", "step_ready",
                     "step_completed", "finished", "returned", "rated"]
    paused = world.events[types.index("supplemented")]
    # paused 08:00 → 18:00 on a working day: 07:30–11:30 and 13:00–17:00 less the half hour before 08:00
    assert paused.paused_working_days == Decimal("7.5") / 8
    assert paused.due_at == datetime(2026, 11, 30, 17, 0, tzinfo=VN_TZ)  # 3 days from 08:00 Wed, + 7.5 h
