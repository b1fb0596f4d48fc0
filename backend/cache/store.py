"""Answers kept with the snapshot they were read in; served again only while nothing they read has changed.

Every table of the watched apps (`settings.RESPONSE_CACHE["WATCHED_APPS"]`) has a statement trigger that
records, in the writing transaction, which transaction wrote it (`response_cache_write`: table, xid). An
answer is stored with the tables its statement names and `pg_current_snapshot()`, taken in the statement that
computed it. A hit is one statement: the answer for the key, if no recorded writer of its tables is invisible
to its snapshot (one that had not committed when it was read, and has since). So the admin, a management
command, a bulk update or raw SQL invalidate as the API does, with nothing to forget in Python.

Why a log of writers rather than a version number per table: a version row is updated by every writer of the
table and locked until it commits, which serialises concurrent writers and, when two transactions write two
tables in opposite orders, deadlocks them. Inserting (table, xid) takes no lock another writer waits for.

The log and the answers are emptied together (`prune`), in a transaction that records itself
(`response_cache_pruned`); the emptying waits for every writer that has a row in the log, so each writer it
removes had committed before it. An answer is fresh only if its snapshot sees the last emptying: one read
before it (by a statement that stored it after, or while, the log was emptied) is never served, since the
writers it would have to be checked against may be gone. So a store is one statement, with no lock of its own.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
from datetime import date

import orjson
import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connections

TRIGGER = "response_cache_written"
# The stored answer `a` is fresh: no recorded writer of its tables is invisible to its snapshot, which sees the
# last emptying of the store.
FRESH = (
    "NOT EXISTS (SELECT 1 FROM response_cache_write w WHERE w.table_name = ANY (a.tables)"
    " AND w.xid >= pg_snapshot_xmin(a.snapshot) AND NOT pg_visible_in_snapshot(w.xid, a.snapshot))"
    " AND NOT EXISTS (SELECT 1 FROM response_cache_pruned p WHERE NOT pg_visible_in_snapshot(p.xid, a.snapshot))"
)
HIT = "SELECT a.answer FROM response_cache_answer a WHERE a.key = %s AND " + FRESH
# One statement: the answer, its snapshot, whether its key is new to the store (an update leaves `xmax` set).
STORE = (
    "WITH computed AS MATERIALIZED (SELECT ({sql}) AS answer, pg_current_snapshot() AS snapshot), "
    "stored AS (INSERT INTO response_cache_answer (key, answer, tables, snapshot)"
    " SELECT %s, answer, %s, snapshot FROM computed WHERE octet_length(answer) <= %s"
    " ON CONFLICT (key) DO UPDATE SET answer = EXCLUDED.answer, tables = EXCLUDED.tables,"
    " snapshot = EXCLUDED.snapshot, stored_at = now() RETURNING xmax = 0 AS inserted) "
    "SELECT answer, snapshot::text, coalesce((SELECT inserted FROM stored), false) FROM computed"
)
WATCHED = "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s"
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def options() -> dict:
    return getattr(settings, "RESPONSE_CACHE", {})


def enabled() -> bool:
    return bool(options().get("ENABLED", False))


def key(viewer_class: str, today: date, query: str, operation_name, variables) -> bytes:
    """What an answer depends on besides the tables: who asks (by class), the day, the document, its inputs."""
    text = orjson.dumps(
        [viewer_class, today.isoformat(), operation_name, query, variables],
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    return hashlib.sha256(text).digest()


class _Watched:
    """The tables whose writers are recorded, read once per process from the database's triggers."""

    def __init__(self) -> None:
        self.tables: frozenset[str] | None = None
        self.lock = threading.Lock()

    def get(self, cursor) -> frozenset[str]:
        if self.tables is None:
            cursor.execute(WATCHED, [TRIGGER])
            with self.lock:
                self.tables = frozenset(row[0] for row in cursor.fetchall())
        return self.tables


watched = _Watched()
_since_prune = {"at": 0.0, "stores": 0}  # this process's last look at the bounds


@functools.lru_cache(maxsize=256)
def tables_read(sql: str) -> frozenset[str]:
    """The tables a statement names (a superset is harmless: one more table whose writes invalidate); kept by
    text, as kept statements come again (reading it took 0.1 ms of each miss)."""
    known = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return frozenset(_NAME.findall(sql.lower())) & known


def _connection():
    database = connections["default"]
    database.ensure_connection()
    return database.connection


def hit(cache_key: bytes) -> str | None:
    with psycopg.Cursor(_connection()) as cursor:
        cursor.execute(HIT, [cache_key], prepare=True)
        row = cursor.fetchone()
    return None if row is None else row[0]


def compute_and_store(sql: str, params: list, cache_key: bytes, prepare: bool = True) -> str:
    """The statement's one value, stored for the next hit when every table it reads is watched (`prepare`: the
    statement comes again, prepared)."""
    connection = _connection()
    with psycopg.Cursor(connection) as cursor:
        tables = tables_read(sql)
        if not tables <= watched.get(cursor):
            cursor.execute(sql, params, prepare=prepare)
            return cursor.fetchone()[0]
        cursor.execute(STORE.format(sql=sql), _store_params(params, cache_key, tables), prepare=prepare)
        text, _snapshot, inserted = cursor.fetchone()
    if stored_one(inserted):
        prune()
    return text


async def compute_and_store_on(connection: psycopg.AsyncConnection, sql: str, params: list, cache_key: bytes):
    """`compute_and_store`, on an asynchronous connection: (the value, the snapshot it was stored with or None,
    whether the bounds are due a look, which the caller has `prune` do on a thread)."""
    async with connection.cursor() as cursor:
        tables = tables_read(sql)
        if watched.tables is None:
            await cursor.execute(WATCHED, [TRIGGER])
            watched.tables = frozenset(row[0] for row in await cursor.fetchall())
        if not tables <= watched.tables:
            await cursor.execute(sql, params, prepare=True)
            return (await cursor.fetchone())[0], None, False
        await cursor.execute(STORE.format(sql=sql), _store_params(params, cache_key, tables), prepare=True)
        text, snapshot, inserted = await cursor.fetchone()
    return text, snapshot, stored_one(inserted)


def _store_params(params: list, cache_key: bytes, tables: frozenset[str]) -> list:
    return [*params, cache_key, sorted(tables), options().get("MAX_ANSWER_BYTES", 1_048_576)]


def stored_one(inserted: bool) -> bool:
    """One more answer stored by this process (`inserted`: under a key new to the store, the only stores that
    add a row); whether it is time to look at the bounds (`prune`)."""
    _since_prune["stores"] += inserted
    every_seconds, every_stores = options().get("PRUNE_EVERY", (60, 50))
    if _since_prune["stores"] >= every_stores or time.monotonic() - _since_prune["at"] > every_seconds:
        _since_prune.update(at=time.monotonic(), stores=0)
        return True
    return False


def prune(force: bool = False) -> bool:
    """Empties answers and log together once either outgrows its bound; gives up rather than queue writers
    behind it for long. Returns whether it emptied them."""
    connection = _connection()
    try:
        with psycopg.Cursor(connection) as cursor, connection.transaction():
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
            cursor.execute(
                "SELECT (SELECT count(*) FROM response_cache_answer),"
                " (SELECT count(*) FROM response_cache_write)"
            )
            answers, writes = cursor.fetchone()
            small = answers <= options().get("MAX_ANSWERS", 500) and writes <= options().get(
                "MAX_WRITES", 100_000
            )
            if small and not force:
                return False
            cursor.execute("TRUNCATE response_cache_answer, response_cache_write, response_cache_pruned")
            cursor.execute("INSERT INTO response_cache_pruned (xid) VALUES (pg_current_xact_id())")
    except psycopg.errors.LockNotAvailable:
        return False
    return True


def watch_writes(sender=None, using="default", **kwargs) -> None:
    """After `migrate`: every table of the watched apps records its writers (its trigger created if missing)."""
    connection = connections[using]
    names = set(connection.introspection.table_names())
    wanted = {
        model._meta.db_table
        for label in options().get("WATCHED_APPS", ())
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    } & names
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('response_cache_written') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # this app's migration is not applied
        cursor.execute(WATCHED, [TRIGGER])
        present = {row[0] for row in cursor.fetchall()}
        for table in sorted(wanted - present):
            cursor.execute(
                f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}"'
                f" FOR EACH STATEMENT EXECUTE FUNCTION response_cache_written()"
            )
    watched.tables = None
