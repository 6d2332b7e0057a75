"""Benchmark of the audit: replay speed, and checking the hash chains of 100k dossiers.

    python bench/bench_audit.py [--dossiers 100000] [--events 8] [--replays 200] [--pg URL|--no-pg]

1. Replay. Dossiers of the test procedure (tests/fixtures/simple, 8 events each) and of the
   building permit (bpmn/giay-phep-xay-dung, with its reminder timer) are driven through the
   service layer on SQLite; then each is replayed: through the audit service (database reads
   included), and by the core replay alone on preloaded inputs (motcua/replay feeding the inputs
   through motcua/domain and engine/), also with the store-and-reload the live code does between
   requests, for reference. Baseline, same run: the same paths driven by SpiffWorkflow directly
   (start, complete each step), no rules, no checks and no database. Ratios: each line's speed
   against SpiffWorkflow alone (how much replay costs over the engine it has to run anyway).
2. Chains. N dossiers with K hash-linked events each (shaped like real ones) are inserted
   directly, then `verify_all` checks them all, on SQLite and on PostgreSQL when reachable.
   Baselines, same run: sha256 over exactly the bytes hashed (prev_hash + canonical JSON), and
   canonical JSON + sha256 in memory (what verification costs without a database).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from engine import runtime  # noqa: E402
from engine.package import load_package_dir  # noqa: E402
from motcua import hash_chain as chain  # noqa: E402
from motcua.clock import VN_TZ, Clock  # noqa: E402
from motcua.config import ROOT, load_settings  # noqa: E402
from motcua.db.migrate import upgrade  # noqa: E402
from motcua.db.models import Dossier, Event, Office, ProcedureVersion, User  # noqa: E402
from motcua.db.session import make_engine  # noqa: E402
from motcua.platform import build_platform  # noqa: E402
from motcua.seed import seed_people  # noqa: E402
from motcua.services import audit, dossiers, history, inbox  # noqa: E402
from motcua.services.people import actor_of  # noqa: E402
from motcua.services.procedures import compile_or_reject, store_version  # noqa: E402

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=VN_TZ)
from bench.common import PG_URL  # noqa: E402  (a temporary schema in the bench database)
APPLICANT = {"name": "Nguyễn Văn Bình", "id_number": "008090001234", "phone": "0912345678"}
BASELINE_SAMPLE = 200_000  # byte strings kept for the sha256 baseline (scaled to all events)


def platform_on(url: str):
    engine = make_engine(url)
    upgrade(engine)
    clock = Clock()
    clock.freeze(T0)
    settings = load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"})
    return build_platform(settings, engine=engine, clock=clock)


def _sample(schema: dict, **choices) -> dict:
    return {**{k: v["examples"][0] for k, v in schema["properties"].items()}, **choices}


# --- 1. replay -----------------------------------------------------------------------------------

SIMPLE = [("receive", "receiver", {"checked": True}),
          ("appraise", "specialist", {"decision": "approve", "opinion": "Đủ điều kiện"}),
          ("approve", "leader", {"signed": True})]


def permit_path(forms):
    """giay-phep-xay-dung, happy path; the appraisal waits past its 7-day reminder timer."""
    return [("tiep_nhan", "receiver", _sample(forms["kiem_tra_ho_so"]), timedelta(hours=2)),
            ("tham_dinh", "specialist", _sample(forms["tham_dinh"], decision="approve"), timedelta(days=9, hours=4)),
            ("phe_duyet", "leader", _sample(forms["ky_duyet"]), timedelta(hours=2)),
            ("tra_ket_qua", "receiver", _sample(forms["tra_ket_qua"]), timedelta(hours=3))]


def drive_dossiers(platform, count: int) -> tuple[list[str], dict]:
    from scheduler.jobs import tick
    folder = ROOT / "bpmn" / "giay-phep-xay-dung"
    with platform.uow() as uow:
        seed_people(uow.session, platform.now())
        simple = compile_or_reject(platform, load_package_dir(ROOT / "tests" / "fixtures" / "simple"))
        store_version(uow.session, simple, None, platform.now())
        permit = compile_or_reject(platform, load_package_dir(folder)) if folder.is_dir() else None
        if permit is not None:
            store_version(uow.session, permit, None, platform.now())
        uow.commit()
        actors = {u.username: actor_of(u) for u in uow.session.scalars(select(User))}
    desk = actors["minhxuan.receiver"]
    codes, kinds = [], {}
    for i in range(count):
        platform.clock.freeze(T0 + timedelta(minutes=i % 60))
        use_permit = permit is not None and i % 2 == 1
        code = "giay-phep-xay-dung" if use_permit else "thu-tuc-thu"
        forms = permit.forms if use_permit else simple.forms
        d = dossiers.receive(platform, desk, {
            "procedure_code": code, "channel": "direct", "applicant": APPLICANT,
            "data": _sample(forms["to_khai"]) if use_permit else {"copies": 2, "fee_per_copy": 5000},
            "documents": []})
        view = dossiers.get(platform, desk, d.code)
        steps = permit_path(forms) if use_permit else [(*s, timedelta(hours=1)) for s in SIMPLE]
        for _step, role, data, wait in steps:
            platform.clock.advance(wait)
            if use_permit and _step == "tham_dinh":
                tick(platform, platform.now())   # the reminder timer fires
            view = inbox.complete(platform, actors[f"minhxuan.{role}"], view["current_steps"][0]["task_id"], data)
        assert view["status"] == "done", view["status"]
        codes.append(d.code)
        kinds[d.code] = code
    return codes, kinds


def best_of(run, times: int = 3) -> float:
    """The fastest of a warm-up and `times` timed runs (seconds)."""
    run()
    best = float("inf")
    for _ in range(times):
        t = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t)
    return best


def spiff_inputs(platform, codes, kinds) -> list:
    with platform.uow() as uow:
        versions = {pv.manifest["code"]: pv for pv in uow.session.scalars(select(ProcedureVersion))}
        starts = {d.code: d.data for d in uow.session.scalars(select(Dossier))}
    out = []
    for code in codes:
        version = versions[kinds[code]]
        steps = SIMPLE if kinds[code] == "thu-tuc-thu" else permit_path(version.forms)
        out.append((version.spec, starts[code], [step[2] for step in steps]))
    return out


def raw_spiff(inputs) -> None:
    """The same paths driven with SpiffWorkflow alone (the baseline): start, complete each step."""
    from engine import timer_clock
    fns = {"working_days_from_now": lambda days: (T0 + timedelta(days=days)).isoformat(),
           "working_days_after": lambda start, days: T0.isoformat()}
    with timer_clock.frozen_at(T0):
        for spec, start, steps in inputs:
            wf = runtime.start(spec, dict(start), functions=fns)
            for data in steps:
                runtime.complete(wf, runtime.ready_steps(wf)[0].task_id, data)


def bench_replay(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        platform = platform_on(f"sqlite:///{tmp}/replay.sqlite")
        t = time.perf_counter()
        codes, kinds = drive_dossiers(platform, count)
        print(f"drove {len(codes)} dossiers through the services in {time.perf_counter() - t:.1f} s")
        with platform.uow() as uow:
            session = uow.session
            calendars = audit.timeline(platform, session)
            all_dossiers = list(session.scalars(select(Dossier).order_by(Dossier.id)))
            events = {d.id: history.events_of(session, d.id) for d in all_dossiers}
            total = sum(len(v) for v in events.values())
            # through the service: events and stored state read from the database
            def service_run():
                for d in all_dossiers:
                    result = audit.replay(platform, session, d, calendars=calendars)
                    assert result["consistent"], (d.code, result["detail"])
            service = best_of(service_run)
            # the engine alone, inputs preloaded
            from motcua.replay import Record, Replayer
            inputs = [(d, [Record(e.seq, e.at, e.type, e.actor, e.step, e.data, e.id) for e in events[d.id]],
                       audit._stored(session, d), audit._functions(platform, session, d, calendars))
                      for d in all_dossiers]

            def engine_run(roundtrip):
                for d, records, stored, fns in inputs:
                    pv = d.procedure_version
                    result = Replayer(spec_text=pv.spec, manifest=pv.manifest, version=pv.version,
                                      timeline=calendars, functions=fns, roundtrip=roundtrip).run(records, stored)
                    assert result["consistent"], (d.code, result["detail"])
            engine_times = {roundtrip: best_of(lambda: engine_run(roundtrip)) for roundtrip in (False, True)}
        spiff = spiff_inputs(platform, codes, kinds)
        base = best_of(lambda: raw_spiff(spiff))
        platform.session_factory.kw["bind"].dispose()
    n = len(codes)
    print(f"replay of {n} dossiers, {total} events ({total / n:.1f} per dossier), same run:")
    print(f"  {'':48} {'events/s':>10} {'ms/dossier':>11} {'speed vs spiff':>15}")
    rows = [("through the audit service (database reads)", service),
            ("core replay alone (inputs preloaded)", engine_times[False]),
            ("core replay + store/reload after each move", engine_times[True]),
            ("SpiffWorkflow alone, same steps (baseline)", base)]
    for label, seconds in rows:
        print(f"  {label:48} {total / seconds:>10,.0f} {1000 * seconds / n:>11.2f} {base / seconds:>14.2f}x")
    print(f"  the audit service runs at {engine_times[False] / service:.2f}x the speed of the core replay alone")


# --- 2. chains -----------------------------------------------------------------------------------

def synthetic_events(dossier_id: int, k: int, start: datetime, rnd: random.Random) -> list[dict]:
    """K events shaped like a real dossier's: receipt, steps ready and completed, the end."""
    rows, prev, at = [], chain.GENESIS, start
    for seq in range(1, k + 1):
        task = str(uuid.UUID(int=rnd.getrandbits(128)))
        if seq == 1:
            type_, step, data = "received", None, {
                "procedure_code": "thu-tuc-thu", "procedure_version": 1, "channel": "direct",
                "receiving_office": "UBND.MINHXUAN", "competent_office": "UBND.MINHXUAN",
                "documents": [{"name": "Tờ khai", "digitized": True, "copies": 1}],
                "data": {"copies": 2, "fee_per_copy": 5000}, "clock_start": at.isoformat(),
                "due_at": (at + timedelta(days=5)).isoformat(), "calendar": "f" * 16}
        elif seq == k:
            type_, step, data = "finished", None, {"status": "done", "on_time": True,
                                                   "result": {"copies": 2, "fee_total": 10000}}
        elif seq % 2 == 0:
            type_, step, data = "step_ready", f"buoc_{seq}", {
                "task_id": task, "name": "Thẩm định hồ sơ", "lane": "specialist", "office": "UBND.MINHXUAN",
                "allotment_days": "2", "due_at": (at + timedelta(days=2)).isoformat()}
        else:
            type_, step, data = "step_completed", f"buoc_{seq - 1}", {
                "task_id": task, "name": "Thẩm định hồ sơ", "on_time": True,
                "due_at": (at + timedelta(days=2)).isoformat(),
                "data": {"decision": "approve", "opinion": "Đủ điều kiện cấp phép"}}
        canonical = chain.canonical(seq, at, type_, "minhxuan.specialist", step, data)
        digest = chain.link(prev, canonical)
        rows.append({"dossier_id": dossier_id, "seq": seq, "at": at, "type": type_, "actor": "minhxuan.specialist",
                     "step": step, "data": data, "prev_hash": prev, "hash": digest, "_bytes": prev + canonical})
        prev = digest
        at = at + timedelta(minutes=rnd.randrange(5, 600))
    return rows


def fill_chains(platform, n: int, k: int) -> list[bytes]:
    """N dossiers with K linked events each, inserted directly; returns the hashed byte strings."""
    rnd = random.Random(6)
    with platform.uow() as uow:
        session = uow.session
        seed_people(session, platform.now())
        simple = compile_or_reject(platform, load_package_dir(ROOT / "tests" / "fixtures" / "simple"))
        version = store_version(session, simple, None, platform.now())
        office = session.scalar(select(Office).where(Office.code == "UBND.MINHXUAN"))
        version_id, office_id = version.id, office.id
        uow.commit()
    hashed: list[bytes] = []
    engine = platform.session_factory.kw["bind"]
    batch = 2000
    for lo in range(0, n, batch):
        dossier_rows, event_rows = [], []
        for i in range(lo, min(n, lo + batch)):
            start = T0 + timedelta(minutes=i)
            evs = synthetic_events(i + 1, k, start, rnd)
            dossier_rows.append({
                "id": i + 1, "code": f"UBND.MINHXUAN-261125-{i + 1:06d}", "procedure_version_id": version_id,
                "status": "done", "channel": "direct", "receiving_office_id": office_id,
                "competent_office_id": office_id, "applicant": APPLICANT, "phone4": "5678",
                "data": {"copies": 2}, "documents": [], "received_at": start, "clock_start": start,
                "due_at": start + timedelta(days=5), "due_calendar": "f" * 16, "supplement_count": 0,
                "overdue": False, "apology_required": False, "last_event_seq": k,
                "last_event_hash": evs[-1]["hash"], "version": 1})
            for e in evs:
                sample = e.pop("_bytes")
                if len(hashed) < BASELINE_SAMPLE:
                    hashed.append(sample.encode("utf-8"))
                event_rows.append(e)
        with engine.begin() as conn:
            conn.execute(insert(Dossier.__table__), dossier_rows)
            conn.execute(insert(Event.__table__), event_rows)
    return hashed


def bench_chains(label: str, url: str, n: int, k: int) -> dict:
    platform = platform_on(url)
    t = time.perf_counter()
    hashed = fill_chains(platform, n, k)
    fill = time.perf_counter() - t
    t = time.perf_counter()
    result = audit.verify_all(platform)  # no checkpoint yet: every event hashed, checkpoints written
    verify = time.perf_counter() - t
    assert result["checked"] == n and result["broken"] == [], result["broken"][:5]
    t = time.perf_counter()
    again = audit.verify_all(platform)  # incremental, nothing new
    incremental = time.perf_counter() - t
    assert again["checked"] == n and again["broken"] == []
    t = time.perf_counter()
    audit.verify_all(platform, full=True)
    full = time.perf_counter() - t
    platform.session_factory.kw["bind"].dispose()
    print(f"[{label}] {n:,} dossiers × {k} events = {n * k:,} events inserted in {fill:.1f} s; "
          f"verify_all: {verify:.2f} s ({n * k / verify:,.0f} events/s, {n / verify:,.0f} dossiers/s); "
          f"again, incremental (nothing new): {incremental:.2f} s; --full: {full:.2f} s")
    return {"verify": verify, "hashed": hashed, "incremental": incremental, "full": full}


def baselines(hashed: list[bytes], n: int, k: int) -> tuple[float, float]:
    """Seconds for all n×k events, measured on a sample of them."""
    t = time.perf_counter()
    for b in hashed:
        hashlib.sha256(b).hexdigest()
    raw = (time.perf_counter() - t) * (n * k) / len(hashed)
    rnd = random.Random(6)
    events = [e for i in range(min(n, 20_000)) for e in synthetic_events(i + 1, k, T0, rnd)]
    t = time.perf_counter()
    for e in events:
        chain.link(e["prev_hash"], chain.canonical(e["seq"], e["at"], e["type"], e["actor"], e["step"],
                                                          e["data"]))
    in_memory = (time.perf_counter() - t) * (n * k) / len(events)
    return raw, in_memory


def pg_schema_url(base: str):
    schema = f"bench_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, connect_args={"connect_timeout": 3})
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
    return url, admin, schema


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dossiers", type=int, default=100_000, help="dossiers whose chains are verified")
    ap.add_argument("--events", type=int, default=8, help="events per synthetic dossier")
    ap.add_argument("--replays", type=int, default=200, help="dossiers driven and replayed")
    ap.add_argument("--pg", default=PG_URL, help="PostgreSQL URL (a temporary schema is used)")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--replay-only", action="store_true", help="only the replay benchmark")
    args = ap.parse_args()

    bench_replay(args.replays)
    if args.replay_only:
        return
    print()
    n, k = args.dossiers, args.events
    with tempfile.TemporaryDirectory() as tmp:
        lite = bench_chains("SQLite", f"sqlite:///{tmp}/chains.sqlite", n, k)
    raw, in_memory = baselines(lite["hashed"], n, k)
    print(f"baseline: sha256 over the same {n * k:,} byte strings: {raw:.2f} s; canonical JSON + sha256 in "
          f"memory: {in_memory:.2f} s")
    print(f"[SQLite] verify_all / raw sha256 = {lite['verify'] / raw:.1f}x; "
          f"/ in-memory canonical+sha256 = {lite['verify'] / in_memory:.1f}x")
    if args.no_pg:
        return
    try:
        url, admin, schema = pg_schema_url(args.pg)
    except Exception as err:  # noqa: BLE001 - PostgreSQL is optional here
        print(f"[PostgreSQL] not reachable ({type(err).__name__}); skipped")
        return
    try:
        pg = bench_chains("PostgreSQL", url, n, k)
        print(f"[PostgreSQL] verify_all / raw sha256 = {pg['verify'] / raw:.1f}x; "
              f"PostgreSQL / SQLite = {pg['verify'] / lite['verify']:.2f}x")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
