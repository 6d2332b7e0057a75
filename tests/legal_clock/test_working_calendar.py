"""WorkingCalendar and OfficeHours: days, names, fingerprints, configuration parsing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motcua.legal_clock import OfficeHours, Override, WorkingCalendar

D = dt.date.fromisoformat
CAL = WorkingCalendar()


@pytest.mark.parametrize(
    "day, working",
    [
        ("2026-02-13", True),  # Fri before Tết
        ("2026-02-14", False),  # Sat
        ("2026-02-16", False),  # Mon, Giao thừa
        ("2026-02-20", False),  # Fri, mùng 4
        ("2026-02-23", True),  # Mon after Tết
        ("2026-04-27", False),  # Mon, substitute for Giỗ Tổ on Sun 26/04
        ("2026-08-22", True),  # Sat, declared working (swap)
        ("2026-08-31", False),  # Mon, swap day off
        ("2026-09-01", False),
        ("2026-09-02", False),
        ("2026-11-24", False),  # Vietnam Cultural Day
        ("2025-04-26", True),  # Sat, declared working (swap)
        ("2025-05-02", False),  # Fri, swap day off
        ("2027-01-01", False),
        ("2027-01-04", True),
        ("2026-03-08", False),  # plain Sunday
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert CAL.is_working_day(D(day)) is working


@pytest.mark.parametrize(
    "day, name",
    [
        ("2026-02-16", "Tết Nguyên đán"),
        ("2026-02-17", "Tết Nguyên đán"),
        ("2025-01-27", "Tết Nguyên đán"),  # "29 Tết"
        ("2026-09-01", "Ngày Quốc khánh"),
        ("2026-11-24", "Ngày Văn hóa Việt Nam"),
        ("2026-04-26", "Giỗ Tổ Hùng Vương"),
        ("2026-04-27", "Ngày nghỉ bù Giỗ Tổ Hùng Vương"),
        ("2026-08-31", "Ngày nghỉ hoán đổi (làm bù thứ Bảy 22/08/2026)"),
        ("2026-01-01", "Tết Dương lịch"),
        ("2026-04-30", "Ngày Chiến thắng"),
        ("2026-05-01", "Ngày Quốc tế Lao động"),
        ("2027-05-03", "Ngày nghỉ bù Ngày Quốc tế Lao động"),
        ("2026-03-03", None),  # working day
        ("2026-03-07", None),  # plain Saturday
        ("2026-08-22", None),  # worked Saturday
    ],
)
def test_holiday_name(day: str, name: str | None) -> None:
    assert CAL.holiday_name(D(day)) == name


def test_declared_working_saturdays() -> None:
    assert CAL.is_declared_working_saturday(D("2026-08-22"))
    assert CAL.is_declared_working_saturday(D("2025-04-26"))
    assert not CAL.is_declared_working_saturday(D("2026-08-29"))
    assert not CAL.is_declared_working_saturday(D("2026-08-24"))  # a Monday
    cal = WorkingCalendar([Override(D("2026-03-07"), "working_day", "Làm bù")])
    assert cal.is_declared_working_saturday(D("2026-03-07"))


def test_next_working_day() -> None:
    assert CAL.next_working_day(D("2026-08-28")) == D("2026-09-03")
    assert CAL.next_working_day(D("2026-02-13")) == D("2026-02-23")
    assert CAL.next_working_day(D("2026-12-31")) == D("2027-01-04")
    assert CAL.next_working_day(D("2026-08-21")) == D("2026-08-22")
    assert CAL.next_working_day(D("2026-03-03")) == D("2026-03-04")  # strictly after


def test_far_years_extend_lazily() -> None:
    cal = WorkingCalendar()
    assert cal.next_working_day(D("2026-03-03")) == D("2026-03-04")
    assert cal.next_working_day(D("2035-12-31")) == D("2036-01-02")  # 2036-01-01 is a holiday
    assert cal.next_working_day(D("2019-01-04")) == D("2019-01-05")  # Sat 05/01/2019 was worked
    assert cal.next_working_day(D("2026-03-03")) == D("2026-03-04")


def test_overrides() -> None:
    cal = WorkingCalendar(
        [
            Override(D("2026-03-04"), "day_off", "Nghỉ phục vụ bầu cử"),
            Override(D("2026-11-24"), "working_day", "Làm việc"),
            Override(D("2026-03-05"), "day_off"),
        ]
    )
    assert not cal.is_working_day(D("2026-03-04"))
    assert cal.holiday_name(D("2026-03-04")) == "Nghỉ phục vụ bầu cử"
    assert cal.holiday_name(D("2026-03-05")) == "Ngày nghỉ theo thông báo"
    assert cal.is_working_day(D("2026-11-24"))
    assert cal.holiday_name(D("2026-11-24")) is None


def test_last_override_wins() -> None:
    province = Override(D("2026-03-04"), "day_off", "Tỉnh cho nghỉ")
    office = Override(D("2026-03-04"), "working_day", "Cơ quan vẫn làm việc")
    assert WorkingCalendar([province, office]).is_working_day(D("2026-03-04"))
    assert not WorkingCalendar([office, province]).is_working_day(D("2026-03-04"))


def test_fingerprint() -> None:
    a = Override(D("2026-03-04"), "day_off", "A")
    b = Override(D("2026-03-05"), "working_day", "B")
    fp = WorkingCalendar([a, b]).fingerprint
    assert fp == WorkingCalendar([b, a]).fingerprint  # order of distinct dates does not matter
    assert fp == WorkingCalendar([Override(a.date, a.kind, "renamed"), b]).fingerprint  # names move nothing
    assert fp != WorkingCalendar([a]).fingerprint
    assert fp != WorkingCalendar().fingerprint
    assert WorkingCalendar().fingerprint == WorkingCalendar().fingerprint
    assert fp.startswith("vn-") and len(fp) < 40


def test_override_validation_and_config() -> None:
    with pytest.raises(ValueError):
        Override(D("2026-03-04"), "holiday", "x")  # type: ignore[arg-type]
    o = Override.from_config({"date": "2027-02-13", "kind": "working_day", "name": "Làm bù Tết", "office": "X"})
    assert o == Override(D("2027-02-13"), "working_day", "Làm bù Tết")


def test_office_hours_defaults_and_config() -> None:
    h = OfficeHours()
    assert h.hours_per_day == Decimal(8)
    assert h.cutoff == dt.time(15, 0) and h.saturday == "none"
    parsed = OfficeHours.from_config(
        {"periods": [["07:30", "11:30"], ["13:00", "17:00"]], "cutoff": "15:00", "saturday": "morning"}
    )
    assert parsed == OfficeHours(saturday="morning")
    assert OfficeHours.from_config(parsed.to_config()) == parsed
    assert OfficeHours.from_config({}) == h
    other = OfficeHours.from_config({"periods": ["08:00-12:00", "13:30-17:30"]})
    assert other.hours_per_day == Decimal(8)
    short = OfficeHours.from_config({"periods": ["07:00-11:00", "13:00-16:30"]})
    assert short.hours_per_day == Decimal("7.5")
    assert h.fingerprint == OfficeHours(saturday="full_day").fingerprint  # Saturday mode moves no due time
    assert h.fingerprint != other.fingerprint


@pytest.mark.parametrize(
    "cfg",
    [
        {"periods": ["11:30-07:30"]},  # end before start
        {"periods": ["13:00-17:00", "07:30-11:30"]},  # out of order
        {"periods": []},
        {"cutoff": "07:00"},  # before opening
        {"saturday": "sometimes"},
        {"periods": ["7h30-11h30"]},
    ],
)
def test_office_hours_invalid(cfg) -> None:
    with pytest.raises(ValueError):
        OfficeHours.from_config(cfg)
