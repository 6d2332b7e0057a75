"""Restricted execution of the Python in BPMN diagrams (gateway conditions, script tasks, timers).

SpiffWorkflow runs these with plain `eval`/`exec`; a diagram uploaded by a designer would then be
code execution on the server. Here every script is compiled with RestrictedPython under a stricter
policy (engine/script_policy.py) and run with guarded builtins and operators
(engine/script_guards.py) in a worker process whose CPU time and memory the operating system caps
(engine/script_pool.py, engine/script_worker.py): a script that overruns is killed with its worker,
its step fails cleanly and the server goes on answering everyone else.

Expressions that are provably cheap (comparisons, boolean logic, subscripts, `+`/`-` on task data;
no calls, loops or amplifying operators: `script_policy.is_cheap`) are evaluated in the server
process, saving the round trip for the common gateway condition.

A script task runs on a copy of the task data, which replaces the task data only when the script
succeeds: a failed or stopped script leaves the task data as it was. What it leaves must be
storable: JSON-like, bounded in depth, no NaN or Infinity (engine/script_run.py).

Errors reach SpiffWorkflow as `ScriptError` subclasses with a Vietnamese message; SpiffWorkflow
wraps them in `WorkflowTaskException` and marks the task ERROR.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine import limits, script_pool, script_run
from engine.limits import configure
from engine.script_guards import (  # noqa: F401 - the sandbox's public names
    GUARDS,
    MAX_ALLOCATION,
    MAX_INT_BITS,
    MAX_MODPOW_BITS,
    MAX_RANGE,
    MAX_SEQUENCE,
    SAFE_BUILTINS,
    ScriptError,
    ScriptOverrun,
    ScriptRefused,
    ScriptTimeout,
)
from engine.script_policy import MotcuaPolicy, check_script, compiled, is_cheap  # noqa: F401

__all__ = ["RestrictedEnvironment", "make_script_engine", "check_script", "configure", "ScriptError",
           "ScriptRefused", "ScriptTimeout", "ScriptOverrun"]


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment running RestrictedPython in worker processes.

    `extra_globals`: trusted helpers offered to scripts (e.g. `working_days_after`); they run in
    the server process with checked arguments, so they must not hand out powerful objects.
    """

    def __init__(self, extra_globals: dict | None = None, time_limit: float = 1.0):
        super().__init__(dict(extra_globals or {}))
        self.time_limit = float(time_limit)

    # SpiffWorkflow API ---------------------------------------------------------------

    def evaluate(self, expression, context, external_context=None):
        extra = dict(self.globals)
        extra.update(external_context or {})
        code = compiled(expression, "eval")  # refused here, before any worker is asked
        if is_cheap(expression):
            lim = limits.current()
            return script_run.evaluate(code, context, extra, self.time_limit,
                                       lim.script_data_max_depth, lim.script_output_bytes)
        return script_pool.run("eval", expression, context, extra, self.time_limit)

    def execute(self, script, context, external_context=None):
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        compiled(script, "exec")
        extra = dict(self.globals)
        extra.update(external_context)
        result = script_pool.run("exec", script, context, extra, self.time_limit)
        context.clear()
        context.update(result)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptRefused("Tác vụ dịch vụ (serviceTask) không được hỗ trợ.")

    def check_for_overwrite(self, context, external_context):
        clashes = (set(self.globals) | set(external_context)) & set(context)
        if clashes:
            names = ", ".join(sorted(clashes))
            raise ScriptRefused(f"Dữ liệu hồ sơ có trường trùng tên với hàm có sẵn: {names}. "
                                "Hãy đổi tên trường.")


def make_script_engine(extra_globals: dict | None = None, time_limit: float = 1.0) -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose scripts and expressions run in `RestrictedEnvironment`."""
    return PythonScriptEngine(environment=RestrictedEnvironment(extra_globals, time_limit))
