"""Replay compares what the core returns with every recorded consequence, key for key.

A history rewritten with a valid chain (every hash recomputed) where one computed value no longer
follows from the inputs: the due time written at receipt, a step's office, the on-time verdict of
a completion. Replay names the event whose value the core does not give.
"""
from __future__ import annotations

import pytest

from tests.audit.test_replay import (
    at_approval, audit, rewrite_history,
)


@pytest.mark.parametrize("seq,change,words", [
    (1, lambda d: d.update(due_at=d["due_at"][:11] + "23:59:00" + d["due_at"][19:]), ["received", "due_at"]),
    (4, lambda d: d.update(office="TTPVHCC"), ["step_ready", "office"]),
    (5, lambda d: d.update(on_time=not d["on_time"]), ["step_completed", "on_time"]),
], ids=["receipt due time", "step office", "completion on time"])
def test_a_rewritten_consequence_is_found_at_its_event(seq, change, words, simple, app, login, clock):
    code = at_approval(simple, login, clock)["code"]
    rewrite_history(app, code, seq, change)
    result = audit(login, code)
    assert result["chain_valid"] is True
    replay = result["replay"]
    assert (replay["consistent"], replay["diverged_at"]) == (False, seq), replay
    for word in words:
        assert word in replay["detail"], replay["detail"]
