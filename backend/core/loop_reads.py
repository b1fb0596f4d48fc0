"""Anonymous reads answered on the event loop: no thread, no middleware, no Django request, one asynchronous
connection.

A small read's cost was mostly its path, not its statement: `{ __typename }` took 0.7–0.8 ms of server CPU (the
hop to the GraphQL pool, a connection borrowed, signals, seven middleware, the view), where finding Q2's kept
statement takes a few microseconds and PostgreSQL runs it in 0.3 ms. A query from a reader who sends no cookie
and no token, whose statement is already kept (backend/core/compiled_reads.py: from its second asking, the same
for every anonymous reader), needs none of that path: its body is read, its document found among those the
limits already passed (`known_document`), its statement found in memory (`CompiledReads.kept`), and run on a
connection of the process's own small asynchronous pool (`DB_LOOP_POOL_SIZE`, counted in the connection
budget), through the response cache when it is on (its hits checked in batches, backend/cache/held.py).
Anything else — a first asking, a signed-in reader, a cookie, a mutation, an answer with an error, a body the
ordinary view would word a refusal for — goes the ordinary way.

What the ordinary path gives such an answer, this one gives too: the same body and headers (the security
middleware's, the locale's, the request id), the host checked against ALLOWED_HOSTS and HTTPS required where the
settings redirect, the request counted in the metrics, the time budget (past it, the statement is cancelled and
the client gets the same TIMEOUT error) and cancellation when the client goes away (psycopg cancels the
statement in PostgreSQL when its task is cancelled). `tests/core/test_loop_reads.py` compares both paths through
a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass

import orjson
import psycopg
from django.conf import settings
from django.db import connections
from django.http.request import split_domain_port, validate_host
from graphene_django.settings import graphene_settings
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from backend.cache import store as response_cache
from backend.cache.held import HeldAnswers

from .compiled_reads import compiled_reads
from .compiled_reads import enabled as compiled_reads_enabled
from .execution import OperationStopped, execution_setting, run_in_pool
from .limits import known_document
from .observability import DURATION, GIVEN_ID, LOOP_READS, REQUESTS, operation_label

logger = logging.getLogger("backend")

MAX_BODY = 64 * 1024  # a read's body; a larger one (an upload) is never a kept read
APPLICATION_NAME = "tetedepont loop reads"  # its connections, as pg_stat_activity shows them
CONCURRENT_CHECKS = 2
WAIT_FOR_CONNECTION = 1.0  # seconds: past it, the ordinary path (and its own pool) answers


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def connections_per_process() -> int:
    """The asynchronous pool's size (settings.py: `DB_LOOP_POOL_SIZE`); 0 turns this path off."""
    return int(execution_setting("LOOP_CONNECTIONS"))


def eligible(scope) -> bool:
    """Whether a request to `/graphql` may be an anonymous read this path answers: a JSON POST with no cookie,
    no token, no query string, to an allowed host, over HTTPS where the settings require it."""
    if scope.get("method") != "POST" or scope.get("query_string") or not compiled_reads_enabled():
        return False
    if connections_per_process() <= 0:
        return False
    headers = {}
    for name, value in scope.get("headers", ()):
        if name in (b"cookie", b"authorization") or name in headers:
            return False  # a header sent twice: Django's reading of it is the one to follow
        headers[name] = value
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type != b"application/json" or not _host_allowed(headers, scope):
        return False
    return not settings.SECURE_SSL_REDIRECT or secure(scope, headers)


def secure(scope, headers: dict) -> bool:
    """`HttpRequest.is_secure()`, on the scope's headers."""
    if settings.SECURE_PROXY_SSL_HEADER:
        name, value = settings.SECURE_PROXY_SSL_HEADER
        given = headers.get(name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1"))
        if given is not None:
            return given.decode("latin1").split(",", 1)[0].strip() == value
    return scope.get("scheme") == "https"


def _host_allowed(headers: dict, scope) -> bool:
    """`HttpRequest.get_host()`'s check, on the scope's headers (a refused host: the ordinary path's 400)."""
    raw = headers.get(b"x-forwarded-host") if settings.USE_X_FORWARDED_HOST else None
    raw = raw or headers.get(b"host")
    if raw is None:
        return False
    host = raw.decode("latin1")
    if settings.USE_X_FORWARDED_HOST:
        host = host.split(",", 1)[0].strip()
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


async def answer(scope, body: bytes) -> Answer | None:
    """The answer to an anonymous read whose statement is kept, or None: the ordinary way (also after an error of
    this path's own, logged: the ordinary path can still answer)."""
    try:
        return await _answer_kept(scope, body)
    except Exception:
        logger.exception("A read on the event loop failed; answered the ordinary way")
        return None


async def _answer_kept(scope, body: bytes) -> Answer | None:
    started = time.perf_counter()
    if len(body) > MAX_BODY:
        return None
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if name == "null":  # graphene-django's reading
        name = None
    if not (query and isinstance(query, str)) or not (variables is None or isinstance(variables, dict)):
        return None
    if not (name is None or (name and isinstance(name, str))):
        return None
    schema = graphene_settings.SCHEMA.graphql_schema
    document = known_document(schema, query, variables)
    if document is None:
        return None
    reads = compiled_reads(schema)
    asked = reads.kept(query, document, name, variables)
    if asked is None:
        return None
    budget = float(execution_setting("TIME_BUDGET"))
    try:
        async with asyncio.timeout(budget):
            text, outcome = await _run(reads, asked)
    except TimeoutError:
        stopped = OperationStopped("timeout", budget)
        return _answer(
            scope, orjson.dumps({"data": None, "errors": [stopped.formatted]}), asked.operation.label, started
        )
    except (PoolTimeout, _Unavailable):
        return None
    except psycopg.Error:  # the connection was lost, the server restarted: the ordinary path answers
        logger.warning("A statement on the event loop failed; answered the ordinary way", exc_info=True)
        return None
    if text is None:
        return None
    reads.answered_with(text, outcome)
    return _answer(scope, b'{"data":' + text.encode() + b"}", asked.operation.label, started)


async def _run(reads, asked) -> tuple[str | None, str | None]:
    """The statement's JSON text on a connection of the loop's pool, or the response cache's answer when it has a
    key (through the loop's batched checks, backend/cache/held.py): (text, the cache's outcome or None)."""
    pool, held = await _pool()
    if asked.cache_key is not None:

        async def compute(sending) -> tuple[str | None, str | None]:
            if not reads.kept_statement(asked):
                return None, None  # not kept: the ordinary way writes it
            async with pool.connection(timeout=WAIT_FOR_CONNECTION) as connection:
                sending()
                text, snapshot, prune_due = await response_cache.compute_and_store_on(
                    connection, asked.sql, asked.params, asked.cache_key
                )
            if prune_due:
                _in_background(response_cache.prune)
            return text, snapshot

        return await held.answer(asked.cache_key, compute)
    async with pool.connection(timeout=WAIT_FOR_CONNECTION) as connection, connection.cursor() as cursor:
        await cursor.execute(asked.sql, asked.params, prepare=True)
        return (await cursor.fetchone())[0], None


def _answer(scope, body: bytes, label: str, started: float) -> Answer:
    headers = {name: value for name, value in scope.get("headers", ())}
    given = headers.get(b"x-request-id", b"").decode("latin1")
    request_id = given if GIVEN_ID.match(given) else uuid.uuid4().hex
    response = [
        (b"content-type", b"application/json"),
        *_fixed_headers(secure(scope, headers)),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
    ]
    LOOP_READS.inc()
    label = operation_label(label)
    REQUESTS.labels(label, "200").inc()
    DURATION.labels(label).observe(time.perf_counter() - started)
    return Answer(200, response, body)


def _fixed_headers(is_secure: bool) -> list[tuple[bytes, bytes]]:
    """What the ordinary path's middleware add to an anonymous answer (settings.API_MIDDLEWARE): the security
    middleware's (HSTS over HTTPS), the locale's and the session's `Vary`, the language."""
    headers = []
    if settings.SECURE_HSTS_SECONDS and is_secure:
        sts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            sts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            sts += "; preload"
        headers.append((b"strict-transport-security", sts.encode()))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        policy = policy if isinstance(policy, str) else ",".join(policy)
        headers.append((b"referrer-policy", policy.encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append((b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode()))
    headers.append((b"vary", b"Accept-Language, Cookie"))
    headers.append((b"content-language", settings.LANGUAGE_CODE.encode()))
    return headers


# --- The loop's connections --------------------------------------------------------------------------------


class _Unavailable(Exception):
    """The pool could not be opened (the database is down): the ordinary path answers, and words it."""


_pools: dict = {}  # event loop -> the task opening its pool (one loop per server process; tests run others)
_background: set = set()


async def _pool() -> tuple[AsyncConnectionPool, HeldAnswers]:
    loop = asyncio.get_running_loop()
    opening = _pools.get(loop)
    if opening is None:
        for other in [other for other in _pools if other.is_closed()]:
            del _pools[other]
        opening = _pools[loop] = loop.create_task(_open())
    try:
        return await asyncio.shield(opening)
    except Exception as error:
        _pools.pop(loop, None)  # tried again at the next request
        raise _Unavailable() from error


async def _open() -> tuple[AsyncConnectionPool, HeldAnswers]:
    """A pool of `DB_LOOP_POOL_SIZE` connections with the settings' parameters and session state (Django's
    time zone), in autocommit."""
    database = connections["default"]
    params = database.get_connection_params()
    params.pop("cursor_factory", None)  # Django's synchronous cursor
    params["application_name"] = APPLICATION_NAME
    timezone_name = database.timezone_name

    async def configure(connection: psycopg.AsyncConnection) -> None:
        if timezone_name and connection.info.parameter_status("TimeZone") != timezone_name:
            await connection.execute("SELECT set_config('TimeZone', %s, false)", [timezone_name])

    pool = AsyncConnectionPool(
        kwargs={**params, "autocommit": True},
        min_size=0,
        max_size=connections_per_process(),
        max_idle=60,
        open=False,
        configure=configure,
        name="loop-reads",
    )
    await pool.open()
    return pool, HeldAnswers(
        lambda: pool.connection(timeout=WAIT_FOR_CONNECTION), concurrent=CONCURRENT_CHECKS
    )


def _in_background(fn) -> None:
    """`fn` on the GraphQL pool (its connection managed there), its task kept until done, its errors logged."""

    async def logged() -> None:
        try:
            await run_in_pool(fn)
        except Exception:
            logger.exception("Background work of the loop's reads failed")

    task = asyncio.get_running_loop().create_task(logged())
    _background.add(task)
    task.add_done_callback(_background.discard)


async def close_pools() -> None:
    """Closes this loop's pool (tests, shutdown)."""
    opening = _pools.pop(asyncio.get_running_loop(), None)
    if opening is not None:
        with contextlib.suppress(Exception):
            pool, _held = await opening
            await pool.close()
