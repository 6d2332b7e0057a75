"""What the benchmarks share: the databases they run on, a statement counter and the table they print.

PostgreSQL: `--pg URL` (default `$BENCH_DATABASE_URL`, else postgres@127.0.0.1:5432/perf_bench);
each run works in a schema of its own, dropped at the end, so a shared database is never touched.
`--no-pg` skips it; an unreachable server is reported and skipped.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/perf_bench")


def add_database_flags(parser) -> None:
    parser.add_argument("--pg", default=PG_URL, help="PostgreSQL URL (a temporary schema is used)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")


@contextmanager
def pg_schema(base: str):
    """A URL whose connections work in a fresh schema; the schema is dropped afterwards.
    Yields None when PostgreSQL is not reachable."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(base, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:  # noqa: BLE001 - PostgreSQL is optional for a benchmark
        print(f"[PostgreSQL] not reachable ({type(err).__name__}); skipped")
        yield None
        return
    try:
        yield base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def databases(args):
    """(label, url) for SQLite (a temporary file) and PostgreSQL (a temporary schema, when reachable)."""
    with tempfile.TemporaryDirectory() as tmp:
        yield "SQLite", f"sqlite:///{tmp}/bench.sqlite"
    if not getattr(args, "no_pg", False):
        with pg_schema(args.pg) as url:
            if url is not None:
                yield "PostgreSQL", url


class StatementCounter:
    """Counts the statements an engine sends (executemany counts once), by their first word."""

    def __init__(self, engine):
        self.engine, self.count, self.kinds, self.paused = engine, 0, {}, False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, _params, _context, _many):
        if self.paused:
            return
        self.count += 1
        word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        self.kinds[word] = self.kinds.get(word, 0) + 1

    def reset(self) -> None:
        self.count, self.kinds = 0, {}

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def table(title: str, header: list[str], rows: list[list]) -> str:
    """A Markdown table (it goes into the README as printed)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    line = lambda values: "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"  # noqa: E731
    out = [f"\n{title}\n", line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells]
    return "\n".join(out)
