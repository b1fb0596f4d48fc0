"""Property-based fuzzing of the live schema: no generated request may end in an internal error.

`hypothesis-graphql` generates valid queries and mutations from the schema (arguments of every shape
its types allow: empty strings, NUL bytes, huge numbers, foreign IDs…), sent over HTTP against the
real database, as anonymous, as a practitioner and as an MSP coordinator. Every answer must be a
client error or a result: never a 5xx, never `INTERNAL_SERVER_ERROR`.

Bounded for `make test` (FUZZ_EXAMPLES per case, 60 by default); `make fuzz` runs a longer campaign.
"""

import json
import os
from datetime import UTC, datetime

import pytest
from graphql import print_schema
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from backend.accounts.services import issue_token
from backend.schema import schema
from tests.helpers import generated

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 60))
SDL = print_schema(schema.graphql_schema)

# Scalars the generator cannot invent: plausible values, with and without offsets for date-times.
SCALARS = {
    "DateTime": st.one_of(
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
        ).map(lambda d: nodes.String(d.isoformat())),
        st.sampled_from(["2026-12-08T14:00:00", "2026-12-08", "demain", ""]).map(nodes.String),
    ),
    "Date": st.one_of(
        st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2035, 1, 1).date()).map(
            lambda d: nodes.String(d.isoformat())
        ),
        st.sampled_from(["2026-02-30", "hier", ""]).map(nodes.String),
    ),
    "Time": st.sampled_from(["09:00:00", "23:59:59", "25:00", ""]).map(nodes.String),
}

fuzz = generated(EXAMPLES)


def check(gql, document, token):
    result = gql.execute(document, token=token)
    assert result["_status"] < 500, (document, result)
    internal = [
        e for e in result.get("errors", []) if e.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]
    assert not internal, (document, json.dumps(internal, ensure_ascii=False))


STRATEGIES = {
    "queries": queries(SDL, custom_scalars=SCALARS),
    "mutations": mutations(SDL, custom_scalars=SCALARS),
}


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("queries", "anonymous"),
        ("queries", "coordinator"),
        ("mutations", "anonymous"),
        ("mutations", "practitioner"),
        ("mutations", "coordinator"),
    ],
)
@fuzz
@given(data=st.data())
def test_generated_documents_never_end_in_an_internal_error(gql, world, kind, role, data):
    user = world.user(role)
    token = issue_token(user).token if user is not None else None
    check(gql, data.draw(STRATEGIES[kind], label="document"), token)
