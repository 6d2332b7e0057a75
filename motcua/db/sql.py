"""SQL constructs the dialects write differently."""
from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean


class InSubquery(ColumnElement):
    """`column IN (subquery)` for a subquery that returns few rows.

    PostgreSQL writes it `column = ANY(ARRAY(subquery))`: the subquery runs once, and the test can
    be an index condition, so an `OR` of such tests becomes a BitmapOr of index scans. A plain
    `IN (subquery)` under `OR` is a hashed subplan the planner guesses to match half the table,
    which sent a list of an office without dossiers through every row (bench/bench_scale.py).
    """

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("subquery", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, select_stmt):
        self.column = column
        self.subquery = select_stmt.scalar_subquery()


@compiles(InSubquery)
def _in(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} IN {compiler.process(element.subquery, **kw)}"


@compiles(InSubquery, "postgresql")
def _any_array(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{compiler.process(element.subquery, **kw)})"
