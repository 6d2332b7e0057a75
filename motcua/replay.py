"""Deterministic replay of a dossier: rebuild its workflow from the recorded events alone.

The recorded history has two kinds of events. *Inputs* are what people and the scheduler did
(received, step_completed with its data, timer_fired, supplement requests, apologies, ends,
claims, deadline flags, due-time recomputations). *Consequences* are what the platform wrote
because the workflow moved (step_ready, step_cancelled, a pause for a supplement step, finished).
Replay feeds the inputs to a fresh SpiffWorkflow instance of the pinned procedure version, under a
clock frozen at each input's time, predicts the consequences the live code would have written,
and checks that the log holds exactly those, in that order. After the last event it compares
what it rebuilt with what is stored: the serialized workflow (task tree, task data, workflow data,
timers), every task row (state, data, due time, assignee) and the dossier (status, due time, pause,
supplements, apology, result).

Plain Python: no database, no Flask. The audit service gathers the inputs read-only and calls
`Replayer.run`; nothing here can write anywhere. Time comes from a private `Clock` frozen per event
(the script functions read it) and `engine.timers.following` (SpiffWorkflow's timers read it) for
this thread only, so live requests keep the platform clock.

Working calendars: a due time depends on the calendar in force when it was computed, and
administrators change calendars later (`calendar_changed` events in the global chain). The
`CalendarTimeline` rebuilds the overrides in force at any point of the global event order.
"""
from __future__ import annotations

import bisect
import json
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Callable

from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimeDateEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import runtime, timers
from engine.runtime import StepFailed
from motcua.clock import Clock, parse_instant
from motcua.db.types import dumps as json_dumps
from motcua.legal_clock import deadlines
from motcua.legal_clock.calendar import Override, WorkingCalendar
from motcua.services.calendars import hours_for
from engine.runtime import next_timer_at, timer_due

log = logging.getLogger("motcua.replay")

# Times the live code takes from a running clock a moment after the event's own time (a timer's
# due time computed inside the step, cancelled rows closed before the `finished` event): equal
# within this margin. Every due time of a step or dossier is compared exactly.
CLOCK_MARGIN = timedelta(seconds=60)
MAX_DIFFERENCES = 50
OPEN = ("processing", "supplement_requested")
END_STATUSES = ("rejected", "stopped", "withdrawn")


# --- inputs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """One recorded event, as stored."""

    seq: int
    at: datetime
    type: str
    actor: str | None = None
    step: str | None = None
    data: Any = None
    id: int | None = None  # position in the global event order (for the calendar in force)


@dataclass
class StoredRow:
    id: str
    bpmn_id: str
    state: str
    office: str
    ready_at: datetime
    due_at: datetime
    data: Any = None
    assignee: str | None = None
    completed_by: str | None = None
    completed_at: datetime | None = None
    overdue: bool = False


@dataclass
class StoredDossier:
    code: str
    status: str
    receiving_office: str
    competent_office: str
    received_at: datetime
    clock_start: datetime
    due_at: datetime
    paused_at: datetime | None
    supplement_count: int
    overdue: bool
    apology_required: bool
    apology: dict | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    result: dict | None = None
    data: dict | None = None
    documents: list | None = None


@dataclass
class StoredProcess:
    state: str | None
    status: str | None
    next_timer_at: datetime | None


@dataclass
class Stored:
    dossier: StoredDossier
    process: StoredProcess | None
    rows: list[StoredRow]


# --- the calendar in force at any point ------------------------------------------------------

class CalendarTimeline:
    """Working calendars of offices as they were before any event of the global order.

    `rows` are the database overrides now: (day, kind, name, office_code or None); `changes` are
    the `calendar_changed` events (id, data) in order. The overrides in force before event id P are
    today's with every change from P on undone, newest first.
    """

    def __init__(self, settings, offices: dict, rows, changes):
        self.settings = settings
        self.offices = offices  # code -> object with .code, .hours, .saturday
        self._ids = [cid for cid, _ in changes]
        self._changes = [data or {} for _, data in changes]
        now = {(r[0], r[3]): (r[1], r[2]) for r in rows}
        self._states: dict[int, dict] = {len(changes): now}
        self._calendars: dict = {}
        self._by_overrides: dict = {}
        self._hours: dict = {}

    def _state(self, k: int) -> dict:
        if k in self._states:
            return self._states[k]
        upper = min(i for i in self._states if i > k)
        state = dict(self._states[upper])
        for i in range(upper - 1, k - 1, -1):
            change = self._changes[i]
            try:
                key = (date.fromisoformat(change["date"]), change.get("office"))
            except (KeyError, TypeError, ValueError):
                continue
            if change.get("change") == "added":
                state.pop(key, None)
            elif change.get("change") == "removed":
                state[key] = (change.get("kind"), change.get("name") or "")
            self._states[i] = dict(state)
        return self._states[k]

    def calendar(self, office_code: str | None, before_id: int | None = None) -> WorkingCalendar:
        k = len(self._ids) if before_id is None else bisect.bisect_left(self._ids, before_id)
        key = (office_code, k)
        cal = self._calendars.get(key)
        if cal is None:
            by_day: dict[date, Override] = {}
            for item in (self.settings.section("calendar").get("overrides") or []):
                if item.get("office") is None or item.get("office") == office_code:
                    ov = Override.from_config(item)
                    by_day[ov.date] = ov
            state = self._state(k)
            for wanted in (None, office_code):
                if wanted is None or office_code is not None:
                    for (day, office), (kind, name) in state.items():
                        if office == wanted:
                            by_day[day] = Override(date=day, kind=kind, name=name)
            overrides = tuple(sorted(by_day.values(), key=lambda o: o.date))
            cal = self._by_overrides.get(overrides)
            if cal is None:
                cal = self._by_overrides[overrides] = WorkingCalendar(overrides)
            self._calendars[key] = cal
        return cal

    def hours(self, office_code: str | None, manifest: dict | None = None):
        key = (office_code, (manifest or {}).get("saturday_hours"))
        if key not in self._hours:
            hours = hours_for(self.settings, self.offices.get(office_code))
            wanted = (manifest or {}).get("saturday_hours")
            if manifest is not None and hours.saturday == "full_day" and wanted == "morning":
                from dataclasses import replace
                hours = replace(hours, saturday="morning")  # the desk's hours (dossiers.desk_hours)
            self._hours[key] = hours
        return self._hours[key]

    def knows(self, office_code: str) -> bool:
        return office_code in self.offices


def legal_functions(clock: Clock, calendar: Callable[[], WorkingCalendar], hours) -> dict:
    """The BPMN expression functions of services/process.py, on the replay's clock and calendar."""

    def working_days_from_now(days):
        return deadlines.add_working_time(calendar(), hours, clock.now(), days).isoformat()

    def working_days_after(start, days):
        start = parse_instant(start) if isinstance(start, str) else start
        return deadlines.add_working_time(calendar(), hours, start, days).isoformat()

    return {"working_days_from_now": working_days_from_now, "working_days_after": working_days_after}


# --- what replay rebuilds --------------------------------------------------------------------

class Diverged(Exception):
    def __init__(self, seq: int | None, message: str):
        super().__init__(message)
        self.seq = seq
        self.message = message


@dataclass
class Row:
    """A task row as the live code would have it."""

    task_id: str
    replay_id: str
    bpmn_id: str
    name: str
    lane: str
    office: str
    allotment: Decimal
    pause_clock: bool
    ready_at: datetime
    due_at: datetime
    state: str = "ready"
    data: Any = None
    assignee: str | None = None
    completed_by: str | None = None
    completed_at: datetime | None = None
    closed_by_end: bool = False
    overdue: bool = False
    seq: dict = field(default_factory=dict)  # field -> seq of the event that last set it


class Shadow:
    """The dossier fields the live code keeps, with the seq of the event that last set each."""

    FIELDS = ("status", "received_at", "clock_start", "due_at", "paused_at", "supplement_count", "overdue",
              "apology_required", "apology", "finished_at", "returned_at", "result", "data", "documents")

    def __init__(self):
        for name in self.FIELDS:
            setattr(self, name, None)
        self.seq: dict[str, int] = {}

    def set(self, seq: int, **values) -> None:
        for name, value in values.items():
            setattr(self, name, value)
            self.seq[name] = seq


@dataclass
class Expected:
    """A consequence the live code would have written next."""

    type: str
    label: str
    check: Callable[[Record], None]
    group: set | None = None  # step_cancelled: task ids, in any order


def _json(value):
    return None if value is None else json.loads(json_dumps(value))


def _instant(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return parse_instant(str(value))
    except ValueError:
        return None


def _fmt(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value


def _near(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= CLOCK_MARGIN


def _timers_match(mine: list[tuple], recorded: list[tuple]) -> bool:
    """(timer id, instant, ...) lists equal up to order, instants within the clock margin."""
    def key(item):
        return (item[0] or "", *(str(x) for x in item[1:]))
    if len(mine) != len(recorded):
        return False
    return all(a[0] == b[0] and all(_near(x, y) for x, y in zip(a[1:], b[1:]))
               for a, b in zip(sorted(mine, key=key), sorted(recorded, key=key)))


class Replayer:
    """Replays one dossier. `functions(clock, calendar)` gives the BPMN expression functions."""

    def __init__(self, *, spec_text: str, manifest: dict, version: int, timeline: CalendarTimeline,
                 functions: Callable[[Clock, Callable[[], WorkingCalendar]], dict] | None = None,
                 time_limit: float = 1.0, roundtrip: bool = True):
        self.spec_text = spec_text
        self.manifest = manifest
        self.version = version
        self.timeline = timeline
        self.functions_factory = functions
        self.time_limit = time_limit
        self.roundtrip = roundtrip
        self.clock = Clock()
        self.position: int | None = None

    # -- entry point --------------------------------------------------------------------------

    def run(self, records: list[Record], stored: Stored) -> dict:
        self.stored = stored
        self.receiving = stored.dossier.receiving_office
        self.competent = stored.dossier.competent_office
        self.wf = None
        self.instance_status: str | None = None
        self.next_timer_at: datetime | None = None
        self.wf_seq: int | None = None
        self.rows: dict[str, Row] = {}
        self.by_replay: dict[str, Row] = {}
        self.dossier = Shadow()
        self.pauses: list[tuple[datetime, datetime]] = []
        self.pending: deque[Expected] = deque()
        self.ignored: set[str] = set()
        self.differences: list[dict] = []
        replayed = 0
        last_seq = records[-1].seq if records else 0
        current = records[0].seq if records else 1
        with timers.following(self.clock.now):
            try:
                if not records or records[0].type != "received":
                    raise Diverged(current, "lịch sử không bắt đầu bằng sự kiện tiếp nhận (received).")
                for rec in records:
                    current = rec.seq
                    self._feed(rec)
                    replayed += 1
                current = last_seq + 1
                if self.pending:
                    raise Diverged(current, f"lịch sử dừng ở sự kiện #{last_seq}, nhưng dựng lại còn chờ "
                                            f"{self.pending[0].label}.")
                self._compare_stored(last_seq)
            except Diverged as err:
                self.differences.insert(0, {"seq": err.seq, "detail": err.message})
            except Exception as err:  # noqa: BLE001 - altered data must give a finding, never a crash
                log.exception("replay failed at event #%s", current)
                self.differences.insert(0, {"seq": current, "detail": f"không dựng lại được từ sự kiện này "
                                                                      f"({type(err).__name__}: {err})."})
        return self._report(replayed)

    def _report(self, replayed: int) -> dict:
        diffs = sorted(self.differences, key=lambda d: (d["seq"] is None, d["seq"] or 0))[:MAX_DIFFERENCES]
        first = diffs[0] if diffs else None
        return {
            "consistent": not diffs,
            "detail": None if first is None else (
                f"Sự kiện #{first['seq']}: {first['detail']}" if first["seq"] is not None else first["detail"]),
            "diverged_at": None if first is None else first["seq"],
            "differences": diffs,
            "events_replayed": replayed,
            "ignored_types": sorted(self.ignored),
        }

    # -- the event stream ---------------------------------------------------------------------

    def _feed(self, rec: Record) -> None:
        self.position = rec.id
        self.clock.freeze(rec.at)
        if self.pending:
            head = self.pending[0]
            if rec.type != head.type:
                raise Diverged(rec.seq, f"dựng lại cần {head.label} ở vị trí này, lịch sử ghi «{rec.type}».")
            if head.group is not None:
                task_id = (rec.data or {}).get("task_id")
                if task_id not in head.group:
                    raise Diverged(rec.seq, f"dựng lại hủy các công việc {sorted(head.group)}, lịch sử ghi "
                                            f"hủy «{task_id}».")
                head.check(rec)
                head.group.discard(task_id)
                if not head.group:
                    self.pending.popleft()
            else:
                self.pending.popleft()
                head.check(rec)
            return
        handler = getattr(self, f"_on_{rec.type}", None)
        if handler is None:
            if rec.type in ("step_ready", "step_cancelled"):
                raise Diverged(rec.seq, f"sự kiện «{rec.type}» không do bước nào của quy trình sinh ra khi dựng lại.")
            self.ignored.add(rec.type)
            return
        handler(rec)

    def _fail(self, rec: Record, what: str, expected, found) -> None:
        raise Diverged(rec.seq, f"{what}: dựng lại được {_fmt(expected)}, lịch sử ghi {_fmt(found)}.")

    def _same(self, rec: Record, what: str, expected, found) -> None:
        if isinstance(expected, datetime) or isinstance(found, datetime):
            equal = _instant(expected) == _instant(found)
        else:
            equal = _json(expected) == _json(found)
        if not equal:
            self._fail(rec, what, expected, found)

    def _open(self, rec: Record) -> None:
        if self.dossier.status not in OPEN:
            raise Diverged(rec.seq, f"hồ sơ đang ở trạng thái «{self.dossier.status}», thao tác «{rec.type}» "
                                    f"không thể xảy ra.")

    # -- workflow -----------------------------------------------------------------------------

    def _functions(self) -> dict:
        calendar = lambda: self.timeline.calendar(self.competent, self.position)  # noqa: E731
        if self.functions_factory is not None:
            return self.functions_factory(self.clock, calendar)
        return legal_functions(self.clock, calendar, self.timeline.hours(self.competent))

    def _moved(self, rec: Record) -> None:
        """After the workflow moved: what the live code stores and loads again before the next use."""
        self.wf_seq = rec.seq
        if self.roundtrip:
            self.wf = runtime.load(runtime.dump(self.wf), self.spec_text, functions=self._functions(),
                                   time_limit=self.time_limit)

    def _step_office(self, step) -> str:
        if step.office_code:
            return step.office_code
        return self.receiving if step.role == "receiver" else self.competent

    def _sync(self, rec: Record, *, paused: bool) -> None:
        """services/process.sync: the consequences of the workflow having moved, in its order."""
        ready = runtime.ready_steps(self.wf)
        ready_ids = {r.task_id for r in ready}
        open_rows = {row.replay_id: row for row in self.rows.values() if row.state == "ready"}
        gone = {row.task_id for rid, row in open_rows.items() if rid not in ready_ids}
        if gone:
            self.pending.append(Expected("step_cancelled", f"hủy các công việc {sorted(gone)} (step_cancelled)",
                                         self._cancelled, group=set(gone)))
        for item in ready:
            if item.task_id in open_rows:
                continue
            self.pending.append(Expected("step_ready", f"bước «{item.step.bpmn_id}» sẵn sàng (step_ready)",
                                         self._ready_check(item)))
            if item.step.pause_clock and not paused:
                paused = True
                self.pending.append(Expected("supplement_requested",
                                             f"tạm dừng chờ bổ sung cho bước «{item.step.bpmn_id}»",
                                             self._pause_check(item.step.name)))
        self.next_timer_at = next_timer_at(self.wf)
        outcome = runtime.outcome(self.wf)
        if outcome is not None and self.instance_status == "running":
            self.instance_status = "completed"
            result = {k: v for k, v in self.wf.data.items() if isinstance(k, str) and not k.startswith("_")}
            self.pending.append(Expected("finished", f"kết thúc quy trình với kết quả «{outcome}» (finished)",
                                         self._finish_check(outcome, _json(result))))

    def _ready_check(self, item):
        step = item.step

        def check(rec: Record) -> None:
            data = rec.data or {}
            office = self._step_office(step)
            self._same(rec, "bước sẵn sàng", step.bpmn_id, rec.step)
            self._same(rec, f"tên bước «{step.bpmn_id}»", step.name, data.get("name"))
            self._same(rec, f"làn của bước «{step.bpmn_id}»", step.lane, data.get("lane"))
            self._same(rec, f"cơ quan xử lý bước «{step.bpmn_id}»", office, data.get("office"))
            self._same(rec, f"số ngày của bước «{step.bpmn_id}»", str(step.allotment_days),
                       data.get("allotment_days"))
            if not self.timeline.knows(office):
                raise Diverged(rec.seq, f"cơ quan «{office}» của bước «{step.bpmn_id}» không có trên hệ thống.")
            cal = self.timeline.calendar(office, rec.id)
            hours = self.timeline.hours(office)
            due = deadlines.due_at(cal, hours, deadlines.clock_start(cal, hours, rec.at), step.allotment_days)
            self._same(rec, f"hạn xử lý bước «{step.bpmn_id}» (tính lại từ lúc sẵn sàng {rec.at.isoformat()})",
                       due, data.get("due_at"))
            task_id = data.get("task_id")
            if not task_id or task_id in self.rows:
                raise Diverged(rec.seq, f"mã công việc «{task_id}» thiếu hoặc đã dùng cho công việc khác.")
            row = Row(task_id=task_id, replay_id=item.task_id, bpmn_id=step.bpmn_id, name=step.name,
                      lane=step.lane, office=office, allotment=step.allotment_days, pause_clock=step.pause_clock,
                      ready_at=rec.at, due_at=due)
            row.seq.update(bpmn_id=rec.seq, ready_at=rec.seq, due_at=rec.seq, state=rec.seq, data=rec.seq,
                           assignee=rec.seq, completed_by=rec.seq, overdue=rec.seq)
            self.rows[task_id] = row
            self.by_replay[item.task_id] = row
        return check

    def _cancelled(self, rec: Record) -> None:
        row = self.rows[rec.data["task_id"]]
        self._same(rec, "bước bị hủy", row.bpmn_id, rec.step)
        row.state, row.completed_at = "cancelled", rec.at
        row.seq.update(state=rec.seq)

    def _pause_check(self, name: str):
        def check(rec: Record) -> None:
            data = rec.data or {}
            self._same(rec, "nguồn tạm dừng", "process", data.get("source"))
            self._same(rec, "lý do tạm dừng", name, data.get("reason"))
            self._pause(rec)
        return check

    def _pause(self, rec: Record) -> None:
        self.dossier.set(rec.seq, paused_at=rec.at, status="supplement_requested", apology_required=False)

    def _finish_check(self, outcome: str, result):
        def check(rec: Record) -> None:
            data = rec.data or {}
            self._same(rec, "kết quả quy trình", outcome, data.get("status"))
            self._finish(rec, outcome)
            if outcome == "done":
                self._same(rec, "dữ liệu kết quả của quy trình (workflow data)", result, data.get("result"))
        return check

    def _finish(self, rec: Record, status: str) -> None:
        data = rec.data or {}
        on_time = rec.at <= self.dossier.due_at
        self._same(rec, "đúng hạn khi kết thúc", on_time, data.get("on_time"))
        d = self.dossier
        d.set(rec.seq, status=status, finished_at=rec.at, apology_required=False)
        if d.paused_at is not None:
            d.set(rec.seq, paused_at=None)
        if status == "done":
            d.set(rec.seq, result={"ready_at": rec.at.isoformat(), "on_time": on_time})

    def _resume(self, rec: Record, extra: dict) -> None:
        """services/clockwork.resume: due times move by the paused working time."""
        d = self.dossier
        if d.paused_at is None:
            raise Diverged(rec.seq, "tiếp tục xử lý (bổ sung) khi hồ sơ không tạm dừng.")
        data = rec.data or {}
        paused_from = d.paused_at
        cal = self.timeline.calendar(self.receiving, rec.id)
        hours = self.timeline.hours(self.receiving)
        new_due = deadlines.shift_for_pause(cal, hours, d.due_at, paused_from, rec.at)
        paused_days = deadlines.working_time_between(cal, hours, paused_from, rec.at)
        moved = {}
        for row in self.rows.values():
            if row.state == "ready":
                row_cal = self.timeline.calendar(row.office, rec.id)
                row_hours = self.timeline.hours(row.office)
                moved[row.task_id] = deadlines.shift_for_pause(row_cal, row_hours, row.due_at, paused_from, rec.at)
        for key, value in extra.items():
            self._same(rec, f"dữ liệu bổ sung «{key}»", value, data.get(key))
        self._same(rec, "thời điểm bắt đầu tạm dừng", paused_from, data.get("paused_from"))
        self._same(rec, "hạn trả kết quả trước khi bổ sung", d.due_at, data.get("old_due_at"))
        self._same(rec, "hạn trả kết quả sau khi bổ sung", new_due, data.get("due_at"))
        self._same(rec, "số ngày làm việc tạm dừng", str(paused_days), data.get("paused_working_days"))
        recorded = {s.get("task_id"): _instant(s.get("due_at")) for s in (data.get("steps") or [])}
        if recorded != moved:
            self._fail(rec, "hạn các bước đang mở sau khi bổ sung",
                       {k: v.isoformat() for k, v in moved.items()},
                       {k: v.isoformat() if v else None for k, v in recorded.items()})
        for task_id, due in moved.items():
            self.rows[task_id].due_at = due
            self.rows[task_id].seq["due_at"] = rec.seq
        shifted = self._shift_timers(paused_from, rec.at)
        recorded_timers = [(t.get("timer"), _instant(t.get("old_due_at")), _instant(t.get("due_at")))
                           for t in (data.get("timers") or [])]
        if not _timers_match(shifted, recorded_timers):
            self._fail(rec, "hẹn giờ dời theo thời gian tạm dừng", [(t, _fmt(o), _fmt(n)) for t, o, n in shifted],
                       [(t, _fmt(o), _fmt(n)) for t, o, n in recorded_timers])
        self.pauses.append((paused_from, rec.at))
        d.set(rec.seq, due_at=new_due, paused_at=None, status="processing",
              supplement_count=d.supplement_count + 1)
        if rec.at <= new_due:
            d.set(rec.seq, overdue=False)  # a due time already passed stays flagged (clockwork.resume)

    def _waiting_timers(self):
        for task in self.wf.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, (TimeDateEventDefinition, DurationTimerEventDefinition)):
                due = timer_due(task._get_internal_data("event_value"))
                if due is not None:
                    yield task, due

    def _shift_timers(self, paused_from: datetime, resumed: datetime) -> list[tuple]:
        """clockwork._shift_timers: waiting BPMN timers move by the paused working time too."""
        if self.wf is None or self.instance_status != "running" or self.next_timer_at is None:
            return []
        cal = self.timeline.calendar(self.competent, self.position)
        hours = self.timeline.hours(self.competent)
        moved = []
        for task, due in list(self._waiting_timers()):
            new_due = deadlines.shift_for_pause(cal, hours, due, paused_from, resumed)
            if new_due != due:
                task._set_internal_data(event_value=new_due.isoformat())
                moved.append((task.task_spec.bpmn_id, due, new_due))
        if moved:
            self.next_timer_at = next_timer_at(self.wf)
        return moved

    # -- inputs -------------------------------------------------------------------------------

    def _on_received(self, rec: Record) -> None:
        if self.wf is not None:
            raise Diverged(rec.seq, "hồ sơ được tiếp nhận lần thứ hai.")
        data = rec.data or {}
        manifest = self.manifest
        self._same(rec, "mã thủ tục", manifest["code"], data.get("procedure_code"))
        self._same(rec, "phiên bản thủ tục", self.version, data.get("procedure_version"))
        for key, value in (("receiving_office", self.receiving), ("competent_office", self.competent)):
            if key in data:
                self._same(rec, f"cơ quan ({key})", value, data.get(key))
        cal = self.timeline.calendar(self.receiving, rec.id)
        hours = self.timeline.hours(self.receiving, manifest)
        start = deadlines.clock_start(cal, hours, rec.at)
        due = deadlines.due_at(cal, hours, start, Decimal(str(manifest["legal_days"])))
        hint = "" if data.get("calendar") in (None, cal.fingerprint) else " (lịch làm việc dựng lại khác lịch đã ghi)"
        self._same(rec, "thời điểm bắt đầu tính hạn" + hint, start, data.get("clock_start"))
        self._same(rec, "hạn trả kết quả" + hint, due, data.get("due_at"))
        start_data = dict(data.get("data") or {})
        self.dossier.set(rec.seq, status="processing", received_at=rec.at, clock_start=start, due_at=due,
                         paused_at=None, supplement_count=0, overdue=False, apology_required=False,
                         apology=None, finished_at=None, returned_at=None, result=None,
                         data=start_data, documents=list(data.get("documents") or []))
        try:
            self.wf = runtime.start(self.spec_text, start_data, functions=self._functions(),
                                    time_limit=self.time_limit)
        except StepFailed as err:
            raise Diverged(rec.seq, f"khởi động quy trình thất bại khi dựng lại: {err}") from err
        self.instance_status = "running"
        self._moved(rec)
        self._sync(rec, paused=False)

    def _row(self, rec: Record, *, ready: bool = True) -> Row:
        task_id = (rec.data or {}).get("task_id")
        row = self.rows.get(task_id)
        if row is None:
            raise Diverged(rec.seq, f"công việc «{task_id}» chưa từng sẵn sàng trong quy trình dựng lại.")
        if ready and row.state != "ready":
            raise Diverged(rec.seq, f"công việc «{row.bpmn_id}» ({task_id}) không còn chờ xử lý "
                                    f"(đang «{row.state}»).")
        self._same(rec, "bước của công việc", row.bpmn_id, rec.step)
        return row

    def _on_step_completed(self, rec: Record) -> None:
        row = self._row(rec)
        data = rec.data or {}
        if self.dossier.paused_at is not None and not row.pause_clock:
            raise Diverged(rec.seq, f"bước «{row.bpmn_id}» hoàn thành khi hồ sơ đang tạm dừng chờ bổ sung.")
        if row.assignee not in (None, rec.actor):
            raise Diverged(rec.seq, f"bước «{row.bpmn_id}» do «{rec.actor}» hoàn thành nhưng đã giao "
                                    f"cho «{row.assignee}».")
        self._same(rec, f"hạn của bước «{row.bpmn_id}»", row.due_at, data.get("due_at"))
        self._same(rec, f"đúng hạn của bước «{row.bpmn_id}»", rec.at <= row.due_at, data.get("on_time"))
        form_data = data.get("data")
        if not isinstance(form_data, dict):
            raise Diverged(rec.seq, "sự kiện hoàn thành bước không có dữ liệu biểu mẫu.")
        try:
            runtime.complete(self.wf, row.replay_id, dict(form_data))
        except LookupError as err:
            raise Diverged(rec.seq, f"bước «{row.bpmn_id}» không chờ xử lý trong quy trình dựng lại.") from err
        except StepFailed as err:
            raise Diverged(rec.seq, f"quy trình dựng lại không chạy tiếp được sau bước «{row.bpmn_id}»: "
                                    f"{err}") from err
        row.state, row.completed_at, row.completed_by = "completed", rec.at, rec.actor
        row.assignee = row.assignee or rec.actor
        row.data = _json(form_data)
        row.seq.update(state=rec.seq, data=rec.seq, completed_by=rec.seq, assignee=rec.seq)
        self._moved(rec)
        paused = self.dossier.paused_at is not None
        if row.pause_clock and paused:
            self.pending.append(Expected("supplemented", f"tiếp tục tính hạn sau bước «{row.bpmn_id}» (supplemented)",
                                         lambda r, b=row.bpmn_id: self._resume(r, {"step": b})))
            paused = False
        self._sync(rec, paused=paused)

    def _fire(self, at: datetime) -> list[tuple]:
        """scheduler/timers: timers due at or before `at` are marked fired, then the workflow runs."""
        fired = []
        for task, due in list(self._waiting_timers()):
            if due <= at:
                task._set_internal_data(event_fired=True)
                fired.append((task.task_spec.bpmn_id, due))
        runtime.fire_due_timers(self.wf)
        return fired

    def _on_timer_fired(self, rec: Record) -> None:
        if self.instance_status != "running":
            raise Diverged(rec.seq, "hẹn giờ chạy khi quy trình không còn chạy.")
        data = rec.data or {}
        due = _instant(data.get("due_at"))
        if not _near(due, self.next_timer_at):
            self._fail(rec, "hẹn giờ đến hạn", self.next_timer_at, due)
        try:
            fired = self._fire(rec.at)
        except StepFailed as err:
            raise Diverged(rec.seq, f"hẹn giờ lỗi khi dựng lại: {err}") from err
        if "timers" in data:
            recorded = [(t.get("timer"), _instant(t.get("due_at"))) for t in data.get("timers") or []]
            if not _timers_match(fired, recorded):
                self._fail(rec, "các hẹn giờ đã chạy", [(t, _fmt(d)) for t, d in fired],
                           [(t, _fmt(d)) for t, d in recorded])
        self._moved(rec)
        self._sync(rec, paused=self.dossier.paused_at is not None)
        limit = rec.at if "timers" in data else due
        if self.next_timer_at is not None and limit is not None and self.next_timer_at <= limit:
            self.next_timer_at = None  # the scheduler parks a timer that cannot move past the run

    def _on_timer_failed(self, rec: Record) -> None:
        """The live run failed and left the workflow as it was; the replay must fail the same way."""
        if self.instance_status != "running":
            raise Diverged(rec.seq, "hẹn giờ lỗi khi quy trình không còn chạy.")
        before = runtime.dump(self.wf)
        try:
            self._fire(rec.at)
        except StepFailed:
            self.wf = runtime.load(before, self.spec_text, functions=self._functions(), time_limit=self.time_limit)
            self.next_timer_at = None
            return
        raise Diverged(rec.seq, "hẹn giờ ghi là lỗi nhưng khi dựng lại chạy được.")

    def _on_claimed(self, rec: Record) -> None:
        row = self._row(rec)
        if row.assignee not in (None, rec.actor):
            raise Diverged(rec.seq, f"«{rec.actor}» nhận công việc «{row.bpmn_id}» đã giao cho «{row.assignee}».")
        row.assignee = rec.actor
        row.seq["assignee"] = rec.seq

    def _on_unclaimed(self, rec: Record) -> None:
        row = self._row(rec)
        if row.assignee != rec.actor:
            raise Diverged(rec.seq, f"«{rec.actor}» trả lại công việc «{row.bpmn_id}» không do mình nhận.")
        row.assignee = None
        row.seq["assignee"] = rec.seq

    def _on_supplement_requested(self, rec: Record) -> None:
        if (rec.data or {}).get("source") == "process":
            raise Diverged(rec.seq, "tạm dừng do quy trình nhưng quy trình dựng lại không có bước chờ bổ sung.")
        if self.dossier.status != "processing":
            raise Diverged(rec.seq, f"yêu cầu bổ sung khi hồ sơ đang «{self.dossier.status}».")
        self._pause(rec)

    def _on_supplemented(self, rec: Record) -> None:
        if self.dossier.status != "supplement_requested":
            raise Diverged(rec.seq, f"nhận bổ sung khi hồ sơ đang «{self.dossier.status}».")
        data = rec.data or {}
        self._resume(rec, {})
        d = self.dossier
        documents = data.get("documents") or []
        if documents:
            d.set(rec.seq, documents=list(d.documents or []) + list(documents))
        if data.get("data"):
            d.set(rec.seq, data={**(d.data or {}), **data["data"]})

    def _on_apology(self, rec: Record) -> None:
        self._open(rec)
        d = self.dossier
        data = rec.data or {}
        if d.apology:
            raise Diverged(rec.seq, "hồ sơ xin lỗi, hẹn lại lần thứ hai.")
        new_due = _instant(data.get("new_due_at"))
        if new_due is None or new_due <= d.due_at:
            raise Diverged(rec.seq, f"ngày hẹn mới {data.get('new_due_at')} không sau hạn {d.due_at.isoformat()}.")
        self._same(rec, "hạn trước khi hẹn lại", d.due_at, data.get("original_due_at"))
        cal = self.timeline.calendar(self.receiving, rec.id)
        hours = self.timeline.hours(self.receiving)
        on_time = rec.at < d.due_at and deadlines.working_time_between(cal, hours, rec.at, d.due_at) >= 1
        self._same(rec, "xin lỗi trước hạn ít nhất một ngày làm việc", on_time, data.get("on_time"))
        d.set(rec.seq, apology=_json(data), due_at=new_due, apology_required=False, overdue=rec.at > new_due)

    def _on_finished(self, rec: Record) -> None:
        status = (rec.data or {}).get("status")
        if status not in END_STATUSES:
            raise Diverged(rec.seq, f"hồ sơ kết thúc «{status}» nhưng quy trình dựng lại chưa kết thúc.")
        self._open(rec)
        if self.instance_status == "running":
            runtime.cancel(self.wf)
            self.instance_status = "cancelled"
            self.next_timer_at = None
            for row in self.rows.values():
                if row.state == "ready":
                    row.state, row.completed_at, row.closed_by_end = "cancelled", rec.at, True
                    row.seq["state"] = rec.seq
            self._moved(rec)
        self._finish(rec, status)

    def _on_returned(self, rec: Record) -> None:
        d = self.dossier
        if d.status != "done":
            raise Diverged(rec.seq, f"trả kết quả khi hồ sơ đang «{d.status}».")
        if "on_time" in (rec.data or {}):
            self._same(rec, "trả kết quả đúng hạn", (d.finished_at or rec.at) <= d.due_at, rec.data["on_time"])
        self.dossier.set(rec.seq, status="returned", returned_at=rec.at)

    def _on_overdue(self, rec: Record) -> None:
        d = self.dossier
        data = rec.data or {}
        if d.status != "processing" or d.paused_at is not None:
            raise Diverged(rec.seq, "đánh dấu quá hạn khi hồ sơ không đang xử lý.")
        self._same(rec, "hạn khi đánh dấu quá hạn", d.due_at, data.get("due_at"))
        if rec.at < d.due_at:
            raise Diverged(rec.seq, f"đánh dấu quá hạn lúc {rec.at.isoformat()}, trước hạn {d.due_at.isoformat()}.")
        open_ids = sorted(r.task_id for r in self.rows.values() if r.state == "ready")
        self._same(rec, "các bước đang mở khi quá hạn", open_ids,
                   sorted(x.get("task_id") for x in data.get("responsible") or []))
        d.set(rec.seq, overdue=True)

    def _on_apology_required(self, rec: Record) -> None:
        d = self.dossier
        if d.status != "processing" or d.paused_at is not None:
            raise Diverged(rec.seq, "báo cần xin lỗi khi hồ sơ không đang xử lý.")
        self._same(rec, "hạn khi báo cần xin lỗi", d.due_at, (rec.data or {}).get("due_at"))
        d.set(rec.seq, apology_required=True)

    def _on_step_overdue(self, rec: Record) -> None:
        row = self._row(rec)
        data = rec.data or {}
        if row.overdue or self.dossier.paused_at is not None:
            raise Diverged(rec.seq, f"đánh dấu bước «{row.bpmn_id}» quá hạn khi không được phép.")
        self._same(rec, f"hạn của bước «{row.bpmn_id}»", row.due_at, data.get("due_at"))
        self._same(rec, f"cơ quan của bước «{row.bpmn_id}»", row.office, data.get("office"))
        if rec.at < row.due_at:
            raise Diverged(rec.seq, f"bước «{row.bpmn_id}» bị đánh dấu quá hạn trước hạn {row.due_at.isoformat()}.")
        row.overdue = True
        row.seq["overdue"] = rec.seq

    def _on_due_recomputed(self, rec: Record) -> None:
        """services/calendar_admin.recompute_open_deadlines, after a calendar change."""
        self._open(rec)
        data = rec.data or {}
        d = self.dossier
        if "dossier" in data:
            if d.apology:
                raise Diverged(rec.seq, "tính lại hạn hồ sơ đã có hẹn lại.")
            cal = self.timeline.calendar(self.receiving, rec.id)
            hours = self.timeline.hours(self.receiving)
            start = deadlines.clock_start(cal, hours, d.received_at)
            due = deadlines.due_at(cal, hours, start, Decimal(str(self.manifest["legal_days"])))
            for paused_from, resumed in self.pauses:
                due = deadlines.shift_for_pause(cal, hours, due, paused_from, resumed)
            self._same(rec, "hạn cũ của hồ sơ", d.due_at, data["dossier"].get("old_due_at"))
            self._same(rec, "hạn tính lại của hồ sơ", due, data["dossier"].get("due_at"))
            d.set(rec.seq, clock_start=start, due_at=due)
        for item in data.get("steps") or []:
            row = self.rows.get(item.get("task_id"))
            if row is None or row.state != "ready":
                raise Diverged(rec.seq, f"tính lại hạn của công việc «{item.get('task_id')}» không đang mở.")
            cal = self.timeline.calendar(row.office, rec.id)
            hours = self.timeline.hours(row.office)
            due = deadlines.due_at(cal, hours, deadlines.clock_start(cal, hours, row.ready_at), row.allotment)
            for paused_from, resumed in self.pauses:
                if resumed > row.ready_at:
                    due = deadlines.shift_for_pause(cal, hours, due, max(paused_from, row.ready_at), resumed)
            self._same(rec, f"hạn cũ của bước «{row.bpmn_id}»", row.due_at, item.get("old_due_at"))
            self._same(rec, f"hạn tính lại của bước «{row.bpmn_id}»", due, item.get("due_at"))
            row.due_at = due
            row.seq["due_at"] = rec.seq

    def _on_rated(self, rec: Record) -> None:
        if self.dossier.status != "returned":
            raise Diverged(rec.seq, "đánh giá khi hồ sơ chưa trả kết quả.")

    # -- the stored state ---------------------------------------------------------------------

    def _differ(self, seq, message: str) -> None:
        self.differences.append({"seq": seq, "detail": message})

    def _compare_stored(self, last_seq: int) -> None:
        self._compare_dossier()
        self._compare_rows(last_seq)
        self._compare_process(last_seq)

    def _compare_dossier(self) -> None:
        stored, d = self.stored.dossier, self.dossier
        for name in Shadow.FIELDS:
            mine, theirs = getattr(d, name), getattr(stored, name)
            if isinstance(mine, datetime) or isinstance(theirs, datetime):
                equal = _instant(mine) == _instant(theirs)
            elif name in ("overdue", "apology_required"):
                equal = bool(mine) == bool(theirs)
            else:
                equal = _json(mine) == _json(theirs)
            if not equal:
                self._differ(d.seq.get(name), f"hồ sơ «{name}» đã lưu là {_fmt(theirs)}, dựng lại từ lịch sử "
                                              f"được {_fmt(mine)}.")

    def _compare_rows(self, last_seq: int) -> None:
        stored = {row.id: row for row in self.stored.rows}
        for task_id, mine in self.rows.items():
            theirs = stored.pop(task_id, None)
            if theirs is None:
                self._differ(mine.seq.get("bpmn_id"), f"công việc «{mine.bpmn_id}» ({task_id}) có trong lịch sử "
                                                      f"nhưng không có trong cơ sở dữ liệu.")
                continue
            checks = [("bpmn_id", mine.bpmn_id, theirs.bpmn_id), ("state", mine.state, theirs.state),
                      ("office", mine.office, theirs.office), ("data", mine.data, theirs.data),
                      ("assignee", mine.assignee, theirs.assignee),
                      ("completed_by", mine.completed_by, theirs.completed_by),
                      ("overdue", mine.overdue, bool(theirs.overdue))]
            for name, a, b in checks:
                if _json(a) != _json(b):
                    self._differ(mine.seq.get(name, mine.seq.get("state")),
                                 f"công việc «{mine.bpmn_id}» ({task_id}): «{name}» đã lưu là {_fmt(b)}, "
                                 f"dựng lại được {_fmt(a)}.")
            for name, a, b, exact in (("ready_at", mine.ready_at, theirs.ready_at, True),
                                      ("due_at", mine.due_at, theirs.due_at, True),
                                      ("completed_at", mine.completed_at, theirs.completed_at,
                                       not mine.closed_by_end)):
                if (a != b) if exact else not _near(a, b):
                    self._differ(mine.seq.get(name, mine.seq.get("state")),
                                 f"công việc «{mine.bpmn_id}» ({task_id}): «{name}» đã lưu là {_fmt(b)}, "
                                 f"dựng lại được {_fmt(a)}.")
        for task_id, theirs in stored.items():
            self._differ(last_seq, f"công việc «{theirs.bpmn_id}» ({task_id}) có trong cơ sở dữ liệu nhưng "
                                   f"không có sự kiện nào sinh ra nó.")

    def _compare_process(self, last_seq: int) -> None:
        process = self.stored.process
        seq = self.wf_seq or last_seq
        if process is None:
            if self.wf is not None:
                self._differ(seq, "không có trạng thái quy trình đã lưu.")
            return
        if process.status != self.instance_status:
            self._differ(seq, f"trạng thái quy trình đã lưu là «{process.status}», dựng lại được "
                              f"«{self.instance_status}».")
        if not _near(process.next_timer_at, self.next_timer_at):
            self._differ(seq, f"hẹn giờ kế tiếp đã lưu là {_fmt(process.next_timer_at)}, dựng lại được "
                              f"{_fmt(self.next_timer_at)}.")
        try:
            stored = json.loads(process.state)
        except (TypeError, ValueError):
            self._differ(seq, "trạng thái quy trình đã lưu không đọc được (không phải JSON).")
            return
        mine = json.loads(runtime.dump(self.wf))
        self._compare_tree(stored, mine, seq, "")

    def _task_seq(self, task_id: str, default):
        row = self.rows.get(task_id)
        if row is None:
            return default
        return row.seq.get("state", default)

    def _compare_tree(self, stored: dict, mine: dict, seq, where: str) -> None:
        for key in ("data", "completed", "success", "correlations", "bpmn_events"):
            if stored.get(key) != mine.get(key):
                detail = key
                if key == "data" and isinstance(stored.get(key), dict) and isinstance(mine.get(key), dict):
                    keys = sorted(k for k in set(stored[key]) | set(mine[key])
                                  if stored[key].get(k) != mine[key].get(k))
                    detail = f"data (khóa {', '.join(keys)})"
                self._differ(seq, f"quy trình đã lưu{where}: «{detail}» khác kết quả dựng lại.")
        s_tasks, m_tasks = stored.get("tasks") or {}, mine.get("tasks") or {}
        stack = [(stored.get("root"), mine.get("root"))]
        while stack:
            sid, mid = stack.pop()
            s, m = s_tasks.get(sid), m_tasks.get(mid)
            if s is None or m is None:
                self._differ(seq, f"quy trình đã lưu{where}: cây công việc thiếu nút «{sid}».")
                continue
            spec = m.get("task_spec")
            at = self._task_seq(sid, seq)
            if s.get("task_spec") != spec:
                self._differ(at, f"quy trình đã lưu{where}: nút «{sid}» là «{s.get('task_spec')}», dựng lại "
                                 f"được «{spec}».")
                continue
            row = self.by_replay.get(mid)
            if row is not None and row.task_id != sid:
                self._differ(at, f"quy trình đã lưu{where}: bước «{spec}» có mã «{sid}», lịch sử ghi «{row.task_id}».")
            if s.get("state") != m.get("state"):
                self._differ(at, f"quy trình đã lưu{where}: bước «{spec}» ở trạng thái {_state(s.get('state'))}, "
                                 f"dựng lại được {_state(m.get('state'))}.")
            if s.get("data") != m.get("data"):
                sd, md = s.get("data") or {}, m.get("data") or {}
                keys = sorted(k for k in set(sd) | set(md) if sd.get(k) != md.get(k))
                self._differ(at, f"quy trình đã lưu{where}: dữ liệu của bước «{spec}» khác ở "
                                 f"{', '.join(map(str, keys)) or 'cấu trúc'}.")
            if not _same_internal(s.get("internal_data") or {}, m.get("internal_data") or {}):
                self._differ(at, f"quy trình đã lưu{where}: dữ liệu nội bộ (hẹn giờ, sự kiện) của bước «{spec}» "
                                 f"khác kết quả dựng lại.")
            s_children, m_children = s.get("children") or [], m.get("children") or []
            if len(s_children) != len(m_children):
                self._differ(at, f"quy trình đã lưu{where}: bước «{spec}» có {len(s_children)} nhánh con, "
                                 f"dựng lại được {len(m_children)}.")
                continue
            stack.extend(reversed(list(zip(s_children, m_children))))
            s_sub = (stored.get("subprocesses") or {}).get(sid)
            m_sub = (mine.get("subprocesses") or {}).get(mid)
            if (s_sub is None) != (m_sub is None):
                self._differ(at, f"quy trình đã lưu{where}: quy trình con của bước «{spec}» thiếu hoặc thừa.")
            elif s_sub is not None:
                self._compare_tree(s_sub, m_sub, at, f"{where} › {spec}")


def _state(value) -> str:
    from SpiffWorkflow.util.task import TaskState
    try:
        return TaskState.get_name(value)
    except Exception:  # noqa: BLE001 - only for the message
        return str(value)


def _same_internal(a: dict, b: dict) -> bool:
    """Internal data (timer due times, fired flags) equal; instants within the clock margin."""
    if set(a) != set(b):
        return False
    for key in a:
        x, y = a[key], b[key]
        if x == y:
            continue
        if isinstance(x, str) and isinstance(y, str):
            tx, ty = _instant(x), _instant(y)
            if tx is not None and ty is not None and _near(tx, ty):
                continue
        return False
    return True


def office_like(code: str, hours, saturday: str):
    """An object `hours_for` accepts, for offices known only by their stored fields."""
    return SimpleNamespace(code=code, hours=hours, saturday=saturday)
