"""The demo as `make run` loads it (the whole territory file, then `manage.py load_demo` in its own process, with
production password hashing so that servers can sign its accounts in), for the tests that drive a real server.

Loading it costs seconds (35,000 communes, then the demo's scenarios through the services); two dozen tests
need it, each on a fresh database (transactional tests empty every table afterwards). So it is built once per
session, copied into a schema of the test database (`demo_snapshot`), and copied back for each later test: the
same rows, without running the loaders again.
"""

import subprocess
import sys
from pathlib import Path

from django.db import connection

from network.management.commands.load_territories import load_territories
from network.models import Commune
from tests.daphne import server_env

PROJECT = Path(__file__).resolve().parents[1]
SNAPSHOT = "demo_snapshot"
_built = False  # in this session: a snapshot left by an earlier run (--reuse-db) may predate a migration


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _build() -> None:
    if Commune.objects.count() < 10_000:
        load_territories()
    demo = subprocess.run([sys.executable, "manage.py", "load_demo"], cwd=PROJECT, env=server_env(None), capture_output=True, text=True)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE; CREATE SCHEMA {SNAPSHOT}")
        for table in _tables():
            cursor.execute(f'CREATE TABLE {SNAPSHOT}."{table}" AS TABLE public."{table}"')


def _restore() -> None:
    tables = _tables()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'public."{table}"' for table in tables) + " CASCADE")
        # Columns PostgreSQL computes itself cannot be written: the rest is copied as it was.
        cursor.execute(
            "SELECT table_name, array_agg(quote_ident(column_name::text) ORDER BY ordinal_position)"
            " FROM information_schema.columns WHERE table_schema = 'public' AND is_generated = 'NEVER'"
            " AND table_name = ANY(%s) GROUP BY table_name",
            [tables],
        )
        columns = dict(cursor.fetchall())
        # The rows were consistent when copied: no foreign key to check again, no trigger to run again.
        cursor.execute("SET session_replication_role = replica")
        try:
            for table in tables:
                names = ", ".join(columns[table])
                cursor.execute(
                    f'INSERT INTO public."{table}" ({names}) SELECT {names} FROM {SNAPSHOT}."{table}"'
                )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def load_demo_as_make_run_does() -> None:
    """The territories and the demo, committed in the (transactional) test's database."""
    global _built
    if _built:
        _restore()
    else:
        _build()
        _built = True
