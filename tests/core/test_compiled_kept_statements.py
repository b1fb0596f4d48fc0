"""Compiled statements kept for anonymous readers (backend/core/compiled_reads.py, `_kept_or_written`): written
once per document, day and variables (and type, for `node(id:)`, then run again with only the id changed); never
for a signed-in reader, never when the scoping holds the moment or the statement was written from rows read."""

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.utils import timezone
from graphql_relay import to_global_id

from backend.core import compiled_reads as compiled_module
from backend.core import loop_reads
from backend.core.viewer import viewer_for
from network.graphql.types import Hub
from network.models import HubDesignation, Msp

from .test_compiled_reads import ROLES, answered, both_ways, directory, post, tokens  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

QUERY = """query($id: ID!, $n: Int) { node(id: $id) { __typename id ... on Msp { name
    memberships(first: $n) { role practitioner { fullName profession { label } } } }
    ... on Hub { status serviceRadiusKm msp { name } } } }"""


@pytest.fixture
def written(monkeypatch):
    """The node statements written, by type (each written twice the first time: once more to check it)."""
    calls = []
    real = compiled_module.write_node
    for (text, _), operation in list(answered._operations.items()):
        if text == QUERY:
            operation.statements.clear()  # kept by an earlier test
            operation.asked.clear()

    def counting(w, key, plan, graphene_type, pk, info):
        calls.append((graphene_type.__name__, viewer_for(info.context).is_authenticated))
        return real(w, key, plan, graphene_type, pk, info)

    monkeypatch.setattr(compiled_module, "write_node", counting)
    return calls


def kept_types() -> set:
    return {
        key[0] for (text, _), op in answered._operations.items() if text == QUERY for key in op.statements
    }


def test_an_anonymous_readers_node_statement_is_written_once_and_answers_as_the_executor(
    directory,  # noqa: F811
    tokens,  # noqa: F811
    client,
    settings,
    written,
):
    msps = [to_global_id("Msp", pk) for pk in Msp.objects.values_list("pk", flat=True)]
    hubs = [to_global_id("Hub", pk) for pk in HubDesignation.objects.values_list("pk", flat=True)]
    assert len(msps) >= 3 and len(hubs) >= 3
    for n in (2, 1):
        for node_id in msps + hubs + [to_global_id("Msp", 10**9)]:
            both_ways(client, settings, tokens, QUERY, {"id": node_id, "n": n})
    anonymous = [name for name, signed_in in written if not signed_in]
    # Per type and value of $n: written; asked again, written and written once more to check it; then kept for
    # every other id.
    assert sorted(anonymous) == sorted(["Msp"] * 6 + ["Hub"] * 6), anonymous
    assert kept_types() == {"Msp", "Hub"}
    # A signed-in reader's is written at each request: their scoping is about them.
    signed_in = [name for name, signed_in in written if signed_in]
    assert len(signed_in) == 2 * (len(ROLES) - 1) * (len(msps) + len(hubs) + 1)


def test_a_scoping_that_holds_the_moment_is_written_at_each_request(
    directory,  # noqa: F811
    tokens,  # noqa: F811
    client,
    settings,
    written,
    monkeypatch,
):
    scoped = Hub.get_queryset.__func__

    def until_now(cls, queryset, info):
        return scoped(cls, queryset, info).filter(applied_at__lte=timezone.now())

    monkeypatch.setattr(Hub, "get_queryset", classmethod(until_now))
    hubs = [to_global_id("Hub", pk) for pk in HubDesignation.objects.values_list("pk", flat=True)]
    for node_id in hubs:
        both_ways(client, settings, tokens, QUERY, {"id": node_id, "n": 2})
    anonymous = [name for name, signed_in in written if not signed_in]
    assert anonymous == ["Hub"] * (
        2 * len(hubs) - 1
    )  # from the second, written twice and found unfit to keep
    assert "Hub" not in kept_types()


HUBS = """query($n: Int!) { hubs(first: $n) { totalCount edges { node { id status msp { name
    memberships { role practitioner { fullName } } } } } } }"""
NEARBY = """query($code: String!) { nearbyHubs(near: {communeCode: $code}, radiusKm: 200, first: 10) { distanceKm
    hub { id msp { name } } } }"""


def test_a_list_is_kept_unless_written_from_rows_read(
    directory,  # noqa: F811
    tokens,  # noqa: F811
    client,
    settings,
    monkeypatch,
):
    written = []
    for name in ("write_connection", "write_list"):
        real = getattr(compiled_module, name)

        def counting(w, operation, arguments, info, real=real, name=name):
            written.append((name, viewer_for(info.context).is_authenticated))
            return real(w, operation, arguments, info)

        monkeypatch.setattr(compiled_module, name, counting)
    for query in (HUBS, NEARBY):
        for (text, _), operation in list(answered._operations.items()):
            if text == query:
                operation.statements.clear()
                operation.asked.clear()
    for _ in range(3):
        for n in (1, 2):
            both_ways(client, settings, tokens, HUBS, {"n": n})
        both_ways(client, settings, tokens, NEARBY, {"code": "51108"})
    anonymous = [name for name, signed_in in written if not signed_in]
    # The hubs, per value of $n: written; asked again, written twice (once more to check), then kept. Nearby
    # hubs: the commune's place is read to write the statement (and may change), so it is written at each request.
    assert anonymous.count("write_connection") == 6
    assert anonymous.count("write_list") == 3


def prepared_here(cursor, like: str) -> int:
    cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [like])
    return cursor.fetchone()[0]


def test_kept_statements_are_prepared_on_the_thread_s_connection_and_the_loop_s(
    directory,  # noqa: F811
    client,
    settings,
):
    """Planned once per connection, not at each request: psycopg prepares what asks for it (`prepare=True`) only
    when the connection's `prepare_threshold` is set (settings.py); Django leaves it None, which ignores it."""
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}
    like = "SELECT json_build_object('node'%"
    with connection.cursor() as cursor:
        before = prepared_here(cursor, like)
        for pk in list(Msp.objects.values_list("pk", flat=True)[:3]) * 2:
            post(client, QUERY, {"id": to_global_id("Msp", pk), "n": 2}, None, True, settings)
        # Written at the first two askings (kept at the second), prepared at the third, and once for all.
        assert prepared_here(cursor, like) == before + 1

    # The event loop's pool (backend/core/loop_reads.py) opens its connections with the same parameters.
    async def on_the_loop() -> int:
        pool, _held = await loop_reads._pool()
        try:
            async with pool.connection() as loop_connection:
                await loop_connection.execute("SELECT %s::int AS compiled_probe", [1], prepare=True)
                cursor = await loop_connection.execute(
                    "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                    ["%compiled_probe%"],
                )
                return (await cursor.fetchone())[0]
        finally:
            await loop_reads.close_pools()

    assert async_to_sync(on_the_loop)() == 1
