"""A database-free world for the domain core: two offices, a mutable calendar, a tiny engine.

The engine stands in for SpiffWorkflow with a fixed procedure: `check` (receiver, 0.5 day) →
optionally `supply` (receiver, pause_clock: waits for the applicant's supplement) → `appraise`
(specialist, 2 days) → `sign` (leader, 0.5 day) → an end event whose outcome `sign` chooses.
`World.apply(action)` drives one input through the core exactly as a service would: it calls the
transition, keeps the new state and the events, and reports refused moves.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from motcua.clock import VN_TZ
from motcua.domain import lifecycle, recompute, statuses as S, steps, watch
from motcua.domain.errors import NotAllowed
from motcua.errors import Invalid
from motcua.legal_clock import OfficeHours, Override, WorkingCalendar

DESK, DEPT = "UBND.A", "SO.B"
LEGAL_DAYS = Decimal(3)


@dataclass(frozen=True)
class Spec:
    bpmn_id: str
    name: str
    lane: str
    role: str
    allotment_days: Decimal
    pause_clock: bool = False
    office_code: str | None = None
    form: str | None = None


SPECS = {
    "check": Spec("check", "Kiểm tra hồ sơ", "receiver", "receiver", Decimal("0.5")),
    "supply": Spec("supply", "Nhận hồ sơ bổ sung", "receiver", "receiver", Decimal("0.5"), pause_clock=True),
    "appraise": Spec("appraise", "Thẩm định", "specialist", "specialist", Decimal(2)),
    "sign": Spec("sign", "Ký duyệt", "leader", "leader", Decimal("0.5")),
}


@dataclass(frozen=True)
class Ready:
    task_id: str
    step: Spec


class TinyEngine:
    """One ready step at a time; task ids count up."""

    def __init__(self):
        self.ready: list[Ready] = []
        self.outcome: str | None = None
        self.counter = 0

    def _make(self, bpmn_id: str) -> None:
        self.counter += 1
        self.ready = [Ready(f"t{self.counter}", SPECS[bpmn_id])]

    def start(self) -> None:
        self._make("check")

    def complete(self, task_id: str, data: dict) -> None:
        current = self.ready[0]
        assert current.task_id == task_id
        following = {"check": "supply" if data.get("need_supplement") else "appraise",
                     "supply": "appraise", "appraise": "sign"}.get(current.step.bpmn_id)
        if following:
            self._make(following)
        else:
            self.ready, self.outcome = [], data.get("outcome", "done")


class Calendars:
    """The protocol over a calendar an administrator may change (province-wide overrides)."""

    def __init__(self):
        self.overrides: dict[date, Override] = {}
        self.hours_ = OfficeHours()
        self.by_fingerprint: dict[str, WorkingCalendar] = {}
        self._rebuild()

    def _rebuild(self):
        self.current = WorkingCalendar(tuple(sorted(self.overrides.values(), key=lambda o: o.date)))
        self.by_fingerprint[self.current.fingerprint] = self.current

    def change(self, day: date, kind: str) -> dict:
        if day in self.overrides:
            del self.overrides[day]
            change = "removed"
        else:
            self.overrides[day] = Override(day, kind, "Điều chỉnh")
            change = "added"
        self._rebuild()
        return {"change": change, "date": day.isoformat(), "kind": kind, "name": "Điều chỉnh", "office": None}

    def calendar(self, office):
        return self.current

    def hours(self, office):
        return self.hours_

    def knows(self, office):
        return office in (DESK, DEPT)

    def name(self, office):
        return {DESK: "UBND xã A", DEPT: "Sở B"}[office]


class World:
    def __init__(self, start: datetime):
        self.now = start
        self.calendars = Calendars()
        self.engine = TinyEngine()
        self.state = None
        self.events: list = []
        self.inputs: list = []
        self.log: list = []  # (at, actor, event) as the history would store them
        self.effects: set = set()
        self.silent = 0  # flags set again without an event (the effect was recorded before)
        self.refused = 0

    # -- driving ----------------------------------------------------------------------------------

    def _take(self, moved, actor: str | None = None) -> None:
        self.state, events = moved
        self.events += events
        self.log += [(self.now, actor, e) for e in events]

    def _sync(self) -> None:
        self._take(steps.sync(self.state, self.engine.ready, outcome=self.engine.outcome,
                              result={"granted": True} if self.engine.outcome == S.DONE else None,
                              next_timer_at=None, now=self.now, calendars=self.calendars))

    def receive(self) -> None:
        self._take(lifecycle.receive(
            code="UBND.A-261125-0001", procedure_code="thu-tuc", procedure_version=1, legal_days=LEGAL_DAYS,
            channel="online", receiving=DESK, competent=DEPT, documents=[{"name": "Tờ khai", "copies": 1,
                                                                          "digitized": True}],
            form_data={"ho_ten": "Phạm Văn An"}, desk_hours=self.calendars.hours(DESK), saturday_service=False,
            now=self.now, calendars=self.calendars))
        self.engine.start()
        self._sync()

    def apply(self, action: tuple) -> bool:
        """One input; False when the rules refused it (the state is then unchanged)."""
        self.inputs.append(action)
        before = self.state
        snapshot = repr(before)
        try:
            self._apply(action)
        except (NotAllowed, Invalid):
            assert repr(before) == snapshot, "a refused move changed the state it was given"
            self.state = before
            self.refused += 1
            return False
        assert repr(before) == snapshot, "a transition changed the state it was given"
        return True

    def _apply(self, action: tuple) -> None:
        kind, *args = action
        st = self.state
        if kind == "advance":
            self.now += timedelta(minutes=args[0])
        elif kind == "claim":
            for step in st.open_steps():
                self._take(steps.claim(st, step.task_id, actor=args[0], now=self.now), args[0])
        elif kind == "unclaim":
            for step in st.open_steps():
                self._take(steps.unclaim(st, step.task_id, actor=args[0], now=self.now), args[0])
        elif kind == "complete":
            need, outcome, actor = args
            open_steps = st.open_steps()
            if not open_steps:
                raise NotAllowed("nothing to complete")
            step = open_steps[0]
            steps.check_completable(st, step.task_id, actor=actor)
            data = {"need_supplement": need, "outcome": outcome}
            self.engine.complete(step.task_id, data)
            self._take(steps.complete(st, step.task_id, actor=actor, data=data, now=self.now,
                                      calendars=self.calendars), actor)
            self._sync()
        elif kind == "request_supplement":
            self._take(lifecycle.request_supplement(st, reason="Thiếu giấy tờ", items=["Bản sao CCCD"],
                                                    now=self.now))
        elif kind == "supplement":
            self._take(lifecycle.supplement(st, documents=[{"name": "Bản sao CCCD", "copies": 1, "digitized": False}],
                                            data={"ghi_chu": "đã bổ sung"}, now=self.now, calendars=self.calendars))
        elif kind == "apologise":
            self._take(lifecycle.apologise(st, reason="Cần xác minh", new_due_at=st.due_at + timedelta(days=args[0]),
                                           by="lanh.dao", now=self.now, calendars=self.calendars))
        elif kind == "watch":
            self.watch()
        elif kind == "end":
            self._take(lifecycle.end(st, args[0], reason="Theo đề nghị", now=self.now))
        elif kind == "hand_over":
            self._take(lifecycle.hand_over(st, now=self.now))
        elif kind == "rate":
            self._take(lifecycle.rate(st, satisfied=args[0], now=self.now))
        elif kind == "calendar":
            reason = self.calendars.change(self.now.date() + timedelta(days=args[0]), args[1])
            self._take(recompute.recompute_due_times(st, reason=reason, calendars=self.calendars))
        else:
            raise AssertionError(kind)

    def watch(self) -> None:
        """The deadline watch as the scheduler runs it: each effect once per due instant."""
        st = self.state
        if not watch.watched(st):
            raise NotAllowed("not watched")
        if not st.apology_required and not st.apology and watch.due_soon(st, self.now, self.calendars, Decimal(1)):
            key = ("due_soon", st.due_at)
            self.silent += key in self.effects
            self._take(watch.flag_due_soon(st, now=self.now, calendars=self.calendars, extension_days=Decimal(2),
                                           record=key not in self.effects))
            self.effects.add(key)
        st = self.state
        if watch.is_overdue(st, self.now):
            key = ("overdue", st.due_at)
            self.silent += key in self.effects
            self._take(watch.flag_overdue(st, now=self.now, officials={s.task_id: ["chuyen.vien"]
                                                                       for s in st.open_steps()},
                                          record=key not in self.effects))
            self.effects.add(key)
        for step in self.state.open_steps():
            if not step.overdue and step.due_at <= self.now:
                key = ("step_overdue", step.task_id, step.due_at)
                self.silent += key in self.effects
                self._take(watch.flag_step_overdue(self.state, step.task_id, now=self.now, officials=["chuyen.vien"],
                                                   record=key not in self.effects))
                self.effects.add(key)

    # -- reading ------------------------------------------------------------------------------------

    def records(self) -> list:
        return [json.loads(json.dumps(e.record(), ensure_ascii=False)) for e in self.events]


def run(start: datetime, actions) -> World:
    world = World(start)
    world.receive()
    for action in actions:
        world.apply(action)
    return world


T0 = datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ)
