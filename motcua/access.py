"""Who is acting, and what each role may see and do (contract: "Auth and people").

Every access rule lives here, once: each Python predicate (for one row already loaded) sits next
to the SQLAlchemy filter that expresses the same rule (for lists), so that the two cannot drift
apart. The use cases in `motcua/services/` only call these; routes call the use cases.

Reading
- Staff (receiver, specialist, leader, and a designer for reading) see the dossiers of their own
  office: received there, decided there (competent office), or with a step there (an
  `OFFICE:role` lane of an inter-agency process, whether the step is open or done). Anything else
  answers 404, as if it did not exist. (`may_read_dossier` / `readable_dossiers`.)
- A task is read by its office's staff (`may_read_task` / `readable_tasks`).
- Auditors read every office's dossiers, tasks and history, and act on nothing (403).
- Admins read everything.

Working a step (claim, unclaim, complete)
- Needs the lane's role at the step's office (`may_work_task` / `workable_tasks`); a user of that
  office without the role may read the task (403 on acting), anyone else gets 404. Admins do not
  work steps: a step belongs to whoever holds its lane's role at its office.

Complaints and recommendations (PAKN)
- A PAKN is read by the staff (working roles) of the office concerned, and by admins and auditors
  (`may_read_feedback` / `readable_feedback`); anyone else gets 404. It is handled (classify,
  request information, refuse, answer, publish) by a working role at the office concerned, or an
  admin (`may_handle_feedback`); an auditor reading it gets 403 on acting.

Dossier-level actions (issue 11 item 5) need a working role (receiver, specialist, leader) at the
office the action belongs to (`dossier_action_denial`):

  action               receiving office (desk)     competent office
  supplement-request   yes                         yes
  supplement           yes (the desk receives it)  yes
  apology (form 04)    no                          yes
  reject (form 03)     no                          yes
  stop                 no                          yes
  withdraw             yes                         yes
  return (hand-over)   receivers only              no (unless it is also the desk)
  result (electronic)  no                          yes
  payment (fees)       receivers only              no (unless it is also the desk)
  reuse (look-up)      yes                         yes

- Roles inside the office stay as they were (any working role; return needs the receiver role):
  the law names the office, not the role, for these decisions.
- A cooperating agency (an office that only holds an `OFFICE:role` step, open or done) works its
  own step and nothing else: every dossier-level action answers 403 with a message naming it.
- Admins may take every dossier action on any dossier: the contract reads "auditors and admins:
  all, read-only for auditors", and this is the province's escalation path when an office cannot
  act. Each such action is recorded in the dossier's history under the admin's name. Admins do
  not receive dossiers (a desk act, for receivers).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import and_, false, literal_column, or_, select, true

from motcua.db.models import Dossier, Feedback, Office, StepRow
from motcua.db.sql import InSubquery
from motcua.errors import Forbidden, NotFound

ROLES = ("admin", "designer", "receiver", "specialist", "leader", "auditor")
WORKING_ROLES = ("receiver", "specialist", "leader")

RECEIVING, COMPETENT = "receiving", "competent"
# Which office each dossier-level action belongs to (see the table in the module docstring).
DOSSIER_ACTIONS = {
    "supplement-request": (RECEIVING, COMPETENT),
    "supplement": (RECEIVING, COMPETENT),
    "apology": (COMPETENT,),
    "reject": (COMPETENT,),
    "stop": (COMPETENT,),
    "withdraw": (RECEIVING, COMPETENT),
    "return": (RECEIVING,),
    "result": (COMPETENT,),
    "payment": (RECEIVING,),
    "reuse": (RECEIVING, COMPETENT),
}
# Roles an action needs beyond a working role (return: the desk hands the result over).
ACTION_ROLES = {"return": ("receiver",), "payment": ("receiver",)}
ACTION_LABELS = {
    "supplement-request": "yêu cầu bổ sung hồ sơ", "supplement": "nhận hồ sơ bổ sung",
    "apology": "xin lỗi và hẹn lại ngày trả kết quả", "reject": "từ chối giải quyết hồ sơ",
    "stop": "dừng xử lý hồ sơ", "withdraw": "rút hồ sơ", "return": "trả kết quả",
    "result": "đính kèm kết quả điện tử", "payment": "ghi nhận phí, lệ phí",
    "reuse": "tra cứu dữ liệu đã số hóa của người nộp",
}
ENDING_ACTIONS = {"rejected": "reject", "stopped": "stop", "withdrawn": "withdraw"}
# Moving running dossiers to a new procedure version (issue 14): the process designers and the
# administrators, for every office (it changes no decision, only the process a dossier follows).
MIGRATORS = ("designer", "admin")


def require_migrator(actor: "Actor") -> None:
    actor.require(*MIGRATORS)


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    office_id: int | None
    office_code: str | None
    roles: frozenset
    # a leader's offices below their own (children at any depth): they read those offices'
    # dossiers (the dashboard's drill-down opens them) but act only in their own office
    offices_below: frozenset = frozenset()

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sees_everything(self) -> bool:
        """Admins and auditors read every office's dossiers and tasks."""
        return self.has("admin", "auditor")

    @property
    def read_only(self) -> bool:
        """An auditor (without another role that acts) only reads."""
        return not self.has("admin", *WORKING_ROLES)

    @property
    def acts_everywhere(self) -> bool:
        """Admins may take dossier actions in any office (see the module docstring)."""
        return self.has("admin")

    def require(self, *roles: str) -> None:
        if not self.has(*roles):
            raise Forbidden("Tài khoản không có vai trò cần thiết cho thao tác này.")


def _own_office(actor: Actor) -> int:
    """The actor's office id, or one no row has (a user without an office matches nothing)."""
    return actor.office_id if actor.office_id is not None else -1


# -- reading a dossier --------------------------------------------------------------------------

def step_offices(session, dossier_id: int, *states: str) -> set:
    """The offices holding a step of the dossier (in one of `states`, if given): the data the
    dossier predicates need beside the row itself."""
    query = select(StepRow.office_id).where(StepRow.dossier_id == dossier_id).distinct()
    if states:
        query = query.where(StepRow.state.in_(states))
    return set(session.scalars(query))


def dossier_of_office(dossier: Dossier, office_id: int | None, offices_with_steps: Iterable[int]) -> bool:
    """Received there, decided there, or with a step there."""
    if office_id is None:
        return False
    return office_id in (dossier.receiving_office_id, dossier.competent_office_id) or office_id in set(
        offices_with_steps)


def dossiers_of_office(office_id: int | None):
    """SQL twin of `dossier_of_office` (also the `office=` filter of the dossier list).

    A step stands at another office than the receiving or competent one only when its lane names
    that office (`OFFICE:role`; engine conventions, services/process `_lane_office`), so only those
    steps are looked at: the same rows, through a small partial index (`ix_tasks_cooperating`)
    instead of every step the office ever had (millions, for a busy commune)."""
    office_id = office_id if office_id is not None else -1
    with_step = select(StepRow.dossier_id).where(StepRow.office_id == office_id, StepRow.lane.like(literal_column("'%:%'")))
    return or_(Dossier.receiving_office_id == office_id, Dossier.competent_office_id == office_id,
               InSubquery(Dossier.id, with_step))


def may_read_dossier(actor: Actor, dossier: Dossier, offices_with_steps: Iterable[int]) -> bool:
    """Own office's dossiers (received, decided or with a step there), and for a leader those of
    the offices below theirs; admins and auditors: all."""
    steps = set(offices_with_steps)
    return actor.sees_everything or any(dossier_of_office(dossier, office, steps)
                                        for office in (actor.office_id, *sorted(actor.offices_below)))


def load_visible(session, actor: Actor, code: str) -> Dossier:
    """The dossier `code` if the actor may read it; otherwise 404, as if it did not exist."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None or not (actor.sees_everything
                               or may_read_dossier(actor, dossier, step_offices(session, dossier.id))):
        raise NotFound(f"Không tìm thấy hồ sơ «{code}».")
    return dossier


def readable_dossiers(actor: Actor):
    """SQL twin of `may_read_dossier`: a WHERE clause on `Dossier`."""
    if actor.sees_everything:
        return true()
    own = dossiers_of_office(_own_office(actor))
    return or_(own, *(dossiers_of_office(office) for office in sorted(actor.offices_below))) \
        if actor.offices_below else own


# -- acting on a dossier ------------------------------------------------------------------------

def dossier_action_denial(actor: Actor, dossier: Dossier, action: str, office_name: str | None) -> str | None:
    """Why the actor may not take `action` on a dossier they may read (a Vietnamese sentence for
    the 403), or None when they may. `office_name`: the actor's office's name, for the message."""
    if action not in DOSSIER_ACTIONS:
        raise ValueError(f"unknown dossier action {action!r}")
    if actor.acts_everywhere:
        return None
    label = ACTION_LABELS[action]
    if not actor.has(*WORKING_ROLES):
        return "Tài khoản chỉ được xem, không được thao tác trên hồ sơ."
    parties = []
    if actor.office_id is not None and actor.office_id == dossier.receiving_office_id:
        parties.append(RECEIVING)
    if actor.office_id is not None and actor.office_id == dossier.competent_office_id:
        parties.append(COMPETENT)
    if not parties:
        return (f"{office_name or 'Cơ quan của tài khoản'} chỉ phối hợp xử lý bước được giao trong hồ sơ "
                f"{dossier.code}; thao tác «{label}» thuộc cơ quan có thẩm quyền hoặc bộ phận một cửa tiếp nhận.")
    if not set(parties) & set(DOSSIER_ACTIONS[action]):
        owner = (dossier.competent_office.name if DOSSIER_ACTIONS[action] == (COMPETENT,)
                 else dossier.receiving_office.name)
        return f"Thao tác «{label}» thuộc {owner}, không thuộc {office_name or 'cơ quan của tài khoản'}."
    needed = ACTION_ROLES.get(action)
    if needed and not actor.has(*needed):
        return "Chỉ bộ phận một cửa nơi tiếp nhận hồ sơ mới trả kết quả."
    return None


def may_act_on_dossier(actor: Actor, dossier: Dossier, action: str) -> bool:
    return dossier_action_denial(actor, dossier, action, None) is None


def actionable_dossiers(actor: Actor, action: str):
    """SQL twin of `may_act_on_dossier`: the dossiers on which the actor may take `action`."""
    if actor.acts_everywhere:
        return true()
    needed = ACTION_ROLES.get(action, ())
    if actor.office_id is None or not actor.has(*WORKING_ROLES) or (needed and not actor.has(*needed)):
        return false()
    columns = {RECEIVING: Dossier.receiving_office_id, COMPETENT: Dossier.competent_office_id}
    return or_(*(columns[party] == actor.office_id for party in DOSSIER_ACTIONS[action]))


def check_dossier_action(session, actor: Actor, dossier: Dossier, action: str) -> None:
    """403 (Vietnamese, naming the actor's office) unless the actor may take `action`."""
    office = session.get(Office, actor.office_id) if actor.office_id is not None else None
    denial = dossier_action_denial(actor, dossier, action, office.name if office else None)
    if denial:
        raise Forbidden(denial)


# -- office reports (the leader's dashboard and its drill-down) -----------------------------------

def office_report_denial(actor: Actor, office_id: int | None, own_tree: Iterable[int]) -> str | None:
    """Why the actor may not read an office's dashboard (a Vietnamese sentence for the 403), or None.
    Leaders read their office and the offices below it (`own_tree`: their office's ids, children
    included); admins and auditors read every office and the province (`office_id` None)."""
    if actor.sees_everything:
        return None
    if not actor.has("leader"):
        return "Bảng điều hành dành cho lãnh đạo cơ quan, kiểm tra viên và quản trị viên."
    if office_id is None or office_id not in set(own_tree):
        return "Chỉ xem được số liệu của cơ quan mình và các cơ quan trực thuộc."
    return None


# -- tasks --------------------------------------------------------------------------------------

def may_read_task(actor: Actor, row: StepRow) -> bool:
    """Own office's tasks (read); admins and auditors: every office's."""
    return actor.sees_everything or (actor.office_id is not None and actor.office_id == row.office_id)


def readable_tasks(actor: Actor):
    """SQL twin of `may_read_task`: a WHERE clause on `StepRow`."""
    return true() if actor.sees_everything else StepRow.office_id == _own_office(actor)


def may_work_task(actor: Actor, row: StepRow) -> bool:
    """A step is worked by whoever holds its lane's role at the step's office."""
    return actor.office_id is not None and actor.office_id == row.office_id and actor.has(row.role)


def workable_tasks(actor: Actor):
    """SQL twin of `may_work_task` (lanes are working roles: receiver, specialist, leader)."""
    roles = [r for r in WORKING_ROLES if actor.has(r)]
    if actor.office_id is None or not roles:
        return false()
    return and_(StepRow.office_id == actor.office_id, StepRow.role.in_(roles))


# -- complaints and recommendations (PAKN) -------------------------------------------------------

def may_read_feedback(actor: Actor, row: Feedback) -> bool:
    """The office concerned's working staff; admins and auditors: all."""
    return actor.sees_everything or (actor.office_id is not None and actor.office_id == row.office_id
                                     and actor.has(*WORKING_ROLES))


def readable_feedback(actor: Actor):
    """SQL twin of `may_read_feedback`: a WHERE clause on `Feedback`."""
    if actor.sees_everything:
        return true()
    if not actor.has(*WORKING_ROLES):
        return false()
    return Feedback.office_id == _own_office(actor)


def may_handle_feedback(actor: Actor, row: Feedback) -> bool:
    """A working role at the office concerned, or an admin."""
    return actor.acts_everywhere or (actor.office_id is not None and actor.office_id == row.office_id
                                     and actor.has(*WORKING_ROLES))


def check_feedback(actor: Actor, row: Feedback | None, *, act: bool = False) -> Feedback:
    """404 unless the actor may read the PAKN; with `act`, 403 unless they may handle it."""
    if row is None or not may_read_feedback(actor, row):
        raise NotFound("Không tìm thấy phản ánh, kiến nghị.")
    if act and not may_handle_feedback(actor, row):
        raise Forbidden("Tài khoản chỉ được xem, không được xử lý phản ánh, kiến nghị.")
    return row
