"""Is an office's desk open (contract "The legal clock": a direct-channel receipt needs an open desk)?

The console asks before the clerk fills a direct-channel form that the receipt would refuse with
409; the answer applies the same rule as the receipt (lifecycle.check_desk_open): the office's
calendar and hours, Saturday service narrowed to what the procedure allows.
"""
from __future__ import annotations

from datetime import datetime

from motcua.access import Actor
from motcua.domain import calendars as domain_calendars
from motcua.errors import NotFound
from motcua.legal_clock import deadlines
from motcua.services.office_calendars import OfficeCalendars
from motcua.services.procedures import latest_version


def desk_state(platform, actor: Actor, office_code: str, *, procedure: str | None = None,
               at: datetime | None = None) -> dict:
    with platform.uow(readonly=True) as uow:
        session = uow.session
        calendars = OfficeCalendars(session, platform.settings)
        office = calendars.office(office_code)
        if office is None:
            raise NotFound(f"Không có cơ quan mã «{office_code}».")
        manifest = latest_version(session, procedure).manifest if procedure else {}
        hours = domain_calendars.desk_hours(calendars.hours(office.code), manifest)
        saturday = bool(manifest.get("saturday_service"))
        cal = calendars.calendar(office.code)
        when = at or platform.now()
        is_open = deadlines.desk_open(cal, hours, when, saturday_service_allowed=saturday)
        opening = deadlines.next_opening(cal, hours, when, saturday_service_allowed=saturday)
        message = None if is_open else (
            f"Bộ phận một cửa của {office.name} đang đóng; hồ sơ nộp trực tiếp sẽ không được tiếp nhận. "
            f"Mở cửa lại lúc {opening:%H:%M} ngày {opening:%d/%m/%Y}. Hồ sơ trực tuyến, bưu chính vẫn tiếp nhận.")
        return {"office": office.code, "office_name": office.name, "at": when, "open": is_open,
                "next_opening": opening, "message": message}
