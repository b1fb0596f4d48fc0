"""The real ASGI application with one slow field, for end-to-end tests of budgets and isolation.

`professions` sleeps in PostgreSQL (`pg_sleep`, tagged so tests find it in pg_stat_activity)
for SLOW_FIELD_SECONDS, as an expensive query would: Daphne serves this module instead of
backend.asgi in the tests that need work that takes time.
"""

import os

from django.db import connection

from backend.asgi import application  # noqa: F401 (served by Daphne)
from backend.schema import schema
from tests.stalling import MARKER


def _slow_professions(root, info, **arguments):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_sleep(%s) /* {MARKER} */", [float(os.environ.get("SLOW_FIELD_SECONDS", 30))]
        )
    return []


schema.graphql_schema.query_type.fields["professions"].resolve = _slow_professions
