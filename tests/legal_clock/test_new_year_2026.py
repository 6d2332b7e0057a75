"""The shipped calendar carries the announced swaps the `holidays` package lacks (issue 13.5),
and Saturdays inside a holiday break are closed for Saturday service by one rule.

Hand-checked like test_deadline_table.py (07:30–11:30 + 13:00–17:00, cut-off 15:00). Facts:
- New Year 2026 (Công văn 12729/VPCP-KGVX): Thu 01/01 holiday, Fri 02/01 off, Sat 03–Sun 04
  weekend, Mon 05/01 works; Sat 10/01 worked back. `holidays` 0.109 knows only 01/01.
- Tết 2026: Mon 16/02–Fri 20/02 holidays, so Sat 14/02–Sun 22/02 is one break.
- Hùng Kings 2026: Sun 26/04 and its substitute Mon 27/04 (Sat 25/04 in the break); 30/04 Thu and
  01/05 Fri (Sat 02/05 in the break); Mon 31/08 swap day off, 01–02/09 (Sat 29/08 in the break).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from motcua.legal_clock import OfficeHours, Override, WorkingCalendar, clock_start, desk_open, due_at
from motcua.legal_clock.deadlines import working_time_between

ICT = dt.timezone(dt.timedelta(hours=7))
CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"


def T(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=ICT)


D = dt.date.fromisoformat


def shipped() -> WorkingCalendar:
    calendar = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["calendar"]
    return WorkingCalendar(Override.from_config(o) for o in calendar.get("overrides") or [])


SHIPPED = shipped()
PLAIN = WorkingCalendar()
DEFAULT = OfficeHours()
SAT_FULL = OfficeHours(saturday="full_day")

CASES = [
    # Wed 31/12/2025 15:30 is after the cut-off: Thu 01/01 holiday, Fri 02/01 off, weekend →
    # Mon 05/01 07:30; 1 day → 17:00 05/01. (Without the swap: Fri 02/01 07:30 → 17:00 02/01.)
    ("after_cutoff_new_year_eve", "2025-12-31 15:30", 1, "2026-01-05 07:30", "2026-01-05 17:00"),
    # Wed 31/12/2025 10:00, 1 day = 8 h: 1.5 h + 4 h on 31/12; 2.5 h on Mon 05/01 → 10:00.
    ("one_day_over_new_year", "2025-12-31 10:00", 1, "2025-12-31 10:00", "2026-01-05 10:00"),
    # Receipt on Fri 02/01/2026 (day off) → Mon 05/01 07:30; same day → 17:00 05/01.
    ("receipt_on_the_day_off", "2026-01-02 09:00", 0, "2026-01-05 07:30", "2026-01-05 17:00"),
    # Fri 09/01 10:00, 1 day: 5.5 h on 09/01, Sat 10/01 is worked: 07:30 + 2.5 h → 10:00 Sat 10/01.
    ("into_the_worked_saturday", "2026-01-09 10:00", 1, "2026-01-09 10:00", "2026-01-10 10:00"),
    # Sat 10/01 09:00 is a working day: 0.5 day = 4 h: 09:00–11:30 (2.5), 13:00 + 1.5 → 14:30.
    ("receipt_on_the_worked_saturday", "2026-01-10 09:00", "0.5", "2026-01-10 09:00", "2026-01-10 14:30"),
    # Fri 09/01 15:30 after the cut-off → next working day is Sat 10/01 07:30; 1 day → its closing.
    ("friday_to_worked_saturday", "2026-01-09 15:30", 1, "2026-01-10 07:30", "2026-01-10 17:00"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_new_year_2026_swap_in_the_shipped_calendar(case) -> None:
    _id, received, days, start, due = case
    begin = clock_start(SHIPPED, DEFAULT, T(received))
    assert begin == T(start)
    assert due_at(SHIPPED, DEFAULT, begin, Decimal(str(days))) == T(due)


def test_the_package_alone_lacks_the_swap() -> None:
    """The override is what moves the first case: without it Friday 02/01 is a working day."""
    assert PLAIN.is_working_day(D("2026-01-02")) and not PLAIN.is_working_day(D("2026-01-10"))
    assert not SHIPPED.is_working_day(D("2026-01-02")) and SHIPPED.is_working_day(D("2026-01-10"))
    begin = clock_start(PLAIN, DEFAULT, T("2025-12-31 15:30"))
    assert (begin, due_at(PLAIN, DEFAULT, begin, 1)) == (T("2026-01-02 07:30"), T("2026-01-02 17:00"))
    # no working time at all from New Year's Eve's closing to Monday's opening
    assert working_time_between(SHIPPED, DEFAULT, T("2025-12-31 17:00"), T("2026-01-05 07:30")) == 0


@pytest.mark.parametrize("saturday,open_", [
    ("2026-01-03", False),  # after Thu 01/01 and the day off Fri 02/01
    ("2026-02-14", False),  # Tết break, no per-date override needed
    ("2026-02-21", False),
    ("2026-04-25", False),  # Sat 25 – Mon 27/04
    ("2026-05-02", False),  # Thu 30/04 – Sun 03/05
    ("2026-08-29", False),  # Sat 29/08 – Wed 02/09
    ("2026-03-07", True),   # a plain Saturday
    ("2026-11-21", True),   # Mon 23/11 works: 24/11 is a break of its own
])
def test_saturdays_inside_a_holiday_break_are_closed_for_saturday_service(saturday, open_) -> None:
    at = T(f"{saturday} 09:00")
    assert desk_open(SHIPPED, SAT_FULL, at, saturday_service_allowed=True) is open_
    assert (SHIPPED.holiday_break_name(D(saturday)) is None) is open_


def test_a_worked_saturday_opens_without_saturday_service() -> None:
    assert desk_open(SHIPPED, DEFAULT, T("2026-01-10 09:00"), saturday_service_allowed=False)
    assert SHIPPED.holiday_break_name(D("2026-01-10")) is None
