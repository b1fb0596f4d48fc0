"""The execution context's cheaper checks give graphql-core's answers (backend.core.execution)."""

import asyncio
import types

from graphql.pyutils import is_awaitable as graphql_is_awaitable

from backend.core.fast_execution import is_awaitable
from network.models import Msp


def test_the_awaitable_check_by_type_agrees_with_graphql_core():
    async def coroutine_function():
        return 1

    @types.coroutine
    def generator_coroutine():
        yield

    def plain_generator():
        yield 1

    class AwaitableThing:
        def __await__(self):
            return iter(())

    loop = asyncio.new_event_loop()
    coroutine = coroutine_function()
    values = [
        coroutine,
        generator_coroutine(),
        plain_generator(),
        loop.create_future(),
        AwaitableThing(),
        Msp(name="x"),
        "text",
        3,
        None,
        [1],
        {"a": 1},
    ]
    try:
        for _ in range(2):  # the second time from the cache
            assert [is_awaitable(v) for v in values] == [graphql_is_awaitable(v) for v in values]
    finally:
        coroutine.close()
        loop.close()


def test_plain_leaves_read_directly_give_graphql_cores_values_and_errors():
    """Same data and same errors (message, path) as graphql-core's own execution, on the tricky cases."""
    import enum

    import graphene
    from graphql import ExecutionContext, execute, parse

    from backend.core.fast_execution import FastExecutionContext

    class Colour(enum.Enum):
        RED = "red"

    ColourEnum = graphene.Enum.from_enum(Colour)

    class Thing:
        def __init__(self, **values):
            self.__dict__.update(values)

        @property
        def broken(self):
            raise RuntimeError("boom")

    class Inner(graphene.ObjectType):
        label = graphene.String(required=True)
        broken = graphene.String()

    class Item(graphene.ObjectType):
        inner = graphene.Field(Inner)
        must_inner = graphene.Field(Inner, required=True)
        name = graphene.String(required=True)
        nickname = graphene.String()
        count = graphene.Int()
        must = graphene.Int(required=True)
        broken = graphene.String()
        colour = graphene.Field(ColourEnum)
        shout = graphene.String(loud=graphene.Boolean())

        def resolve_shout(self, info, loud=False):
            return "HI" if loud else "hi"

    class Query(graphene.ObjectType):
        items = graphene.List(Item)
        strict_items = graphene.List(graphene.NonNull(Item))
        tuple_items = graphene.List(Item)

        def resolve_strict_items(root, info):
            return [Thing(name="first", must=1), None, Thing(name="third", must=3)]

        def resolve_tuple_items(root, info):
            return (Thing(name="t", must=1), None, {"name": "d", "must": 2})

        item = graphene.Field(Item, required=True)

        def resolve_items(root, info):
            return [
                Thing(
                    name="a",
                    nickname=None,
                    count=3,
                    must=1,
                    colour=Colour.RED,
                    inner=Thing(label="x"),
                    must_inner=Thing(label="y"),
                ),
                {"name": "from a dict", "count": 4, "must": 2, "inner": None, "must_inner": {"label": "d"}},
                Thing(name="bad int", count="not a number", must=3, colour=None, inner=Thing(label=None)),
                Thing(name="no must", must=None, must_inner=Thing(label="z")),
                Thing(name="bad inner", must=4, must_inner=Thing(label=None), inner=Thing(label="ok")),
            ]

        def resolve_item(root, info):
            return Thing(name=None, must=1)

    schema = graphene.Schema(query=Query).graphql_schema
    for query in (
        "{ items { name nickname count must colour shout(loud: true) __typename } }",
        "{ items { broken name } }",
        "{ item { name must } }",
        "{ items { n: name c: count } }",
        "{ items { name inner { label } mustInner { label } } }",
        "{ items { inner { broken label } } item { mustInner { label } } }",
        "{ items { inner { label } } }",
        "{ strictItems { name } }",
        "{ tupleItems { name must } items { must } }",
    ):
        document = parse(query)
        ours = execute(schema, document, execution_context_class=FastExecutionContext)
        theirs = execute(schema, document, execution_context_class=ExecutionContext)
        assert ours.data == theirs.data, query
        assert [(e.message, e.path) for e in ours.errors or []] == [
            (e.message, e.path) for e in theirs.errors or []
        ], query
    # The cases did produce errors and values to compare.
    assert execute(schema, parse("{ items { count } }"), execution_context_class=FastExecutionContext).errors


def test_the_api_reads_plain_fields_directly(world, gql, monkeypatch, ordinary_reads):
    """Through `/graphql` as clients call it, plain leaves and objects skip `execute_field` (graphene-django
    passes an empty middleware list, which graphql-core turned into a manager that disabled the direct
    reads), with the answer graphql-core's own execution gives."""
    from graphql import ExecutionContext

    from backend.core.execution import BudgetedExecutionContext
    from backend.core.views import GraphQLView

    query = """{ msps(first: 10) { edges { node { name finess sites { address commune { name } }
        memberships { role practitioner { fullName profession { label } } } } } } }"""
    executed = []
    original = BudgetedExecutionContext.execute_field

    def spy(self, parent_type, source, field_nodes, path):
        executed.append((parent_type.name, field_nodes[0].name.value))
        return original(self, parent_type, source, field_nodes, path)

    monkeypatch.setattr(BudgetedExecutionContext, "execute_field", spy)
    result = gql.execute(query, user=world.users["admin"])
    assert "errors" not in result, result
    names = [edge["node"]["name"] for edge in result["data"]["msps"]["edges"]]
    assert world.msp.name in names
    assert ("Query", "msps") in executed and ("Msp", "sites") in executed  # the spy did see the request
    assert not {("Msp", "name"), ("Msp", "finess"), ("MspSite", "address")} & set(executed), executed
    members = sum(len(edge["node"]["memberships"]) for edge in result["data"]["msps"]["edges"])
    assert members > 3
    # An object's class is checked once (the ordinary way), then its fields are read directly.
    assert executed.count(("Membership", "practitioner")) == 1
    assert executed.count(("Practitioner", "profession")) == 1

    monkeypatch.setattr(GraphQLView, "execution_context_class", ExecutionContext)
    assert gql.execute(query, user=world.users["admin"]) == result


def test_a_request_leaves_no_models_to_the_cyclic_garbage_collector(world, gql):
    """A page of MSPs with their sites and members is a web of cycles (a prefetched child points back to
    its parent); at the end of the work they are broken (`released_after`), so reference counting frees
    the page at once and no collection of hundreds of thousands of objects stalls the process later."""
    import gc

    from django.db import models

    query = """{ msps(first: 10) { edges { node { name sites { address msp { name } }
        memberships { role msp { name } practitioner { fullName profession { label } } } } } } }"""
    assert "errors" not in gql.execute(query)  # warm: lazy imports and caches are not this request's
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = gql.execute(query)
        gc.collect()
        # type(), not isinstance(): a lazy object in the garbage (django-csp's spent nonce) raises when asked
        left = [o for o in gc.garbage if issubclass(type(o), models.Model)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert "errors" not in result and len(result["data"]["msps"]["edges"]) == 2
    assert left == []


def test_the_setting_chooses_the_executor_of_every_door(world, gql, settings, monkeypatch, ordinary_reads):
    """`GRAPHQL_EXECUTOR=graphql-core` (issue 25) runs the API on graphql-core's own executor, the budget kept:
    the way back should an upgrade or a doubt call for it. CI runs the API's tests both ways."""
    import pytest
    from graphql import ExecutionContext

    from backend.core.execution import BudgetedExecutionContext
    from backend.core.fast_execution import FastExecutionContext, execution_context_class

    used = []
    original = ExecutionContext.__init__

    def spy(self, *args, **kwargs):
        used.append(type(self))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ExecutionContext, "__init__", spy)
    query = "{ msps(first: 5) { edges { node { name sites { commune { name } } } } } }"
    answers = {}
    for name, expected in (("fast", FastExecutionContext), ("graphql-core", BudgetedExecutionContext)):
        settings.GRAPHQL_EXECUTION = {**settings.GRAPHQL_EXECUTION, "EXECUTOR": name}
        assert execution_context_class() is expected
        answers[name] = gql.execute(query, user=world.users["admin"])
        assert used[-1] is expected
    assert answers["fast"] == answers["graphql-core"] and "errors" not in answers["fast"]
    settings.GRAPHQL_EXECUTION = {**settings.GRAPHQL_EXECUTION, "EXECUTOR": "faster"}
    with pytest.raises(ValueError, match="GRAPHQL_EXECUTOR : « faster » inconnu"):
        execution_context_class()
