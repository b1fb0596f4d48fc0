"""The execution context's cheaper checks give graphql-core's answers (backend.core.execution)."""

import asyncio
import types

from graphql.pyutils import is_awaitable as graphql_is_awaitable

from backend.core.execution import is_awaitable
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

    from backend.core.execution import BudgetedExecutionContext

    class Colour(enum.Enum):
        RED = "red"

    ColourEnum = graphene.Enum.from_enum(Colour)

    class Thing:
        def __init__(self, **values):
            self.__dict__.update(values)

        @property
        def broken(self):
            raise RuntimeError("boom")

    class Item(graphene.ObjectType):
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
        item = graphene.Field(Item, required=True)

        def resolve_items(root, info):
            return [
                Thing(name="a", nickname=None, count=3, must=1, colour=Colour.RED),
                {"name": "from a dict", "count": 4, "must": 2},
                Thing(name="bad int", count="not a number", must=3, colour=None),
                Thing(name="no must", must=None),
            ]

        def resolve_item(root, info):
            return Thing(name=None, must=1)

    schema = graphene.Schema(query=Query).graphql_schema
    for query in (
        "{ items { name nickname count must colour shout(loud: true) __typename } }",
        "{ items { broken name } }",
        "{ item { name must } }",
        "{ items { n: name c: count } }",
    ):
        document = parse(query)
        ours = execute(schema, document, execution_context_class=BudgetedExecutionContext)
        theirs = execute(schema, document, execution_context_class=ExecutionContext)
        assert ours.data == theirs.data, query
        assert [(e.message, e.path) for e in ours.errors or []] == [
            (e.message, e.path) for e in theirs.errors or []
        ], query
    # The cases did produce errors and values to compare.
    assert execute(
        schema, parse("{ items { count } }"), execution_context_class=BudgetedExecutionContext
    ).errors
