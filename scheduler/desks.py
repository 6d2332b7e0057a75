"""Saturday service (QĐ 19/2022/QĐ-UBND Tuyên Quang): each office's desk by its Saturday mode.

Whether a desk is open at an instant is decided where dossiers are received
(legal_clock.deadlines.desk_open: the office's mode, the procedure's permission, never on a
Saturday that is a holiday) and receipts on a Saturday start the legal clock on the next working
day. This job tells each office with Saturday service, from the opening of the last working day
before it, how its desk works that Saturday: the morning, the whole day, or closed for a holiday.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from motcua.clock import VN_TZ
from motcua.db.models import Office
from motcua.services.office_calendars import calendar_for, hours_for
from motcua.services.notifications import claim_effect, leaders_of, notify, users_with_role
from scheduler.claims import at_instant, take_singleton
from scheduler.monthly_reports import _opening


def next_saturday(day: date) -> date:
    return day + timedelta(days=(5 - day.weekday()) % 7)


def saturday_plan(cal, hours, saturday: date) -> dict:
    """How a desk works on `saturday`: open periods, or the reason it is closed."""
    if cal.is_working_day(saturday):
        return {"open": True, "mode": "working_day", "periods": [list(map(_hhmm, p)) for p in hours.periods]}
    holiday = cal.holiday_break_name(saturday)  # a holiday, or a Saturday inside a holiday break
    if holiday or hours.saturday == "none":
        return {"open": False, "mode": hours.saturday, "holiday": holiday, "periods": []}
    periods = hours.periods[:1] if hours.saturday == "morning" else hours.periods
    return {"open": True, "mode": hours.saturday, "periods": [list(map(_hhmm, p)) for p in periods]}


def _hhmm(t) -> str:
    return t.strftime("%H:%M")


def saturday_desks(platform, now: datetime) -> int:
    """Send each office with Saturday service its plan for the coming Saturday, once."""
    platform = at_instant(platform, now)
    settings = platform.settings
    sent = 0
    with platform.uow() as uow:
        session = uow.session
        if take_singleton(session, "saturday_desks") is None:
            return 0
        saturday = next_saturday(now.astimezone(VN_TZ).date())
        province = calendar_for(session, settings, None)
        if province.is_working_day(saturday):
            return 0  # a Saturday worked in exchange for a day off: an ordinary working day
        notice_day = province.working_days(saturday - timedelta(days=20), saturday - timedelta(days=1))[-1]
        if now < _opening(province, hours_for(settings, None), notice_day):
            return 0
        for office in session.scalars(select(Office).where(Office.saturday != "none").order_by(Office.code)):
            cal, hours = calendar_for(session, settings, office), hours_for(settings, office)
            plan = saturday_plan(cal, hours, saturday)
            if not claim_effect(session, f"saturday_desk:{office.id}:{saturday.isoformat()}", now):
                continue
            day = saturday.strftime("%d/%m/%Y")
            if plan["open"]:
                spans = ", ".join(f"{a}–{b}" for a, b in plan["periods"])
                body = (f"Thứ Bảy {day}: bộ phận một cửa của {office.name} làm việc {spans} "
                        f"({'buổi sáng' if plan['mode'] == 'morning' else 'cả ngày'}) để tiếp nhận, giải quyết và "
                        f"trả kết quả cho các thủ tục được phục vụ ngày thứ Bảy. Hồ sơ tiếp nhận ngày thứ Bảy "
                        f"được tính thời hạn từ ngày làm việc tiếp theo.")
            else:
                body = (f"Thứ Bảy {day} là ngày nghỉ ({plan['holiday']}): bộ phận một cửa của {office.name} "
                        f"không làm việc.")
            users = users_with_role(session, office.id, "receiver") + leaders_of(session, office.id)
            notify(session, settings, kind="saturday_desk", subject=f"{office.id}:{saturday.isoformat()}",
                   users=users, title=f"Lịch làm việc thứ Bảy {day}", body=body, at=now, office_id=office.id,
                   data={"date": saturday.isoformat(), **plan})
            sent += 1
        uow.commit()
    return sent
