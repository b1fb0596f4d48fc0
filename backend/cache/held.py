"""Answers of the response cache held in the process, each served only once a check begun after it was asked
has found it fresh; the checks of the requests waiting together made as one statement.

A hit of the response cache (`store.HIT`) is one statement per request, which costs PostgreSQL as much as a
small compiled read: with it, Q2 from the cache was no faster than Q2 compiled. Here, on the event loop
(backend/core/loop_reads.py), a request for a key joins the requests waiting for the next check. When no check
is running, one starts for all of them: one statement that, for each key, returns nothing if the stored answer
is not fresh (the same condition as `store.HIT`: a writer of one of its tables invisible to its snapshot),
nothing else if the process holds that very answer (same key, same snapshot), and the answer otherwise. A
request that arrives while a check runs waits for the next one, which begins after it arrived: what it is
given was fresh at a moment after it was asked, as with `store.HIT`. So nothing is served that the store would
not serve, and PostgreSQL sees one statement per batch instead of one per request.

A miss is computed once in the process however many requests for the key find it missing together: a request
waits for a computation of its key whose statement was sent after it was asked (or is still to be sent), since
that statement's snapshot is then taken after it was asked too, and is served its answer ("shared"); a
computation sent before it arrived may not see a write committed in between, so it computes its own. (Wrk's
threads, walking the same keys in step, made every write cost two misses per key.)

What the process holds is bounded (answers and bytes, least recently used first out); it is only a copy of
rows of `response_cache_answer`, which stays the truth: an emptying (`store.prune`) removes the rows, and the
next check then finds nothing for them.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from .store import FRESH

CHECK = (
    "SELECT k.key, a.snapshot::text, CASE WHEN a.snapshot::text = k.held THEN NULL ELSE a.answer END"
    " FROM unnest(%s::bytea[], %s::text[]) AS k(key, held)"
    " JOIN response_cache_answer a ON a.key = k.key WHERE " + FRESH
)


class HeldAnswers:
    """One event loop's answers and its batched checks; `connection()` lends an asynchronous connection."""

    def __init__(
        self, connection, max_answers: int = 256, max_bytes: int = 32 * 1024 * 1024, concurrent: int = 1
    ) -> None:
        self.connection = connection
        self.max_answers, self.max_bytes = max_answers, max_bytes
        self.answers: OrderedDict[bytes, tuple[str, str]] = OrderedDict()  # key -> (answer, its snapshot)
        self.bytes = 0
        self.waiting: dict[bytes, list[asyncio.Future]] = {}
        self.concurrent = concurrent  # checks running at once at most (each on a connection of its own)
        self.checking: set[asyncio.Task] = set()
        self.checks = 0  # statements run (tests and benches read it)
        self.clock = itertools.count()  # orders arrivals and sendings on this loop
        self.flights: dict[bytes, _Flight] = {}  # key -> its computation under way

    async def answer(
        self, key: bytes, compute: Callable[[Callable[[], None]], Awaitable[tuple[str | None, str | None]]]
    ) -> tuple[str | None, str | None]:
        """The answer for `key` and how it was had ("hit", "shared", "miss"), or (None, None) if it was to be
        computed and cannot be here. `compute(sending)` computes and stores it, calling `sending()` just before
        its statement is sent, and returns its text and the snapshot it was stored with (None if it was not
        stored), or (None, None) if it cannot."""
        asked = next(self.clock)
        text = await self.fresh(key)
        if text is not None:
            return text, "hit"
        flight = self.flights.get(key)
        if flight is not None and (flight.sent is None or flight.sent > asked):
            text = await asyncio.shield(flight.done)
            if text is not None:
                return text, "shared"
        text = await self._compute(key, compute)
        return (text, "miss") if text is not None else (None, None)

    async def _compute(self, key: bytes, compute) -> str | None:
        flight = self.flights[key] = _Flight(asyncio.get_running_loop().create_future())

        def sending() -> None:
            flight.sent = next(self.clock)

        text = None
        try:
            text, snapshot = await compute(sending)
            if snapshot is not None:
                self.keep(key, text, snapshot)
        finally:
            flight.done.set_result(text)  # None if it failed: those waiting compute their own
            if self.flights.get(key) is flight:
                del self.flights[key]
        return text

    async def fresh(self, key: bytes) -> str | None:
        """The stored answer for `key` if it is fresh, as of a check begun after this call; else None."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(key, []).append(future)
        # (A task that has just ended is done at once; a done callback would only run later: a request arriving in
        # between would wait for a check that never comes.)
        self.checking = {task for task in self.checking if not task.done()}
        if len(self.checking) < self.concurrent:
            self.checking.add(asyncio.get_running_loop().create_task(self._check_while_waiting()))
        return await future

    def keep(self, key: bytes, answer: str, snapshot: str) -> None:
        """An answer just stored with its snapshot (`store.compute_and_store_on`), held for the next checks."""
        self._forget(key)
        if len(answer) > self.max_bytes // 4:
            return
        self.answers[key] = (answer, snapshot)
        self.bytes += len(answer)
        while len(self.answers) > self.max_answers or self.bytes > self.max_bytes:
            self._forget(next(iter(self.answers)))

    def _forget(self, key: bytes) -> None:
        held = self.answers.pop(key, None)
        if held is not None:
            self.bytes -= len(held[0])

    async def _check_while_waiting(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting, {}
            waiting = [future for futures in batch.values() for future in futures]
            try:
                found = await self._check(list(batch))
            except Exception as error:  # the database: every request of the batch learns it
                for future in waiting:
                    if not future.done():
                        future.set_exception(error)
                continue
            except BaseException:  # the loop is stopping
                for future in waiting:
                    future.cancel()
                raise
            for key, futures in batch.items():
                for future in futures:
                    if not future.done():  # (a request whose client left, or whose budget ran out)
                        future.set_result(found.get(key))

    async def _check(self, keys: list[bytes]) -> dict[bytes, str]:
        held = {key: self.answers.get(key) for key in keys}  # as sent: `keep` may replace them meanwhile
        self.checks += 1
        async with self.connection() as connection, connection.cursor() as cursor:
            await cursor.execute(
                CHECK, [keys, [None if held[key] is None else held[key][1] for key in keys]], prepare=True
            )
            rows = await cursor.fetchall()
        found = {}
        for key, snapshot, answer in rows:
            key = bytes(key)
            if answer is None:  # the very answer held here when the check began
                found[key] = held[key][0]
                if key in self.answers:
                    self.answers.move_to_end(key)
            else:
                found[key] = answer
                self.keep(key, answer, snapshot)
        for key in keys:
            if key not in found and self.answers.get(key) is held[key]:
                self._forget(key)  # no longer fresh (unless a newer one was kept meanwhile)
        return found


class _Flight:
    """A computation of one key: when its statement was sent (on the loop's clock), and its text when done."""

    __slots__ = ("done", "sent")

    def __init__(self, done: asyncio.Future) -> None:
        self.sent: int | None = None
        self.done = done
