"""The yearly calendar routine (issue 13.5): from 1 October (`calendar.confirm_warning_from`),
administrators are warned once a year while next year's schedule is not confirmed, so that the
government's notice is entered before the first due time falls into that year."""
from __future__ import annotations

from datetime import datetime

from motcua.services.calendar_years import administrators, unconfirmed_next_year
from motcua.services.notifications import claim_effect, notify
from scheduler.claims import at_instant, take_singleton


def warn_unconfirmed_year(platform, now: datetime) -> int:
    """1 when the warning was sent at this run, else 0."""
    platform = at_instant(platform, now)
    with platform.uow() as uow:
        session = uow.session
        if take_singleton(session, "calendar_years") is None:
            return 0
        year = unconfirmed_next_year(session, platform.settings, now)
        if year is None or not claim_effect(session, f"calendar_unconfirmed:{year}", now):
            uow.commit()
            return 0
        notify(session, platform.settings, kind="calendar_unconfirmed", subject=str(year),
               users=administrators(session),
               title=f"Chưa xác nhận lịch làm việc năm {year}",
               body=(f"Lịch nghỉ lễ, nghỉ bù và ngày làm bù năm {year} chưa được xác nhận. Hãy nhập thông báo "
                     f"của Chính phủ (ngày nghỉ, ngày làm bù) rồi xác nhận năm {year} "
                     f"(POST /api/v1/calendar/years/{year}/confirm) để thời hạn hồ sơ tính đúng."),
               at=now, data={"year": year})
        uow.commit()
        return 1
