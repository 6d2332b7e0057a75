"""Names of SpiffWorkflow's task states, for messages about a serialized workflow (replay's
comparison of a stored instance reads the state numbers of its task tree)."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState


def state_name(value) -> str:
    try:
        return TaskState.get_name(value)
    except Exception:  # noqa: BLE001 - only for a message
        return str(value)
