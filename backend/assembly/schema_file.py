"""The checked-in SDL, printed exactly as `manage.py graphql_schema --out schema.graphql` writes it."""

from django.conf import settings
from graphql import print_schema

from backend.schema import schema

SCHEMA_FILE = settings.BASE_DIR / "schema.graphql"


def printed_schema() -> str:
    return print_schema(schema.graphql_schema)
