"""The engine's resource limits, set once from the `limits:` section of config.yaml.

The engine does not read configuration itself (it knows nothing of motcua): the platform calls
`configure(settings.limits)` when it starts; until then (and for keys it omits) the defaults
below apply, the same values config.yaml documents.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    # Address space of a script worker process, in MiB (RLIMIT_AS).
    script_memory_mb: int = 256
    # Seconds a worker may run past the script time limit before it is killed (wall clock);
    # its CPU-time limit (RLIMIT_CPU) is the script time limit plus this, rounded up.
    script_kill_grace_seconds: float = 1.0
    # Bytes of one answer from a worker (the task data a script leaves, pickled).
    script_output_bytes: int = 4 * 1024 * 1024
    # Nesting depth of task data a script may leave.
    script_data_max_depth: int = 64
    # Worker processes at most, per server process; how long a script waits for a free one.
    script_workers: int = 2
    script_worker_wait_seconds: float = 10.0
    # Largest absolute number a script may pass to a platform function (days, for the calendar).
    script_function_max_number: float = 3660
    # Instances of one multi-instance activity, iterations of one standard loop.
    multi_instance_max: int = 100
    # Times one element may run in one process instance (engine-only loops included).
    loop_max_iterations: int = 100
    # Depth of the task tree; SpiffWorkflow stops looking for tasks at depth 1000.
    process_max_depth: int = 800
    # Longest duration a timer may wait, in years (SpiffWorkflow walks it month by month).
    timer_max_years: float = 20


_current = Limits()


def configure(settings: dict | None) -> Limits:
    """Take the keys of `settings` (the `limits:` mapping) that name an engine limit."""
    global _current
    known = {f.name: f.type for f in fields(Limits)}
    values = {}
    for key, value in (settings or {}).items():
        if key in known and value is not None:
            values[key] = float(value) if "float" in str(known[key]) else int(value)
    _current = replace(Limits(), **values)
    return _current


def current() -> Limits:
    return _current
