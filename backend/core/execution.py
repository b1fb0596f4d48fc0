"""Where GraphQL work runs: a bounded pool of threads, a time budget, and cancellation.

Every operation — an HTTP request to `/graphql`, a query or mutation over WebSocket, the
resolution of a subscription event — runs through `run_in_pool`:

- on a pool of `GRAPHQL_EXECUTION["WORKERS"]` threads shared by HTTP and WebSocket (each
  keeps its own database connection, so the process never holds more than that many for
  GraphQL), never on asgiref's single thread that every socket of a process would share;
- with a **time budget** (`GRAPHQL_EXECUTION["TIME_BUDGET"]` seconds, counted from the moment
  the work is submitted): past it, execution stops at the next field and the SQL statement
  running, if any, is cancelled in PostgreSQL; the client gets a `TIMEOUT` error;
- **cancellable**: when the awaiting task is cancelled (the HTTP client went away, the
  WebSocket client sent `complete` or closed), the work stops the same way.

Execution checks the budget before each field (`BudgetedExecutionContext`): the work of an
abandoned operation ends within one field or one SQL statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections, connections
from graphql import (
    ExecutionContext,
    GraphQLError,
)
from psycopg_pool import PoolTimeout

from .db import released_after
from .logs import REQUEST_ID
from .observability import POOL_BUSY

logger = logging.getLogger("backend.graphql")

DEFAULTS = {"WORKERS": 8, "TIME_BUDGET": 10.0, "EXECUTOR": "fast", "LOOP_CONNECTIONS": 2}


def execution_setting(name: str):
    return {**DEFAULTS, **getattr(settings, "GRAPHQL_EXECUTION", {})}[name]


class OperationStopped(GraphQLError):
    """The operation ran out of time or was abandoned by its client; its work was stopped."""

    def __init__(self, reason: str, budget: float) -> None:
        if reason == "timeout":
            message = (
                f"L'opération a dépassé le temps de calcul autorisé ({budget:g} s) et a été interrompue. "
                "Demandez moins de données à la fois."
            )
            code = "TIMEOUT"
        else:
            message = "L'opération a été annulée."
            code = "CANCELLED"
        super().__init__(message, extensions={"code": code})
        self.reason = reason


class DatabaseBusy(GraphQLError):
    """No database connection could be borrowed from the pool in time: the service is saturated."""

    RETRY_AFTER = 2

    def __init__(self) -> None:
        super().__init__(
            "Le service est momentanément saturé. Réessayez dans quelques secondes.",
            extensions={"code": "SERVICE_UNAVAILABLE", "retryAfter": self.RETRY_AFTER},
        )


def borrow_connection() -> None:
    """Take this thread's database connection from the pool now, or raise DatabaseBusy."""
    try:
        connections["default"].ensure_connection()
    except OperationalError as exc:
        if isinstance(exc.__cause__, PoolTimeout):
            raise DatabaseBusy() from None
        raise


class Control:
    """The budget and stop switch of one operation, checked by its thread, pulled by its task."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self.reason: str | None = None
        # Given to the client with an internal error, and logged: the HTTP request's id (X-Request-ID, on
        # every log line of the request) when there is one.
        given = REQUEST_ID.get()
        self.request_id = given if given != "-" else uuid.uuid4().hex[:16]
        self._lock = threading.Lock()
        self._database = None  # the Django connection wrapper of the thread doing the work

    @property
    def stopped(self) -> bool:
        if self.reason is None and time.monotonic() > self.deadline:
            self.reason = "timeout"
        return self.reason is not None

    def check(self) -> None:
        if self.stopped:
            raise OperationStopped(self.reason, self.budget)

    def attach(self, database) -> None:
        with self._lock:
            self._database = database

    def detach(self) -> None:
        with self._lock:
            self._database = None

    def stop(self, reason: str) -> None:
        """Stop the work: the next field refuses to run, and the current SQL statement is cancelled."""
        if self.reason is None:
            self.reason = reason
        with self._lock:
            database = self._database
            raw = getattr(database, "connection", None) if database is not None else None
            if raw is not None:
                try:
                    raw.cancel_safe(timeout=2)
                except Exception:  # the statement may have ended meanwhile; nothing to cancel
                    logger.debug("Cancelling a statement failed", exc_info=True)


_active: set[Control] = set()  # operations running now, stopped together at shutdown
_active_lock = threading.Lock()


def stop_all(reason: str = "cancelled") -> int:
    """Stop every operation running in this process (server shutdown): each ends within a field or statement."""
    with _active_lock:
        running = list(_active)
    for control in running:
        control.stop(reason)
    return len(running)


_current: contextvars.ContextVar[Control | None] = contextvars.ContextVar("graphql_control", default=None)


def current_control() -> Control | None:
    return _current.get()


class BudgetedExecutionContext(ExecutionContext):
    """graphql-core's execution, stopping at the next field once the operation's budget is spent.

    This is graphql-core's own executor with the budget added: what runs when
    `GRAPHQL_EXECUTION["EXECUTOR"]` is "graphql-core". The default, `fast_execution.FastExecutionContext`,
    adds a faster completion of values on top of it (backend/core/fast_execution.py).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.control = _current.get()

    def execute_field(self, parent_type, source, field_nodes, path):
        if self.control is not None:
            self.control.check()
        return super().execute_field(parent_type, source, field_nodes, path)

    def handle_field_error(self, error, return_type, path):
        if self.control is not None and self.control.stopped:
            # Whatever failed (a cancelled statement, a field refused), the whole operation stops here.
            raise OperationStopped(self.control.reason, self.control.budget)
        return super().handle_field_error(error, return_type, path)


# --- The pool -----------------------------------------------------------------------------------

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None:
            _pool_size = int(execution_setting("WORKERS"))
            _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="graphql")
        return _pool


def shutdown_pool() -> None:
    """Close every worker's database connection and stop the threads (tests, server shutdown)."""
    global _pool
    with _pool_lock:
        executor, _pool = _pool, None
    if executor is None:
        return
    workers = _pool_size
    barrier = threading.Barrier(workers)

    def close_this_thread():
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)  # one job per thread: each closes its own connections
        connections.close_all()

    for future in [executor.submit(close_this_thread) for _ in range(workers)]:
        future.result(timeout=30)
    executor.shutdown(wait=True)


def _fresh_stack_chunk():
    """A function whose frame is large enough that CPython 3.11 gives it a data-stack chunk with ~70 KB free.

    CPython 3.11 keeps frames in chunks and frees a chunk as soon as its first frame returns. When a
    hot recursion (graphql-core completing thousands of values) hovers across a chunk boundary, every
    call there maps and unmaps a chunk: measured 14,600 mmap/munmap pairs for one 100-hub page, twice
    its CPU. Which depth lands on a boundary depends on everything below it (one middleware more or
    less), so it came and went with unrelated changes. Calling the work through this frame starts it
    near the bottom of a roomy chunk of its own: the hot part never crosses a boundary (a chunk is
    mapped once per job instead).
    """
    slots = 7193  # + CPython's 1,000-word reserve = just over 8,192 words: a 128 KiB chunk, 9,000 words left
    names = [f"_{i}" for i in range(slots)]
    source = f"def run(fn, args, kwargs):\n    {' = '.join(names)} = None\n    return fn(*args, **kwargs)\n"
    namespace: dict = {}
    exec(compile(source, "<fresh-stack-chunk>", "exec"), namespace)  # generated above, no input
    return namespace["run"]


def _directly(fn, args, kwargs):
    return fn(*args, **kwargs)


# Measured and needed on CPython 3.11 only (pyproject.toml pins it): elsewhere the work is called directly.
_on_fresh_chunk = (
    _fresh_stack_chunk()
    if sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)
    else _directly
)


def _job(control: Control, fn, args, kwargs, own_thread: bool = True, database: bool = True):
    token = _current.set(control)
    with _active_lock:
        _active.add(control)
    POOL_BUSY.inc()
    if own_thread:  # a pool thread: its connection's lifetime is ours to manage, as a request's would be
        close_old_connections()
    try:
        control.check()  # its budget may have run out while it waited for a thread
        if database and own_thread:
            borrow_connection()  # a saturated pool answers "busy" before any work starts
        control.attach(connections["default"])
        with released_after():  # the models it loaded are freed when it ends, not by the cyclic collector
            return _on_fresh_chunk(fn, args, kwargs)
    finally:
        POOL_BUSY.dec()
        control.detach()
        with _active_lock:
            _active.discard(control)
        if own_thread:
            close_old_connections()
        _current.reset(token)


async def run_in_pool(
    fn, *args, budget: float | None = None, executor=None, database: bool = True, **kwargs
) -> Any:
    """Run `fn(*args, **kwargs)` on the pool within the budget; stopped when the awaiting task is cancelled.

    `executor`: where to run instead of the pool (the WSGI test client runs it in the request's
    own thread, whose database connection holds the test's transaction). `database=False` for work
    that needs no connection (validating a document): it does not wait for one.
    """
    control = Control(float(budget if budget is not None else execution_setting("TIME_BUDGET")))
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    if executor is None:
        future = loop.run_in_executor(pool(), context.run, _job, control, fn, args, kwargs, True, database)
    else:
        future = asyncio.ensure_future(executor(lambda: context.run(_job, control, fn, args, kwargs, False)))
    try:
        # The thread stops itself at the deadline between fields; this also covers a statement
        # or a resolver that does not return: its SQL is cancelled and the caller answers now.
        return await asyncio.wait_for(asyncio.shield(future), timeout=control.budget + 0.5)
    except TimeoutError:
        await asyncio.to_thread(control.stop, "timeout")
        future.add_done_callback(_consume)
        raise OperationStopped("timeout", control.budget) from None
    except asyncio.CancelledError:
        # Cancelled ourselves: stop the work without waiting on the cancellation's round trip.
        threading.Thread(target=control.stop, args=("cancelled",), daemon=True).start()
        future.add_done_callback(_consume)
        raise


def _consume(future) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: no "never retrieved" warning for abandoned work
