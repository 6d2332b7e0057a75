"""The legal clock of the one-stop desk, as plain Python (no Flask, no database).

- ``WorkingCalendar`` / ``Override``: which days are working days (``holidays`` VN + overrides);
- ``OfficeHours``: working periods, the receipt cut-off, Saturday service of a desk;
- ``deadlines``: clock start, due times, working time between instants, pauses, desk opening;
- ``explain`` (worded by ``explanation``): the computation told in Vietnamese.
"""

from .calendar import Override, WorkingCalendar
from .deadlines import (
    TZ,
    add_working_time,
    clock_start,
    closing_of,
    desk_open,
    due_at,
    explain,
    next_opening,
    shift_for_pause,
    to_local,
    working_seconds_between,
    working_time_between,
)
from .hours import OfficeHours

__all__ = [
    "TZ",
    "OfficeHours",
    "Override",
    "WorkingCalendar",
    "add_working_time",
    "clock_start",
    "closing_of",
    "desk_open",
    "due_at",
    "explain",
    "next_opening",
    "shift_for_pause",
    "to_local",
    "working_seconds_between",
    "working_time_between",
]
