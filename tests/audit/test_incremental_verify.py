"""Issue 16.2: chain verification is incremental from a verified checkpoint per dossier.

What incremental guarantees (services/audit.verify_all): events appended since the last run are
hashed and must link onto the verified part, whose last event must still carry the hash verified
then, and the dossier's anchor must match. Older events are not hashed again: a rewrite that
leaves their stored hashes alone is caught by the full verify (`--full`, `{"full": true}`), which
also takes the broken dossier's checkpoint away so that later incremental runs report it too.
"""
from __future__ import annotations

import json

from sqlalchemy import text

from motcua import hash_chain
from tests.audit.test_chain_tampering import (  # noqa: F401 - fixtures
    cli, dossier_id, drive_to_done, engine_of, tampering, two_dossiers,
)


def verify(login, **body) -> dict:
    r = login("auditor").post("/api/v1/audit/verify", json=body)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def checkpoints(app) -> dict:
    with engine_of(app).connect() as conn:
        return {r.code: (r.seq, r.hash) for r in conn.execute(text(
            "SELECT d.code, c.seq, c.hash FROM chain_checkpoints c JOIN dossiers d ON d.id = c.dossier_id"))}


def counting_hashes(monkeypatch) -> list:
    """How many events a verification hashes (the real hash function, counted)."""
    calls = []
    real = hash_chain.link

    def link(prev, canonical):
        calls.append(1)
        return real(prev, canonical)
    monkeypatch.setattr(hash_chain, "link", link)
    return calls


def rewrite_opinion(app, code: str, seq: int = 5) -> None:
    """Change what an old event says, leaving its stored hash as it was."""
    with tampering(app) as conn:
        d = dossier_id(conn, code)
        data = json.loads(conn.execute(text("SELECT data FROM events WHERE dossier_id = :d AND seq = :s"),
                                       {"d": d, "s": seq}).scalar_one())
        data["data"]["opinion"] = "Không đủ điều kiện"
        conn.execute(text("UPDATE events SET data = :v WHERE dossier_id = :d AND seq = :s"),
                     {"v": json.dumps(data, ensure_ascii=False), "d": d, "s": seq})


def test_a_verified_chain_gets_a_checkpoint_and_is_not_hashed_again(two_dossiers, app, login, monkeypatch):
    first, second = two_dossiers
    hashed = counting_hashes(monkeypatch)
    result = verify(login)
    assert result["broken"] == [] and result["checked"] == 2 and result["full"] is False
    assert len(hashed) == 16  # 2 × 8 events: no checkpoint yet
    marks = checkpoints(app)
    assert set(marks) == {first, second} and {seq for seq, _ in marks.values()} == {8}

    hashed.clear()
    assert verify(login)["broken"] == []
    assert hashed == []  # nothing new: no event hashed again

    third = drive_to_done(login)
    hashed.clear()
    assert verify(login)["broken"] == []
    assert len(hashed) == 8  # only the new dossier's events
    assert checkpoints(app)[third][0] == 8

    hashed.clear()
    result = verify(login, full=True)
    assert result["full"] is True and result["broken"] == [] and result["checked"] == 3
    assert len(hashed) == 24  # every event again


def test_an_old_rewrite_needs_the_full_verify_then_stays_reported(two_dossiers, app, login, db_url):
    tampered, intact = two_dossiers
    assert verify(login)["broken"] == []
    rewrite_opinion(app, tampered)
    # the stated limit: a verified event rewritten in place, its hash untouched, is not re-hashed
    assert verify(login)["broken"] == []
    full = verify(login, full=True)
    assert full["broken"] == [tampered] and full["first_broken"] == {tampered: 5} and full["full"] is True
    assert tampered not in checkpoints(app) and intact in checkpoints(app)
    # without its checkpoint the dossier is hashed from the start again: incremental runs report it
    again = verify(login)
    assert again["broken"] == [tampered] and again["first_broken"] == {tampered: 5}
    out = cli(db_url, "audit", "verify")
    assert out.exit_code == 1 and tampered in out.output
    out = cli(db_url, "audit", "verify", "--full")
    assert out.exit_code == 1 and tampered in out.output and intact not in out.output


def test_a_changed_checkpoint_event_or_a_cut_tail_is_caught_incrementally(two_dossiers, app, login):
    tampered, intact = two_dossiers
    assert verify(login)["broken"] == []
    with tampering(app) as conn:  # the verified last event rewritten, and its hash recomputed
        conn.execute(text("UPDATE events SET hash = :h WHERE dossier_id = :d AND seq = 8"),
                     {"h": "f" * 64, "d": dossier_id(conn, tampered)})
    result = verify(login)
    assert result["broken"] == [tampered] and result["first_broken"] == {tampered: 8}


def test_a_deleted_checkpoint_event_is_caught_incrementally(two_dossiers, app, login):
    tampered, intact = two_dossiers
    assert verify(login)["broken"] == []
    with tampering(app) as conn:
        conn.execute(text("DELETE FROM events WHERE dossier_id = :d AND seq = 8"), {"d": dossier_id(conn, tampered)})
    result = verify(login)
    assert result["broken"] == [tampered] and result["first_broken"] == {tampered: 8}
