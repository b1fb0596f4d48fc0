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
import threading
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from types import GeneratorType
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from graphql import (
    ExecutionContext,
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    located_error,
)
from graphql.pyutils import Path
from graphql.pyutils import is_awaitable as default_is_awaitable

from .db import released_after

logger = logging.getLogger("backend.graphql")

DEFAULTS = {"WORKERS": 8, "TIME_BUDGET": 10.0}


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
    from django.db import OperationalError
    from psycopg_pool import PoolTimeout

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
        self.request_id = uuid.uuid4().hex[:16]  # given to the client with an internal error, and logged
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


_AWAITABLE_BY_TYPE: dict[type, bool] = {}


def is_awaitable(value) -> bool:
    """graphql-core's check, by type: it runs on every value of every field (24,000 times for a 100-hub page).

    Awaiting looks up `__await__` on the type, so the answer for a type is cached; generators (the old
    generator-based coroutines) are asked each time, as graphql-core does.
    """
    kind = type(value)
    known = _AWAITABLE_BY_TYPE.get(kind)
    if known is None:
        if kind is GeneratorType:
            return default_is_awaitable(value)
        known = _AWAITABLE_BY_TYPE[kind] = hasattr(kind, "__await__")
    return known


_UNPLANNED = object()
# Per object type and field name: how to read a plain field directly, or None (weak: schemas of tests come and go).
_FIELD_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
LEAF, OBJECT = "leaf", "object"


def _field_plan(parent_type, name: str):
    """(kind, attribute, default, type, non-null) when the field is graphene's default resolver returning a
    scalar or an enum (LEAF) or an object type (OBJECT); None otherwise (its own resolver, a list, an
    interface or union, a meta field)."""
    from functools import partial

    from graphene.types.resolver import dict_or_attr_resolver
    from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType

    field = parent_type.fields.get(name) if hasattr(parent_type, "fields") else None
    resolve = getattr(field, "resolve", None)
    if not (
        isinstance(resolve, partial) and resolve.func is dict_or_attr_resolver and len(resolve.args) == 2
    ):
        return None
    if resolve.keywords:
        return None
    named, non_null = field.type, False
    if isinstance(named, GraphQLNonNull):
        named, non_null = named.of_type, True
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        kind = LEAF
    elif isinstance(named, GraphQLObjectType):
        kind = OBJECT
    else:
        return None
    attname, default = resolve.args
    return kind, attname, default, named, non_null


def _type_only_checks() -> set:
    """`is_type_of` implementations whose answer depends on the value's class alone (graphene-django's)."""
    from graphene_django import DjangoObjectType

    return {DjangoObjectType.is_type_of.__func__}


class BudgetedExecutionContext(ExecutionContext):
    """graphql-core's execution, stopping at the next field once the operation's budget is spent.

    Also cheaper per value than graphql-core's own (the same answers): the awaitable check is cached
    by type, and an object type's `is_type_of` check, when it depends on the class alone, is asked
    once per class and operation.
    """

    is_awaitable = staticmethod(is_awaitable)
    _type_only = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        if manager is not None and not manager.middlewares:
            # graphene-django's view passes its middleware list even when it is empty, and graphql-core
            # then builds a manager that wraps nothing: without this, no field would take the fast path.
            self.middleware_manager = None
        self.control = _current.get()
        self._checked_types: set[tuple] = set()
        # Per collected selection (graphql-core keeps each one for the operation): its fields with their plans.
        self._compiled: dict[int, tuple] = {}
        if BudgetedExecutionContext._type_only is None:
            BudgetedExecutionContext._type_only = _type_only_checks()

    def execute_field(self, parent_type, source, field_nodes, path):
        if self.control is not None:
            self.control.check()
        return super().execute_field(parent_type, source, field_nodes, path)

    def execute_fields(self, parent_type, source_value, path, fields):
        """graphql-core's, with plain fields read directly (`_field_plan`): the same values and errors.

        A field resolved by graphene's default resolver (an attribute or key of the same name), without
        arguments, is read here instead of going through `execute_field` (resolve info, arguments,
        completion): a scalar or enum is serialised at once, an object whose type check is already
        settled for its class has its own fields executed at once. Most of a large page's fields. Anything
        unusual on the way (no value for a non-null leaf, a value the scalar refuses, an unchecked class)
        goes the ordinary way, which makes the error; an error inside an object read directly is located
        and handled as graphql-core's `execute_field` would.
        """
        if self.middleware_manager is not None:
            return super().execute_fields(parent_type, source_value, path, fields)
        if self.control is not None:
            self.control.check()
        compiled = self._compiled.get(id(fields))
        if compiled is None or compiled[0] is not fields:
            compiled = self._compiled[id(fields)] = (fields, self._compile(parent_type, fields))
        results = {}
        awaitable_fields = []
        is_dict = isinstance(source_value, dict)
        for response_name, field_nodes, plan in compiled[1]:
            if plan is not None:
                kind, attname, default, named, non_null = plan
                try:
                    value = (
                        source_value.get(attname, default)
                        if is_dict
                        else getattr(source_value, attname, default)
                    )
                except Exception:
                    value = Undefined  # the ordinary way below makes the error, with its path
                if value is None:
                    if not non_null:
                        results[response_name] = None
                        continue
                elif value is Undefined:
                    pass
                elif kind is LEAF:
                    try:
                        serialized = named.serialize(value)
                    except Exception:
                        serialized = None
                    if serialized is not None and serialized is not Undefined:
                        results[response_name] = serialized
                        continue
                elif named.is_type_of is None or (named, type(value)) in self._checked_types:
                    result = self._object_directly(
                        parent_type, named, value, field_nodes, path, response_name
                    )
                    results[response_name] = result
                    if self.is_awaitable(result):
                        awaitable_fields.append(response_name)
                    continue
            result = self.execute_field(
                parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name)
            )
            if result is not Undefined:
                results[response_name] = result
                if self.is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results():
            values = await asyncio.gather(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, values, strict=True))
            return results

        return get_results()

    @staticmethod
    def _compile(parent_type, fields) -> list:
        """(response name, field nodes, plan or None) for each field of a selection on `parent_type`."""
        plans = _FIELD_PLANS.get(parent_type)
        if plans is None:
            plans = _FIELD_PLANS.setdefault(parent_type, {})
        compiled = []
        for response_name, field_nodes in fields.items():
            node = field_nodes[0]
            name = node.name.value
            plan = plans.get(name, _UNPLANNED)
            if plan is _UNPLANNED:
                plan = plans[name] = _field_plan(parent_type, name)
            compiled.append((response_name, field_nodes, None if node.arguments else plan))
        return compiled

    def _object_directly(self, parent_type, object_type, value, field_nodes, path, response_name):
        """An object field's value completed as `execute_field` would, its resolver and type check skipped."""
        field_path = Path(path, response_name, parent_type.name)
        return_type = parent_type.fields[field_nodes[0].name.value].type
        try:
            completed = self.execute_fields(
                object_type, value, field_path, self.collect_subfields(object_type, field_nodes)
            )
        except Exception as raw_error:
            self.handle_field_error(
                located_error(raw_error, field_nodes, field_path.as_list()), return_type, field_path
            )
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed():
            try:
                return await completed
            except Exception as raw_error:
                error = located_error(raw_error, field_nodes, field_path.as_list())
                self.handle_field_error(error, return_type, field_path)
                return None

        return await_completed()

    def complete_list_value(self, return_type, field_nodes, info, path, result):
        """graphql-core's, with each object of a settled class executed at once (`_object_directly`'s rule).

        Items of a list of objects whose type check is already settled for their class (or whose type has
        none) have their fields executed directly; any other item (None, an awaitable, a class not yet
        checked) is completed the ordinary way. Errors are located and handled per item as graphql-core does.
        """
        item_type = return_type.of_type
        named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(named, GraphQLObjectType) or not isinstance(result, (list, tuple)):
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        unchecked = named.is_type_of is None
        checked = self._checked_types
        is_awaitable = self.is_awaitable
        subfields = None
        completed_results = []
        awaitable_indices = []
        for index, item in enumerate(result):
            item_path = path.add_key(index, None)
            if is_awaitable(item):
                completed = self._item_awaited(item, item_type, field_nodes, info, item_path)
            else:
                try:
                    if item is not None and (unchecked or (named, type(item)) in checked):
                        if subfields is None:
                            subfields = self.collect_subfields(named, field_nodes)
                        completed = self.execute_fields(named, item, item_path, subfields)
                    else:
                        completed = self.complete_value(item_type, field_nodes, info, item_path, item)
                    if is_awaitable(completed):
                        completed = self._item_completed(completed, item_type, field_nodes, item_path)
                except Exception as raw_error:
                    error = located_error(raw_error, field_nodes, item_path.as_list())
                    self.handle_field_error(error, item_type, item_path)
                    completed = None
            if is_awaitable(completed):
                awaitable_indices.append(index)
            completed_results.append(completed)
        if not awaitable_indices:
            return completed_results

        async def get_completed_results():
            values = await asyncio.gather(*(completed_results[index] for index in awaitable_indices))
            for index, value in zip(awaitable_indices, values, strict=True):
                completed_results[index] = value
            return completed_results

        return get_completed_results()

    async def _item_awaited(self, item, item_type, field_nodes, info, item_path):
        try:
            completed = self.complete_value(item_type, field_nodes, info, item_path, await item)
            if self.is_awaitable(completed):
                return await completed
            return completed
        except Exception as raw_error:
            self.handle_field_error(
                located_error(raw_error, field_nodes, item_path.as_list()), item_type, item_path
            )
            return None

    async def _item_completed(self, completed, item_type, field_nodes, item_path):
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(
                located_error(raw_error, field_nodes, item_path.as_list()), item_type, item_path
            )
            return None

    def complete_object_value(self, return_type, field_nodes, info, path, result):
        check = return_type.is_type_of
        if check is not None and getattr(check, "__func__", None) in self._type_only:
            key = (return_type, type(result))
            if key in self._checked_types:
                return self.execute_fields(
                    return_type, result, path, self.collect_subfields(return_type, field_nodes)
                )
            if check(result, info) is True:
                self._checked_types.add(key)
        return super().complete_object_value(return_type, field_nodes, info, path, result)

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


_on_fresh_chunk = _fresh_stack_chunk()


def _job(control: Control, fn, args, kwargs, own_thread: bool = True, database: bool = True):
    token = _current.set(control)
    with _active_lock:
        _active.add(control)
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
