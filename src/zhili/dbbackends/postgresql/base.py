"""The backend's entry point: Django's PostgreSQL DatabaseWrapper with Zhili's compiler module."""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    """Django's PostgreSQL operations, compiling queries with ``zhili.dbbackends.postgresql.compiler``."""

    compiler_module = "zhili.dbbackends.postgresql.compiler"


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL connection wrapper (vendor ``postgresql``), with the operations above."""

    ops_class = DatabaseOperations
