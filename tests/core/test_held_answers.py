"""The response cache's answers held on the event loop (backend/cache/held.py): the requests waiting together are
checked by one statement; an answer is served only by a check begun after its request arrived; a write to a
table it read, or an emptying of the store, is seen at the next check."""

import asyncio
import contextlib

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from backend.cache import store as response_cache
from backend.cache.held import HeldAnswers
from backend.core import loop_reads
from network.models import Msp
from tests.factories import make_msp

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "SELECT (SELECT name FROM network_msp WHERE id = %s)::text"


@pytest.fixture
def stored(territories, settings):
    """An MSP, and its name stored in the response cache under a key (as an anonymous read's answer is)."""
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": True}
    msp = make_msp("MSP gardée (test)", commune="51108")
    key = b"held-answers-test"
    assert response_cache.compute_and_store(NAME, [msp.pk], key) == "MSP gardée (test)"
    return msp, key


@pytest.fixture
async def lend():
    """Connections of the loop's pool, and a gate that holds the first check after its statement ran."""
    pool, _held = await loop_reads._pool()
    gate = asyncio.Event()
    lent = []

    @contextlib.asynccontextmanager
    async def connection():
        async with pool.connection() as lent_connection:
            lent.append(lent_connection)
            yield lent_connection
        if len(lent) == 1:
            await gate.wait()

    yield connection, gate
    await loop_reads.close_pools()


async def test_requests_waiting_together_are_checked_once_and_then_served_from_the_process(stored, lend):
    msp, key = stored
    connection, gate = lend
    gate.set()
    held = HeldAnswers(connection)
    assert await asyncio.gather(*(held.fresh(key) for _ in range(8))) == ["MSP gardée (test)"] * 8
    assert held.checks == 1 and key in held.answers
    assert await asyncio.gather(*(held.fresh(key) for _ in range(3))) == ["MSP gardée (test)"] * 3
    assert held.checks == 2
    # A write to the table it read: the next check finds it stale, and the process lets it go.
    await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée")
    assert await held.fresh(key) is None
    assert key not in held.answers
    assert await held.fresh(b"never stored") is None


async def test_a_request_arriving_during_a_check_waits_for_the_next(stored, lend):
    msp, key = stored
    connection, gate = lend
    held = HeldAnswers(connection)
    first = asyncio.ensure_future(held.fresh(key))
    while not held.checks:  # the first check has begun: its statement runs, then the gate holds it
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée")  # committed
    second = asyncio.ensure_future(held.fresh(key))  # asked after the write returned
    await asyncio.sleep(0.1)
    gate.set()
    assert await first == "MSP gardée (test)"  # fresh when it was asked, and when its check began
    assert await second is None  # not the first check's answer: the write came before it was asked
    assert held.checks == 2


async def test_an_emptied_store_is_seen_at_the_next_check(stored, lend):
    _msp, key = stored
    connection, gate = lend
    gate.set()
    held = HeldAnswers(connection)
    assert await held.fresh(key) == "MSP gardée (test)"
    assert await sync_to_async(response_cache.prune)(force=True)
    assert await held.fresh(key) is None


async def test_what_a_process_holds_stays_within_its_bounds(lend):
    connection, _gate = lend
    held = HeldAnswers(connection, max_answers=3, max_bytes=1000)
    for n in range(5):
        held.keep(f"key {n}".encode(), "x" * 100, "1:1:")
    assert list(held.answers) == [b"key 2", b"key 3", b"key 4"] and held.bytes == 300
    held.keep(b"big", "x" * 600, "1:1:")  # over a quarter of the bytes: not held
    assert b"big" not in held.answers
    held.keep(b"key 5", "x" * 240, "1:1:")
    held.keep(b"key 6", "x" * 240, "1:1:")
    assert held.bytes <= 1000 and len(held.answers) <= 3


async def test_with_two_checks_at_once_a_request_need_not_wait_for_the_running_one(stored, lend):
    msp, key = stored
    connection, gate = lend
    held = HeldAnswers(connection, concurrent=2)
    first = asyncio.ensure_future(held.fresh(key))
    while not held.checks:
        await asyncio.sleep(0.01)
    await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée")
    # Asked after the write, while the first check is held: a second check begins at once, and sees the write.
    assert await asyncio.wait_for(held.fresh(key), 10) is None
    assert held.checks == 2 and not first.done()
    gate.set()
    assert await first == "MSP gardée (test)"
    # A request after both checks ended starts one again (the ended ones are not counted as running).
    assert await asyncio.wait_for(held.fresh(key), 10) is None and held.checks == 3


async def test_an_answer_read_before_an_emptying_is_never_served_again(stored, lend):
    """A store racing an emptying (`store.prune`) may write its answer after the log it would be checked against
    was emptied: its snapshot does not see the emptying, and that alone keeps it from being served."""
    msp, key = stored
    connection, gate = lend
    gate.set()
    old = await _stored_row(key)
    await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée")  # logged, committed
    assert await sync_to_async(response_cache.prune)(force=True)  # the log emptied with the answers
    await _insert_row(key, *old)  # as the racing store would have, after the emptying
    held = HeldAnswers(connection)
    assert await held.fresh(key) is None
    assert await sync_to_async(response_cache.hit)(key) is None
    # An answer read after the emptying is served.
    assert await sync_to_async(response_cache.compute_and_store)(NAME, [msp.pk], key) == "MSP renommée"
    assert await held.fresh(key) == "MSP renommée"
    assert await sync_to_async(response_cache.hit)(key) == "MSP renommée"


@pytest.fixture
async def pool():
    """The loop's pool, closed after the test however it ended."""
    pool, _held = await loop_reads._pool()
    yield pool
    await loop_reads.close_pools()


async def test_requests_finding_a_key_missing_together_compute_it_once(stored, pool):
    msp, key = stored
    await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée")
    held, computed = HeldAnswers(pool.connection), []

    async def compute(sending):
        computed.append(1)
        async with pool.connection() as connection:
            sending()
            text, snapshot, _due = await response_cache.compute_and_store_on(connection, NAME, [msp.pk], key)
        return text, snapshot

    answers = await asyncio.gather(*(held.answer(key, compute) for _ in range(4)))
    assert [text for text, _ in answers] == ["MSP renommée"] * 4
    assert sorted(outcome for _, outcome in answers) == ["miss", "shared", "shared", "shared"]
    assert len(computed) == 1 and not held.flights
    assert await held.answer(key, compute) == ("MSP renommée", "hit")


async def test_a_request_asked_after_a_computation_was_sent_computes_its_own(stored, pool):
    """The computation under way may have taken its snapshot before a write the request saw committed."""
    msp, key = stored
    await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée")
    held, computed, gate = HeldAnswers(pool.connection), [], asyncio.Event()

    async def compute(sending):
        computed.append(1)
        async with pool.connection() as connection:
            sending()
            text, snapshot, _due = await response_cache.compute_and_store_on(connection, NAME, [msp.pk], key)
        if len(computed) == 1:
            await gate.wait()  # the first computation's statement has run: it is held here
        return text, snapshot

    first = asyncio.ensure_future(held.answer(key, compute))
    try:
        while not computed:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée deux fois")
        second = await asyncio.wait_for(held.answer(key, compute), 10)  # asked after the write returned
        assert second == ("MSP renommée deux fois", "miss") and len(computed) == 2
    finally:
        gate.set()
    assert await first == ("MSP renommée", "miss")  # fresh when it was asked, and when its statement ran


async def test_a_computation_abandoned_leaves_those_waiting_for_it_to_compute_their_own(stored, pool):
    msp, key = stored
    await sync_to_async(Msp.objects.filter(pk=msp.pk).update)(name="MSP renommée")
    held, never = HeldAnswers(pool.connection), asyncio.Event()

    async def stuck(sending):
        await never.wait()  # its client will leave before its statement is sent

    async def compute(sending):
        async with pool.connection() as connection:
            sending()
            text, snapshot, _due = await response_cache.compute_and_store_on(connection, NAME, [msp.pk], key)
        return text, snapshot

    first = asyncio.ensure_future(held.answer(key, stuck))
    while key not in held.flights:
        await asyncio.sleep(0.01)
    second = asyncio.ensure_future(held.answer(key, compute))  # waits for the first's computation
    await asyncio.sleep(0.2)
    assert not second.done()
    first.cancel()
    assert await asyncio.wait_for(second, 10) == ("MSP renommée", "miss")
    assert first.cancelled() and not held.flights


async def _stored_row(key: bytes) -> tuple:
    def read():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT answer, tables, snapshot::text FROM response_cache_answer WHERE key = %s", [key]
            )
            return cursor.fetchone()

    return await sync_to_async(read)()


async def _insert_row(key: bytes, answer: str, tables: list, snapshot: str) -> None:
    def insert():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO response_cache_answer (key, answer, tables, snapshot)"
                " VALUES (%s, %s, %s, %s::pg_snapshot)",
                [key, answer, tables, snapshot],
            )

    await sync_to_async(insert)()
