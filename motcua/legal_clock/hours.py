"""Office hours of one desk: working periods, the receipt cut-off, Saturday service.

Provinces set their own hours, so nothing here is hard-wired: the default hours are the
``office_hours`` section of the packaged configuration (config.yaml: 07:30–11:30 and 13:00–17:00,
cut-off 15:00), the one place they are written. Times are wall-clock times in Asia/Ho_Chi_Minh.
The layout in microseconds is precomputed once because the deadline arithmetic runs on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from motcua.config import defaults

SaturdayMode = Literal["none", "morning", "full_day"]
SATURDAY_MODES = ("none", "morning", "full_day")

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND

def time_us(t: dt.time) -> int:
    """Microseconds since midnight of a wall-clock time."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def _parse_time(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"Giờ không hợp lệ: {value!r} (dạng HH:MM, ví dụ 07:30)")


def _parse_period(value) -> tuple[dt.time, dt.time]:
    if isinstance(value, str):
        parts = value.replace("–", "-").split("-")
        if len(parts) != 2:
            raise ValueError(f"Khoảng giờ làm việc không hợp lệ: {value!r} (dạng 07:30-11:30)")
        return _parse_time(parts[0]), _parse_time(parts[1])
    if isinstance(value, dict):
        return _parse_time(value["start"]), _parse_time(value["end"])
    start, end = value
    return _parse_time(start), _parse_time(end)


_DEFAULT_HOURS = defaults()["office_hours"]
DEFAULT_PERIODS = tuple(_parse_period(p) for p in _DEFAULT_HOURS["periods"])
DEFAULT_CUTOFF = _parse_time(_DEFAULT_HOURS["cutoff"])


@dataclass(frozen=True)
class OfficeHours:
    """Working periods of a desk, its receipt cut-off and its Saturday service mode.

    ``saturday``: ``none`` (closed), ``morning`` (first period only) or ``full_day`` (all
    periods). Saturday service opens the desk; it does not make Saturday count for the clock.
    """

    periods: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_PERIODS
    cutoff: dt.time = DEFAULT_CUTOFF
    saturday: SaturdayMode = "none"

    # Derived layout, in microseconds since midnight: period starts, ends, working time
    # elapsed before each period, and working time in a whole day.
    starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    ends: tuple[int, ...] = field(init=False, repr=False, compare=False)
    before: tuple[int, ...] = field(init=False, repr=False, compare=False)
    day_us: int = field(init=False, repr=False, compare=False)
    cutoff_us: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        periods = tuple((_parse_time(a), _parse_time(b)) for a, b in self.periods)
        if not periods:
            raise ValueError("Cần ít nhất một khoảng giờ làm việc")
        for a, b in periods:
            if a.tzinfo is not None or b.tzinfo is not None:
                raise ValueError("Giờ làm việc là giờ địa phương, không kèm múi giờ")
            if not a < b:
                raise ValueError(f"Khoảng giờ làm việc {a:%H:%M}–{b:%H:%M}: giờ bắt đầu phải trước giờ kết thúc")
        for (_, b), (c, _) in zip(periods, periods[1:]):
            if c < b:
                raise ValueError("Các khoảng giờ làm việc phải theo thứ tự và không chồng lên nhau")
        cutoff = _parse_time(self.cutoff)
        if not periods[0][0] < cutoff:
            raise ValueError("Giờ chốt nhận hồ sơ phải sau giờ mở cửa")
        if self.saturday not in SATURDAY_MODES:
            raise ValueError(f"Chế độ thứ Bảy không hợp lệ: {self.saturday!r} (none, morning, full_day)")
        starts = tuple(time_us(a) for a, _ in periods)
        ends = tuple(time_us(b) for _, b in periods)
        before, acc = [], 0
        for s, e in zip(starts, ends):
            before.append(acc)
            acc += e - s
        set_ = object.__setattr__
        set_(self, "periods", periods)
        set_(self, "cutoff", cutoff)
        set_(self, "starts", starts)
        set_(self, "ends", ends)
        set_(self, "before", tuple(before))
        set_(self, "day_us", acc)
        set_(self, "cutoff_us", time_us(cutoff))

    @classmethod
    def from_config(cls, cfg: dict | None) -> "OfficeHours":
        """Parse ``{periods: ["07:30-11:30", ["13:00", "17:00"]], cutoff: "15:00", saturday: "morning"}``.

        Every key is optional; missing keys take the defaults.
        """
        cfg = cfg or {}
        kwargs = {}
        if cfg.get("periods") is not None:
            kwargs["periods"] = tuple(_parse_period(p) for p in cfg["periods"])
        if cfg.get("cutoff") is not None:
            kwargs["cutoff"] = _parse_time(cfg["cutoff"])
        if cfg.get("saturday") is not None:
            kwargs["saturday"] = cfg["saturday"]
        return cls(**kwargs)

    def to_config(self) -> dict:
        """The inverse of ``from_config``."""
        return {
            "periods": [f"{a:%H:%M}-{b:%H:%M}" for a, b in self.periods],
            "cutoff": f"{self.cutoff:%H:%M}",
            "saturday": self.saturday,
        }

    @property
    def hours_per_day(self) -> Decimal:
        """Working hours in one working day (8 by default): one working day of an allotment."""
        return Decimal(self.day_us) / Decimal(US_PER_HOUR)

    @property
    def opening(self) -> dt.time:
        return self.periods[0][0]

    @property
    def closing(self) -> dt.time:
        return self.periods[-1][1]

    @property
    def fingerprint(self) -> str:
        """Short stable id of the hours that move due times (periods and cut-off)."""
        canon = ",".join(f"{a.isoformat()}-{b.isoformat()}" for a, b in self.periods)
        canon += f";cutoff={self.cutoff.isoformat()}"
        return "h-" + hashlib.sha256(canon.encode()).hexdigest()[:12]
