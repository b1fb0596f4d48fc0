"""The checked-in SDL, printed exactly as `manage.py graphql_schema --out schema.graphql` writes it."""

from django.conf import settings
from graphql import print_schema

SCHEMA_FILE = settings.BASE_DIR / "schema.graphql"


def printed_schema() -> str:
    from backend.schema import schema

    return print_schema(schema.graphql_schema)
