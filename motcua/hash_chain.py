"""The hash chain of a dossier's history: plain Python, shared by the writer and the auditor."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

GENESIS = "0" * 64


def canonical(seq: int, at: datetime, type_: str, actor: str | None, step: str | None, data) -> str:
    return json.dumps(
        {"seq": seq, "at": at.isoformat(), "type": type_, "actor": actor, "step": step, "data": data},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )


def link(prev_hash: str, canonical_json: str) -> str:
    return hashlib.sha256((prev_hash + canonical_json).encode("utf-8")).hexdigest()


def verify_chain(events, *, start: int = 1, prev: str = GENESIS) -> int | None:
    """The first broken sequence number, or None when the chain is intact.

    `events` are in stored order, each with seq, at, type, actor, step, data, prev_hash, hash.
    A changed, deleted or swapped event breaks the chain at the first place it no longer links.
    `start`, `prev`: the events continue a chain already verified up to `start - 1`, whose last
    hash is `prev` (an incremental verification from a checkpoint).
    """
    expected_seq = start
    for ev in events:
        if ev.seq != expected_seq or ev.prev_hash != prev:
            return expected_seq if ev.seq != expected_seq else ev.seq
        digest = link(prev, canonical(ev.seq, ev.at, ev.type, ev.actor, ev.step, ev.data))
        if digest != ev.hash:
            return ev.seq
        prev = ev.hash
        expected_seq += 1
    return None
