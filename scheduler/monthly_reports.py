"""Periodic reports: the previous month's figures per office, and reminders of reporting deadlines.

- On the first working day of each month (from its opening), the previous month's report per
  office (its children included) and for the whole province is computed once, stored in
  report_runs as an immutable snapshot (unique key per office and month; corrections are new
  revisions, motcua/services/report_snapshots.py) and sent to the leaders. A scheduler that was offline computes each missing
  month once, back to `report_catch_up_months` and never before the platform had offices.
- The province's plan sets reporting deadlines: quarterly by the 15th of the quarter's last month,
  half-year by 15/6, annual by 15/12 (a deadline on a day off moves to the next working day, Civil
  Code art. 148). Leaders are reminded `report_reminder_days` working days before; after
  downtime only the latest reminder that is due is sent, never a backlog.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from motcua.clock import VN_TZ
from motcua.db.models import Office
from motcua.legal_clock import deadlines
from motcua.services import report_snapshots as snapshots
from motcua.services import reports
from motcua.services.office_calendars import calendar_for, hours_for
from motcua.services.notifications import claim_effect, leaders_of, notify
from scheduler.claims import at_instant, take_singleton

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _opening(cal, hours, day: date) -> datetime:
    """The opening of `day` if it is a working day, else of the next working day."""
    return deadlines.clock_start(cal, hours, datetime.combine(day, time(0, 0), VN_TZ))


def report_due_at(cal, hours, year: int, month: int) -> datetime:
    """When month (year, month)'s report is due: the opening of the next month's first working day."""
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    return _opening(cal, hours, date(ny, nm, 1))


def _due_months(session, cal, hours, now: datetime, catch_up: int) -> list[tuple[int, int]]:
    first = session.scalar(select(func.min(Office.created_at)))
    if first is None:
        return []
    local = now.astimezone(VN_TZ)
    year, month = reports.previous_month(local.year, local.month)
    months = []
    for _ in range(max(1, catch_up)):
        start, end = reports.month_range(year, month)
        if end <= first:
            break
        if report_due_at(cal, hours, year, month) <= now:
            months.append((year, month))
        year, month = reports.previous_month(year, month)
    return sorted(months)


def _province_leaders(session) -> list:
    offices = session.scalars(select(Office).where(Office.level == "province")).all()
    return [u for o in offices for u in leaders_of(session, o.id)]


def monthly_reports(platform, now: datetime) -> int:
    """Compute every due, missing monthly report once; returns how many were stored."""
    platform = at_instant(platform, now)
    settings = platform.settings
    catch_up = int(settings.section("scheduler")["report_catch_up_months"])
    created = 0
    with platform.uow() as uow:
        session = uow.session
        if take_singleton(session, "reports") is None:
            return 0  # another scheduler process is making them
        cal, hours = calendar_for(session, settings, None), hours_for(settings, None)
        offices = session.scalars(select(Office).order_by(Office.code)).all()
        for year, month in _due_months(session, cal, hours, now, catch_up):
            for office in [None, *offices]:
                new_id, report = snapshots.store_first(session, settings, office, year, month, now)
                if new_id is None:
                    continue
                created += 1
                f = report["figures"]
                who = office.name if office else "toàn tỉnh"
                key = reports.monthly_key(office, year, month)
                notify(session, settings, kind="monthly_report", subject=key,
                       users=leaders_of(session, office.id) if office else _province_leaders(session),
                       title=f"Báo cáo tháng {month:02d}/{year} – {who}",
                       body=(f"Tháng {month:02d}/{year}, {who}: tiếp nhận {f['received']} hồ sơ "
                             f"({f['received_online']} trực tuyến); kết thúc xử lý {f['finished']} hồ sơ; "
                             f"trong {f['handled']} hồ sơ xử lý trong tháng có {f['on_time']} đúng hạn hoặc "
                             f"còn hạn, {f['late']} trễ hạn; còn đang giải quyết {f['in_progress']} "
                             f"(quá hạn {f['overdue_in_progress']}). "
                             f"Chỉ số 766: {report['total']:g}/{report['measured_max']:g} điểm "
                             f"trên các chỉ tiêu đo được."),
                       at=now, office_id=office.id if office else None,
                       data={"period": reports.month_text(year, month), "report_id": new_id})
        uow.commit()
    return created


# --- reporting deadlines -----------------------------------------------------------------------

def plan_deadlines(year: int) -> list[tuple[date, list[str]]]:
    """The reports of the province's plan due in `year`, by deadline date."""
    out = []
    for quarter in range(1, 5):
        names = [f"báo cáo quý {ROMAN[quarter]} năm {year}"]
        if quarter == 2:
            names.append(f"báo cáo 6 tháng đầu năm {year}")
        if quarter == 4:
            names.append(f"báo cáo năm {year}")
        out.append((date(year, quarter * 3, 15), names))
    return out


def _working_day_before(cal, day: date, n: int) -> date:
    days = cal.working_days(day - timedelta(days=15 * n + 30), day - timedelta(days=1))
    return days[-n]


def report_reminders(platform, now: datetime) -> int:
    """Remind leaders of every office of the next reporting deadline; returns reminders sent."""
    platform = at_instant(platform, now)
    settings = platform.settings
    before = sorted({int(n) for n in settings.section("scheduler")["report_reminder_days"] if int(n) > 0})
    sent = 0
    with platform.uow() as uow:
        session = uow.session
        if take_singleton(session, "report_reminders") is None:
            return 0
        cal, hours = calendar_for(session, settings, None), hours_for(settings, None)
        local = now.astimezone(VN_TZ)
        for nominal, names in plan_deadlines(local.year) + plan_deadlines(local.year + 1):
            day = cal.working_day_on_or_after(nominal)
            closing = deadlines.closing_of(cal, hours, day)
            if now >= closing:
                continue
            due = [n for n in before if _opening(cal, hours, _working_day_before(cal, day, n)) <= now]
            if not due:
                continue
            n = min(due)  # the most recent reminder only: downtime never sends a backlog
            subject = f"{nominal.isoformat()}:{n}"
            if not claim_effect(session, f"report_deadline:{subject}", now):
                continue
            offices = session.scalars(select(Office).order_by(Office.code)).all()
            what = ", ".join(names)
            notify(session, settings, kind="report_deadline", subject=subject,
                   users=[u for o in offices for u in leaders_of(session, o.id)],
                   title=f"Sắp đến hạn gửi {what}",
                   body=f"Hạn gửi {what} theo kế hoạch của UBND tỉnh: ngày {closing.strftime('%d/%m/%Y')}.",
                   at=now, due_at=closing, data={"deadline": day.isoformat(), "reports": names, "days_before": n})
            sent += 1
        uow.commit()
    return sent
