"""Which days are working days: the ``holidays`` VN calendar plus local overrides.

The package knows the lunar holidays, substitute days and the swaps the government announced
(its ``weekend_workdays`` are the Saturdays worked in exchange). A province or an office still
announces days of its own, later than any package release; those come in as ``Override``
entries. The caller merges province and office lists; when one date appears several times the
last entry wins, so "province, then office" gives the office the final word.

Speed matters (every open dossier's due time is recomputed when an override changes), so each
year is turned once into a sorted list of working-day ordinals, and deadline arithmetic is a
``bisect`` over those lists (see ``deadlines.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal

import holidays

from .names import DEFAULT_OVERRIDE_DAY_OFF, vietnamese_name

# Bump when a change in this package would move a computed due time for the same inputs,
# so fingerprints stored next to due times stop matching.
ALGORITHM_VERSION = "1"

OverrideKind = Literal["day_off", "working_day"]
# The longest run of non-working days looked through for a holiday break (Tết: 9 days).
_MAX_BREAK_DAYS = 16
_KINDS = ("day_off", "working_day")


@dataclass(frozen=True)
class Override:
    """A day announced off or announced worked, by the province or by one office."""

    date: dt.date
    kind: OverrideKind
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"Loại ngày điều chỉnh không hợp lệ: {self.kind!r} (day_off hoặc working_day)")
        if isinstance(self.date, dt.datetime) or not isinstance(self.date, dt.date):
            raise ValueError(f"Ngày điều chỉnh không hợp lệ: {self.date!r}")

    @classmethod
    def from_config(cls, item: dict) -> "Override":
        """Build from a config entry ``{date: "2026-09-03", kind: day_off, name: "..."}``."""
        d = item["date"]
        if isinstance(d, str):
            d = dt.date.fromisoformat(d)
        return cls(date=d, kind=item["kind"], name=str(item.get("name") or ""))


@lru_cache(maxsize=512)
def _package_year(year: int) -> tuple[dict[dt.date, str], frozenset[dt.date]]:
    """Holidays (English names) and declared working Saturdays of one year, from the package.

    Neighbouring years are populated too because a swap may be listed under the other year
    (the package files 27/12/2014, a worked Saturday, under 2015).
    """
    h = holidays.country_holidays("VN", years=[year - 1, year, year + 1], language="en_US")
    names = {d: n for d, n in h.items() if d.year == year}
    worked = frozenset(d for d in getattr(h, "weekend_workdays", ()) if d.year == year)
    return names, worked


@lru_cache(maxsize=64)
def _package_vietnamese(year: int) -> dict[dt.date, str]:
    """The package's own Vietnamese names; only a fallback for names we do not map."""
    h = holidays.country_holidays("VN", years=year, language="vi")
    return dict(h.items())


class _Span:
    """Working-day ordinals of the contiguous years ``lo..hi``, ascending. Immutable."""

    __slots__ = ("lo", "hi", "ords")

    def __init__(self, lo: int, hi: int, ords: list[int]) -> None:
        self.lo, self.hi, self.ords = lo, hi, ords


class WorkingCalendar:
    """Working days in Vietnam for one set of overrides. Immutable once built; thread-safe.

    Build a new calendar when the overrides change; its ``fingerprint`` changes with them.
    The fingerprint covers the package version and the dates and kinds of the overrides, not
    their names: a renamed day off moves no due time.
    """

    def __init__(self, overrides: Iterable[Override] = ()) -> None:
        effective: dict[dt.date, Override] = {}
        for o in overrides:
            effective[o.date] = o  # last one wins
        self._overrides = effective
        self._years: dict[int, tuple[int, bytes, tuple[int, ...]]] = {}
        self._span: _Span | None = None
        self._lock = threading.Lock()
        canon = ";".join(
            f"{d.isoformat()}={o.kind}" for d, o in sorted(effective.items())
        )
        digest = hashlib.sha256(
            f"motcua-legal-clock/{ALGORITHM_VERSION}|holidays/{holidays.__version__}|{canon}".encode()
        ).hexdigest()
        self.fingerprint = f"vn-{holidays.__version__}-{digest[:12]}"

    @property
    def overrides(self) -> tuple[Override, ...]:
        """The effective overrides, one per date, in date order."""
        return tuple(o for _, o in sorted(self._overrides.items()))

    # -- per-year tables ------------------------------------------------------------------

    def _year(self, year: int) -> tuple[int, bytes, tuple[int, ...]]:
        """(ordinal of 1 January, one flag byte per day, working-day ordinals) for ``year``."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        names, worked = _package_year(year)
        first = dt.date(year, 1, 1).toordinal()
        n = dt.date(year, 12, 31).toordinal() - first + 1
        flags = bytearray(n)
        for i in range(n):
            d = dt.date.fromordinal(first + i)
            o = self._overrides.get(d)
            if o is not None:
                working = o.kind == "working_day"
            elif d in worked:
                working = True
            else:
                working = d.weekday() < 5 and d not in names
            flags[i] = working
        ords = tuple(first + i for i in range(n) if flags[i])
        entry = (first, bytes(flags), ords)
        self._years[year] = entry  # a racing thread computes the same value
        return entry

    def _build_span(self, lo: int, hi: int) -> _Span:
        ords: list[int] = []
        for y in range(lo, hi + 1):
            ords.extend(self._year(y)[2])
        return _Span(lo, hi, ords)

    def _span_covering(self, lo: int, hi: int) -> _Span:
        """A span covering at least the years ``lo..hi`` (grown and published if needed).

        Callers keep the span they got for the whole computation: ranks are only comparable
        within one span, and another thread may publish a wider one meanwhile.
        """
        span = self._span
        if span is not None and span.lo <= lo and span.hi >= hi:
            return span
        with self._lock:
            span = self._span
            if span is not None:
                lo, hi = min(lo, span.lo), max(hi, span.hi)
            else:  # start with some margin: deadlines run forward, sometimes into next year
                lo, hi = lo - 1, hi + 2
            span = self._build_span(lo, hi)
            self._span = span
            return span

    def _span_extended(self, span: _Span, hi: int) -> _Span:
        """``span`` grown upward to year ``hi``, keeping its ``lo`` so ranks stay valid."""
        grown = self._build_span(span.lo, hi)
        with self._lock:
            cur = self._span
            if cur is None or (cur.lo >= grown.lo and cur.hi <= grown.hi):
                self._span = grown
        return grown

    # -- public questions -----------------------------------------------------------------

    def is_working_day(self, d: dt.date) -> bool:
        """Monday–Friday minus holidays and days off, plus declared working Saturdays."""
        first, flags, _ = self._year(d.year)
        return bool(flags[d.toordinal() - first])

    def holiday_name(self, d: dt.date) -> str | None:
        """Vietnamese name of the holiday or day off on ``d``; None on a working day or a plain weekend."""
        o = self._overrides.get(d)
        if o is not None:
            if o.kind == "working_day":
                return None
            return o.name or DEFAULT_OVERRIDE_DAY_OFF
        names, _ = _package_year(d.year)
        english = names.get(d)
        if english is None:
            return None
        return vietnamese_name(english, _package_vietnamese(d.year).get(d))

    def holiday_break_name(self, d: dt.date) -> str | None:
        """The holiday whose break ``d`` lies in, or None.

        A break is a run of consecutive non-working days holding a holiday or announced day off:
        the weekend next to it belongs to it (Sat 14/02/2026 inside the Tết break, Sat 03/01/2026
        after the New Year days off). Desks with Saturday service stay closed on such a
        Saturday, one rule instead of one override per date. A plain weekend gives None.
        """
        if self.is_working_day(d):
            return None
        name = self.holiday_name(d)
        if name:
            return name
        for step in (-1, 1):
            day = d
            for _ in range(_MAX_BREAK_DAYS):
                day += dt.timedelta(days=step)
                if self.is_working_day(day):
                    break
                name = self.holiday_name(day)
                if name:
                    return name
        return None

    def override_on(self, d: dt.date) -> Override | None:
        """The effective override on ``d``, if any."""
        return self._overrides.get(d)

    def is_declared_working_saturday(self, d: dt.date) -> bool:
        """A Saturday the government (or an override) declared a working day."""
        return d.weekday() == 5 and self.is_working_day(d)

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        o = d.toordinal()
        span = self._span_covering(d.year, d.year)
        i = bisect_right(span.ords, o)
        while i >= len(span.ords):
            span = self._span_extended(span, span.hi + 1)
        return dt.date.fromordinal(span.ords[i])

    def working_day_on_or_after(self, d: dt.date) -> dt.date:
        """``d`` itself if it is a working day, else the next one."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    def working_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Working days in ``start..end`` inclusive."""
        span = self._span_covering(start.year, end.year)
        i = bisect_left(span.ords, start.toordinal())
        j = bisect_right(span.ords, end.toordinal())
        return [dt.date.fromordinal(o) for o in span.ords[i:j]]

    def __repr__(self) -> str:
        return f"WorkingCalendar(overrides={len(self._overrides)}, fingerprint={self.fingerprint!r})"
