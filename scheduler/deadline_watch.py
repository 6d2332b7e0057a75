"""The deadline watch over dossiers and each of their steps (domain.md, lifecycle rules 6-7).

- One working day before an unfinished dossier's due time: `apology_required`, a draft of the
  apology letter (form 04) with a proposed new date, and a notice to the officials holding its
  current steps and their leaders.
- At the due time: `overdue`, a notice, and the officials responsible for the late step recorded
  in late_handlings (the public list the Directive requires).
- Steps: a notice shortly before a step's due time; at it, the step is overdue and recorded.
- A dossier paused for a supplement is never flagged while paused; its due times move when it
  resumes and the watch sees the new ones.

Each effect is keyed by the subject and the due instant it is about (scheduler_effects), so it
happens once per due time whatever the number of runs or processes.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from motcua.db.models import ApologyDraft, Dossier, LateHandling, SchedulerEffect, StepRow
from motcua.domain import statuses as S
from motcua.domain import watch
from motcua.services import store
from motcua.services.office_calendars import OfficeCalendars
from motcua.services.notifications import (
    claim_effect, dossier_label, fmt, holders_of, insert_ignore, instant_key, leaders_of, notify,
)
from scheduler.claims import at_instant, scan

# A due time one working day away is at most this many calendar days away (Tết closes ~9 days).
LOOKAHEAD = timedelta(days=21)


def _cfg(platform) -> dict:
    cfg = platform.settings.section("scheduler")
    return {
        "warning_days": Decimal(str(cfg["apology_warning_days"])),
        "extension_days": Decimal(str(cfg["apology_extension_days"])),
        "step_warning_days": Decimal(str(cfg["step_warning_days"])),
    }


def _open_rows(loaded) -> list[StepRow]:
    """The step rows waiting, oldest first (as the core orders the open steps)."""
    return [loaded.rows[s.task_id] for s in loaded.state.open_steps()]


def _officials(session, row: StepRow) -> list[dict]:
    claimed = row.assignee_id is not None
    return [{"username": u.username, "full_name": u.full_name, "role": row.role, "claimed": claimed}
            for u in holders_of(session, row)]


def _recipients(session, dossier: Dossier, steps: list[StepRow]) -> list:
    """The officials holding the current steps, their leaders, and the competent office's leaders."""
    users = []
    for row in steps:
        users += holders_of(session, row)
        users += leaders_of(session, row.office_id)
    users += leaders_of(session, dossier.competent_office_id)
    return users


def watch_deadlines(platform, now: datetime) -> dict:
    platform = at_instant(platform, now)
    cfg = _cfg(platform)
    counts = {}

    def calendars(session) -> OfficeCalendars:
        return OfficeCalendars.of(session, platform.settings)

    def open_dossiers():
        return select(Dossier).where(Dossier.status == S.PROCESSING, Dossier.paused_at.is_(None))

    # -- one working day before: apology required, draft (form 04), notice ------------------
    def is_due_soon(session, dossier) -> bool:
        """(on a Dossier or a probe row of id, due_at, receiving_office_id)"""
        cal, hours = calendars(session).by_id(dossier.receiving_office_id)
        return watch.is_due_soon(dossier.due_at, now, cal, hours, cfg["warning_days"])

    def due_soon(session, dossier: Dossier) -> bool:
        if not is_due_soon(session, dossier):
            return False
        due = dossier.due_at
        loaded = store.load(platform, session, dossier, calendars=calendars(session))
        # already done for this due time (the flag was cleared by a pause): set again, silently
        record = claim_effect(session, f"apology_required:{dossier.id}:{instant_key(due)}", now)
        events = loaded.take(watch.flag_due_soon(loaded.state, now=now, calendars=loaded.calendars,
                                                 extension_days=cfg["extension_days"], record=record), S.SCHEDULER)
        steps = _open_rows(loaded)
        loaded.save()
        if not record:
            return False
        [event] = events
        insert_ignore(session, ApologyDraft, {"dossier_id": dossier.id, "due_at": due,
                                              "proposed_due_at": event.proposed_due_at, "reason": event.reason,
                                              "created_at": now}, ["dossier_id", "due_at"])
        if now < due:  # past the due time, the overdue notice says it all
            label = dossier_label(dossier)
            notify(session, platform.settings, kind="due_soon", subject=f"{dossier.id}:{instant_key(due)}",
                   users=_recipients(session, dossier, steps),
                   title=f"Hồ sơ {dossier.code} sắp đến hạn trả kết quả",
                   body=(f"Hồ sơ {label} đến hạn trả kết quả lúc {fmt(due)} nhưng chưa giải quyết xong. "
                         f"Đã chuẩn bị dự thảo phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04), "
                         f"ngày hẹn mới đề xuất: {fmt(event.proposed_due_at)}."),
                   at=now, dossier=dossier, office_id=dossier.competent_office_id, due_at=due,
                   data={"proposed_due_at": event.proposed_due_at.isoformat()})
        return True

    # -- the due time: overdue, responsible officials, notice ---------------------------------
    def overdue(session, dossier: Dossier) -> bool:
        due = dossier.due_at
        loaded = store.load(platform, session, dossier, calendars=calendars(session))
        record = claim_effect(session, f"overdue:{dossier.id}:{instant_key(due)}", now)
        steps = _open_rows(loaded)
        officials = {row.id: _officials(session, row) for row in steps} if record else {}
        loaded.take(watch.flag_overdue(loaded.state, now=now, record=record, officials={
            task_id: [o["username"] for o in people] for task_id, people in officials.items()}), S.SCHEDULER)
        if not record:
            loaded.save()
            return False
        for row in steps:
            insert_ignore(session, LateHandling, {
                "key": f"dossier:{dossier.id}:{instant_key(due)}:{row.id}", "kind": "dossier",
                "dossier_id": dossier.id, "task_id": row.id, "step": row.name, "office_id": row.office_id,
                "officials": officials[row.id], "due_at": due, "recorded_at": now}, ["key"])
        if not steps:
            insert_ignore(session, LateHandling, {
                "key": f"dossier:{dossier.id}:{instant_key(due)}", "kind": "dossier", "dossier_id": dossier.id,
                "task_id": None, "step": None, "office_id": dossier.competent_office_id, "officials": [],
                "due_at": due, "recorded_at": now}, ["key"])
        loaded.save()
        label = dossier_label(dossier)
        apology = "" if dossier.apology else " Cần gửi phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)."
        notify(session, platform.settings, kind="overdue", subject=f"{dossier.id}:{instant_key(due)}",
               users=_recipients(session, dossier, steps),
               title=f"Hồ sơ {dossier.code} đã quá hạn",
               body=f"Hồ sơ {label} đã quá hạn trả kết quả ({fmt(due)}).{apology}",
               at=now, dossier=dossier, office_id=dossier.competent_office_id, due_at=due)
        return True

    # -- steps ----------------------------------------------------------------------------------
    def open_steps():
        return select(StepRow).join(Dossier, Dossier.id == StepRow.dossier_id).where(
            StepRow.state == S.READY, StepRow.overdue.is_(False),
            Dossier.status == S.PROCESSING, Dossier.paused_at.is_(None))

    def is_step_due_soon(session, row) -> bool:
        """(on a StepRow or a probe row of id, due_at, allotment_days, office_id)"""
        cal, hours = calendars(session).by_id(row.office_id)
        if not watch.is_step_due_soon(row.due_at, row.allotment_days, now, cal, hours, cfg["step_warning_days"]):
            return False
        return session.get(SchedulerEffect, f"step_due_soon:{row.id}:{instant_key(row.due_at)}") is None

    def step_due_soon(session, row: StepRow) -> bool:
        if not is_step_due_soon(session, row):
            return False
        if not claim_effect(session, f"step_due_soon:{row.id}:{instant_key(row.due_at)}", now):
            return False
        dossier = session.get(Dossier, row.dossier_id)
        notify(session, platform.settings, kind="step_due_soon", subject=f"{row.id}:{instant_key(row.due_at)}",
               users=holders_of(session, row),
               title=f"Bước «{row.name}» của hồ sơ {dossier.code} sắp đến hạn",
               body=f"Hồ sơ {dossier_label(dossier)}: bước «{row.name}» đến hạn lúc {fmt(row.due_at)}.",
               at=now, dossier=dossier, office_id=row.office_id, due_at=row.due_at, data={"task_id": row.id})
        return True

    def step_overdue(session, row: StepRow) -> bool:
        dossier = session.get(Dossier, row.dossier_id)
        loaded = store.load(platform, session, dossier, calendars=calendars(session))
        due = row.due_at
        record = claim_effect(session, f"step_overdue:{row.id}:{instant_key(due)}", now)
        officials = _officials(session, row) if record else []
        loaded.take(watch.flag_step_overdue(loaded.state, row.id, now=now, record=record,
                                            officials=[o["username"] for o in officials]), S.SCHEDULER)
        if not record:
            loaded.save()
            return False
        insert_ignore(session, LateHandling, {
            "key": f"step:{row.id}:{instant_key(due)}", "kind": "step", "dossier_id": dossier.id,
            "task_id": row.id, "step": row.name, "office_id": row.office_id, "officials": officials,
            "due_at": due, "recorded_at": now}, ["key"])
        loaded.save()
        notify(session, platform.settings, kind="step_overdue", subject=f"{row.id}:{instant_key(due)}",
               users=holders_of(session, row) + leaders_of(session, row.office_id),
               title=f"Bước «{row.name}» của hồ sơ {dossier.code} đã quá hạn",
               body=f"Hồ sơ {dossier_label(dossier)}: bước «{row.name}» đã quá hạn ({fmt(due)}).",
               at=now, dossier=dossier, office_id=row.office_id, due_at=due, data={"task_id": row.id})
        return True

    horizon = now + LOOKAHEAD

    def label(d):
        return getattr(d, "code", None) or getattr(d, "id", d)

    counts["apology_required"] = scan(platform, lambda: open_dossiers().where(
        Dossier.apology_required.is_(False), Dossier.apology.is_(None), Dossier.due_at <= horizon),
        Dossier, Dossier.id, due_soon, what="due-soon of dossier", label=label, ready=is_due_soon,
        probe=(Dossier.due_at, Dossier.receiving_office_id))["done"]
    counts["overdue"] = scan(platform, lambda: open_dossiers().where(
        Dossier.overdue.is_(False), Dossier.due_at <= now),
        Dossier, Dossier.id, overdue, what="overdue of dossier", label=label)["done"]
    counts["steps_due_soon"] = scan(platform, lambda: open_steps().where(StepRow.due_at <= horizon),
                                    [StepRow, Dossier], StepRow.id, step_due_soon, what="due-soon of step",
                                    ready=is_step_due_soon,
                                    probe=(StepRow.due_at, StepRow.allotment_days, StepRow.office_id))["done"]
    counts["steps_overdue"] = scan(platform, lambda: open_steps().where(StepRow.due_at <= now),
                                   [StepRow, Dossier], StepRow.id, step_overdue, what="overdue of step")["done"]
    return counts

