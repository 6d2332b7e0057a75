"""Indicators 2.1 and 2.2 of the 766 index: when a dossier's processing ended, and against what.

domain.md ("The 766 index", 2.1) states the national dashboard's rules:

- the *end of processing* is the first of: processed (result ready) > result returned > stopped /
  refused / withdrawn. Here every one of these sets `finished_at` (a return comes after the result
  was ready), so the end is `finished_at`; withdrawn dossiers count like the others;
- a dossier waiting for a supplement (requested once, not yet supplied) ends at the request;
- more than one supplement request: late, whatever the times;
- a supplement's wait (request → supplied documents) is subtracted from the end before comparing;
- a dossier not finished at the end of the period is judged with the period's end as its end;
- on time: end ≤ the appointment; an apology's new date never makes a late dossier on time.

Everything is judged *as of the period's end* (`cut`): requests, supplies and endings after it
are ignored, so a snapshot made on the first working day of the next month says what the month was.

Which appointment, and how the waits are subtracted (the decision the brief asks for):
the live `due_at` is not the appointment. On each resume the platform moves it by the paused
working time (clockwork.resume: `shift_for_pause`), an apology replaces it by the new date (the one
before is kept in `apology.original_due_at`), and a pause resumed after the period's end has already
moved it too. Comparing the end with the live `due_at` would therefore (a) forgive a dossier for
waits that happened after the period, (b) let an apology's new date make it on time. So both sides
are put on the working-time axis of the receiving office's calendar (the axis `shift_for_pause`
adds to), measured from `clock_start`:

    appointment = pos(base) − Σ waits that moved base        (base: due_at, or original_due_at)
    on time    ⇔  pos(end) − Σ waits supplied before the end  ≤  appointment

A wait moved `base` when it was supplied before the apology (after it, only the new date moved).
Because `shift_for_pause` adds exactly the wait's working time, this is the original appointment
with the waits subtracted from the end, in *working* time: a wait over a weekend or Tết subtracts
nothing, as the legal clock never counted those days (contract: "The legal clock"). Calendar
overrides and lawful extensions that rewrote `due_at` are kept, since they live in `base`.

The rows come from one SQL query per population (with the request count and the rating as
correlated subqueries) and one query for the supplement/apology events of the dossiers that have
any; the working-time arithmetic needs the legal calendar, which lives in Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from motcua.clock import parse_instant
from motcua.db.models import Dossier, Event, Office, ProcedureVersion, Rating
from motcua.legal_clock import deadlines
from motcua.services.office_calendars import calendar_for, hours_for

PROCESSED = ("done", "returned")  # the result was ready
_CHUNK = 500


@dataclass
class Judged:
    """One dossier of 2.1's population, judged as of the period's end."""

    dossier_id: int
    end: datetime
    finished: bool          # ended (or waiting for its only supplement) before the period's end
    waiting: bool           # waiting for its only supplement at its end
    requests: int
    on_time: bool
    disliked: bool          # the applicant rated it "dissatisfied" before the period's end


@dataclass
class Processed:
    """One processed dossier of 2.2's population: working days spent (waits subtracted) and allowed."""

    procedure_id: int
    spent_days: Decimal
    allowed_days: Decimal


class _Clocks:
    """The receiving office's calendar and hours, read once per office."""

    def __init__(self, session, settings):
        self.session, self.settings, self.cache = session, settings, {}

    def __call__(self, office_id: int):
        if office_id not in self.cache:
            office = self.session.get(Office, office_id)
            self.cache[office_id] = (calendar_for(self.session, self.settings, office), hours_for(self.settings, office))
        return self.cache[office_id]


@dataclass
class _History:
    requests: list        # [(seq, at)]
    pauses: list          # [(seq, paused_from, resumed_at)]
    apology_seq: int | None


def _histories(session, ids: list[int]) -> dict[int, _History]:
    """Supplement requests, supplies and the apology of each dossier, in the order they happened."""
    out = {i: _History([], [], None) for i in ids}
    for k in range(0, len(ids), _CHUNK):
        rows = session.execute(select(Event.dossier_id, Event.seq, Event.type, Event.at, Event.data).where(
            Event.dossier_id.in_(ids[k:k + _CHUNK]),
            Event.type.in_(("supplement_requested", "supplemented", "apology"))).order_by(Event.dossier_id, Event.seq))
        for dossier_id, seq, kind, at, data in rows:
            h = out[dossier_id]
            if kind == "supplement_requested":
                h.requests.append((seq, at))
            elif kind == "supplemented":
                h.pauses.append((seq, parse_instant(data["paused_from"]), at))
            elif h.apology_seq is None:
                h.apology_seq = seq
    return out


def _appointment_us(cal, hours, row, h: _History, wait) -> int:
    """The appointment on the working axis from clock_start, the moves by supplement waits taken out."""
    base = parse_instant(row.apology["original_due_at"]) if row.apology else row.due_at
    moved = sum(wait(pf, r) for seq, pf, r in h.pauses if h.apology_seq is None or seq < h.apology_seq)
    return deadlines.working_us_between(cal, hours, row.clock_start, base) - moved


def judge_period(session, settings, scope, start: datetime, cut: datetime) -> list[Judged]:
    """2.1's population: dossiers received before the period's end whose processing had not ended
    before the period began (received in it, carried over into it, or ended in it)."""
    requests = select(func.count(Event.id)).where(
        Event.dossier_id == Dossier.id, Event.type == "supplement_requested", Event.at < cut).scalar_subquery()
    disliked = select(func.count(Rating.id)).where(
        Rating.dossier_id == Dossier.id, Rating.at < cut,  # the "dislike": the lowest of the three levels
        or_(Rating.level == "dissatisfied", and_(Rating.level.is_(None), Rating.satisfied.is_(False)))).scalar_subquery()
    query = scope.dossiers(select(
        Dossier.id, Dossier.receiving_office_id, Dossier.clock_start, Dossier.due_at, Dossier.finished_at,
        Dossier.apology, Dossier.supplement_count, requests.label("requests"), disliked.label("disliked"))
        .where(Dossier.received_at < cut, or_(Dossier.finished_at.is_(None), Dossier.finished_at >= start)))
    rows = session.execute(query.order_by(Dossier.id)).all()
    histories = _histories(session, [r.id for r in rows if r.requests or r.supplement_count or r.apology])
    clocks = _Clocks(session, settings)
    out = []
    for row in rows:
        cal, hours = clocks(row.receiving_office_id)
        wait = _waits_on(cal, hours)

        h = histories.get(row.id) or _History([], [], None)
        asked = [(seq, at) for seq, at in h.requests if at < cut]
        ended = row.finished_at if row.finished_at is not None and row.finished_at < cut else None
        waiting = False
        if len(asked) == 1:
            seq, asked_at = asked[0]
            supplied = [r for s, _, r in h.pauses if s > seq and r < cut and (ended is None or r <= ended)]
            waiting = not supplied
        if waiting:
            end, waits = asked[0][1], 0
        else:
            end = ended or cut
            waits = sum(wait(pf, r) for _, pf, r in h.pauses if r <= end)
        if end < start:
            continue  # it stopped waiting for its supplement before this period: judged in its own month
        on_time = len(asked) <= 1 and (
            deadlines.working_us_between(cal, hours, row.clock_start, end) - waits
            <= _appointment_us(cal, hours, row, h, wait))
        out.append(Judged(row.id, end, ended is not None or waiting, waiting, len(asked), on_time,
                          bool(row.disliked)))
    return out


def _waits_on(cal, hours):
    """A supplement wait in working microseconds on one office's calendar (never negative)."""
    def wait(paused_from, resumed):
        return max(0, deadlines.working_us_between(cal, hours, paused_from, resumed))
    return wait


def processed_in_period(session, settings, scope, start: datetime, cut: datetime) -> list[Processed]:
    """2.2's population: dossiers processed (result ready, or returned) before the period's end whose
    processing started in the period; each with its working time, waits subtracted, and its allowance."""
    query = scope.dossiers(select(
        Dossier.id, Dossier.receiving_office_id, Dossier.clock_start, Dossier.due_at, Dossier.finished_at,
        Dossier.apology, Dossier.supplement_count, ProcedureVersion.procedure_id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .where(Dossier.status.in_(PROCESSED), Dossier.finished_at < cut,
               and_(Dossier.clock_start >= start, Dossier.clock_start < cut)))
    rows = session.execute(query.order_by(Dossier.id)).all()
    histories = _histories(session, [r.id for r in rows if r.supplement_count or r.apology])
    clocks = _Clocks(session, settings)
    out = []
    for row in rows:
        cal, hours = clocks(row.receiving_office_id)
        wait = _waits_on(cal, hours)

        h = histories.get(row.id) or _History([], [], None)
        waits = sum(wait(pf, r) for _, pf, r in h.pauses if r <= row.finished_at)
        spent = max(0, deadlines.working_us_between(cal, hours, row.clock_start, row.finished_at) - waits)
        day = Decimal(hours.day_us)
        out.append(Processed(row.procedure_id, Decimal(spent) / day,
                             Decimal(max(0, _appointment_us(cal, hours, row, h, wait))) / day))
    return out
