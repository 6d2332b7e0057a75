"""What the platform costs per step, against raw SpiffWorkflow and the database's own commit rate.

    python bench/bench_engine.py [--dossiers 200] [--pg URL | --no-pg] [--database-url URL]

Measured in the same run, on SQLite and on PostgreSQL when reachable (bench/common.py):
- raw: the test procedure run in memory by SpiffWorkflow alone (start, three user tasks, a script);
- commit: the database's own cost of one small committed transaction (one row inserted);
- platform: the same procedure through the use cases (receipt, three completions), each one
  transaction with its locks, task rows, history events, notifications and serialized state,
  and the dossier view the use case answers with; statements per step counted on the engine;
- the target (issue 16): platform ≤ 3 × (raw step + one commit);
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

from bench.common import StatementCounter, add_database_flags, databases, table  # noqa: E402
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


def platform_run(platform, count: int, counter=None) -> tuple[float, float]:
    """Seconds for `count` dossiers (a receipt and three completions each), and of that the
    completions alone. Reading the dossier to find its first task is outside the timing."""
    desk = actor(platform, "minhxuan.receiver")
    who = [desk, actor(platform, "minhxuan.specialist"), actor(platform, "minhxuan.leader")]
    total = completing = 0.0
    for _ in range(count):
        started = time.perf_counter()
        d = dossiers.receive(platform, desk, {"procedure_code": "thu-tuc-thu", "channel": "online",
                                              "applicant": APPLICANT, "data": {"copies": 2, "fee_per_copy": 5000},
                                              "documents": []})
        total += time.perf_counter() - started
        if counter is not None:
            counter.paused = True
        view = dossiers.get(platform, desk, d.code)
        if counter is not None:
            counter.paused = False
        started = time.perf_counter()
        for person, data in zip(who, STEPS):
            view = inbox.complete(platform, person, view["current_steps"][0]["task_id"], data)
        completing += time.perf_counter() - started
        assert view["status"] == "done"
    return total + completing, completing


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


def measure(url: str, n: int) -> dict:
    clock = Clock()
    clock.freeze(datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ))
    platform = build_platform(load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"}), clock=clock)
    engine = platform.session_factory.kw["bind"]
    upgrade(engine)
    with platform.uow() as uow:
        seed_people(uow.session, platform.now())
        uow.commit()
    publish_simple(platform)
    platform_run(platform, max(2, n // 20))  # warm-up: caches, the script pool, the query compiler
    steps = n * 4  # a receipt and three completions per dossier
    r, c = raw(n), commits(platform, steps)
    counter = StatementCounter(engine)
    p, completing = platform_run(platform, n, counter)
    counter.close()
    counted = counter.count
    engine.dispose()
    return {"raw": r / steps * 1000, "commit": c / steps * 1000, "step": p / steps * 1000,
            "completion": completing / (n * 3) * 1000, "statements": counted / (n * 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="one database only (instead of SQLite + PostgreSQL)")
    parser.add_argument("--no-sandbox", action="store_true")
    add_database_flags(parser)
    args = parser.parse_args()
    n = args.dossiers
    targets = [("given", args.database_url)] if args.database_url else databases(args)
    rows = []
    for label, url in targets:
        f = measure(url, n)
        base = f["raw"] + f["commit"]
        rows.append([label, f"{f['raw']:.3f}", f"{f['commit']:.3f}", f"{f['step']:.2f}", f"{f['completion']:.2f}",
                     f"{f['statements']:.1f}", f"{f['step'] / base:.1f}×", "yes" if f["step"] <= 3 * base else "no"])
    print(table(f"bench_engine: {n} dossiers = {n * 4} steps (a receipt and three completions each), same run",
                ["database", "raw Spiff ms/step", "bare commit ms", "platform ms/step", "completion ms",
                 "statements/step", "platform / (raw + commit)", "≤ 3×"], rows))
    if not args.no_sandbox:
        script, cheap, worker = sandbox_costs(n * 4)
        print(f"\nsandbox: script task {script:.3f} ms (worker), condition {cheap:.3f} ms (in-process), "
              f"expression with a call {worker:.3f} ms (worker)")


if __name__ == "__main__":
    main()
