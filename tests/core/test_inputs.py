"""Ordinary inputs that ended in INTERNAL_SERVER_ERROR: each now gets a clear French answer.

Date-times without offset, NUL bytes and lone surrogates in text, connection arguments out of range,
malformed HTTP bodies; and an unexpected error carries a request id the user can quote.
"""

import json
import logging

import pytest
from django.test import Client

from backend.schema import schema
from tests.helpers import CREATE_SLOT, gid, offer_for, top_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("start", ["2026-12-08T14:00:00", "2026-12-08"])
def test_create_slot_with_a_date_time_without_offset_is_refused_in_french(gql, world, start):
    offer = offer_for(world.hub)
    result = gql.execute(
        CREATE_SLOT,
        {"offer": gid(offer), "start": start, "end": "2026-12-08T17:00:00+01:00"},
        user=world.user("coordinator"),
    )
    # Before: "can't compare offset-naive and offset-aware datetimes", an internal error.
    assert top_codes(result) == ["BAD_USER_INPUT"]
    assert "décalage horaire" in result["errors"][0]["message"]


def test_every_date_time_input_follows_the_same_rule(gql, world):
    literal = gql.execute('{ slots(first: 5, filter: {startsAfter: "2026-12-08T14:00:00"}) { totalCount } }')
    assert top_codes(literal) == ["BAD_USER_INPUT"]
    with_offset = gql.execute(
        '{ slots(first: 5, filter: {startsAfter: "2026-12-08T14:00:00Z"}) { totalCount } }'
    )
    assert "errors" not in with_offset


@pytest.mark.parametrize("text", ["Saint\x00Martin", "Saint\ud800Martin"])
def test_nul_bytes_and_lone_surrogates_are_refused(gql, text):
    result = gql.execute(
        "query($s: String!) { communes(search: $s, first: 5) { totalCount } }", {"s": text}
    )  # before: a PostgreSQL or encoding error, answered as an internal error
    assert top_codes(result) == ["BAD_USER_INPUT"]
    assert "caractère" in result["errors"][0]["message"]
    in_id = gql.execute("query($id: ID!) { node(id: $id) { id } }", {"id": text})
    assert top_codes(in_id) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "arguments",
    [
        "first: 5, offset: -5",
        "first: 5, offset: 1000000",
        'last: 5, before: "YXJyYXljb25uZWN0aW9uOjE=", offset: 2',
        'first: 5, after: "0", offset: 1',  # found by the fuzzer: not a cursor of ours, an internal error
        'first: 5, after: "bm90IGEgY3Vyc29y"',
        'last: 5, before: ""',
    ],
)
def test_connection_arguments_out_of_range_are_refused(gql, world, arguments):
    result = gql.execute(f"{{ msps({arguments}) {{ totalCount edges {{ node {{ name }} }} }} }}")
    assert top_codes(result) == ["BAD_USER_INPUT"], result


def test_first_and_last_together_are_refused_and_zero_is_an_empty_page(gql, world):
    both = gql.execute("{ msps(first: 0, last: 0) { totalCount edges { node { name } } } }")
    assert top_codes(both) == ["BAD_USER_INPUT"]  # before: an internal error
    for argument in ("first: 0", "last: 0"):
        result = gql.execute(f"{{ msps({argument}) {{ totalCount edges {{ node {{ name }} }} }} }}")
        assert "errors" not in result, result
        assert result["data"]["msps"]["edges"] == [] and result["data"]["msps"]["totalCount"] == 2


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps({"query": "{ __typename }", "variables": [1, 2]})),
        ("application/json", json.dumps({"query": 42})),
        ("application/json", json.dumps({"query": "{ __typename }", "operationName": 7})),
        ("application/json", json.dumps([{"query": "{ __typename }"}])),
        ("application/json", "{not json"),
        ("application/graphql", b"{ __typename \xff\xfe }"),
    ],
)
def test_malformed_bodies_get_a_json_400(content_type, body):
    response = Client().post("/graphql", data=body, content_type=content_type)
    # Before: an HTML 500 for some of these.
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST" and error["message"]


def test_an_internal_error_carries_a_request_id_that_is_logged_once(gql, settings, caplog, monkeypatch):
    settings.DEBUG = False
    field = schema.graphql_schema.query_type.fields["regions"]

    def broken(root, info, **arguments):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(field, "resolve", broken)
    with caplog.at_level(logging.ERROR, logger="backend.graphql"):
        result = gql.execute("{ regions { code } }")
    error = result["errors"][0]
    request_id = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret detail" not in error["message"] and request_id in error["message"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert len(logged) == 1 and "secret detail" in str(logged[0].exc_info[1])


def test_an_explicit_null_for_an_argument_with_a_default_is_refused_by_validation(gql, world):
    """Found by the fuzzer: `nearbyHubs(first: null)` reached the resolver as None (an internal error)."""
    result = gql.execute('{ nearbyHubs(near: {communeCode: "51272"}, first: null) { distanceKm } }')
    assert result["_status"] == 400 and "null trouvé" in result["errors"][0]["message"]
    omitted = gql.execute('{ nearbyHubs(near: {communeCode: "51272"}) { distanceKm } }')
    assert "errors" not in omitted
