"""Scripts run in worker processes under OS limits: engine.script_pool, script_worker, script_run."""
from __future__ import annotations

import os
import pickle
import time

import pytest

from engine import limits, script_pool
from engine.sandbox import (
    RestrictedEnvironment,
    ScriptError,
    ScriptOverrun,
    ScriptRefused,
    ScriptTimeout,
    check_script,
    is_cheap,
)


@pytest.fixture
def env():
    return RestrictedEnvironment(time_limit=1.0)


@pytest.fixture
def small_limits():
    saved = limits.current()
    yield lambda **values: limits.configure({**values})
    limits._current = saved


def test_cheap_expressions_are_told_apart():
    assert is_cheap('decision == "approve"')
    assert is_cheap("amount > 1000 and not verified or items[0] in ('a', 'b')")
    for expression in ("len(x) > 1", "a * b", "a ** b", "[i for i in x]", "x.upper()", "lambda: 1",
                       "a % b", "a << b", "f'{a}'", "_getattr_", "x" * 3000):
        assert not is_cheap(expression), expression


def test_a_script_runs_in_another_process(env):
    data = {}
    env.execute("x = 1", data)
    worker = script_pool.pool().idle[-1]
    assert worker.proc.pid != os.getpid() and worker.alive()


def test_one_c_level_operation_is_stopped_by_the_clock_and_the_worker_replaced(env):
    script = "x = [[0] * 1000000] * 20000 == [list([0] * 1000000)] * 20000"  # 2·10¹⁰ comparisons
    started = time.monotonic()
    with pytest.raises(ScriptTimeout):
        env.execute(script, {})
    assert time.monotonic() - started < 1.0 + limits.current().script_kill_grace_seconds + 2
    data = {"n": 2}
    env.execute("m = n * 21", data)
    assert data["m"] == 42


def test_memory_is_capped_by_the_operating_system(small_limits):
    small_limits(script_memory_mb=128)
    env = RestrictedEnvironment(time_limit=5)
    with pytest.raises(ScriptOverrun) as info:
        env.execute("s = 'x' * 1000000\nt = [s] * 300\nn = len(str(t))", {})
    assert "bộ nhớ" in str(info.value)
    data = {}
    env.execute("ok = True", data)
    assert data == {"ok": True}


def test_output_size_is_capped(small_limits):
    small_limits(script_output_bytes=100_000)
    env = RestrictedEnvironment()
    with pytest.raises(ScriptOverrun):
        env.execute("x = 'a' * 200000", {})
    with pytest.raises(ScriptOverrun):  # small in memory, 10⁹ characters as stored JSON
        env.execute("s = 'a' * 1000000\nx = [s] * 1000", {})
    data = {}
    env.execute("x = 'a' * 1000", data)
    assert len(data["x"]) == 1000


@pytest.mark.parametrize("script", [
    "m = int.from_bytes(b'\\xff' * 10000, 'big')\nx = pow(7, m - 1, m)",
    "x = ('a' * 1000).translate({97: 'b' * 10**6})",
])
def test_single_operation_bombs_are_refused_by_guards(env, script):
    started = time.monotonic()
    with pytest.raises(ScriptRefused):
        env.execute(script, {})
    assert time.monotonic() - started < 1


def test_small_modular_powers_and_translations_work(env):
    data = {}
    env.execute("x = pow(3, 200, 1000007)\ny = 'abc'.translate({97: 'xy'})", data)
    assert data == {"x": pow(3, 200, 1000007), "y": "xybc"}


@pytest.mark.parametrize("script", ["x = float('nan')", "x = [float('-inf')]",
                                    "x = []\nfor i in range(1000):\n    x = [x]"])
def test_unstorable_results_are_refused(env, script):
    data = {"keep": 1}
    with pytest.raises(ScriptOverrun):
        env.execute(script, data)
    assert data == {"keep": 1}


def test_nan_from_an_expression_is_refused(env):
    with pytest.raises(ScriptOverrun):
        env.evaluate("float('nan')", {})
    with pytest.raises(ScriptOverrun):
        env.evaluate("x", {"x": float("nan")})  # in-process (cheap) path too


def test_platform_functions_run_in_the_server_with_checked_arguments():
    calls = []

    def working_days_after(start, days):
        calls.append(os.getpid())
        return f"{start}+{days}"

    env = RestrictedEnvironment({"working_days_after": working_days_after})
    data = {}
    env.execute("due = working_days_after('2026-11-25', 2)", data)
    assert data == {"due": "2026-11-25+2"} and calls == [os.getpid()]
    for bad in ("working_days_after('x', 10**9)", "working_days_after('x', float('nan'))",
                "working_days_after('x' * 1000, 1)", "working_days_after([1], 1)"):
        with pytest.raises(ScriptError) as info:
            env.execute(f"due = {bad}", {})
        assert "working_days_after" in str(info.value)
    assert len(calls) == 1


def test_answers_are_read_with_an_allow_list():
    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))
    with pytest.raises(pickle.UnpicklingError):
        script_pool.loads(pickle.dumps(Evil()))
    from datetime import datetime, timezone
    from decimal import Decimal
    from zoneinfo import ZoneInfo
    value = {"a": [datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")), datetime.now(timezone.utc), Decimal("1.5")]}
    assert script_pool.loads(pickle.dumps(value)) == value


def test_a_forked_child_gets_its_own_pool(env):
    env.execute("x = 1", {})
    parent_workers = [w.proc.pid for w in script_pool.pool().idle]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a pre-forking server's worker
        try:
            data = {}
            RestrictedEnvironment().execute("y = 2", data)
            child_workers = [w.proc.pid for w in script_pool.pool().idle]
            ok = data == {"y": 2} and not set(child_workers) & set(parent_workers)
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert all(w.alive() for w in script_pool.pool().idle)  # the parent's workers survived


def test_limits_come_from_configuration(small_limits):
    lim = small_limits(multi_instance_max="7", script_kill_grace_seconds=0.5, unknown=1)
    assert lim.multi_instance_max == 7 and lim.script_kill_grace_seconds == 0.5


def test_publish_check_is_unchanged_for_calls():
    assert check_script("pow(2, 3, 5)", mode="eval") == []
