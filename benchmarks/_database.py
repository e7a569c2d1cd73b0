"""A PostgreSQL database of a benchmark's own on 127.0.0.1:5432, with Django set up on it."""

import contextlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def fresh_database(name: str, keep: bool = False):
    """Create database ``name`` (dropping an old one), point Django at it, migrate, and drop it
    again at the end unless ``keep``. Yields nothing; Django is set up inside."""
    import psycopg

    sys.path.insert(0, str(ROOT / "src"))
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    os.environ.setdefault("ZHILI_VAR_DIR", tempfile.mkdtemp(prefix=f"{name}-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.settings"
    os.environ.setdefault("ZHILI_DATA_DIR", str(ROOT / "data"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        connections.close_all()
        if not keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
