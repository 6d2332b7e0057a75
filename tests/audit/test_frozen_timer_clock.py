"""Replay freezes SpiffWorkflow's timer clock for its own thread only (engine/timer_clock.py).

A replay running in one request must not move the time that live requests in other threads see,
and the freeze must end with the replay, nested or not.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine import timer_clock
from motcua.clock import VN_TZ

LIVE = datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ)
REPLAYED = datetime(2026, 3, 2, 9, 30, tzinfo=VN_TZ)


@pytest.fixture
def live_clock():
    saved = timer_clock._now
    timer_clock.install_clock(lambda: LIVE)
    yield
    timer_clock.install_clock(saved)


def spiff_now():
    """What SpiffWorkflow's timer module reads when it compares a due time with now."""
    return spiff_timer.datetime.now(timezone.utc)


def test_a_freeze_is_seen_by_spiffworkflow_and_ends_with_the_block(live_clock):
    assert spiff_now() == LIVE
    with timer_clock.frozen_at(REPLAYED):
        assert spiff_now() == REPLAYED
        assert spiff_now().tzinfo is not None
        later = datetime(2026, 3, 3, 10, 0, tzinfo=VN_TZ)
        with timer_clock.frozen_at(later):
            assert spiff_now() == later
        assert spiff_now() == REPLAYED
    assert spiff_now() == LIVE


def test_other_threads_keep_the_live_clock_during_a_freeze(live_clock):
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def replay():
        with timer_clock.frozen_at(REPLAYED):
            seen["replay"] = spiff_now()
            inside.set()
            release.wait(5)
            seen["replay_after_live_read"] = spiff_now()

    def live_request():
        inside.wait(5)
        seen["live"] = spiff_now()
        release.set()

    threads = [threading.Thread(target=replay), threading.Thread(target=live_request)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"replay": REPLAYED, "live": LIVE, "replay_after_live_read": REPLAYED}


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        with timer_clock.frozen_at(datetime(2026, 3, 2, 9, 30)):
            pass


def test_following_a_clock_reads_it_each_time(live_clock):
    from motcua.clock import Clock
    clock = Clock()
    clock.freeze(REPLAYED)
    with timer_clock.following(clock.now):
        assert spiff_now() == REPLAYED
        clock.freeze(LIVE.replace(year=2027))
        assert spiff_now() == LIVE.replace(year=2027)
    assert spiff_now() == LIVE
