"""What a report covers: a period (a month, or a span of days) and an office with its children.

Shared by the 766 index, the monthly snapshots and the dossier register, so that "the office"
and "the month" mean the same thing in each:

- an office covers itself and every office below it (`parent_code`, at any depth), found with a
  recursive query; the province (no office) covers everything;
- a dossier belongs to the offices that received it or are competent for it (as the dossier lists
  show it): a one-stop centre reports what it received, a department what it decides;
- months are local (Asia/Ho_Chi_Minh) and bounded: an impossible month (`2026-13`, `9999-12`)
  is a 422, never an overflow deep in the date arithmetic.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from motcua.clock import VN_TZ
from motcua.db.models import Dossier, Office
from motcua.errors import Invalid, NotFound

# The years a report may name: the platform's records start after 2000, and a year past 2999 is a typo.
FIRST_YEAR, LAST_YEAR = 2000, 2999
_MONTH_HELP = "Cần tháng dạng YYYY-MM, ví dụ 2026-11."


def parse_month(text: str | None, default: datetime | None = None) -> tuple[int, int]:
    if not text:
        if default is None:
            raise Invalid("Thiếu tháng báo cáo.", errors={"month": [_MONTH_HELP]})
        local = default.astimezone(VN_TZ)
        return local.year, local.month
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise Invalid("Tháng báo cáo không hợp lệ.",
                      errors={"month": [f"{_MONTH_HELP} Năm từ {FIRST_YEAR} đến {LAST_YEAR}."]})
    return int(m.group(1)), int(m.group(2))


def parse_day(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise Invalid("Ngày không hợp lệ.", errors={field: ["Cần ngày dạng YYYY-MM-DD, ví dụ 2026-11-30."]}) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid("Ngày không hợp lệ.", errors={field: [f"Năm từ {FIRST_YEAR} đến {LAST_YEAR}."]})
    return day


def month_range(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=VN_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=VN_TZ)
    return start, end


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in local time: both days included."""
    start = datetime(first.year, first.month, first.day, tzinfo=VN_TZ)
    after = last + timedelta(days=1)
    return start, datetime(after.year, after.month, after.day, tzinfo=VN_TZ)


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def office_by_code(session, code: str | None) -> Office | None:
    if not code:
        return None
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        raise NotFound(f"Không có cơ quan mã «{code}».")
    return office


def office_tree(session, office: Office) -> list[Office]:
    """The office and every office below it, at any depth (UNION, so a cycle of parents ends)."""
    tree = select(Office.id).where(Office.id == office.id).cte("office_tree", recursive=True)
    child, parent = aliased(Office), aliased(Office)
    tree = tree.union(select(child.id).join(parent, child.parent_code == parent.code)
                      .join(tree, parent.id == tree.c.id))
    return list(session.scalars(select(Office).where(Office.id.in_(select(tree.c.id))).order_by(Office.code)))


class Scope:
    """An office with its children (or the whole province when `office` is None)."""

    def __init__(self, session, office: Office | None):
        self.office = office
        self.offices = office_tree(session, office) if office is not None else None
        self.ids = None if self.offices is None else [o.id for o in self.offices]
        self.codes = None if self.offices is None else {o.code for o in self.offices}

    def dossiers(self, query):
        """`query` restricted to the dossiers received or decided inside the scope."""
        if self.ids is None:
            return query
        return query.where(or_(Dossier.receiving_office_id.in_(self.ids), Dossier.competent_office_id.in_(self.ids)))

    def decides(self, manifest: dict) -> bool:
        """Whether a procedure is one the scope decides (its competent office is inside)."""
        return self.codes is None or manifest.get("competent_office") in self.codes
