"""A simulated stretch of the province (`motcua simulate`), on the real use cases, engine, calendar
and scheduler, under a frozen clock moved from one agenda item to the next.

Every working day `per_day` dossiers are received over the whole library (every channel a
procedure allows, at its competent office, the one-stop centre or, when it is boundary-free,
another commune), during desk hours. The demo staff claim and complete each step after a delay
drawn against its allotment (mostly within it, some late), with form data generated from the
step's JSON Schema. Some dossiers get a supplement request and later the supplement, some are
withdrawn, the competent office apologises for some of those the scheduler flags as due soon,
and the desk hands over every result. The scheduler ticks four times a day.

Everything random comes from one `random.Random(seed)` and the agenda is ordered by (instant,
insertion order), so a seed gives the same province and the same figures.
"""
from __future__ import annotations

import heapq
import random
import sys
import time as wall
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from motcua.clock import VN_TZ
from motcua.db.models import User
from motcua.domain import statuses as S
from motcua.errors import Conflict, Invalid
from motcua.services import calendar_admin, dossiers, inbox, people, reports
from motcua.simulation.form_data import form_data
from motcua.simulation.people import at_desk, receipt_times, role_of, username

TICKS = (time(7, 0), time(11, 0), time(15, 0), time(19, 0))
CENTRE, OTHER_COMMUNE = "TTPVHCC", "UBND.YENSON"


@dataclass
class Odds:
    """The province's habits (probabilities per dossier or per step)."""
    late_step: float = 0.12
    supplement: float = 0.05
    withdrawal: float = 0.02
    apology: float = 0.6


@dataclass
class Figures:
    received: int = 0
    refused_at_desk: int = 0
    steps: int = 0
    steps_on_time: int = 0
    claims: int = 0
    supplements_requested: int = 0
    supplements: int = 0
    apologies: int = 0
    withdrawals: int = 0
    returned: int = 0
    ticks: int = 0
    step_failures: int = 0
    by_channel: dict = field(default_factory=dict)
    by_procedure: dict = field(default_factory=dict)


class Simulation:
    def __init__(self, platform, *, seed: int, odds: Odds | None = None):
        self.platform, self.rng, self.odds = platform, random.Random(seed), odds or Odds()
        self.clock = platform.clock
        self.agenda: list = []
        self.order = 0
        self.figures = Figures()
        self.actors: dict = {}
        self.scheduled: set = set()   # task ids with a work item on the agenda
        self.open: dict = {}          # dossier code -> its competent office, while open
        self.applied: set = set()     # dossiers already apologised for (or decided not to)
        self.procedures = self._procedures()

    # -- set-up ---------------------------------------------------------------------------------
    def _procedures(self) -> list[dict]:
        with self.platform.uow(readonly=True) as uow:
            from motcua.services.procedures import latest_version
            from motcua.db.models import Procedure
            codes = sorted(uow.session.scalars(select(Procedure.code)))
            return [{**latest_version(uow.session, c).manifest,
                     "_form": latest_version(uow.session, c).forms.get(
                         latest_version(uow.session, c).manifest.get("application_form") or "")}
                    for c in codes]

    def actor(self, name: str):
        if name not in self.actors:
            with self.platform.uow(readonly=True) as uow:
                self.actors[name] = people.actor_of(uow.session.scalar(select(User).where(User.username == name)))
        return self.actors[name]

    def at(self, when: datetime, kind: str, *args) -> None:
        self.order += 1
        heapq.heappush(self.agenda, (when, self.order, kind, args))

    # -- the run --------------------------------------------------------------------------------
    def run(self, start: datetime, days: int, per_day: int, progress: bool = True) -> dict:
        end = start + timedelta(days=days)
        first, last = start.date(), (end - timedelta(seconds=1)).date()
        working = {d["date"] for d in calendar_admin.days(self.platform, None, first, last) if d["working"]}
        day = first
        while day <= last:
            for instant in TICKS:
                self.at(datetime.combine(day, instant, VN_TZ), "tick")
            if day in working:
                for when in receipt_times(day, per_day, self.rng):
                    self.at(when, "receive")
            day += timedelta(days=1)
        from tqdm import tqdm
        bar = tqdm(total=days, unit="ngày", desc="Mô phỏng", file=sys.stderr, disable=not progress)
        started, shown = wall.perf_counter(), 0
        while self.agenda and self.agenda[0][0] < end:
            when, _, kind, args = heapq.heappop(self.agenda)
            if when < start:
                continue
            self.clock.freeze(when)
            getattr(self, f"_{kind}")(*args)
            elapsed_days = (when - start).days
            if elapsed_days > shown:
                bar.update(elapsed_days - shown)
                shown = elapsed_days
        bar.update(days - shown)
        bar.close()
        seconds = wall.perf_counter() - started
        self.clock.freeze(end)
        return self.summary(start, end, seconds)

    # -- the agenda's items ---------------------------------------------------------------------
    def _tick(self) -> None:
        from scheduler.jobs import JobsFailed, tick
        try:
            tick(self.platform, self.clock.now())
        except JobsFailed:  # the failed job runs again at the next tick, as in production
            pass
        self.figures.ticks += 1
        if self.clock.now().time() == TICKS[0]:
            self._apologies()

    def _receive(self) -> None:
        rng = self.rng
        manifest = rng.choice(self.procedures)
        channel = rng.choice(list(manifest["channels"]))
        desks = [manifest["competent_office"], CENTRE]
        if manifest.get("boundary_free"):
            desks.append(OTHER_COMMUNE)
        desk = rng.choice([d for d in desks if not d.startswith("CA.")] or [CENTRE])
        applicant = {"name": rng.choice(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]),
                     "id_number": "0" + "".join(str(rng.randint(0, 9)) for _ in range(11)),
                     "phone": "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))}
        request = {"procedure_code": manifest["code"], "channel": channel, "applicant": applicant,
                   "data": form_data(rng, manifest["_form"], tuple(manifest.get("protected_variables") or ())),
                   "documents": [{"name": d["name"], "digitized": rng.random() < 0.8}
                                 for d in manifest.get("documents") or []]}
        try:
            dossier = dossiers.receive(self.platform, self.actor(username(desk, "receiver")), request)
        except Conflict:  # the desk is closed (a Saturday, a holiday): the applicant comes back later
            self.figures.refused_at_desk += 1
            return
        f = self.figures
        f.received += 1
        f.by_channel[channel] = f.by_channel.get(channel, 0) + 1
        f.by_procedure[manifest["code"]] = f.by_procedure.get(manifest["code"], 0) + 1
        self.open[dossier.code] = (manifest["competent_office"], desk)
        if rng.random() < self.odds.withdrawal:
            self.at(at_desk(self.clock.now() + timedelta(hours=rng.uniform(4, 72)), rng), "withdraw", dossier.code)
        self._plan(self._view(dossier.code))

    def _view(self, code: str) -> dict:
        return dossiers.get(self.platform, self.actor("auditor"), code)

    def _plan(self, view: dict) -> None:
        """A work item for every step that waits and has none yet; the hand-over once it is done."""
        rng, now = self.rng, self.clock.now()
        if view["status"] == S.DONE:
            self.at(at_desk(now + timedelta(hours=rng.uniform(1, 30)), rng), "hand_over", view["code"])
            return
        if view["status"] not in S.OPEN_STATUSES:
            self.open.pop(view["code"], None)
            return
        for step in sorted(view["current_steps"], key=lambda s: (s["name"], s["office"], s["lane"])):
            if step["task_id"] in self.scheduled:
                continue
            self.scheduled.add(step["task_id"])
            span = max(step["due_at"] - now, timedelta(minutes=30))
            late = rng.random() < self.odds.late_step
            share = rng.uniform(1.05, 1.6) if late else rng.uniform(0.05, 0.8)
            when = at_desk(now + max(span * share, timedelta(minutes=10)), rng)
            self.at(when, "work", view["code"], step["task_id"], step["office"], step["lane"])

    def _work(self, code: str, task_id: str, office: str, lane: str) -> None:
        self.scheduled.discard(task_id)
        view = self._view(code)
        step = next((s for s in view["current_steps"] if s["task_id"] == task_id), None)
        if step is None:
            return
        if view["status"] == S.SUPPLEMENT_REQUESTED:
            return  # the supplement's arrival plans the steps again
        role = role_of(lane)
        who = self.actor(username(office, role))
        competent, desk = self.open.get(code, (None, None))
        if (role == "specialist" and office == competent and view["supplement_count"] == 0
                and self.rng.random() < self.odds.supplement):
            self._request_supplement(code, who, desk)
            return
        task = inbox.get_task(self.platform, who, task_id)
        manifest = next(p for p in self.procedures if p["code"] == view["procedure_code"])
        data = form_data(self.rng, task["form_schema"], tuple(manifest.get("protected_variables") or ()))
        try:
            inbox.claim(self.platform, who, task_id)
            self.figures.claims += 1
            after = inbox.complete(self.platform, who, task_id, data)
        except Invalid:
            self.figures.step_failures += 1
            return
        except Conflict:
            return
        self.figures.steps += 1
        self.figures.steps_on_time += self.clock.now() <= step["due_at"]
        self._plan(after)

    def _request_supplement(self, code: str, who, desk: str) -> None:
        dossiers.request_supplement(self.platform, who, code, "Hồ sơ thiếu giấy tờ chứng minh.",
                                    [{"name": "Bản sao giấy tờ chứng minh", "kind": "bổ sung"}])
        self.figures.supplements_requested += 1
        back = self.clock.now() + timedelta(days=self.rng.uniform(1, 6))
        self.at(at_desk(back, self.rng), "supplement", code, desk)

    def _supplement(self, code: str, desk: str) -> None:
        after = dossiers.supplement(self.platform, self.actor(username(desk, "receiver")), code,
                                    [{"name": "Bản sao giấy tờ chứng minh", "digitized": True}], None)
        self.figures.supplements += 1
        self.scheduled -= {s["task_id"] for s in after["current_steps"]}
        self._plan(after)

    def _withdraw(self, code: str) -> None:
        if code not in self.open:
            return
        competent, desk = self.open[code]
        try:
            dossiers.end(self.platform, self.actor(username(desk, "receiver")), code, S.WITHDRAWN,
                         "Người nộp đề nghị rút hồ sơ.")
        except Conflict:
            return
        self.figures.withdrawals += 1
        self.open.pop(code, None)

    def _hand_over(self, code: str) -> None:
        competent, desk = self.open.pop(code, (None, None))
        if desk is None:
            return
        dossiers.hand_over(self.platform, self.actor(username(desk, "receiver")), code)
        self.figures.returned += 1

    def _apologies(self) -> None:
        """The competent office's leader apologises (form 04) for some dossiers flagged due soon."""
        now = self.clock.now()
        for code, (competent, _desk) in sorted(self.open.items()):
            if code in self.applied:
                continue
            view = self._view(code)
            if not view["apology_required"] or view["apology"] or view["status"] != S.PROCESSING:
                continue
            self.applied.add(code)
            if competent.startswith("CA.") or self.rng.random() >= self.odds.apology:
                continue
            base = max(view["due_at"], now)
            new_due = calendar_admin.deadline(self.platform, competent, base, Decimal(3))["due_at"]
            try:
                dossiers.apologise(self.platform, self.actor(username(competent, "leader")), code,
                                   "Hồ sơ cần thêm thời gian thẩm định.", new_due)
            except (Conflict, Invalid):
                continue
            self.figures.apologies += 1

    # -- the end --------------------------------------------------------------------------------
    def summary(self, start: datetime, end: datetime, seconds: float) -> dict:
        f = self.figures
        months = sorted({(start.year, start.month), ((end - timedelta(seconds=1)).year,
                                                     (end - timedelta(seconds=1)).month)})
        index = {f"{y}-{m:02d}": reports.index766_for(self.platform, None, None, f"{y}-{m:02d}") for y, m in months}
        judged = {k: v["figures"] for k, v in index.items()}
        handled = sum(v["handled"] for v in judged.values())
        on_time = sum(v["on_time"] for v in judged.values())
        return {
            "start": start.isoformat(), "end": end.isoformat(), "wall_seconds": round(seconds, 2),
            "dossiers_per_second": round(f.received / seconds, 2) if seconds else None,
            "steps_per_second": round(f.steps / seconds, 2) if seconds else None,
            "on_time_rate": round(on_time / handled, 4) if handled else None,
            "steps_on_time_rate": round(f.steps_on_time / f.steps, 4) if f.steps else None,
            "figures": {k: v for k, v in vars(f).items()},
            "index766": {k: {"total": v.get("total"), "measured_max": v.get("measured_max"),
                             "indicators": {i["code"]: {"rate": i["rate"], "points": i["points"]}
                                            for g in v.get("groups", []) for i in g["indicators"] if i["measured"]}}
                         for k, v in index.items()},
        }


def simulate(platform, *, days: int, per_day: int, seed: int, start: datetime, progress: bool = True) -> dict:
    """Seed the demo province into the (fresh) database of `platform`, then run the simulation."""
    from motcua.seed import seed_demo
    platform.clock.freeze(start - timedelta(days=1))
    seed_demo(platform)
    return Simulation(platform, seed=seed).run(start, days, per_day, progress=progress)
