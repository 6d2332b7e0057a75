"""A dossier's history in words, for the auditor's page (issue 15.3).

`dossier_timeline(platform, actor, code)` reads the hash-linked history with the same chain check
and replay as `audit.audit_dossier`, and resolves on the server what an auditor should read:
Vietnamese event names, people's full names, offices by name, dates dd/mm/yyyy hh:mm, step names,
and the data each step wrote as labelled fields under its form's titles. The verdict on the chain
and the replay is given in words. `timeline_csv` is the same as a CSV download.

Auditors and administrators only (other roles: 403); an unknown dossier is 404. Reads only.
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from engine.outline import steps_of
from motcua.access import Actor, load_visible
from motcua.db.models import Office, User
from motcua.services.audit import _events_of, _read_only, first_broken, replay
from motcua.services.audit_words import (
    CHANNEL, EVENT_NAMES, LABELS, ROLE, STATUS, TIMES, days, form_fields, money, plain, when, yes_no,
)

AUDITORS = ("auditor", "admin")


class _Names:
    """People and offices by their names, looked up once per request."""

    def __init__(self, session):
        self.session, self.people, self.offices = session, {}, {}

    def person(self, username) -> str:
        if isinstance(username, dict):
            return username.get("full_name") or self.person(username.get("username"))
        if not username:
            return ""
        if username not in self.people:
            user = self.session.scalar(select(User).where(User.username == username))
            self.people[username] = user.full_name if user else "Hệ thống" if username == "system" else username
        return self.people[username]

    def office(self, code) -> str:
        if not code:
            return ""
        if code not in self.offices:
            office = self.session.scalar(select(Office).where(Office.code == code))
            self.offices[code] = office.name if office else code
        return self.offices[code]

    def lane(self, lane: str | None, office: str | None = None) -> str:
        if not lane:
            return ""
        owner, _, role = lane.rpartition(":")
        where = self.office(owner or office)
        return f"{ROLE.get(role, role)} — {where}" if where else ROLE.get(role, role)


def _field(label: str, value) -> dict:
    return {"label": label, "value": value if isinstance(value, str) else plain(value)}


def _value(key: str, value, names: _Names) -> str:
    if key in TIMES:
        return when(value)
    if key in ("receiving_office", "competent_office", "office"):
        return names.office(value)
    if key in ("assignee", "by"):
        return names.person(value)
    if key == "officials":
        return "; ".join(names.person(v) for v in value or ()) or "Chưa có ai nhận"
    if key in ("allotment_days", "paused_working_days", "legal_days"):
        return days(value)
    if key == "channel":
        return CHANNEL.get(value, plain(value))
    if key == "status":
        return STATUS.get(value, plain(value))
    if key == "amount":
        return money(value)
    if key == "documents":
        return "; ".join((d.get("name") or "") + (f" ({d['copies']} bản)" if d.get("copies") else "")
                         if isinstance(d, dict) else plain(d) for d in value or ())
    if key == "source":
        return {"api": "Cán bộ yêu cầu", "process": "Bước của quy trình"}.get(value, plain(value))
    if key == "files":
        return str(len(value or ()))
    return plain(value)


SKIP = {"task_id", "name", "data", "lane", "steps", "timers", "draft", "responsible", "given", "id_number",
        "calendar", "dossier", "procedure_code"}


class _Context:
    def __init__(self, session, version):
        self.names = _Names(session)
        self.forms = version.forms or {}
        self.application_form = (version.manifest or {}).get("application_form")
        self.steps = {s.bpmn_id: s for s in steps_of(version.spec)}
        self.procedure = version.manifest.get("name") or version.manifest.get("code")

    def step_name(self, bpmn_id) -> str:
        step = self.steps.get(bpmn_id)
        return step.name if step else (bpmn_id or "")

    def form_of(self, bpmn_id):
        step = self.steps.get(bpmn_id)
        return self.forms.get(step.form) if step and step.form else None


def _fields(e, data: dict, ctx: _Context) -> list[dict]:
    names, out = ctx.names, []
    if e.type == "received":
        out.append(_field("Thủ tục", f"{ctx.procedure} (phiên bản {data.get('procedure_version')})"))
    if e.type == "step_ready" and data.get("lane"):
        out.append(_field("Người xử lý", names.lane(data["lane"], data.get("office"))))
    for key, value in data.items():
        if key in SKIP or key == "procedure_version" or (key == "office" and e.type == "step_ready"):
            continue
        if (e.type == "finished" and key == "result") or (e.type == "due_recomputed" and key == "reason"):
            continue
        if key == "step":
            out.append(_field("Bước", ctx.step_name(value)))
            continue
        out.append(_field(LABELS.get(key, key), _value(key, value, names)))
    if e.type == "apology_required" and isinstance(data.get("draft"), dict):
        out += [_field("Đề xuất hạn mới", when(data["draft"].get("proposed_due_at"))),
                _field("Lý do đề xuất", plain(data["draft"].get("reason")))]
    if e.type == "due_recomputed" and isinstance(data.get("dossier"), dict):
        out += [_field("Hạn cũ", when(data["dossier"].get("old_due_at"))),
                _field("Hạn mới", when(data["dossier"].get("due_at")))]
    if e.type == "due_recomputed" and isinstance(data.get("reason"), dict):
        r = data["reason"]
        change = {"added": "thêm", "removed": "bỏ"}.get(r.get("change"), r.get("change") or "")
        day = when(r.get("date"))[:10] if r.get("date") else ""
        out.append(_field("Lý do", f"Lịch {change} ngày {day} {r.get('name') or ''}".strip()))
    if e.type == "overdue":
        for r in data.get("responsible") or ():
            out.append(_field(f"Đang giữ: {ctx.step_name(r.get('step'))}",
                              f"{names.office(r.get('office'))} — "
                              f"{'; '.join(names.person(o) for o in r.get('officials') or ()) or 'chưa có ai nhận'}"))
    if e.type in ("step_completed", "received", "supplemented"):
        schema = ctx.form_of(e.step) if e.type == "step_completed" else ctx.forms.get(ctx.application_form)
        written = data.get("data")
        for item in form_fields(written, schema):
            out.append({"label": item["label"], "value": item["value"], "form": True})
    return out


def _summary(e, data: dict, ctx: _Context, who: str) -> str:
    name = EVENT_NAMES.get(e.type, f"Sự kiện «{e.type}»")
    step = ctx.step_name(e.step) if e.step else ""
    if e.type == "step_completed":
        return f"{who or 'Hệ thống'} hoàn thành bước «{step}»" + ("" if data.get("on_time", True) else " (trễ hạn)")
    if e.type == "step_ready":
        return f"Hồ sơ chuyển đến bước «{step}»"
    if e.type in ("claimed", "unclaimed", "step_cancelled", "step_overdue"):
        return f"{name}: «{step}»" + (f" — {who}" if who and e.type != "step_overdue" else "")
    if e.type == "received":
        return f"{who} tiếp nhận hồ sơ tại {ctx.names.office(data.get('receiving_office'))}"
    if e.type == "finished":
        return f"Kết thúc xử lý: {STATUS.get(data.get('status'), data.get('status'))}" + (
            "" if data.get("on_time", True) else " (trễ hạn)")
    if e.type == "rated":
        return "Người dân đánh giá: " + ("hài lòng" if data.get("satisfied") else "không hài lòng")
    return name + (f" — {who}" if who else "")


def _verdict(chain_ok: bool, broken, result: dict, count: int) -> dict:
    if not chain_ok:
        text = (f"Chuỗi băm bị sai từ sự kiện số {broken}: lịch sử đã bị sửa, xóa hoặc chèn từ đó. "
                "Không thể tin cậy lịch sử này.")
    elif not result.get("consistent"):
        at = result.get("diverged_at")
        text = ("Chuỗi băm nguyên vẹn, nhưng dựng lại hồ sơ từ lịch sử không khớp với trạng thái đã lưu"
                + (f" (từ sự kiện số {at})" if at else "") + f": {result.get('detail') or ''}").rstrip(": ")
    else:
        text = (f"Chuỗi băm nguyên vẹn ({count} sự kiện) và dựng lại hồ sơ từ lịch sử khớp với trạng thái "
                "đã lưu: lịch sử đáng tin cậy.")
    return {"ok": chain_ok and bool(result.get("consistent")), "text": text}


def dossier_timeline(platform, actor: Actor, code: str) -> dict:
    actor.require(*AUDITORS)
    with platform.uow(readonly=True) as uow, _read_only(uow.session) as session:
        dossier = load_visible(session, actor, code)
        events = _events_of(session, dossier.id)
        broken = first_broken(events, dossier.last_event_seq, dossier.last_event_hash)
        result = replay(platform, session, dossier, events=events)
        version = dossier.procedure_version
        ctx = _Context(session, version)
        items = []
        for e in events:
            data = e.data if isinstance(e.data, dict) else {"data": plain(e.data)}
            who = ctx.names.person(e.actor) if e.actor else ""
            items.append({
                "seq": e.seq, "at": e.at, "when": when(e.at), "type": e.type,
                "name": EVENT_NAMES.get(e.type, f"Sự kiện «{e.type}»"), "actor": who,
                "step": ctx.step_name(e.step) if e.step else None, "summary": _summary(e, data, ctx, who),
                "fields": _fields(e, data, ctx), "broken": broken is not None and e.seq >= broken,
                "diverged": result.get("diverged_at") == e.seq, "hash": e.hash})
        return {"code": dossier.code, "procedure": ctx.procedure, "procedure_version": version.version,
                "status": STATUS.get(dossier.status, dossier.status),
                "receiving_office": dossier.receiving_office.name,
                "chain_valid": broken is None, "first_broken": broken,
                "replay": {"consistent": bool(result.get("consistent")), "detail": result.get("detail"),
                           "diverged_at": result.get("diverged_at"),
                           "events_replayed": result.get("events_replayed")},
                "verdict": _verdict(broken is None, broken, result, len(events)),
                "exported_at": when(platform.now()), "exported_by": ctx.names.person(actor.username),
                "events": items}


def _safe_cell(text) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def timeline_csv(timeline: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Hồ sơ", timeline["code"], "Thủ tục", _safe_cell(timeline["procedure"])])
    writer.writerow(["Kết luận", _safe_cell(timeline["verdict"]["text"])])
    writer.writerow(["Xuất lúc", timeline["exported_at"], "Người xuất", _safe_cell(timeline["exported_by"])])
    writer.writerow([])
    writer.writerow(["STT", "Thời điểm", "Sự kiện", "Người thực hiện", "Bước", "Nội dung", "Chi tiết", "Mã băm"])
    for item in timeline["events"]:
        details = " | ".join(f"{f['label']}: {f['value']}" for f in item["fields"])
        writer.writerow([item["seq"], item["when"], item["name"], _safe_cell(item["actor"]),
                         _safe_cell(item["step"] or ""), _safe_cell(item["summary"]), _safe_cell(details),
                         item["hash"]])
    return "\ufeff" + out.getvalue()
