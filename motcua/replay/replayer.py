"""Replay: the recorded inputs fed through the same core transitions and engine calls as live.

A history holds *inputs* (what people and the scheduler did: received, step_completed, claims,
supplement requests and supplements, apology, ends, hand-over, rating, the deadline flags, timers,
due-time recomputations) and *consequences* (what the platform wrote because the workflow moved:
step_ready, step_cancelled, a pause for a supplement step, finished). For each input, replay calls
the transition of motcua/domain the live use case calls, under a clock frozen at the input's time
and the calendar in force then (`CalendarTimeline`), moves a fresh SpiffWorkflow instance of the
pinned procedure version through engine/ as live does, and checks that the log holds exactly the
events the core returns, in order. No rule is written here: a rule changed in the core changes
the live code and its replay together.

Task ids: the replay's engine names its tasks with fresh UUIDs. The state replay keeps uses the
recorded ids (adopted from each matching `step_ready`), so what the core writes and compares
(the officials responsible, the moves of a supplement) reads exactly like the log.

The engine runs without its checkpoint serialization (`check=False`): every input in the log was
stored by the live run, so its workflow serialized then; the replay's text is made only when it
is compared (replay/stored.py) or reloaded (`roundtrip`), where unstorable data still shows.

A recorded `timer_failed` is not run again (issue 11: an auditor does not pay for a known bomb):
the live run failed and left the workflow as it was, and so does replay.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from engine import inspection, migration as engine_migration, runtime, timer_clock
from engine.runtime import StepFailed
from motcua.clock import Clock
from motcua.domain import events as E
from motcua.domain import content, lifecycle, migration, recompute, statuses as S, steps, watch
from motcua.domain.errors import NotAllowed
from motcua.domain.state import DossierState
from motcua.errors import DeskClosed, Invalid
from motcua.replay import stored as compare
from motcua.replay.matching import check, label
from motcua.replay.records import Diverged, Record, Stored, TooDeep, instant, near
from motcua.replay.timeline import CalendarTimeline, legal_functions

log = logging.getLogger("motcua.replay")

MAX_DIFFERENCES = 50
# Consequences only: they follow an input, they never start one.
CONSEQUENCES = ("step_ready", "step_cancelled", "legal_time_extended")


@dataclass(frozen=True)
class _Ready:
    """engine.runtime.ReadyStep under the id the state knows it by."""

    task_id: str
    step: Any


class Replayer:
    """Replays one dossier. `functions(clock, calendar)` gives the BPMN expression functions."""

    def __init__(self, *, spec_text: str, manifest: dict, version: int, timeline: CalendarTimeline,
                 functions: Callable[[Clock, Callable], dict] | None = None, time_limit: float = 1.0,
                 roundtrip: bool = False, versions: Callable[[int], tuple[str, dict]] | None = None):
        """`spec_text`, `manifest`, `version`: the version the dossier was received on; `versions`
        gives (spec text, manifest) of another version of the procedure (a `migrated` event)."""
        self.spec_text, self.manifest, self.version = spec_text, manifest, version
        self.versions = versions
        self.timeline = timeline
        self.functions_factory = functions
        self.time_limit = time_limit
        self.roundtrip = roundtrip  # store and load the workflow after each move, as live does
        self.clock = Clock()
        self.position: int | None = None
        cfg = timeline.settings.section("scheduler") if timeline.settings is not None else {}
        # the same settings the deadline watch reads (config.yaml, scheduler.apology_extension_days)
        self.extension_days = Decimal(str(cfg["apology_extension_days"]))
        # the apology's bound, as live (config.yaml dossier.apology_max_extension_days; None: none)
        bound = (timeline.settings.section("dossier") if timeline.settings is not None else {}).get(
            "apology_max_extension_days")
        self.apology_bound = None if bound is None else Decimal(str(bound))

    # -- entry point --------------------------------------------------------------------------

    def run(self, records: list[Record], stored: Stored) -> dict:
        self.stored = stored
        self.state: DossierState | None = None
        self.wf = None
        self.ids: dict[str, str] = {}      # replay engine task id -> recorded task id
        self.engine_ids: dict[str, str] = {}
        self.seqs = compare.Seqs()
        self.ignored: set[str] = set()
        self.differences: list[dict] = []
        self.records = records
        replayed = 0
        current = records[0].seq if records else 1
        with timer_clock.following(self.clock.now):
            try:
                if not records or records[0].type != "received":
                    raise Diverged(current, "lịch sử không bắt đầu bằng sự kiện tiếp nhận (received).")
                i = 0
                while i < len(records):
                    current = records[i].seq
                    used = self._feed(i)
                    replayed += used
                    i += used
                compare.compare_stored(self, records[-1].seq)
            except Diverged as err:
                self.differences.insert(0, {"seq": err.seq, "detail": err.message})
            except RecursionError:
                self.differences.insert(0, {"seq": current, "detail": "dữ liệu lồng nhau quá sâu, không dựng lại "
                                                                      "được từ sự kiện này."})
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

    # -- one input and its consequences -------------------------------------------------------

    def _feed(self, i: int) -> int:
        """Replay the input at `records[i]`; returns how many records it accounts for."""
        rec = self.records[i]
        self.position = rec.id
        if isinstance(rec.data, TooDeep):
            raise Diverged(rec.seq, f"dữ liệu của sự kiện «{rec.type}» lồng nhau quá sâu, không đọc được "
                                    f"(không thể do nền tảng ghi ra).")
        handler = getattr(self, f"_input_{rec.type}", None)
        if handler is None:
            if rec.type in CONSEQUENCES:
                raise Diverged(rec.seq, f"sự kiện «{rec.type}» không do bước nào của quy trình sinh ra khi dựng lại.")
            self.ignored.add(rec.type)
            return 1
        if self.state is None and rec.type != "received":
            raise Diverged(rec.seq, "chưa tiếp nhận hồ sơ.")
        self.clock.freeze(rec.at)
        self.calendars = self.timeline.at(rec.id)
        before = self.state
        try:
            self.state, events, input_seq = handler(rec, i)
        except (NotAllowed, Invalid, DeskClosed) as err:
            raise Diverged(rec.seq, f"thao tác «{rec.type}» không hợp lệ khi dựng lại: {err}") from err
        if not events:
            raise Diverged(rec.seq, f"sự kiện «{rec.type}» không được ghi khi dựng lại (không có thay đổi nào).")
        seqs = self._match(events, i)
        self.seqs.note(before, self.state, events, seqs, input_seq, self.ids)
        return len(events)

    def _match(self, events: list[E.Event], i: int) -> list[int]:
        """Check the log from `records[i]` holds `events`; adopt the recorded ids of new steps.
        Cancelled steps are written in the live query's order: a run of them matches in any order."""
        seqs, k = [], 0
        last = self.records[-1].seq
        while k < len(events):
            event = events[k]
            if isinstance(event, E.StepCancelled):
                n = self._run_length(events, k)
                wanted = {e.task_id: e for e in events[k:k + n]}
                for offset in range(n):
                    rec = self._record(i + k + offset, last, event)
                    task_id = rec.data.get("task_id") if isinstance(rec.data, dict) else None
                    if rec.type == "step_cancelled" and task_id not in wanted:
                        raise Diverged(rec.seq, f"dựng lại hủy các công việc {sorted(wanted)}, lịch sử ghi hủy "
                                                f"«{task_id}».")
                    check(wanted.pop(task_id, event), rec)
                    seqs.append(rec.seq)
                k += n
                continue
            rec = self._record(i + k, last, event)
            new = isinstance(event, E.StepReady) and event.task_id not in self.engine_ids
            check(event, rec, new_step=new)
            if new:
                self._adopt(event.task_id, rec)
            seqs.append(rec.seq)
            k += 1
        return seqs

    @staticmethod
    def _run_length(events, k: int) -> int:
        n = 0
        while k + n < len(events) and isinstance(events[k + n], E.StepCancelled):
            n += 1
        return n

    def _record(self, j: int, last: int, event) -> Record:
        if j >= len(self.records):
            raise Diverged(last + 1, f"lịch sử dừng ở sự kiện #{last}, nhưng dựng lại còn chờ {label(event)}.")
        return self.records[j]

    def _adopt(self, replay_id: str, rec: Record) -> None:
        """The step the engine calls `replay_id` is the one the log calls by its recorded id."""
        recorded = (rec.data or {}).get("task_id")
        if not isinstance(recorded, str) or not recorded or recorded in self.state.steps:
            raise Diverged(rec.seq, f"mã công việc «{recorded}» thiếu hoặc đã dùng cho công việc khác.")
        step = self.state.steps.pop(replay_id)
        step.task_id = recorded
        self.state.steps[recorded] = step
        self.ids[replay_id] = recorded
        self.engine_ids[recorded] = replay_id

    # -- the engine ---------------------------------------------------------------------------

    def _functions(self) -> dict:
        competent = self.stored.dossier.competent_office
        calendar = lambda: self.timeline.calendar(competent, self.position)  # noqa: E731
        if self.functions_factory is not None:
            return self.functions_factory(self.clock, calendar)
        return legal_functions(self.clock, calendar, self.timeline.hours(competent))

    def _moved(self, rec: Record) -> None:
        """The workflow moved at this input (the event a difference in its stored state points to)."""
        self.seqs.wf = rec.seq
        if self.roundtrip:
            self.wf = runtime.load(runtime.dump(self.wf), self.spec_text, functions=self._functions(),
                                   time_limit=self.time_limit)

    def _timers(self) -> list:
        return inspection.waiting_timers(self.wf) if self.wf is not None else []

    def _shift(self, events) -> None:
        """Timer moves a resume listed (by the replay's own timer ids) applied to the engine."""
        for event in events:
            if isinstance(event, E.Supplemented) and event.timers:
                inspection.shift_timers(self.wf, event.timers)
                self.state.process.next_timer_at = runtime.next_timer_at(self.wf)

    def _sync(self, state: DossierState, now) -> tuple[DossierState, list]:
        """steps.sync with what the engine now has ready, under the ids the state knows."""
        ready = [_Ready(self.ids.get(r.task_id, r.task_id), r.step) for r in runtime.ready_steps(self.wf)]
        outcome = runtime.outcome(self.wf)
        return steps.sync(state, ready, outcome=outcome, result=inspection.result_data(self.wf) if outcome else None,
                          next_timer_at=runtime.next_timer_at(self.wf), now=now, calendars=self.calendars)

    # -- inputs: each returns (new state, events, seq of the input itself) ----------------------

    def _input_received(self, rec: Record, i: int):
        if self.state is not None:
            raise Diverged(rec.seq, "hồ sơ được tiếp nhận lần thứ hai.")
        data = rec.data if isinstance(rec.data, dict) else {}
        d = self.stored.dossier
        form_data = data.get("data") if isinstance(data.get("data"), dict) else {}
        hours = self.timeline.hours(d.receiving_office, self.manifest)
        state, events = lifecycle.receive(
            code=d.code, procedure_code=self.manifest["code"], procedure_version=self.version,
            legal_days=Decimal(str(self.manifest["legal_days"])), channel=data.get("channel") or "online",
            receiving=d.receiving_office, competent=d.competent_office, documents=list(data.get("documents") or []),
            form_data=form_data, desk_hours=hours, saturday_service=bool(self.manifest.get("saturday_service")),
            now=rec.at, calendars=self.calendars)
        try:
            self.wf = runtime.start(self.spec_text, dict(form_data), functions=self._functions(),
                                    time_limit=self.time_limit, check=False)
        except StepFailed as err:
            raise Diverged(rec.seq, f"khởi động quy trình thất bại khi dựng lại: {err}") from err
        self._moved(rec)
        state, more = self._sync(state, rec.at)
        return state, events + more, rec.seq

    def _step(self, rec: Record):
        task_id = (rec.data or {}).get("task_id") if isinstance(rec.data, dict) else None
        if task_id not in (self.state.steps if self.state else {}):
            raise Diverged(rec.seq, f"công việc «{task_id}» chưa từng sẵn sàng trong quy trình dựng lại.")
        return task_id

    def _input_step_completed(self, rec: Record, i: int):
        task_id = self._step(rec)
        form_data = rec.data.get("data")
        if not isinstance(form_data, dict):
            raise Diverged(rec.seq, "sự kiện hoàn thành bước không có dữ liệu biểu mẫu.")
        step = steps.check_completable(self.state, task_id, actor=rec.actor)
        try:
            runtime.complete(self.wf, self.engine_ids[task_id], dict(form_data), check=False)
        except LookupError as err:
            raise Diverged(rec.seq, f"bước «{step.bpmn_id}» không chờ xử lý trong quy trình dựng lại.") from err
        except StepFailed as err:
            raise Diverged(rec.seq, f"quy trình dựng lại không chạy tiếp được sau bước «{step.bpmn_id}»: "
                                    f"{err}") from err
        state, events = steps.complete(self.state, task_id, actor=rec.actor, data=form_data, now=rec.at,
                                       calendars=self.calendars, timers=self._timers())
        self.state = state
        self._shift(events)
        self._moved(rec)
        state, more = self._sync(self.state, rec.at)
        return state, events + more, rec.seq

    def _input_supplemented(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        if "step" in data:  # the clock restarted because a pause_clock step was completed
            following = self.records[i + 1] if i + 1 < len(self.records) else None
            if following is None or following.type != "step_completed":
                raise Diverged(rec.seq, f"tiếp tục tính hạn theo bước «{data.get('step')}» nhưng không có sự kiện "
                                        f"hoàn thành bước đó ngay sau.")
            self.clock.freeze(following.at)
            return self._input_step_completed(following, i + 1)
        documents = data.get("documents") if isinstance(data.get("documents"), list) else []
        given = data.get("data") if isinstance(data.get("data"), dict) else None
        state, events = lifecycle.supplement(self.state, documents=documents, data=given, now=rec.at,
                                             calendars=self.calendars, timers=self._timers())
        self.state = state
        self._shift(events)
        return self.state, events, rec.seq

    def _input_supplement_requested(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        if data.get("source") == "process":
            raise Diverged(rec.seq, "tạm dừng do quy trình nhưng quy trình dựng lại không có bước chờ bổ sung.")
        state, events = lifecycle.request_supplement(self.state, reason=data.get("reason"),
                                                     items=list(data.get("items") or []), now=rec.at)
        return state, events, rec.seq

    def _input_claimed(self, rec: Record, i: int):
        state, events = steps.claim(self.state, self._step(rec), actor=rec.actor, now=rec.at)
        return state, events, rec.seq

    def _input_unclaimed(self, rec: Record, i: int):
        state, events = steps.unclaim(self.state, self._step(rec), actor=rec.actor, now=rec.at)
        return state, events, rec.seq

    def _input_apology(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        new_due = instant(data.get("new_due_at"))
        if new_due is None:
            raise Diverged(rec.seq, f"ngày hẹn mới «{data.get('new_due_at')}» không đọc được.")
        state, events = lifecycle.apologise(self.state, reason=data.get("reason"), new_due_at=new_due,
                                            by=data.get("by"), now=rec.at, calendars=self.calendars,
                                            max_extension_days=self.apology_bound)
        return state, events, rec.seq

    def _input_finished(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        status = data.get("status")
        if status not in S.ENDINGS:
            raise Diverged(rec.seq, f"hồ sơ kết thúc «{status}» nhưng quy trình dựng lại chưa kết thúc.")
        running = self.state.process is not None and self.state.process.running
        state, events = lifecycle.end(self.state, status, reason=data.get("reason"), now=rec.at)
        if running:
            runtime.cancel(self.wf)
            self._moved(rec)
        return state, events, rec.seq

    def _input_returned(self, rec: Record, i: int):
        state, events = lifecycle.hand_over(self.state, now=rec.at)
        return state, events, rec.seq

    def _input_rated(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        state, events = lifecycle.rate(self.state, satisfied=bool(data.get("satisfied")), now=rec.at,
                                       level=data.get("level") if isinstance(data.get("level"), str) else None)
        return state, events, rec.seq

    def _input_overdue(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        officials = {r.get("task_id"): list(r.get("officials") or []) for r in data.get("responsible") or []
                     if isinstance(r, dict)}  # who held each step: read from the staff rows, an input
        state, events = watch.flag_overdue(self.state, now=rec.at, officials=officials)
        return state, events, rec.seq

    def _input_apology_required(self, rec: Record, i: int):
        state, events = watch.flag_due_soon(self.state, now=rec.at, calendars=self.calendars,
                                            extension_days=self.extension_days)
        return state, events, rec.seq

    def _input_step_overdue(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        state, events = watch.flag_step_overdue(self.state, self._step(rec), now=rec.at,
                                                officials=list(data.get("officials") or []))
        return state, events, rec.seq

    def _input_due_recomputed(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        state, events = recompute.recompute_due_times(self.state, reason=data.get("reason") or {},
                                                      calendars=self.calendars)
        return state, events, rec.seq

    def _next_timer(self, rec: Record):
        process = self.state.process
        if process is None or not process.running:
            raise Diverged(rec.seq, "hẹn giờ chạy khi quy trình không còn chạy.")
        due = process.next_timer_at
        recorded = instant((rec.data or {}).get("due_at")) if isinstance(rec.data, dict) else None
        if due is None or not near(due, recorded):
            raise Diverged(rec.seq, f"hẹn giờ đến hạn: dựng lại được {due.isoformat() if due else None}, "
                                    f"lịch sử ghi {recorded.isoformat() if recorded else None}.")
        return due

    def _input_timer_fired(self, rec: Record, i: int):
        due = self._next_timer(rec)
        fired = watch.timers_due(self._timers(), rec.at)
        state, events = watch.timer_fired(self.state, due_at=due, fired=fired, now=rec.at)
        inspection.mark_fired(self.wf, [t.task_id for t in fired])
        try:
            runtime.fire_due_timers(self.wf, check=False)
        except StepFailed as err:
            raise Diverged(rec.seq, f"hẹn giờ lỗi khi dựng lại: {err}") from err
        self._moved(rec)
        state, more = self._sync(state, rec.at)
        return watch.park_stuck_timer(state, now=rec.at), events + more, rec.seq

    def _input_timer_failed(self, rec: Record, i: int):
        """Not run again: the live run failed, left the workflow as it was and parked it."""
        due = self._next_timer(rec)
        data = rec.data if isinstance(rec.data, dict) else {}
        state, events = watch.timer_failed(self.state, due_at=due, error=str(data.get("error")),
                                           element=data.get("element"), now=rec.at)
        return state, events, rec.seq

    # -- a dossier's content (issue 12): the same core transitions as the live use cases ---------

    def _input_result_issued(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        state, events = content.issue_result(self.state, file_id=str(data.get("file_id")),
                                             sha256=str(data.get("sha256")), number=data.get("number"),
                                             issued_at=instant(data.get("issued_at")) or rec.at)
        return state, events, rec.seq

    def _input_payment_recorded(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        state, events = content.record_payment(self.state, amount=data.get("amount"), channel=data.get("channel"),
                                               reference=data.get("reference"),
                                               paid_at=instant(data.get("paid_at")) or rec.at)
        return state, events, rec.seq

    def _input_files_reused(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        files = data.get("files") if isinstance(data.get("files"), list) else []
        state, events = content.reuse_looked_up(self.state, id_number=str(data.get("id_number")), files=files)
        return state, events, rec.seq

    # -- moving to another version (issue 14): the old version up to here, the new one after ----

    def _input_migrated(self, rec: Record, i: int):
        data = rec.data if isinstance(rec.data, dict) else {}
        to_version, mapping = data.get("to_version"), data.get("map") or {}
        if data.get("from_version") != self.version or not isinstance(to_version, int) or not isinstance(mapping, dict):
            raise Diverged(rec.seq, f"chuyển từ phiên bản {data.get('from_version')} nhưng hồ sơ đang theo phiên bản "
                                    f"{self.version} khi dựng lại.")
        try:
            spec_text, manifest = self.versions(to_version) if self.versions is not None else (None, None)
        except LookupError:
            spec_text = None
        if spec_text is None:
            raise Diverged(rec.seq, f"không có phiên bản {to_version} của thủ tục để dựng lại.")
        if migration.refusal(self.state) is None:
            try:
                engine_migration.migrate(self.wf, spec_text, mapping)
            except engine_migration.Blocked as err:
                raise Diverged(rec.seq, f"quy trình dựng lại không chuyển được sang phiên bản {to_version}: "
                                        f"{err}") from err
        ready = [(self.ids.get(r.task_id, r.task_id), r.step) for r in runtime.ready_steps(self.wf)]
        state, events = migration.migrate(self.state, ready, from_version=self.version, to_version=to_version,
                                          mapping=mapping, legal_days=Decimal(str(manifest["legal_days"])),
                                          now=rec.at, calendars=self.calendars)
        state.process.next_timer_at = runtime.next_timer_at(self.wf)
        self.spec_text, self.manifest, self.version = spec_text, manifest, to_version
        self._moved(rec)
        return state, events, rec.seq
