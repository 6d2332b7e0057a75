"""Hand-checked deadlines for the legal clock.

Every expected value below was worked out by hand from the rules in contract.md ("The legal
clock") and the `holidays` VN calendar, never by running the code. Default office hours:
07:30–11:30 + 13:00–17:00 (8 h = 1 working day), cut-off 15:00.

Calendar facts used (weekday in brackets):
- Tết 2026: Mon 16/02–Fri 20/02 holidays, so Sat 14/02–Sun 22/02 off; Fri 13/02 and Mon 23/02 work.
- 2026: Sun 26/04 Giỗ Tổ, Mon 27/04 its substitute; Thu 30/04, Fri 01/05 holidays;
  Sat 22/08 worked, Mon 31/08 off (swap); Tue 01/09, Wed 02/09 Quốc khánh; Tue 24/11 Văn hóa;
  Thu 31/12/2026 works, Fri 01/01/2027 holiday, Mon 04/01/2027 works.
- 2025: Sat 26/04 worked; Wed 30/04, Thu 01/05 holidays, Fri 02/05 off (swap); Mon 05/05 works.
- March 2026 (no holidays): Mon 02/03, Tue 03/03, Wed 04/03, Thu 05/03, Fri 06/03, Sat 07/03.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from motcua.legal_clock import (
    OfficeHours,
    Override,
    WorkingCalendar,
    clock_start,
    desk_open,
    due_at,
    explain,
    next_opening,
    shift_for_pause,
    working_seconds_between,
    working_time_between,
)
from motcua.legal_clock.deadlines import add_working_time

ICT = dt.timezone(dt.timedelta(hours=7))


def T(s: str) -> dt.datetime:
    """'2026-02-12 15:00[:ss]' at +07:00."""
    return dt.datetime.fromisoformat(s).replace(tzinfo=ICT)


D = dt.date.fromisoformat

DEFAULT = OfficeHours()
# An office with its own hours: 08:00–12:00 + 13:30–17:30 (still 8 h), cut-off 15:00.
LATE_OFFICE = OfficeHours.from_config({"periods": ["08:00-12:00", "13:30-17:30"], "cutoff": "15:00"})
SAT_MORNING = OfficeHours(saturday="morning")
SAT_FULL = OfficeHours(saturday="full_day")

PLAIN = WorkingCalendar()
# Province-level overrides used by some cases: Wed 04/03/2026 off, Sat 07/03/2026 worked,
# Tue 24/11/2026 (Vietnam Cultural Day) worked, Sat 21/02/2026 (mùng 5 Tết) off for Saturday desks.
OVERRIDDEN = WorkingCalendar(
    [
        Override(D("2026-03-04"), "day_off", "Nghỉ phục vụ bầu cử"),
        Override(D("2026-03-07"), "working_day", "Làm bù ngày 04/03"),
        Override(D("2026-11-24"), "working_day", "Làm việc bình thường"),
        Override(D("2026-02-21"), "day_off", "Nghỉ mùng 5 Tết"),
    ]
)


@dataclass
class Case:
    id: str
    received: str
    days: Decimal | int | str
    start: str  # expected clock_start
    due: str  # expected due_at
    hours: OfficeHours = field(default=DEFAULT)
    cal: WorkingCalendar = field(default=PLAIN)


CASES = [
    # --- Tết 2026 ---
    # Thu 12/02 15:00 is at the cut-off (15:00 counts as after) → Fri 13/02 07:30. 3 days = 24 h:
    # 13/02 (8), skip 14–22/02, 23/02 (16), 24/02 (24) ends at 07:30 25/02 → reported 17:00 24/02.
    Case("tet_cutoff_1500_3d", "2026-02-12 15:00", 3, "2026-02-13 07:30", "2026-02-24 17:00"),
    # 14:59 is before the cut-off: clock starts at 14:59. 24 h: 12/02 14:59–17:00 = 2h01; 13/02 → 10h01;
    # 23/02 → 18h01; 24/02 needs 5h59: 4 h in the morning, 1h59 after 13:00 → 14:59 24/02.
    Case("tet_cutoff_1459_3d", "2026-02-12 14:59", 3, "2026-02-12 14:59", "2026-02-24 14:59"),
    # Receipt on Wed 18/02 (Tết) → next working day Mon 23/02 07:30; 1 day → 17:00 23/02.
    Case("tet_receipt_during_tet", "2026-02-18 09:00", 1, "2026-02-23 07:30", "2026-02-23 17:00"),
    # Fri 13/02 10:00, 1 day = 8 h: 10:00–11:30 (1.5) + 13:00–17:00 (4) = 5.5 h; 2.5 h left on
    # Mon 23/02: 07:30 + 2.5 h = 10:00.
    Case("tet_friday_1d", "2026-02-13 10:00", 1, "2026-02-13 10:00", "2026-02-23 10:00"),
    # Mon 09/02 08:00, 5 days = 40 h: 09/02 7.5 h, 10–13/02 32 h → 39.5 h; 0.5 h on 23/02 → 08:00.
    Case("tet_5d_over_tet", "2026-02-09 08:00", 5, "2026-02-09 08:00", "2026-02-23 08:00"),
    # Mon 02/02 07:30, 15 days: 02–06/02 (5), 09–13/02 (10), Tết, 23–27/02 (15) → 17:00 Fri 27/02.
    Case("tet_15d_from_opening", "2026-02-02 07:30", 15, "2026-02-02 07:30", "2026-02-27 17:00"),
    # Fri 13/02 16:00, same day procedure: after cut-off → next working day Mon 23/02, due its closing.
    Case("tet_same_day_after_cutoff", "2026-02-13 16:00", 0, "2026-02-23 07:30", "2026-02-23 17:00"),
    # Fri 13/02 14:00, 0.5 day = 4 h: 14:00–17:00 (3 h), then 1 h on 23/02 → 08:30 23/02.
    Case("tet_half_day", "2026-02-13 14:00", "0.5", "2026-02-13 14:00", "2026-02-23 08:30"),
    # --- Vietnam Cultural Day, Tue 24/11/2026 ---
    # Mon 23/11 10:00, 1 day: 5.5 h on 23/11, skip 24/11, 2.5 h on Wed 25/11 → 10:00 25/11.
    Case("cultural_day_skipped", "2026-11-23 10:00", 1, "2026-11-23 10:00", "2026-11-25 10:00"),
    # Receipt on 24/11 itself → Wed 25/11 07:30; 2 days: 25, 26/11 → 07:30 27/11 → 17:00 Thu 26/11.
    Case("cultural_day_receipt", "2026-11-24 08:00", 2, "2026-11-25 07:30", "2026-11-26 17:00"),
    # --- Swap of 2026: Sat 22/08 worked, Mon 31/08 off; 1–2/09 National Day ---
    # Sat 22/08 09:00 is a declared working day: clock starts at once. 1 day: 6.5 h on 22/08,
    # Sun skipped, 1.5 h on Mon 24/08 → 09:00 24/08.
    Case("working_saturday_receipt", "2026-08-22 09:00", 1, "2026-08-22 09:00", "2026-08-24 09:00"),
    # Fri 21/08 15:30 after cut-off → next working day is Sat 22/08 07:30; 1 day → ends 07:30 Mon 24/08
    # → reported as the closing before it: 17:00 Sat 22/08.
    Case("friday_to_working_saturday", "2026-08-21 15:30", 1, "2026-08-22 07:30", "2026-08-22 17:00"),
    # Fri 28/08 16:00 → Sat 29, Sun 30 weekend, Mon 31 swap day off, 1–2/09 holidays → Thu 03/09 07:30;
    # 2 days → 03/09, 04/09 → 17:00 Fri 04/09.
    Case("national_day_run_receipt", "2026-08-28 16:00", 2, "2026-09-03 07:30", "2026-09-04 17:00"),
    # Fri 28/08 08:00, 1 day: 7.5 h on 28/08, 0.5 h on Thu 03/09 → 08:00 03/09.
    Case("national_day_run_1d", "2026-08-28 08:00", 1, "2026-08-28 08:00", "2026-09-03 08:00"),
    # Receipt Mon 31/08 (swap day off) → Thu 03/09 07:30; 0.25 day = 2 h → 09:30 03/09.
    Case("swap_day_off_receipt", "2026-08-31 10:00", "0.25", "2026-09-03 07:30", "2026-09-03 09:30"),
    # Wed 19/08 13:00, 3 days = 24 h: 19/08 4 h, 20/08 → 12, 21/08 → 20, Sat 22/08 (worked) 4 h → 11:30 22/08
    # (exactly the end of the morning period: reported 11:30, not 13:00).
    Case("three_days_into_working_saturday", "2026-08-19 13:00", 3, "2026-08-19 13:00", "2026-08-22 11:30"),
    # --- 2025 swap: Sat 26/04 worked, Fri 02/05 off ---
    # Sat 26/04/2025 10:00 is a working day: 0.5 day = 4 h: 10:00–11:30 (1.5), 13:00 + 2.5 → 15:30.
    Case("swap2025_saturday_worked", "2025-04-26 10:00", "0.5", "2025-04-26 10:00", "2025-04-26 15:30"),
    # Fri 25/04/2025 09:00, 2 days = 16 h: 25/04 6.5, Sat 26/04 8 → 14.5, Sun skipped, 1.5 h Mon 28/04 → 09:00.
    Case("swap2025_through_saturday", "2025-04-25 09:00", 2, "2025-04-25 09:00", "2025-04-28 09:00"),
    # Tue 29/04/2025 15:10 after cut-off → 30/04, 01/05 holidays, 02/05 swap off, 03–04/05 weekend
    # → Mon 05/05 07:30; 1 day → 17:00 05/05.
    Case("swap2025_holiday_run", "2025-04-29 15:10", 1, "2025-05-05 07:30", "2025-05-05 17:00"),
    # Receipt on Fri 02/05/2025 (swap day off) → Mon 05/05 07:30; 0.25 → 09:30.
    Case("swap2025_friday_off", "2025-05-02 09:00", "0.25", "2025-05-05 07:30", "2025-05-05 09:30"),
    # --- Hùng Kings 2026: Sun 26/04, substitute Mon 27/04; then 30/04, 01/05 ---
    # Receipt Mon 27/04 → Tue 28/04 07:30; 3 days: 28/04, 29/04, (30/04–03/05 off), Mon 04/05 → 17:00 04/05.
    Case("hung_kings_substitute", "2026-04-27 09:00", 3, "2026-04-28 07:30", "2026-05-04 17:00"),
    # --- Year boundary 2026 → 2027 ---
    # Wed 30/12/2026 09:00, 3 days: 30/12 6.5 h, 31/12 → 14.5, 01/01 holiday, 02–03 weekend,
    # 04/01 → 22.5, 1.5 h on Tue 05/01/2027 → 09:00.
    Case("year_boundary_3d", "2026-12-30 09:00", 3, "2026-12-30 09:00", "2027-01-05 09:00"),
    # Thu 31/12/2026 15:00 → cut-off → Mon 04/01/2027 07:30; 1 day → 17:00 04/01/2027.
    Case("year_boundary_cutoff", "2026-12-31 15:00", 1, "2027-01-04 07:30", "2027-01-04 17:00"),
    # Thu 31/12/2026 09:00 same day → 17:00 31/12/2026.
    Case("year_boundary_same_day", "2026-12-31 09:00", 0, "2026-12-31 09:00", "2026-12-31 17:00"),
    # --- Cut-off, lunch, opening (ordinary week of March 2026) ---
    # Tue 03/03 15:00:00 → Wed 04/03 07:30; 1 day → 17:00 04/03.
    Case("cutoff_exact", "2026-03-03 15:00", 1, "2026-03-04 07:30", "2026-03-04 17:00"),
    # 14:59 → starts 14:59; 1 day: 2h01 on 03/03, 5h59 on 04/03 (4 h morning + 1h59) → 14:59 04/03.
    Case("cutoff_1459", "2026-03-03 14:59", 1, "2026-03-03 14:59", "2026-03-04 14:59"),
    # 14:59:59 → starts then; 0.25 = 2 h; 2h00m01s remain until 17:00 → 16:59:59 the same day.
    Case("cutoff_145959_quarter", "2026-03-03 14:59:59", "0.25", "2026-03-03 14:59:59", "2026-03-03 16:59:59"),
    # Lunch break 12:00 → 13:00 same day; 0.5 = 4 h → 17:00 03/03.
    Case("lunch_half_day", "2026-03-03 12:00", "0.5", "2026-03-03 13:00", "2026-03-03 17:00"),
    # 11:30 exactly is already the lunch break (periods exclude their end) → 13:00; 0.25 → 15:00.
    Case("lunch_at_1130", "2026-03-03 11:30", "0.25", "2026-03-03 13:00", "2026-03-03 15:00"),
    # 06:45 before opening → 07:30; 1 day ends 07:30 Wed → reported 17:00 Tue 03/03.
    Case("before_opening_1d", "2026-03-03 06:45", 1, "2026-03-03 07:30", "2026-03-03 17:00"),
    # 17:30 after closing (and after cut-off) → Wed 04/03 07:30; 0.5 = 4 h → 11:30 04/03.
    Case("after_closing_half", "2026-03-03 17:30", "0.5", "2026-03-04 07:30", "2026-03-04 11:30"),
    # Midnight belongs to the new day: 00:00 Tue 03/03 is before opening → 07:30 03/03.
    Case("midnight", "2026-03-03 00:00", "0.25", "2026-03-03 07:30", "2026-03-03 09:30"),
    # --- Saturday and Sunday receipts (Saturday hours do not count) ---
    # Sat 07/03 09:00 (no service) → Mon 09/03 07:30; 1 day → 17:00 09/03.
    Case("saturday_no_service", "2026-03-07 09:00", 1, "2026-03-09 07:30", "2026-03-09 17:00"),
    # Same receipt at a desk open on Saturday mornings: the clock still starts Monday.
    Case("saturday_with_service", "2026-03-07 09:00", 1, "2026-03-09 07:30", "2026-03-09 17:00", SAT_MORNING),
    # Full-day Saturday desk, same-day procedure: due at Monday's closing.
    Case("saturday_full_same_day", "2026-03-07 14:00", 0, "2026-03-09 07:30", "2026-03-09 17:00", SAT_FULL),
    # Sun 08/03 → Mon 09/03 07:30; 0.25 → 09:30.
    Case("sunday_quarter", "2026-03-08 10:00", "0.25", "2026-03-09 07:30", "2026-03-09 09:30"),
    # --- Same day and fractions ---
    # Tue 03/03 09:00 same day → 17:00 03/03.
    Case("same_day", "2026-03-03 09:00", 0, "2026-03-03 09:00", "2026-03-03 17:00"),
    # Tue 03/03 15:30 same day → next day Wed 04/03 07:30, due 17:00 04/03.
    Case("same_day_after_cutoff", "2026-03-03 15:30", 0, "2026-03-04 07:30", "2026-03-04 17:00"),
    # 10:00 + 2 h: 1.5 h until 11:30, 0.5 h after 13:00 → 13:30.
    Case("quarter_over_lunch", "2026-03-03 10:00", "0.25", "2026-03-03 10:00", "2026-03-03 13:30"),
    # 09:30 + 2 h lands on 11:30 = end of the morning (= the 13:00 opening) → reported 11:30.
    Case("quarter_lands_on_lunch", "2026-03-03 09:30", "0.25", "2026-03-03 09:30", "2026-03-03 11:30"),
    # 13:00 + 4 h → 17:00 the same day.
    Case("half_from_1300", "2026-03-03 13:00", "0.5", "2026-03-03 13:00", "2026-03-03 17:00"),
    # 14:30 + 2 h → 16:30.
    Case("quarter_afternoon", "2026-03-03 14:30", "0.25", "2026-03-03 14:30", "2026-03-03 16:30"),
    # Thu 05/03 13:00 + 1.5 days = 12 h: 4 h Thu, 8 h Fri → ends 07:30 Mon 09/03 → 17:00 Fri 06/03.
    Case("one_and_half_to_friday", "2026-03-05 13:00", "1.5", "2026-03-05 13:00", "2026-03-06 17:00"),
    # Mon 02/03 07:30 + 12 h: 8 h Mon, 4 h Tue → 11:30 Tue 03/03.
    Case("one_and_half_from_opening", "2026-03-02 07:30", "1.5", "2026-03-02 07:30", "2026-03-03 11:30"),
    # Mon 02/03 07:30 + 10 days: 02–06/03, 09–13/03 → 17:00 Fri 13/03.
    Case("ten_days", "2026-03-02 07:30", 10, "2026-03-02 07:30", "2026-03-13 17:00"),
    # --- An office with its own hours: 08:00–12:00, 13:30–17:30 ---
    # 07:45 before its opening → 08:00; 1 day → 17:30 03/03.
    Case("office_before_opening", "2026-03-03 07:45", 1, "2026-03-03 08:00", "2026-03-03 17:30", LATE_OFFICE),
    # 12:15 in its lunch break → 13:30; 0.5 = 4 h → 17:30.
    Case("office_lunch", "2026-03-03 12:15", "0.5", "2026-03-03 13:30", "2026-03-03 17:30", LATE_OFFICE),
    # 15:20 after its cut-off → Wed 04/03 08:00; 0.25 → 10:00.
    Case("office_after_cutoff", "2026-03-03 15:20", "0.25", "2026-03-04 08:00", "2026-03-04 10:00", LATE_OFFICE),
    # 10:00, 1 day: 10–12 (2 h) + 13:30–17:30 (4 h) = 6 h; 2 h on Wed: 08:00 + 2 = 10:00 04/03.
    Case("office_1d", "2026-03-03 10:00", 1, "2026-03-03 10:00", "2026-03-04 10:00", LATE_OFFICE),
    # 07:35 is inside the default hours but before this office's opening → 08:00; same day → 17:30.
    Case("office_same_day", "2026-03-03 07:35", 0, "2026-03-03 08:00", "2026-03-03 17:30", LATE_OFFICE),
    # --- Overrides ---
    # Wed 04/03 off by override. Tue 03/03 14:00, 1 day: 3 h Tue, skip Wed, 5 h Thu 05/03:
    # 4 h morning + 1 h → 14:00 05/03.
    Case("override_day_off_skipped", "2026-03-03 14:00", 1, "2026-03-03 14:00", "2026-03-05 14:00", cal=OVERRIDDEN),
    # Receipt on the overridden day off → Thu 05/03 07:30; 1 day → 17:00 05/03.
    Case("override_day_off_receipt", "2026-03-04 09:00", 1, "2026-03-05 07:30", "2026-03-05 17:00", cal=OVERRIDDEN),
    # Sat 07/03 worked by override. Fri 06/03 15:30 → Sat 07/03 07:30; 1 day → 17:00 Sat 07/03.
    Case("override_working_saturday", "2026-03-06 15:30", 1, "2026-03-07 07:30", "2026-03-07 17:00", cal=OVERRIDDEN),
    # 24/11/2026 worked by override: Mon 23/11 10:00 + 1 day → 10:00 Tue 24/11.
    Case("override_cancels_holiday", "2026-11-23 10:00", 1, "2026-11-23 10:00", "2026-11-24 10:00", cal=OVERRIDDEN),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_clock_start_and_due(case: Case) -> None:
    start = clock_start(case.cal, case.hours, T(case.received))
    assert start == T(case.start)
    due = due_at(case.cal, case.hours, start, case.days)
    assert due == T(case.due)
    assert due.utcoffset() == dt.timedelta(hours=7)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


def test_results_are_in_ho_chi_minh_time_whatever_the_input_zone() -> None:
    # 02:00 UTC = 09:00 +07:00 on Tue 03/03: in office hours, before cut-off.
    start = clock_start(PLAIN, DEFAULT, dt.datetime(2026, 3, 3, 2, 0, tzinfo=dt.timezone.utc))
    assert start == T("2026-03-03 09:00")
    assert start.utcoffset() == dt.timedelta(hours=7)
    assert start.isoformat() == "2026-03-03T09:00:00+07:00"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        clock_start(PLAIN, DEFAULT, dt.datetime(2026, 3, 3, 9, 0))


@pytest.mark.parametrize("days", [-1, "abc", float("nan"), True])
def test_invalid_allotments_are_refused(days) -> None:
    with pytest.raises(ValueError):
        due_at(PLAIN, DEFAULT, T("2026-03-03 09:00"), days)


def test_float_and_decimal_allotments_agree() -> None:
    start = T("2026-03-03 10:00")
    assert due_at(PLAIN, DEFAULT, start, 0.25) == due_at(PLAIN, DEFAULT, start, Decimal("0.25"))
    assert due_at(PLAIN, DEFAULT, start, 1.5) == due_at(PLAIN, DEFAULT, start, "1.5")


# --- add_working_time from instants that are not clock starts ---------------------------------


@pytest.mark.parametrize(
    "start, days, expected",
    [
        # Sunday 08/03: working time starts Monday 07:30; 0.5 day → 11:30 Mon 09/03.
        ("2026-03-08 10:00", "0.5", "2026-03-09 11:30"),
        # 16:30 Tue + 2 h: 0.5 h Tue, 1.5 h Wed → 09:00 Wed 04/03.
        ("2026-03-03 16:30", "0.25", "2026-03-04 09:00"),
        # 07:30 Thu + 1 day → ends 07:30 Fri → reported 17:00 Thu 05/03.
        ("2026-03-05 07:30", 1, "2026-03-05 17:00"),
        # Zero adds nothing: the start comes back unchanged, even on an opening.
        ("2026-03-05 07:30", 0, "2026-03-05 07:30"),
    ],
)
def test_add_working_time(start, days, expected) -> None:
    assert add_working_time(PLAIN, DEFAULT, T(start), days) == T(expected)


# --- pauses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, paused, resumed, expected",
    [
        # Paused Thu 12/02 16:00 → Mon 23/02 08:00: 1 h + 8 h (13/02) + 0.5 h = 9.5 h, Tết not counted.
        # Due Wed 25/02 17:00 + 9.5 h: Thu 26/02 8 h, Fri 27/02 1.5 h → 09:00 27/02.
        ("2026-02-25 17:00", "2026-02-12 16:00", "2026-02-23 08:00", "2026-02-27 09:00"),
        # Paused only over Tết days (Sat 14/02 → Sun 22/02 evening): no working time, due unchanged.
        ("2026-02-24 17:00", "2026-02-14 09:00", "2026-02-22 18:00", "2026-02-24 17:00"),
        # Paused Sat 22/08/2026 (declared working) 08:00–10:00 = 2 h. Due Fri 28/08 17:00 + 2 h:
        # 29/08–02/09 off → Thu 03/09 09:30.
        ("2026-08-28 17:00", "2026-08-22 08:00", "2026-08-22 10:00", "2026-09-03 09:30"),
        # Paused Thu 31/12/2026 14:00 → Mon 04/01/2027 09:30: 3 h + 2 h = 5 h. Due Tue 05/01/2027 10:00:
        # 1.5 h until 11:30, 3.5 h after 13:00 → 16:30 05/01/2027.
        ("2027-01-05 10:00", "2026-12-31 14:00", "2027-01-04 09:30", "2027-01-05 16:30"),
        # Paused Mon 02/03 07:30 → Tue 03/03 07:30 = one working day (8 h). Due Wed 04/03 11:30 + 8 h:
        # 4 h Wed afternoon, 4 h Thu morning → 11:30 Thu 05/03.
        ("2026-03-04 11:30", "2026-03-02 07:30", "2026-03-03 07:30", "2026-03-05 11:30"),
        # Paused 2 h (Mon 02/03 08:00–10:00). Due Tue 03/03 15:00 + 2 h → 17:00 (end of day, not 07:30 Wed).
        ("2026-03-03 15:00", "2026-03-02 08:00", "2026-03-02 10:00", "2026-03-03 17:00"),
        # Paused 30 min (Mon 02/03 09:00–09:30). Due Tue 03/03 17:00 + 0.5 h → 08:00 Wed 04/03.
        ("2026-03-03 17:00", "2026-03-02 09:00", "2026-03-02 09:30", "2026-03-04 08:00"),
        # Paused over a lunch break only (11:30–13:00): nothing moves.
        ("2026-03-03 17:00", "2026-03-03 11:30", "2026-03-03 13:00", "2026-03-03 17:00"),
    ],
)
def test_shift_for_pause(due, paused, resumed, expected) -> None:
    assert shift_for_pause(PLAIN, DEFAULT, T(due), T(paused), T(resumed)) == T(expected)


# --- working time between two instants ------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, days",
    [
        # 13/02 07:30 → 24/02 17:00: 13/02, 23/02, 24/02 = 3 days.
        ("2026-02-13 07:30", "2026-02-24 17:00", Decimal(3)),
        # 12/02 15:00 → 23/02 09:30: 2 h + 8 h + 2 h = 12 h = 1.5 days.
        ("2026-02-12 15:00", "2026-02-23 09:30", Decimal("1.5")),
        # Inside Tết: nothing.
        ("2026-02-14 00:00", "2026-02-22 23:59", Decimal(0)),
        # Fri 21/08 17:00 → Mon 24/08 07:30: the worked Saturday 22/08 = 1 day.
        ("2026-08-21 17:00", "2026-08-24 07:30", Decimal(1)),
        # 17:00 Wed and 07:30 Thu are the same point of working time.
        ("2026-03-04 17:00", "2026-03-05 07:30", Decimal(0)),
        # Backwards gives a negative amount: 2 h.
        ("2026-03-03 11:30", "2026-03-03 09:30", Decimal("-0.25")),
    ],
)
def test_working_time_between(a, b, days) -> None:
    assert working_time_between(PLAIN, DEFAULT, T(a), T(b)) == days


def test_working_seconds_between() -> None:
    # 11:00 → 13:30: 30 min before lunch, 30 min after = 3600 s.
    assert working_seconds_between(PLAIN, DEFAULT, T("2026-03-03 11:00"), T("2026-03-03 13:30")) == 3600
    # Sub-second precision is kept: 09:00:00.5 → 09:00:01 = 0.5 s.
    a = T("2026-03-03 09:00:00.500000")
    assert working_seconds_between(PLAIN, DEFAULT, a, T("2026-03-03 09:00:01")) == Decimal("0.5")


# --- desk opening -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, hours, allowed, is_open, opening",
    [
        # Ordinary Tuesday: 09:00 open; 07:30 open (start included).
        ("2026-03-03 09:00", DEFAULT, False, True, "2026-03-03 09:00"),
        ("2026-03-03 07:30", DEFAULT, False, True, "2026-03-03 07:30"),
        # 11:30 closed (end excluded), 12:00 lunch → 13:00.
        ("2026-03-03 11:30", DEFAULT, False, False, "2026-03-03 13:00"),
        ("2026-03-03 12:00", DEFAULT, False, False, "2026-03-03 13:00"),
        # 17:00 closed → Wed 07:30. 06:00 → 07:30 the same day.
        ("2026-03-03 17:00", DEFAULT, False, False, "2026-03-04 07:30"),
        ("2026-03-03 06:00", DEFAULT, False, False, "2026-03-03 07:30"),
        # Sat 07/03 09:00, morning desk, procedure allows Saturday: open.
        ("2026-03-07 09:00", SAT_MORNING, True, True, "2026-03-07 09:00"),
        # Same desk at 13:30: morning only → closed until Mon 09/03 07:30.
        ("2026-03-07 13:30", SAT_MORNING, True, False, "2026-03-09 07:30"),
        # Morning desk but the procedure has no Saturday service: closed → Monday.
        ("2026-03-07 09:00", SAT_MORNING, False, False, "2026-03-09 07:30"),
        # Full-day desk, allowed: 14:00 open. Desk without Saturday service: closed.
        ("2026-03-07 14:00", SAT_FULL, True, True, "2026-03-07 14:00"),
        ("2026-03-07 09:00", DEFAULT, True, False, "2026-03-09 07:30"),
        # Friday 06/03 17:30, full-day Saturday desk, allowed → Sat 07/03 07:30.
        ("2026-03-06 17:30", SAT_FULL, True, False, "2026-03-07 07:30"),
        # Sunday is always closed, even for a full-day Saturday desk.
        ("2026-03-08 09:00", SAT_FULL, True, False, "2026-03-09 07:30"),
        # Sat 01/05/2027 is Labour Day: a Saturday desk stays closed; Sun 02/05, Mon 03/05 (substitute)
        # → Tue 04/05/2027 07:30.
        ("2027-05-01 09:00", SAT_FULL, True, False, "2027-05-04 07:30"),
        # Sat 22/08/2026 is a declared working day: open for everyone, also in the afternoon.
        ("2026-08-22 14:00", DEFAULT, False, True, "2026-08-22 14:00"),
        # Vietnam Cultural Day 24/11/2026 10:00: closed → Wed 25/11 07:30.
        ("2026-11-24 10:00", DEFAULT, False, False, "2026-11-25 07:30"),
        # Fri 13/02/2026 17:00 before Tết, no Saturday service → Mon 23/02 07:30.
        ("2026-02-13 17:00", DEFAULT, False, False, "2026-02-23 07:30"),
    ],
)
def test_desk_open_and_next_opening(at, hours, allowed, is_open, opening) -> None:
    assert desk_open(PLAIN, hours, T(at), saturday_service_allowed=allowed) is is_open
    assert next_opening(PLAIN, hours, T(at), saturday_service_allowed=allowed) == T(opening)


def test_saturday_desk_and_day_off_override_on_saturday() -> None:
    # Sat 21/02/2026 (mùng 5 Tết) is a weekend inside the Tết break (Fri 20/02 is a holiday): a
    # Saturday desk stays closed by the break rule, override or not: next opening Mon 23/02 07:30.
    at = T("2026-02-21 08:00")
    assert not desk_open(PLAIN, SAT_FULL, at, saturday_service_allowed=True)
    assert not desk_open(OVERRIDDEN, SAT_FULL, at, saturday_service_allowed=True)
    # a plain Saturday opens; the same Saturday declared a day off by an override does not
    plain_saturday = T("2026-03-14 08:00")
    assert desk_open(PLAIN, SAT_FULL, plain_saturday, saturday_service_allowed=True)
    closed = WorkingCalendar([Override(D("2026-03-14"), "day_off", "Nghỉ theo thông báo")])
    assert not desk_open(closed, SAT_FULL, plain_saturday, saturday_service_allowed=True)
    assert next_opening(OVERRIDDEN, SAT_FULL, at, saturday_service_allowed=True) == T("2026-02-23 07:30")


def test_override_working_saturday_opens_desk_without_saturday_service() -> None:
    assert desk_open(OVERRIDDEN, DEFAULT, T("2026-03-07 14:00"), saturday_service_allowed=False)


# --- explain -------------------------------------------------------------------------------------------


def test_explain_tet() -> None:
    text = explain(PLAIN, DEFAULT, T("2026-02-13 07:30"), 3)
    assert text == (
        "Tính từ 07:30 13/02/2026. "
        "3 ngày làm việc: 13/02, 23/02, 24/02; nghỉ Tết Nguyên đán 14/02–22/02. "
        "Hạn: 17:00 24/02/2026."
    )


def test_explain_mentions_the_cutoff() -> None:
    text = explain(PLAIN, DEFAULT, T("2026-02-13 07:30"), 3, received_at=T("2026-02-12 15:00"))
    assert text.startswith("Nhận lúc 15:00 12/02/2026, từ giờ chốt 15:00 trở đi: tính từ 07:30 13/02/2026.")
    assert "nghỉ Tết Nguyên đán 14/02–22/02" in text


def test_explain_receipt_in_lunch_and_on_holiday() -> None:
    lunch = explain(PLAIN, DEFAULT, T("2026-03-03 13:00"), "0.5", received_at=T("2026-03-03 12:00"))
    assert "trong giờ nghỉ trưa: tính từ 13:00 03/03/2026" in lunch
    assert "0,5 ngày làm việc (4 giờ): 03/03" in lunch
    holiday = explain(PLAIN, DEFAULT, T("2026-11-25 07:30"), 1, received_at=T("2026-11-24 08:00"))
    assert "ngày nghỉ (Ngày Văn hóa Việt Nam)" in holiday


def test_explain_received_at_equal_to_start_says_nothing_more() -> None:
    text = explain(PLAIN, DEFAULT, T("2026-03-03 09:00"), 1, received_at=T("2026-03-03 09:00"))
    assert text.startswith("Tính từ 09:00 03/03/2026.")


def test_explain_runs_name_their_reasons() -> None:
    # Wed 26/08/2026 09:00 + 5.25 days: 26, 27, 28/08, 03, 04/09 and 3.5 h on Mon 07/09 → 11:00.
    text = explain(PLAIN, DEFAULT, T("2026-08-26 09:00"), "5.25")
    assert text == (
        "Tính từ 09:00 26/08/2026. 5,25 ngày làm việc (42 giờ): 26/08, 27/08, 28/08, 03/09, 04/09, 07/09; "
        "nghỉ hoán đổi (làm bù thứ Bảy 22/08/2026), nghỉ ngày Quốc khánh 29/08–02/09; "
        "nghỉ cuối tuần 05/09–06/09. Hạn: 11:00 07/09/2026."
    )


def test_explain_single_holiday_override_and_year_boundary() -> None:
    # Mon 23/11 10:00 + 2 days: 23/11 5.5 h, skip 24/11, 25/11 8 h, 2.5 h on 26/11 → 10:00 26/11.
    assert explain(PLAIN, DEFAULT, T("2026-11-23 10:00"), 2) == (
        "Tính từ 10:00 23/11/2026. 2 ngày làm việc: 23/11, 25/11, 26/11; nghỉ ngày Văn hóa Việt Nam 24/11. "
        "Hạn: 10:00 26/11/2026."
    )
    assert "nghỉ phục vụ bầu cử 04/03" in explain(OVERRIDDEN, DEFAULT, T("2026-03-03 14:00"), 1)
    text = explain(PLAIN, DEFAULT, T("2026-12-30 09:00"), 3)
    assert "30/12/2026, 31/12/2026, 04/01/2027, 05/01/2027" in text
    assert "nghỉ Tết Dương lịch 01/01/2027–03/01/2027" in text


def test_explain_same_day() -> None:
    text = explain(PLAIN, DEFAULT, T("2026-03-03 09:00"), 0)
    assert text == "Tính từ 09:00 03/03/2026. Giải quyết trong ngày 03/03/2026. Hạn: 17:00 03/03/2026."
