"""Who is acting, and what each role may see and do (contract: "Auth and people")."""
from __future__ import annotations

from dataclasses import dataclass

from motcua.errors import Forbidden

ROLES = ("admin", "designer", "receiver", "specialist", "leader", "auditor")


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
        return self.has("admin", "auditor")

    def require(self, *roles: str) -> None:
        if not self.has(*roles):
            raise Forbidden("Tài khoản không có vai trò cần thiết cho thao tác này.")


SYSTEM = Actor(user_id=None, username="system", office_id=None, office_code=None, roles=frozenset({"system"}))
