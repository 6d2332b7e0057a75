"""The printable documents of a dossier (forms 01–06), built from the dossier and its history.

forms/documents.py renders; this module decides what goes on each paper:

- receipt (form 01): always — no dossier is accepted without its appointment slip.
- supplement (form 02): the latest supplement request; 404 before there is one.
- refusal (form 03): a rejected dossier (by the action or by the process's refusal end).
- stop (TT 03/2025 notice): a stopped dossier.
- apology (form 04, "văn bản xin lỗi và đề nghị gia hạn"): the apology with its new appointment
  date, signed by the head (a `leader`) of the competent agency, never the desk clerk; 404 without one.
- supplement items: a person's request carries its items; a request made by the process (a
  `pause_clock` step became ready, `source: process`, `items: []`) takes them from the form data of
  the step completed just before it: `SUPPLEMENT_ITEMS_FIELDS` (bpmn/README.md names the convention).
- receipt register number: one register book per receiving office and calendar year (local time),
  named by the year; the number is the dossier's rank among that office's receipts of that year.
- control-slip (form 06): lead agency = the competent office; coordinating agencies = the other
  offices whose steps (`OFFICE:role` lanes) the dossier went through — never the applicant.
  One row per hand-over. A hand-over is a step's completion (from the
  step's office and the person who completed it, to the office(s) of the steps that became ready
  in the same moment, or back to the desk when the result is ready), then the supplement round
  trips and the hand-over of the result to the applicant. Each step's row compares the completion
  with that step's due time: "late" after it, "on time" on the due time's own day, "early" on an
  earlier day (how the one-stop registers count "trước hạn / đúng hạn / quá hạn"). A step still
  waiting is shown without a result, or as late once its due time has passed.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from forms.documents import APPLICANT, DOCUMENT_KINDS, render_document
from motcua.access import Actor
from motcua.clock import VN_TZ, parse_instant
from motcua.db.models import Dossier, Office, User
from motcua.errors import NotFound
from motcua.services import history
from motcua.services.dossiers import load_visible

KINDS = DOCUMENT_KINDS  # receipt, supplement, refusal, apology, stop, control-slip
# Fields of a step's form that list what to supplement, in order of preference: a list of strings,
# or a text with one item per line (or separated by ";"). Reason fields likewise.
SUPPLEMENT_ITEMS_FIELDS = ("items", "supplement_items", "noi_dung_bo_sung")
SUPPLEMENT_REASON_FIELDS = ("supplement_reason", "ly_do_bo_sung")


def classify(at: datetime | None, due: datetime | None) -> str | None:
    """early / on_time / late of a hand-over at ``at`` against a due time ``due``."""
    if at is None or due is None:
        return None
    if at > due:
        return "late"
    if at.astimezone(VN_TZ).date() == due.astimezone(VN_TZ).date():
        return "on_time"
    return "early"


def _instant(value):
    if value is None or isinstance(value, datetime):
        return value
    return parse_instant(str(value))


class _Names:
    """Office and person names for the papers, loaded once per document."""

    def __init__(self, session):
        self.offices = {o.code: o for o in session.scalars(select(Office))}
        self.users = {u.username: u.full_name for u in session.scalars(select(User))}

    def office(self, code: str | None) -> str | None:
        office = self.offices.get(code) if code else None
        return office.name if office else code

    def person(self, username: str | None) -> str | None:
        if not username:
            return None
        return self.users.get(username, username)


def _reason_from_steps(events) -> str | None:
    """A refusal reached through the process: the reason is in the last step's data."""
    for event in reversed(events):
        if event.type == "step_completed":
            data = (event.data or {}).get("data") or {}
            for key in ("reason", "ly_do", "refusal_reason", "opinion", "y_kien", "note"):
                if isinstance(data.get(key), str) and data[key].strip():
                    return data[key]
            return None
    return None


def _split_items(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [part.strip(" -•\t") for part in re.split(r"[\n;]+", value) if part.strip(" -•\t")]
    return []


def process_supplement(events, request) -> tuple[list[str], str | None]:
    """Items and reason of a supplement the process asked for: the form data of the step
    completed just before the `pause_clock` step became ready."""
    index = events.index(request)
    for event in reversed(events[:index]):
        if event.type != "step_completed":
            continue
        data = (event.data or {}).get("data") or {}
        items = next((found for key in SUPPLEMENT_ITEMS_FIELDS if (found := _split_items(data.get(key)))), [])
        reason = next((data[k] for k in SUPPLEMENT_REASON_FIELDS if isinstance(data.get(k), str) and data[k].strip()),
                      None)
        return items, reason
    return [], None


def coordinating_offices(dossier: Dossier, events, names: _Names) -> list[str]:
    """Names of the offices other than the competent and the receiving one whose steps the
    dossier went through (lanes `OFFICE:role`), in the order they were met."""
    skip = {dossier.competent_office.code, dossier.receiving_office.code}
    found: list[str] = []
    for e in events:
        office = (e.data or {}).get("office") if e.type == "step_ready" else None
        if office and office not in skip:
            name = names.office(office)
            if name not in found:
                found.append(name)
    return found


def leader_of(session, office: Office) -> User | None:
    """The head of an office for the papers it signs: its first active leader."""
    for user in session.scalars(select(User).where(User.office_id == office.id, User.active.is_(True))
                                .order_by(User.id)):
        if "leader" in (user.roles or []):
            return user
    return None


def register_entry(session, dossier: Dossier) -> tuple[str, int]:
    """(book, number) in the register of the receiving office: one book per calendar year."""
    local = dossier.received_at.astimezone(VN_TZ)
    start = datetime(local.year, 1, 1, tzinfo=VN_TZ)
    end = datetime(local.year + 1, 1, 1, tzinfo=VN_TZ)
    earlier = or_(Dossier.received_at < dossier.received_at,
                  and_(Dossier.received_at == dossier.received_at, Dossier.id <= dossier.id))
    number = session.scalar(select(func.count(Dossier.id)).where(
        Dossier.receiving_office_id == dossier.receiving_office_id,
        Dossier.received_at >= start, Dossier.received_at < end, earlier))
    return str(local.year), int(number or 1)


def handovers(dossier: Dossier, events, names: _Names, now: datetime) -> list[dict]:
    """The rows of the control slip, in the order things happened."""
    ready: dict[str, dict] = {}     # task_id -> {name, office, due_at}
    done_by: dict[str, str] = {}    # task_id -> username of who claimed or completed it
    for e in events:
        data = e.data or {}
        if e.type in ("claimed", "step_completed") and data.get("task_id"):
            done_by[data["task_id"]] = e.actor
    rows: list[dict] = []
    last_completed: dict | None = None  # the row that waits to learn where the dossier went
    for e in events:
        data = e.data or {}
        if e.type not in ("step_completed", "step_ready", "step_cancelled", "finished"):
            last_completed = None  # the steps a completion starts are recorded right after it
        if e.type == "step_ready":
            ready[data.get("task_id")] = {"name": data.get("name"), "office": data.get("office"),
                                          "due_at": _instant(data.get("due_at"))}
            if last_completed is not None:
                to_office = names.office(data.get("office"))
                to_person = names.person(done_by.get(data.get("task_id")))
                if last_completed["to_office"] and last_completed["to_office"] != to_office:
                    last_completed["to_office"] += f"; {to_office}"
                elif not last_completed["to_office"]:
                    last_completed["to_office"], last_completed["to_person"] = to_office, to_person
        elif e.type == "step_completed":
            info = ready.get(data.get("task_id"), {})
            due = _instant(data.get("due_at")) or info.get("due_at")
            at = e.at
            row = {"step": data.get("name") or info.get("name") or e.step,
                   "from_office": names.office(info.get("office")), "from_person": names.person(e.actor),
                   "to_office": None, "to_person": None, "at": at, "due_at": due,
                   "result": classify(at, due), "note": None}
            rows.append(row)
            last_completed = row
            ready.pop(data.get("task_id"), None)
        elif e.type == "step_cancelled":
            ready.pop(data.get("task_id"), None)
        elif e.type == "supplement_requested":
            rows.append({"step": "Yêu cầu bổ sung hồ sơ", "from_office": names.office(dossier.receiving_office.code),
                         "from_person": names.person(e.actor), "to_office": APPLICANT,
                         "to_person": (dossier.applicant or {}).get("name"), "at": e.at, "due_at": None,
                         "result": None, "note": data.get("reason")})
        elif e.type == "supplemented":
            rows.append({"step": "Nhận hồ sơ bổ sung", "from_office": APPLICANT,
                         "from_person": (dossier.applicant or {}).get("name"),
                         "to_office": names.office(dossier.receiving_office.code),
                         "to_person": names.person(e.actor), "at": e.at, "due_at": None, "result": None,
                         "note": f"Thời hạn lùi đến {_instant(data['due_at']).strftime('%H:%M %d/%m/%Y')}"
                         if data.get("due_at") else None})
        elif e.type == "finished":
            if last_completed is not None and not last_completed["to_office"] and data.get("status") == "done":
                last_completed["to_office"] = names.office(dossier.receiving_office.code)
                last_completed["note"] = "Chuyển kết quả về Bộ phận một cửa"
            last_completed = None
        elif e.type == "returned":
            due = dossier.due_at
            finished = dossier.finished_at or e.at
            rows.append({"step": "Trả kết quả cho người nộp hồ sơ",
                         "from_office": names.office(dossier.receiving_office.code),
                         "from_person": names.person(e.actor), "to_office": APPLICANT,
                         "to_person": (dossier.applicant or {}).get("name"), "at": e.at, "due_at": due,
                         "result": classify(finished, due), "note": None})
    for task_id, info in ready.items():  # steps still waiting
        late = info.get("due_at") is not None and now > info["due_at"]
        rows.append({"step": info.get("name"), "from_office": names.office(info.get("office")),
                     "from_person": names.person(done_by.get(task_id)), "to_office": None, "to_person": None,
                     "at": None, "due_at": info.get("due_at"), "result": "late" if late else None,
                     "note": "Đang xử lý, đã quá hạn" if late else "Đang xử lý"})
    return rows


def context_for(session, dossier: Dossier, kind: str, now: datetime) -> dict:
    """The context forms/documents.render_document expects; NotFound when the paper does not apply."""
    events = history.events_of(session, dossier.id)
    names = _Names(session)
    manifest = dossier.procedure_version.manifest
    receiving, competent = dossier.receiving_office, dossier.competent_office
    received_by = session.get(User, dossier.received_by) if dossier.received_by else None
    applicant = dict(dossier.applicant or {})
    applicant.pop("id_number", None)  # the papers do not print the ID number
    context = {
        "office": {"code": receiving.code, "name": receiving.name},
        "dossier": {
            "code": dossier.code, "procedure_name": manifest.get("name"), "procedure_code": manifest.get("code"),
            "legal_days": manifest.get("legal_days"), "channel": dossier.channel,
            "received_at": dossier.received_at, "clock_start": dossier.clock_start, "due_at": dossier.due_at,
            "finished_at": dossier.finished_at, "returned_at": dossier.returned_at, "status": dossier.status,
            "supplement_count": dossier.supplement_count, "fee": manifest.get("fee"),
            "competent_office": {"code": competent.code, "name": competent.name},
        },
        "applicant": applicant,
        "documents": list(dossier.documents or []),
        "receiver": {"full_name": received_by.full_name if received_by else None},
        "supplement": None, "refusal": None, "stop": None, "apology": None,
        "handovers": [], "printed_at": now,
    }
    if kind == "receipt":
        context["dossier"]["register_book"], context["dossier"]["register_number"] = register_entry(session, dossier)
        received = next((e for e in events if e.type == "received"), None)
        if received is not None:
            # the appointment printed on form 01 is the one promised at receipt
            context["dossier"]["due_at"] = _instant((received.data or {}).get("due_at")) or dossier.due_at
        extended = next((e for e in reversed(events) if e.type == "legal_time_extended"), None)
        if extended is not None:
            # reprinted after a longer legal time applied (issue 13.4): the new appointment (the
            # legal time printed stays the manifest's, as the contract says the receipt promises)
            context["dossier"]["due_at"] = _instant((extended.data or {}).get("due_at")) or dossier.due_at
    elif kind == "supplement":
        request = next((e for e in reversed(events) if e.type == "supplement_requested"), None)
        if request is None:
            raise NotFound("Hồ sơ chưa có yêu cầu bổ sung nào.")
        data = request.data or {}
        items, reason = list(data.get("items") or []), data.get("reason")
        if not items and data.get("source") == "process":
            items, step_reason = process_supplement(events, request)
            reason = step_reason or reason
        context["supplement"] = {"reason": reason, "items": items,
                                 "requested_at": request.at, "contact": names.person(request.actor)}
        context["receiver"] = {"full_name": names.person(request.actor)}
        context["dossier"]["supplement_count"] = sum(1 for e in events if e.type == "supplement_requested")
    elif kind in ("refusal", "stop"):
        status = "rejected" if kind == "refusal" else "stopped"
        finished = next((e for e in reversed(events) if e.type == "finished"), None)
        if dossier.status != status or finished is None:
            raise NotFound("Hồ sơ không bị từ chối." if kind == "refusal" else "Hồ sơ không bị dừng giải quyết.")
        data = finished.data or {}
        reason = data.get("reason") or _reason_from_steps(events)
        context[kind] = {"reason": reason, "at": finished.at}
        if finished.actor and finished.actor in names.users:
            context["receiver"] = {"full_name": names.person(finished.actor)}
        if kind == "stop":
            context["office"] = {"code": competent.code, "name": competent.name}
    elif kind == "apology":
        if not dossier.apology:
            raise NotFound("Hồ sơ không có phiếu xin lỗi.")
        apology = dossier.apology
        context["apology"] = {"reason": apology.get("reason"), "new_due_at": apology.get("new_due_at"),
                              "original_due_at": apology.get("original_due_at"), "at": apology.get("at"),
                              "on_time": apology.get("on_time")}
        context["office"] = {"code": competent.code, "name": competent.name}
        head = leader_of(session, competent)
        # signed by the head of the competent agency (TT 03/2025 form 04), never the clerk
        context["signatory"] = {"full_name": head.full_name if head else None,
                                "title": f"Thủ trưởng {competent.name}"}
    elif kind == "control-slip":
        context["handovers"] = handovers(dossier, events, names, now)
        context["coordinating_offices"] = coordinating_offices(dossier, events, names)
    return context


def render(platform, actor: Actor, code: str, kind: str) -> str:
    """One printable document of a dossier the actor may see, as an HTML page."""
    if kind not in KINDS:
        raise NotFound(f"Không có mẫu giấy tờ «{kind}»; các mẫu: {', '.join(KINDS)}.")
    with platform.uow() as uow:
        dossier = load_visible(uow.session, actor, code)
        context = context_for(uow.session, dossier, kind, platform.now())
        if kind == "receipt":  # issue 12: the citizen's key and its QR code
            from motcua.services.public import receipt_lookup
            context["lookup"] = receipt_lookup(platform, uow.session, dossier)
    return render_document(kind, context)
