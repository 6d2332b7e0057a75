"""Who is acting, and what each role may see and do (contract: "Auth and people").

The rules, in one place so that every use case applies the same ones:

- Staff (receiver, specialist, leader, and a designer for reading) see the dossiers of their own
  office: received there, decided there (competent office), or with a step there (an
  `OFFICE:role` lane of an inter-agency process). Anything else answers 404, as if it did not exist.
- Auditors read every office's dossiers, tasks and history, and act on nothing (403).
- Admins administer offices, users and the calendar, and read everything. Because the contract
  reads "auditors and admins: all, read-only for auditors", an admin may also take the dossier
  actions (supplement request/supplement, apology, reject, stop, withdraw, return) on any dossier:
  the province's escalation path when an office cannot act. Each such action is recorded in the
  dossier's history under the admin's name. Admins do not receive dossiers (a desk act, for
  receivers) and do not work steps: a step belongs to whoever holds its lane's role at its office.
- Acting on a dossier needs a working role (receiver, specialist, leader) at an office that holds
  it now: the receiving office, the competent office, or one with a step waiting on it. An office
  that only worked a step earlier keeps reading the dossier but no longer acts on it.
- Working a step (claim, unclaim, complete) needs the lane's role at the step's office; a user of
  that office without the role may read the task (403 on acting), anyone else gets 404.
"""
from __future__ import annotations

from dataclasses import dataclass

from motcua.errors import Forbidden

ROLES = ("admin", "designer", "receiver", "specialist", "leader", "auditor")
WORKING_ROLES = ("receiver", "specialist", "leader")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    office_id: int | None
    office_code: str | None
    roles: frozenset

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

