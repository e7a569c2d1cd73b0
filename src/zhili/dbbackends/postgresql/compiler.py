"""Django's PostgreSQL compilers; only the INSERT compiler differs.

Django 5.2 inserts a ``bulk_create`` batch of two rows or more as
``INSERT … SELECT * FROM UNNEST(%s::type[], …)`` when its fields allow (one array per column),
so that the statement's text does not depend on the number of rows and PostgreSQL plans a large
batch quickly. For the few rows a workflow step writes (an order's 2–6 events, inserted
together by ``workflow.engine.batched``) that costs more than it saves: psycopg builds each
column's array in Python and Django works out each column's database type on every insert. The
VALUES statement of a given row count is prepared once a connection has run it
``DB_PREPARE_THRESHOLD`` times (psycopg's automatic prepared statements, ``zhili.settings``), as
the Open311 POST's insert of its three events is. That POST cost 0.4–0.7 ms less Python and
0.06–0.16 ms less PostgreSQL CPU with VALUES (benchmarks/open311_post_cpu.py, 3 interleaved pairs
of runs, docs/open311.md). Larger batches are another matter: from about 32 rows UNNEST is the
cheaper (benchmarks/bulk_insert.py, 2026-11-30, this process's CPU ms per batch of events, VALUES
vs UNNEST: 2 rows 0.46 vs 0.85, 8 rows 1.08 vs 1.29, 16 rows 1.39 vs 1.48, 32 rows 2.74 vs 2.53,
128 rows 16.3 vs 8.5; the wall times, which add PostgreSQL's work, cross at the same place), so
batches of ``UNNEST_MIN_ROWS`` rows or more (imports, bulk writes) keep Django's UNNEST.
"""

from django.db.backends.postgresql.compiler import (  # noqa: F401 (the compilers Django looks up by name)
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)
from django.db.backends.postgresql.compiler import SQLInsertCompiler as PostgresInsertCompiler
from django.db.models.sql.compiler import SQLInsertCompiler as BaseInsertCompiler

__all__ = ["SQLAggregateCompiler", "SQLCompiler", "SQLDeleteCompiler", "SQLInsertCompiler", "SQLUpdateCompiler"]

#: The smallest batch inserted with UNNEST; smaller ones use one VALUES row per object.
UNNEST_MIN_ROWS = 32


class SQLInsertCompiler(PostgresInsertCompiler):
    """Django's PostgreSQL INSERT compiler; a batch under ``UNNEST_MIN_ROWS`` rows uses VALUES."""

    def assemble_as_sql(self, fields, value_rows):
        """(placeholder rows, parameter rows) as Django's; VALUES below ``UNNEST_MIN_ROWS`` rows."""
        if len(value_rows) < UNNEST_MIN_ROWS:
            return BaseInsertCompiler.assemble_as_sql(self, fields, value_rows)
        return super().assemble_as_sql(fields, value_rows)
