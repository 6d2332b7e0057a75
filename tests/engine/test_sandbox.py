"""Scripts and expressions from BPMN diagrams run restricted and time-limited: engine.sandbox."""
import sys
import threading
import time

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import (
    RestrictedEnvironment,
    ScriptError,
    ScriptRefused,
    ScriptTimeout,
    check_script,
    make_script_engine,
)


@pytest.fixture
def env():
    return RestrictedEnvironment(time_limit=0.5)


def run(env, script, **data):
    env.execute(script, data)
    return data


# --- escapes are refused -----------------------------------------------------------------------

ESCAPES = [
    "__import__('os').system('id')",
    "import os",
    "from os import path",
    "x = ().__class__.__base__.__subclasses__()",
    "x = getattr(data, '__class__')",
    "x = open('/etc/passwd').read()",
    "x = (i for i in [1]).gi_frame.f_back",
    "x = '{0.__class__}'.format(1)",
    "x = eval('1')",
    "class A: pass",
    "x = globals()",
    "x = [].__class__",
    "x = int.mro()",
    "x = max.__self__",
    "x = data.__class__",
]


@pytest.mark.parametrize("script", ESCAPES)
def test_escape_attempts_fail_cleanly(env, script):
    data = {"data": 1}
    with pytest.raises(ScriptError) as info:
        env.execute(script, data)
    assert isinstance(info.value, Exception)
    assert info.value.args and isinstance(info.value.args[0], str)
    assert data == {"data": 1}


@pytest.mark.parametrize("script", ["import os", "x = ().__class__", "x = 9**9**9", "class A: pass",
                                    "try:\n    x = 1\nexcept:\n    pass",
                                    "try:\n    x = 1\nfinally:\n    pass",
                                    "x = 'a' * 10**9"])
def test_refused_at_compile_time(env, script):
    assert check_script(script, mode="exec")
    assert all(message.startswith("Kịch bản bị từ chối") for message in check_script(script, mode="exec"))
    with pytest.raises(ScriptRefused):
        env.execute(script, {})


def test_pow_bomb_is_refused(env):
    with pytest.raises(ScriptRefused):
        env.evaluate("9**9**9", {})
    assert check_script("9**9**9", mode="eval")
    # not constant: refused when run, quickly
    start = time.monotonic()
    with pytest.raises(ScriptRefused):
        env.execute("n = 9\nx = n ** n ** n", {})
    with pytest.raises(ScriptRefused):
        env.execute("n = 2\nx = 1 << n ** 40", {})
    assert time.monotonic() - start < 1


@pytest.mark.parametrize("script", [
    "x = 'a'\nwhile True:\n    x += x",
    "x = [0]\nwhile True:\n    x = x + x",
    "n = 10**9\nx = 'a' * n",
    "n = 10**9\nx = 'a'.ljust(n)",
    "x = 'a' * 1000\nwhile True:\n    x = x.replace('a', 'aa')",
    "x = list(range(10**7))",
    "x = [i for i in range(2_000_000)]",
    "x = [[0] * 1000 for i in range(100_000)]",  # too much in total
    "x = [list(range(1_000_000)) for i in range(100)]",
])
def test_resource_bombs_are_refused(script):
    env = RestrictedEnvironment(time_limit=10)  # refused by the guards, not by the clock
    start = time.monotonic()
    with pytest.raises(ScriptRefused):
        env.execute(script, {})
    assert time.monotonic() - start < 3


# --- time limit --------------------------------------------------------------------------------

@pytest.mark.parametrize("script", [
    "while True: pass",
    "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass",
    "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(60)",
    "x = sum(i * j for i in range(10**6) for j in range(10**6))",
    "def gen():\n    while True:\n        yield 1\nx = sum(gen())",
    "x = []\nwhile True:\n    x.append(1)",
    "f = lambda g, n: g(g, n + 1) + g(g, n + 1) if n < 50 else 0\nx = f(f, 0)",
    "x = sorted(range(1000), key=lambda i: sum(j for j in range(10**6)))",
])
def test_runaway_script_is_stopped_and_the_next_one_runs(script):
    env = RestrictedEnvironment(time_limit=0.3)
    data = {"before": 1}
    start = time.monotonic()
    with pytest.raises(ScriptTimeout) as info:
        env.execute(script, data)
    assert time.monotonic() - start < 2
    assert "thời gian" in str(info.value)
    assert data == {"before": 1}
    assert run(env, "total = before + 1", before=1)["total"] == 2


def test_runaway_expression_is_stopped():
    env = RestrictedEnvironment(time_limit=0.3)
    with pytest.raises(ScriptTimeout):
        env.evaluate("[0 for i in range(10**6) for j in range(10**6)]", {})
    assert env.evaluate("1 + 1", {}) == 2


def test_trace_function_is_left_alone():
    """pytest-cov and debuggers keep their trace function: the time limit does not use one."""
    def other_tracer(frame, event, arg):
        return None

    previous = sys.gettrace()
    sys.settrace(other_tracer)
    try:
        env = RestrictedEnvironment(time_limit=0.2)
        env.execute("x = 1", {})
        assert sys.gettrace() is other_tracer
        with pytest.raises(ScriptTimeout):
            env.execute("while True: pass", {})
        assert sys.gettrace() is other_tracer
    finally:
        sys.settrace(previous)


def test_time_limit_is_per_thread():
    env = RestrictedEnvironment(time_limit=0.3)
    results = {}

    def runaway():
        try:
            env.execute("while True: pass", {})
        except ScriptTimeout:
            results["runaway"] = "stopped"

    thread = threading.Thread(target=runaway)
    thread.start()
    assert run(env, "x = sum(range(1000))")["x"] == 499500
    thread.join(5)
    assert results == {"runaway": "stopped"}


# --- ordinary scripts and expressions work --------------------------------------------------

def test_gateway_expressions(env):
    assert env.evaluate('decision == "approve"', {"decision": "approve"}) is True
    assert env.evaluate("amount > 1000 and verified", {"amount": 5000, "verified": True}) is True
    assert env.evaluate("amount > 1000 and verified", {"amount": 5000, "verified": False}) is False
    assert env.evaluate("\n   amount > 1000\n  ", {"amount": 10}) is False  # BPMN text whitespace
    assert env.evaluate('"PT2S"', {}) == "PT2S"
    assert env.evaluate("len(items) >= 2 and items[0]['ok']", {"items": [{"ok": True}, {}]}) is True


def test_ordinary_scripts(env):
    data = run(env, """
total = fee * 2
count = 0
for doc in documents:
    if doc['digitized']:
        count += 1
names = [d['name'].upper() for d in documents]
summary = {'total': total, 'count': count, 'ok': all(d['digitized'] for d in documents)}
x += 1
x -= 3
label = 'Phí: ' + str(total)
label += ' đồng'
pairs = {k: v for k, v in zip(['a', 'b'], [1, 2])}
first, second = sorted([3, 1])
items = []
items.append(min(4, 5))
items += [max(1, 2)]
text = f'{total:,} VND'
ratio = round(total / 3, 2)
def double(n):
    return n * 2
doubled = double(21)
try:
    bad = int('x')
except ValueError:
    bad = 0
""", fee=100, x=1, documents=[{"name": "a", "digitized": True}, {"name": "b", "digitized": False}])
    assert data["total"] == 200
    assert data["count"] == 1
    assert data["names"] == ["A", "B"]
    assert data["summary"] == {"total": 200, "count": 1, "ok": False}
    assert data["x"] == -1
    assert data["label"] == "Phí: 200 đồng"
    assert data["pairs"] == {"a": 1, "b": 2}
    assert (data["first"], data["second"]) == (1, 3)
    assert data["items"] == [4, 2]
    assert data["text"] == "200 VND"
    assert data["ratio"] == 66.67
    assert data["doubled"] == 42 and "double" not in data  # functions do not stay in task data
    assert data["bad"] == 0
    assert not any(key.startswith("_") for key in data)


def test_print_is_collected(env):
    data = run(env, "print('xin chào')\nout = printed")
    assert data["out"] == "xin chào\n"
    assert "_print" not in data


def test_extra_globals_are_offered_and_removed(env):
    env = RestrictedEnvironment({"working_days_after": lambda start, days: start + days, "VAT": 0.1})
    data = run(env, "due = working_days_after(10, 3)\ntax = 100 * VAT")
    assert data == {"due": 13, "tax": 10.0}
    assert env.evaluate("working_days_after(1, 1)", {}) == 2
    with pytest.raises(ScriptRefused):  # task data must not hide a helper
        env.execute("x = 1", {"VAT": 5})


def test_runtime_error_is_clean_and_leaves_data_alone(env):
    data = {"x": 1, "items": [1]}
    with pytest.raises(ScriptError) as info:
        env.execute("x = 2\nitems.append(2)\ny = {}[1]", data)
    assert "dòng 3" in str(info.value) and "KeyError" in str(info.value)
    assert info.value.line == 3
    assert data == {"x": 1, "items": [1]}


def test_check_script(env):
    assert check_script("decision == 'approve'", mode="eval") == []
    assert check_script("total = fee * 2", mode="exec") == []
    assert check_script("x = (", mode="exec")[0].startswith("Kịch bản bị từ chối: Dòng 1: SyntaxError")
    assert check_script("x.__class__", mode="eval")[0].startswith("Biểu thức bị từ chối: Dòng 1")
    assert check_script("import os", mode="exec") == ["Kịch bản bị từ chối: Dòng 1: Không được dùng import trong kịch bản."]
    assert check_script("x = 1", mode="eval")  # a statement is not an expression
    with pytest.raises(ValueError):
        check_script("1", mode="single")


# --- inside SpiffWorkflow -----------------------------------------------------------------------

def bpmn(script: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="fee" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="Tính phí">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f_low"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_high</bpmn:outgoing><bpmn:outgoing>f_low</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_high"><bpmn:incoming>f_high</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_low"><bpmn:incoming>f_low</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gw" />
    <bpmn:sequenceFlow id="f_high" sourceRef="gw" targetRef="end_high">
      <bpmn:conditionExpression>total &gt; 1000 and verified</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_low" sourceRef="gw" targetRef="end_low" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def workflow(script: str, data: dict, time_limit: float = 1.0) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(bpmn(script))
    wf = BpmnWorkflow(parser.get_spec("fee"), script_engine=make_script_engine(time_limit=time_limit))
    start = wf.get_tasks(state=TaskState.READY)[0]
    start.set_data(**data)
    return wf


def finished_ends(wf):
    return {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id and t.task_spec.bpmn_id.startswith("end_")}


@pytest.mark.parametrize("fee,verified,end", [(600, True, "end_high"), (600, False, "end_low"),
                                              (100, True, "end_low")])
def test_spiffworkflow_run(fee, verified, end):
    wf = workflow("total = fee * 2\nitems = [i for i in range(3)]", {"fee": fee, "verified": verified})
    wf.do_engine_steps()
    assert wf.is_completed()
    assert finished_ends(wf) == {end}
    assert wf.last_task.data["total"] == fee * 2


def serializer():
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))


@pytest.mark.parametrize("script,error_type", [
    ("total = fee * 2\nwhile True: pass", "ScriptTimeout"),
    ("total = ().__class__.__base__.__subclasses__()", "ScriptRefused"),
    ("total = fee * 2\nx = {}[1]", "ScriptError"),
])
def test_spiffworkflow_failing_script(script, error_type):
    wf = workflow(script, {"fee": 600, "verified": True}, time_limit=0.3)
    start = time.monotonic()
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert time.monotonic() - start < 3
    assert info.value.error_type == error_type
    task = wf.get_tasks(state=TaskState.ERROR)[0]
    assert task.task_spec.bpmn_id == "compute"
    assert "total" not in task.data  # not half-changed
    assert not wf.is_completed()
    # the instance is intact: it serializes, restores, and nothing else moved
    ser = serializer()
    restored = ser.from_dict(ser.to_dict(wf))
    restored.script_engine = make_script_engine()
    assert restored.get_tasks(state=TaskState.ERROR)[0].task_spec.bpmn_id == "compute"
    assert not finished_ends(restored)
