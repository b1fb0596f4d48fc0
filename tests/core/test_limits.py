"""Query limits, one path for HTTP and WebSocket: size, tokens, depth, aliases, fields, cost, capped lists.

Each abusive document of the security review is refused before it runs, over both transports,
with a French BAD_USER_INPUT error naming the limit, its maximum and the document's value.
"""

import pytest
from channels.testing import WebsocketCommunicator
from graphql import get_introspection_query, parse
from graphql_relay import to_global_id

from backend.asgi import application
from backend.core.limits import QueryLimits, measure
from backend.schema import schema
from tests.factories import make_msp
from tests.helpers import PROTOCOL, TIMEOUT, top_codes

# The security review's documents.
NESTED = (  # 186 bytes, 4.7 s before: msps → memberships → practitioner → memberships → msp, twice
    "{ msps(first: 100) { edges { node { memberships { practitioner { memberships { msp { name "
    "memberships { practitioner { memberships { msp { name } } } } } } } } } } } }"
)
ALIASES = "{ " + " ".join(
    f'h{i}: nearbyHubs(near: {{communeCode: "51272"}}, radiusKm: 60) {{ distanceKm }}' for i in range(200)
) + " }"  # fmt: skip


def fragment_bomb(levels=12):
    """Each fragment spreads the next one twice: 2^levels fields once expanded, in about a kilobyte."""
    fragments = [
        f"fragment F{i} on Msp {{ a{i}: hub {{ msp {{ ...F{i + 1} }} }} b{i}: hub {{ msp {{ ...F{i + 1} }} }} }}"
        for i in range(levels)
    ]
    return (
        "{ msps(first: 1) { edges { node { ...F0 } } } }\n"
        + "\n".join(fragments)
        + f"\nfragment F{levels} on Msp {{ name }}"
    )


CASES = {
    "depth": "{ msps(first: 1) { edges { node { " + "hub { msp { " * 10 + "name" + " } }" * 10 + " } } } }",
    "aliases": ALIASES,
    "cost": NESTED,
    "introspectionNesting": "{ __schema { types { fields { type { fields { name } } } } } }",
    "documentBytes": "{ __typename " + " " * 40_000 + "}",
    "tokens": "{ " + "a " * 4_100 + "}",
}


def limit_of(errors):
    assert len(errors) >= 1, errors
    error = errors[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return error["extensions"]["limit"], error


@pytest.mark.parametrize("limit", CASES)
def test_each_limit_refuses_over_http_with_a_french_message(gql, limit):
    result = gql.execute(CASES[limit])
    found, error = limit_of(result["errors"])
    assert found == limit
    assert error["extensions"]["actual"] > error["extensions"]["maximum"]
    assert str(error["extensions"]["maximum"]) in error["message"]
    assert result.get("data") is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limit", CASES)
async def test_each_limit_refuses_over_websocket_the_same_way(limit):
    communicator = WebsocketCommunicator(application, "/graphql", subprotocols=[PROTOCOL])
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    try:
        await communicator.send_json_to({"type": "connection_init"})
        assert (await communicator.receive_json_from(TIMEOUT))["type"] == "connection_ack"
        await communicator.send_json_to({"type": "subscribe", "id": "1", "payload": {"query": CASES[limit]}})
        message = await communicator.receive_json_from(TIMEOUT)
        assert message["type"] == "error" and message["id"] == "1"
        found, _ = limit_of(message["payload"])
        assert found == limit
        # The socket stays usable.
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(TIMEOUT) == {"type": "pong"}
    finally:
        await communicator.disconnect()


def test_a_fragment_bomb_is_refused_before_validation(gql):
    document = fragment_bomb(12)
    assert len(document) < 1_600
    result = gql.execute(document)
    found, _ = limit_of(result["errors"])
    assert found in {"depth", "fields", "cost", "aliases"}
    # Measured with each fragment expanded once (memoised): the real size of the expansion.
    shape = measure(schema.graphql_schema, parse(document), limits=QueryLimits.from_settings())
    assert shape.fields > 2**12


def test_the_measure_follows_first_and_variables():
    limits = QueryLimits.from_settings()
    query = "query($n: Int) { msps(first: $n) { edges { node { name } } } }"
    small = measure(schema.graphql_schema, parse(query), {"n": 2}, limits)
    large = measure(schema.graphql_schema, parse(query), {"n": 100}, limits)
    assert large.cost > small.cost * 10
    # A plain capped list counts at its `first` (default 100).
    members = '{ node(id: "x") { ... on Msp { memberships(first: 5) { role } } } }'
    default = '{ node(id: "x") { ... on Msp { memberships { role } } } }'
    assert (
        measure(schema.graphql_schema, parse(default), limits=limits).cost
        > measure(schema.graphql_schema, parse(members), limits=limits).cost
    )


def test_a_prepared_document_is_parsed_and_validated_once_and_still_measured_with_its_variables(monkeypatch):
    from backend.core import limits as limits_module

    calls = {"parse": 0, "validate": 0}
    real_parse, real_validate = limits_module.parse, limits_module.validate

    def counting_parse(*args, **kwargs):
        calls["parse"] += 1
        return real_parse(*args, **kwargs)

    def counting_validate(*args, **kwargs):
        calls["validate"] += 1
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(limits_module, "parse", counting_parse)
    monkeypatch.setattr(limits_module, "validate", counting_validate)
    graphql_schema = schema.graphql_schema
    query = "query($n: Int) { msps(first: $n) { edges { node { name memberships { role } } } } } # cache test"
    for _ in range(3):
        document, errors = limits_module.prepare_operation(graphql_schema, query, {"n": 2})
        assert document is not None and errors == []
    assert calls == {"parse": 1, "validate": 1}
    # The cached document is measured again with other variables: too large a page is still refused.
    limits = QueryLimits.from_settings()
    tight = QueryLimits(**{**limits.__dict__, "max_cost": 500})
    assert limits_module.prepare_operation(graphql_schema, query, {"n": 2}, tight)[1] == []
    document, errors = limits_module.prepare_operation(graphql_schema, query, {"n": 100}, tight)
    assert document is None and errors[0].extensions["limit"] == "cost"
    # A refused document is not kept: sent again, it is refused again (and parsed again).
    bad = "{ msps(first: 1) { edges { node { nosuchfield } } } }"
    assert limits_module.prepare_operation(graphql_schema, bad)[1]
    before = calls["parse"]
    assert limits_module.prepare_operation(graphql_schema, bad)[1]
    assert calls["parse"] == before + 1


def test_a_prepared_document_is_measured_again_only_when_a_list_size_comes_from_a_variable(monkeypatch):
    from backend.core import limits as limits_module

    measured = []
    real_measure = limits_module.measure
    monkeypatch.setattr(
        limits_module, "measure", lambda *args, **kwargs: measured.append(1) or real_measure(*args, **kwargs)
    )
    graphql_schema = schema.graphql_schema
    by_id = "query($id: ID!) { node(id: $id) { ... on Msp { name memberships { role } } } } # measure test"
    for n in range(3):
        assert limits_module.prepare_operation(graphql_schema, by_id, {"id": f"TXNwOj{n}"})[1] == []
    assert len(measured) == 1  # its id changes nothing of its shape
    # A size from a variable, even inside a fragment: measured with each request's values.
    sized = (
        "query($n: Int) { ...page } fragment page on Query { msps(first: $n) { edges { node { name } } } }"
    )
    tight = QueryLimits(**{**QueryLimits.from_settings().__dict__, "max_cost": 50})
    assert limits_module.prepare_operation(graphql_schema, sized, {"n": 2}, tight)[1] == []
    document, errors = limits_module.prepare_operation(graphql_schema, sized, {"n": 100}, tight)
    assert document is None and errors[0].extensions["limit"] == "cost"


def test_graphiql_introspection_and_ordinary_queries_pass(gql, world):
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    result = gql.execute(query)
    assert "errors" not in result, result.get("errors")
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"
    page = gql.execute(
        "{ hubs(first: 100) { edges { node { msp { name sites { commune { name department { name } } } "
        "memberships { role practitioner { fullName profession { label } } } } } } } }"
    )
    assert "errors" not in page, page.get("errors")
    assert page["data"]["hubs"]["edges"]


def test_limits_come_from_settings(gql, settings, world):
    settings.GRAPHQL_LIMITS = {**settings.GRAPHQL_LIMITS, "MAX_DEPTH": 3}
    result = gql.execute("{ msps(first: 1) { edges { node { name } } } }")
    found, error = limit_of(result["errors"])
    assert (found, error["extensions"]["maximum"], error["extensions"]["actual"]) == ("depth", 3, 4)
    assert "4 niveaux" in error["message"]


def test_member_lists_are_capped(gql, world, db):
    msp = make_msp(team=(("10", 4),))
    gid = to_global_id("Msp", msp.pk)
    query = "query($id: ID!, $n: Int) { node(id: $id) { ... on Msp { memberships(first: $n) { role } } } }"
    two = gql.execute(query, {"id": gid, "n": 2})
    assert len(two["data"]["node"]["memberships"]) == 2
    over = gql.execute(query, {"id": gid, "n": 500})
    assert top_codes(over) == ["BAD_USER_INPUT"]
    assert "200" in over["errors"][0]["message"]
