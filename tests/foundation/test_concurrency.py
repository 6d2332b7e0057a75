"""50 people complete the same task at once: exactly one completion, 49 conflicts, no double step."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from motcua.db.models import Event, StepRow
from motcua.errors import Conflict
from motcua.services import dossiers, inbox
from tests.foundation.helpers import actor, publish_simple, receive_simple

WORKERS = 50


def test_fifty_concurrent_completions_of_one_task(people):
    platform = people
    publish_simple(platform)
    dossier = receive_simple(platform)
    desk = actor(platform, "minhxuan.receiver")
    task_id = dossier["current_steps"][0]["task_id"]

    barrier = threading.Barrier(WORKERS)
    outcomes: list = [None] * WORKERS

    def worker(i):
        barrier.wait()
        try:
            inbox.complete(platform, desk, task_id, {"checked": True, "note": f"người {i}"})
            outcomes[i] = "ok"
        except Conflict:
            outcomes[i] = "conflict"
        except Exception as err:  # noqa: BLE001 - any other outcome is a failure of the test
            outcomes[i] = f"error: {type(err).__name__}: {err}"

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("conflict") == WORKERS - 1, [o for o in outcomes if o != "conflict"]

    with platform.uow() as uow:
        s = uow.session
        completed = s.scalars(select(Event).where(Event.type == "step_completed")).all()
        assert len(completed) == 1
        rows = s.scalars(select(StepRow).order_by(StepRow.ready_at)).all()
        assert [(r.bpmn_id, r.state) for r in rows] == [("receive", "completed"), ("appraise", "ready")]
        winner = completed[0].data["data"]["note"]
        assert rows[0].data == {"checked": True, "note": winner}
        seqs = s.scalars(select(Event.seq).where(Event.dossier_id.is_not(None)).order_by(Event.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate in the history
        assert s.scalar(select(func.count(Event.id)).where(Event.type == "step_ready")) == 2

    view = dossiers.get(platform, desk, dossier["code"])
    assert [s["name"] for s in view["current_steps"]] == ["Thẩm định hồ sơ"]
