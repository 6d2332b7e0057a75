"""Size: the inbox, the dossier list and search with a province's years of dossiers in PostgreSQL.

    python bench/bench_scale.py [--dossiers 1000000] [--admin-url URL] [--keep]

Creates its own database (`motcua_scale`, dropped at the end unless --keep), migrates it, seeds the
demo province, then bulk-loads `--dossiers` dossiers with their process instance, steps (three per
dossier: the desk's check, the specialist's review, the leader's signature), history events (five
per dossier) and extras, in SQL (`INSERT … SELECT` over `generate_series`, 100k dossiers a batch:
the fastest multi-row insert there is). The data has the shape of four years of a province: 97% of
the dossiers finished, 3% open with one ready step each, received in desk hours, over every demo
office, procedure and channel. The hash links of the loaded histories are placeholders (the size is
what is measured here, not the chain).

Then, through the use cases (the same calls the API makes), it measures p50/p95 over many calls:
- the inbox (`inbox.list_tasks`, scope candidate and mine) of several offices' staff;
- the dossier list (`dossiers.list_for`) of staff of several offices and of the auditor (everything);
- search (`dossiers.list_for(q=…)`): by a name typed without diacritics, an identity number and a
  phone number, when the use case takes `q` (skipped with a note otherwise).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from inspect import signature
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text  # noqa: E402

from motcua.clock import VN_TZ, Clock  # noqa: E402
from motcua.config import load_settings  # noqa: E402
from motcua.db.migrate import upgrade  # noqa: E402
from motcua.db.models import User  # noqa: E402
from motcua.domain.search import normalize  # noqa: E402
from motcua.platform import build_platform  # noqa: E402
from motcua.seed import seed_demo  # noqa: E402
from motcua.services import dossiers, inbox, people  # noqa: E402

DB = "motcua_scale"
BATCH = 100_000
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=VN_TZ)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thu", "Quang", "Ngọc", "Hữu", "Thanh", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hải", "Hoa", "Huy", "Lan", "Linh", "Mai", "Nam", "Phương",
         "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Việt", "Yến", "Đạt", "Hương", "Khánh", "Long"]


BARE_FAMILY, BARE_MIDDLE, BARE_GIVEN = ([normalize(w) for w in words] for words in (FAMILY, MIDDLE, GIVEN))


def _array(words) -> str:
    return "ARRAY[" + ",".join("'" + w + "'" for w in words) + "]"


def load(conn, total: int, report) -> None:
    """Everything in SQL; a dossier's fields follow from its number g (deterministic)."""
    offices = dict(conn.execute(text("SELECT code, id FROM offices")).all())
    versions = conn.execute(text(
        "SELECT v.id, v.manifest FROM procedure_versions v ORDER BY v.id")).all()
    import json
    procs = []
    for vid, manifest in versions:
        m = json.loads(manifest)
        desks = [m["competent_office"], "TTPVHCC"] + (["UBND.YENSON"] if m.get("boundary_free") else [])
        desks = [d for d in desks if not d.startswith("CA.")]
        procs.append((vid, offices[m["competent_office"]], [offices[d] for d in desks], m["channels"]))
    n = len(procs)
    cooperating = ",".join(str(vid) for vid, manifest in versions
                           if json.loads(manifest)["code"].startswith("lien-thong")) or "0"
    pv = "ARRAY[" + ",".join(str(p[0]) for p in procs) + "]"
    comp = "ARRAY[" + ",".join(str(p[1]) for p in procs) + "]"
    # receiving office: the competent office or another desk of the procedure (2D arrays need equal widths)
    width = max(len(p[2]) for p in procs)
    desks = "ARRAY[" + ",".join("ARRAY[" + ",".join(str(p[2][i % len(p[2])]) for i in range(width)) + "]"
                                for p in procs) + "]"
    chans = "ARRAY[" + ",".join("ARRAY[" + ",".join(f"'{p[3][i % len(p[3])]}'" for i in range(3)) + "]"
                                for p in procs) + "]"
    users = dict(conn.execute(text("SELECT username, id FROM users")).all())
    span_seconds = 4 * 365 * 86400
    # a bulk load: no per-row foreign-key or append-only triggers (the data is consistent by construction)
    conn.execute(text("SET session_replication_role = replica"))
    for lo in range(1, total + 1, BATCH):
        hi = min(total, lo + BATCH - 1)
        started = time.perf_counter()
        params = {"lo": lo, "hi": hi, "total": total, "span": span_seconds, "now": NOW.replace(tzinfo=None)}
        conn.execute(text(f"""
        INSERT INTO dossiers (id, code, procedure_version_id, status, channel, receiving_office_id,
            competent_office_id, received_by, applicant, phone4, data, documents, received_at, clock_start,
            due_at, due_calendar, finished_at, returned_at, supplement_count, paused_at, overdue,
            apology_required, apology, result, last_event_seq, last_event_hash, version, search_text)
        SELECT g, 'SC-' || to_char(r.at, 'YYMMDD') || '-' || lpad(g::text, 7, '0'),
            ({pv})[1 + g % {n}],
            CASE WHEN g > CAST(:total AS integer) * 0.97 THEN 'processing' WHEN g % 17 = 0 THEN 'rejected'
                 WHEN g % 29 = 0 THEN 'withdrawn' ELSE 'returned' END,
            ({chans})[1 + g % {n}][1 + (g / 7) % 3],
            ({desks})[1 + g % {n}][1 + (g / 3) % {width}],
            ({comp})[1 + g % {n}], {users['minhxuan.receiver']},
            json_build_object('name', r.name, 'id_number', r.id_number, 'phone', r.phone)::text,
            right(r.phone, 4), '{{}}', '[]', r.at, r.at, r.at + interval '5 days', 'bench',
            CASE WHEN g > CAST(:total AS integer) * 0.97 THEN NULL ELSE r.at + interval '3 days' END,
            CASE WHEN g > CAST(:total AS integer) * 0.97 OR g % 17 = 0 OR g % 29 = 0 THEN NULL ELSE r.at + interval '4 days' END,
            0, NULL, false, false, NULL, NULL, 5, md5(g::text) || md5(g::text), 1,
            -- the desk's search line, as motcua.domain.search.search_text writes it at receipt
            lower('SC-' || to_char(r.at, 'YYMMDD') || '-' || lpad(g::text, 7, '0')) || ' | ' || r.bare_name
                || ' | ' || r.id_number || ' | ' || r.phone
        FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g,
        LATERAL (SELECT
            CAST(:now AS timestamp) - make_interval(secs => (CAST(:total AS integer) - g)::float8 * CAST(:span AS float8) / CAST(:total AS integer)) AS at,
            ({_array(FAMILY)})[1 + g % {len(FAMILY)}] || ' ' || ({_array(MIDDLE)})[1 + (g / 13) % {len(MIDDLE)}]
                || ' ' || ({_array(GIVEN)})[1 + (g / 131) % {len(GIVEN)}] AS name,
            ({_array(BARE_FAMILY)})[1 + g % {len(FAMILY)}] || ' ' || ({_array(BARE_MIDDLE)})[1 + (g / 13) % {len(MIDDLE)}]
                || ' ' || ({_array(BARE_GIVEN)})[1 + (g / 131) % {len(GIVEN)}] AS bare_name,
            lpad(((g::bigint * 7919) % 1000000000000)::text, 12, '0') AS id_number,
            '09' || lpad(((g::bigint * 104729) % 100000000)::text, 8, '0') AS phone) r
        """), params)
        conn.execute(text("""
        INSERT INTO dossier_extras (dossier_id, lookup_key, fee, paid)
        SELECT g, md5('key' || g::text), 0, 0 FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g"""), params)
        conn.execute(text("""
        INSERT INTO process_instances (id, dossier_id, procedure_version_id, state, status, error,
            next_timer_at, updated_at, version)
        SELECT d.id, d.id, d.procedure_version_id, '{}',
            CASE WHEN d.status = 'processing' THEN 'running' ELSE 'completed' END, NULL, NULL, d.received_at, 1
        FROM dossiers d WHERE d.id BETWEEN CAST(:lo AS integer) AND CAST(:hi AS integer)"""), params)
        # three steps; an open dossier's third (the leader's signature) is ready, unassigned or taken
        conn.execute(text(f"""
        INSERT INTO tasks (id, instance_id, dossier_id, bpmn_id, name, lane, role, office_id, allotment_days,
            form, pause_clock, state, ready_at, due_at, due_calendar, assignee_id, completed_at, completed_by,
            data, overdue, version)
        SELECT md5(d.id::text || '-' || s)::uuid::text, d.id, d.id, (ARRAY['kiem_tra','tham_dinh','ky_duyet'])[s],
            (ARRAY['Kiểm tra hồ sơ','Thẩm định','Ký duyệt'])[s], (ARRAY['receiver','specialist','leader'])[s],
            (ARRAY['receiver','specialist','leader'])[s],
            CASE WHEN s = 1 THEN d.receiving_office_id ELSE d.competent_office_id END, '1', NULL, false,
            CASE WHEN d.status = 'processing' AND s = 3 THEN 'ready' ELSE 'completed' END,
            d.received_at + (s - 1) * interval '1 day', d.received_at + s * interval '1 day', 'bench',
            CASE WHEN d.status = 'processing' AND s = 3 AND d.id % 4 = 0 THEN {users['minhxuan.leader']} END,
            CASE WHEN d.status = 'processing' AND s = 3 THEN NULL ELSE d.received_at + s * interval '20 hours' END,
            NULL, NULL, false, 1
        FROM dossiers d CROSS JOIN generate_series(1, 3) s WHERE d.id BETWEEN CAST(:lo AS integer) AND CAST(:hi AS integer)"""), params)
        # the inter-agency procedures (liên thông): a fourth step at the ward police, an `OFFICE:role` lane
        conn.execute(text(f"""
        INSERT INTO tasks (id, instance_id, dossier_id, bpmn_id, name, lane, role, office_id, allotment_days,
            form, pause_clock, state, ready_at, due_at, due_calendar, assignee_id, completed_at, completed_by,
            data, overdue, version)
        SELECT md5(d.id::text || '-4')::uuid::text, d.id, d.id, 'xac_nhan', 'Xác nhận của công an',
            'CA.MINHXUAN:specialist', 'specialist', {offices['CA.MINHXUAN']}, '1', NULL, false,
            CASE WHEN d.status = 'processing' THEN 'ready' ELSE 'completed' END,
            d.received_at + interval '1 day', d.received_at + interval '2 days', 'bench', NULL,
            CASE WHEN d.status = 'processing' THEN NULL ELSE d.received_at + interval '30 hours' END,
            NULL, NULL, false, 1
        FROM dossiers d WHERE d.id BETWEEN CAST(:lo AS integer) AND CAST(:hi AS integer)
            AND d.procedure_version_id IN ({cooperating})"""), params)
        conn.execute(text("""
        INSERT INTO events (dossier_id, seq, at, type, actor, step, data, prev_hash, hash)
        SELECT d.id, s, d.received_at + (s - 1) * interval '20 hours',
            (ARRAY['received','step_completed','step_completed','step_completed','finished'])[s],
            'bench', NULL, '{"bench": true}',
            CASE WHEN s = 1 THEN repeat('0', 64) ELSE md5(d.id::text || '-' || (s - 1)) || md5(d.id::text) END,
            md5(d.id::text || '-' || s) || md5(d.id::text)
        FROM dossiers d CROSS JOIN generate_series(1, 5) s WHERE d.id BETWEEN CAST(:lo AS integer) AND CAST(:hi AS integer)"""), params)
        conn.commit()
        report(hi, time.perf_counter() - started)
    conn.execute(text("SELECT setval(pg_get_serial_sequence('dossiers', 'id'), :n)"), {"n": total})
    conn.execute(text("SELECT setval(pg_get_serial_sequence('process_instances', 'id'), :n)"), {"n": total})
    conn.commit()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def timed(fn, rounds: int) -> tuple[float, float, float, float]:
    """p50, p95 of the wall time, and p50, p95 of this process's CPU time (without the time spent
    waiting for a core: on a shared machine the wall time mostly measures the others)."""
    fn()  # warm the caches and the statement cache once
    wall_samples, cpu_samples = [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        wall_samples.append(time.perf_counter() - started)
        cpu_samples.append(time.process_time() - cpu)
    return (*percentiles(wall_samples), *percentiles(cpu_samples))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse it if loaded)")
    parser.add_argument("--reuse", action="store_true", help="measure an existing motcua_scale without loading")
    args = parser.parse_args()
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    url = args.admin_url.rsplit("/", 1)[0] + "/" + DB
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {DB}"))
    clock = Clock()
    clock.freeze(NOW)
    platform = build_platform(load_settings(environ={"DATABASE_URL": url, "MOTCUA_ENV": "test"}), clock=clock)
    engine = platform.session_factory.kw["bind"]
    try:
        upgrade(engine)  # on --reuse: the indexes of a newer migration, if any
        if not args.reuse:
            seed_demo(platform)
            started = time.perf_counter()
            with engine.connect() as conn:
                load(conn, args.dossiers, lambda done, s: print(
                    f"  loaded {done:>9,} dossiers ({s:.1f} s for the batch)", file=sys.stderr, flush=True))
                conn.execute(text("COMMIT"))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            print(f"loaded {args.dossiers:,} dossiers in {time.perf_counter() - started:.0f} s")
        measure(platform, engine, args.rounds)
    finally:
        engine.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        admin.dispose()


def measure(platform, engine, rounds: int) -> None:
    with engine.connect() as conn:
        counts = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("dossiers", "tasks", "events")}
        size = conn.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        sample = conn.execute(text("SELECT applicant FROM dossiers ORDER BY id DESC OFFSET 1000 LIMIT 1")).scalar()
    print(f"database: {counts['dossiers']:,} dossiers, {counts['tasks']:,} steps, {counts['events']:,} events; {size}")
    with platform.uow(readonly=True) as uow:
        actors = {u.username: people.actor_of(u) for u in uow.session.scalars(select(User))}
    rows = []
    for name in ("minhxuan.leader", "minhxuan.specialist", "snnmt.leader", "stp.leader"):
        for scope in ("candidate", "mine"):
            rows.append((f"inbox {scope} ({name})", timed(
                lambda a=actors[name], s=scope: inbox.list_tasks(platform, a, s, 1, 20), rounds)))
    for name in ("minhxuan.receiver", "ttpvhcc.receiver", "snnmt.specialist", "caminhxuan.specialist", "auditor"):
        rows.append((f"dossier list ({name})", timed(
            lambda a=actors[name]: dossiers.list_for(platform, a, page=1, per_page=20), rounds)))
    rows.append(("dossier list, page 50 (minhxuan.receiver)", timed(
        lambda: dossiers.list_for(platform, actors["minhxuan.receiver"], page=50, per_page=20), rounds)))
    rows.append(("dossier list, status processing (auditor)", timed(
        lambda: dossiers.list_for(platform, actors["auditor"], status="processing", page=1, per_page=20), rounds)))
    import json
    applicant = json.loads(sample)
    if "q" in signature(dossiers.list_for).parameters:
        from unicodedata import normalize
        plain = "".join(c for c in normalize("NFD", applicant["name"].replace("Đ", "D").replace("đ", "d"))
                        if not 0x300 <= ord(c) <= 0x36f).lower()
        for label, q in (("name without diacritics", plain), ("identity number", applicant["id_number"]),
                         ("phone", applicant["phone"])):
            rows.append((f"search by {label} (minhxuan.receiver)", timed(
                lambda q=q: dossiers.list_for(platform, actors["minhxuan.receiver"], q=q, page=1, per_page=20),
                rounds)))
    else:
        print("search: skipped, dossiers.list_for takes no `q` on this branch (the desk search adds it)")
    width = max(len(r[0]) for r in rows)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'use case':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'cpu p50':>8}  {'cpu p95':>8}")
    for label, (p50, p95, c50, c95) in rows:
        print(f"{label:<{width}}  {p50:8.1f}  {p95:8.1f}  {c50:8.1f}  {c95:8.1f}{'' if p95 < 50 else '  (over 50 ms)'}")
    statements(platform, actors)


def statements(platform, actors) -> None:
    """The database's own time for the main statement of each use case (EXPLAIN ANALYZE)."""
    from sqlalchemy.dialects import postgresql
    from motcua import access
    from motcua.db.models import Dossier, StepRow
    leader, desk = actors["minhxuan.leader"], actors["minhxuan.receiver"]
    inbox_q = select(StepRow.id).where(StepRow.state == "ready", access.workable_tasks(leader),
                                       StepRow.assignee_id.is_(None)).order_by(StepRow.due_at, StepRow.id).limit(20)
    list_q = select(Dossier.id).where(access.readable_dossiers(desk)).order_by(
        Dossier.received_at.desc(), Dossier.id.desc()).limit(20)
    with platform.uow(readonly=True) as uow:
        for label, q in (("inbox page", inbox_q), ("dossier list page", list_q)):
            sql = str(q.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            plan = uow.session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).scalar()
            top = plan[0]
            print(f"database time, {label}: {top['Execution Time']:.2f} ms ({top['Plan']['Node Type']}, "
                  f"{top['Plan'].get('Plans', [{}])[0].get('Index Name', top['Plan'].get('Index Name', '-'))})")


if __name__ == "__main__":
    main()
