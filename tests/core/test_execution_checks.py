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
