"""What the platform costs per step, against raw SpiffWorkflow and the database's own commit rate.

    python bench/bench_engine.py [--dossiers 200] [--database-url URL]

Three figures measured in the same run:
- raw: the test procedure run in memory by SpiffWorkflow alone (start, three user tasks, a script);
- commits: the database's own rate of small committed transactions (one row inserted per commit);
- platform: the same procedure through the use cases (receipt, three completions), each one
  transaction with its task rows, history events, locks and serialized state;
- sandbox: one script task, one cheap gateway condition (run in the server process) and one
  expression with a call (run in a script worker process), each on its own.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from motcua.clock import VN_TZ, Clock  # noqa: E402
from motcua.config import ROOT, load_settings  # noqa: E402
from motcua.db.migrate import upgrade  # noqa: E402
from motcua.platform import build_platform  # noqa: E402
from motcua.seed import seed_people  # noqa: E402
from tests.foundation.helpers import actor, publish_simple  # noqa: E402
from motcua.services import dossiers, inbox  # noqa: E402

SIMPLE = ROOT / "tests" / "fixtures" / "simple"
STEPS = [{"checked": True}, {"decision": "approve", "opinion": "Đủ điều kiện"}, {"signed": True}]
APPLICANT = {"name": "Phạm Văn An", "id_number": "008090001234", "phone": "0912345678"}


def raw(count: int) -> float:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str((SIMPLE / "process.bpmn").read_bytes())
    spec, subs = parser.get_spec("simple_process"), parser.get_subprocess_specs("simple_process")
    started = time.perf_counter()
    for _ in range(count):
        wf = BpmnWorkflow(spec, subs)
        wf.data.update({"copies": 2, "fee_per_copy": 5000})
        for t in wf.get_tasks(state=TaskState.READY):
            t.data.update(wf.data)
        wf.do_engine_steps()
        for data in STEPS:
            (task,) = wf.get_tasks(state=TaskState.READY, manual=True)
            task.set_data(**data)
            task.run()
            wf.do_engine_steps()
        assert wf.is_completed()
    return time.perf_counter() - started


def commits(platform, count: int) -> float:
    with platform.uow() as uow:
        uow.session.execute(text("CREATE TABLE IF NOT EXISTS bench_commits (v TEXT)"))
        uow.commit()
    started = time.perf_counter()
    for i in range(count):
        with platform.uow() as uow:
            uow.session.execute(text("INSERT INTO bench_commits (v) VALUES (:v)"), {"v": str(i)})
            uow.commit()
    return time.perf_counter() - started


def platform_run(platform, count: int) -> float:
    desk = actor(platform, "minhxuan.receiver")
    who = [desk, actor(platform, "minhxuan.specialist"), actor(platform, "minhxuan.leader")]
    started = time.perf_counter()
    for _ in range(count):
        d = dossiers.receive(platform, desk, {"procedure_code": "thu-tuc-thu", "channel": "online",
                                              "applicant": APPLICANT, "data": {"copies": 2, "fee_per_copy": 5000},
                                              "documents": []})
        for person, data in zip(who, STEPS):
            view = dossiers.get(platform, desk, d.code)
            view = inbox.complete(platform, person, view["current_steps"][0]["task_id"], data)
        assert view["status"] == "done"
    return time.perf_counter() - started


def sandbox_costs(count: int) -> tuple[float, float, float]:
    """Milliseconds per script (worker), per cheap condition (in-process), per call (worker)."""
    from engine.sandbox import RestrictedEnvironment
    env = RestrictedEnvironment({"working_days_after": lambda start, days: start})
    data = {"copies": 2, "fee_per_copy": 5000, "decision": "approve"}
    env.execute("fee_total = fee_per_copy * copies if copies else 0", dict(data))  # warm the pool
    figures = []
    for run in (lambda: env.execute("fee_total = fee_per_copy * copies if copies else 0", dict(data)),
                lambda: env.evaluate('decision == "approve"', data),
                lambda: env.evaluate("len(decision) > 3", data)):
        started = time.perf_counter()
        for _ in range(count):
            run()
        figures.append((time.perf_counter() - started) / count * 1000)
    return tuple(figures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    clock = Clock()
    clock.freeze(datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ))
    platform = build_platform(load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"}), clock=clock)
    upgrade(platform.session_factory.kw["bind"])
    with platform.uow() as uow:
        seed_people(uow.session, platform.now())
        uow.commit()
    publish_simple(platform)
    n = args.dossiers
    steps = n * 4  # a receipt and three completions per dossier
    r, c, p = raw(n), commits(platform, steps), platform_run(platform, n)
    db = platform.session_factory.kw["bind"].dialect.name
    print(f"database: {db}; {n} dossiers, {steps} transactions")
    print(f"raw SpiffWorkflow:     {r / steps * 1000:7.3f} ms per step")
    print(f"database commit:       {c / steps * 1000:7.3f} ms per commit")
    print(f"platform use case:     {p / steps * 1000:7.3f} ms per step "
          f"({p / r:.0f}× raw SpiffWorkflow, {p / c:.1f}× a bare commit)")
    script, cheap, worker = sandbox_costs(steps)
    print(f"sandbox: script task {script:.3f} ms (worker), condition {cheap:.3f} ms (in-process), "
          f"expression with a call {worker:.3f} ms (worker)")


if __name__ == "__main__":
    main()
