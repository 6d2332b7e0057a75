"""The one domain error: a move the lifecycle does not allow from the current state (→ 409)."""
from __future__ import annotations

from motcua.errors import Conflict


class NotAllowed(Conflict):
    """A transition refused by the rules of a dossier's life (the API answers 409 problem+json)."""


def wrong_status(status: str) -> NotAllowed:
    return NotAllowed(f"Hồ sơ đang ở trạng thái «{status}», không thực hiện được thao tác này.")
