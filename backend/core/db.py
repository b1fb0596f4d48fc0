"""Database helpers shared by the domain services."""

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from psycopg import errors as pg_errors


@contextmanager
def conflicts_raise(error_factory):
    """Run the block in a savepoint; a constraint violation raises `error_factory()` instead.

    Two transactions inserting rows that conflict under an exclusion constraint can each wait
    for the other: PostgreSQL then aborts one with "deadlock detected" rather than a constraint
    violation. Both mean the same to the user, so both become the domain's error; the savepoint
    keeps the surrounding transaction usable.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise error_factory() from exc
    except OperationalError as exc:
        if isinstance(exc.__cause__, pg_errors.DeadlockDetected):
            raise error_factory() from exc
        raise


_loaded: contextvars.ContextVar[list | None] = contextvars.ContextVar("loaded_instances", default=None)


@contextmanager
def released_after():
    """Instances loaded in the block lose their cached related objects when it ends (see QuickLoad).

    Django links a prefetched child back to its parent (`membership.msp`, `site.msp`) while the parent
    lists its children: every page of MSPs is a web of reference cycles, which only the cyclic garbage
    collector can free. Measured on a 100-hub page: 11,400 objects per request left to it, gen-0
    collections of 20-26 ms every few requests and, for what they promote, gen-1 collections of
    600,000 objects (475 ms: the p99). Forgetting the cached related objects at the end of the work
    (a cache: an instance still used afterwards loads them again) breaks the cycles, and reference
    counting frees the page at once.
    """
    loaded: list = []
    token = _loaded.set(loaded)
    try:
        yield
    finally:
        _loaded.reset(token)
        for instance in loaded:
            instance._state.__dict__.pop("fields_cache", None)
        loaded.clear()


class QuickLoad:
    """Model mixin: rows read from the database become instances without `Model.__init__`.

    `Model.from_db` builds an instance through `__init__`, which sends the init signals, walks every
    field, and sets each foreign key's id through its descriptor (which first looks for a cached object
    to forget: a fresh instance has none). For a page of 100 hubs, about 3,000 instances are built that
    way, a fifth of the request's CPU. Here the loaded columns go straight into the instance's
    `__dict__` — the state `__init__` would have left, deferred columns absent as Django expects — and
    `__init__` is still used whenever something listens to `pre_init` or `post_init`. Within
    `released_after()` (every GraphQL job), the instance is remembered so that its cycles can be broken.
    """

    __slots__ = ()

    @classmethod
    def from_db(cls, db, field_names, values):
        if pre_init.receivers or post_init.receivers:
            return super().from_db(db, field_names, values)
        new = cls.__new__(cls)
        state = ModelState()
        state.adding = False
        state.db = db
        attributes = new.__dict__
        attributes["_state"] = state
        attributes.update(zip(field_names, values, strict=True))
        loaded = _loaded.get()
        if loaded is not None:
            loaded.append(new)
        return new


# --- A read replica for heavy reads ---------------------------------------------------------------

REPLICA = "replica"  # the alias of DATABASE_REPLICA_URL's database, when it is set (settings.py)
_heavy: contextvars.ContextVar[bool] = contextvars.ContextVar("heavy_reads", default=False)


@contextmanager
def heavy_reads():
    """Reads in the block may go to the read replica (`ReplicaRouter`): figures and exports, which can
    lag a little behind the primary without harm, never the reads a change is made from."""
    token = _heavy.set(True)
    try:
        yield
    finally:
        _heavy.reset(token)


def heavy_alias() -> str:
    """The database heavy reads use: the replica when one is configured, else the primary. For querysets
    evaluated after the block that chose them (a streamed export), given with `.using()`."""
    return REPLICA if REPLICA in settings.DATABASES else "default"


class ReplicaRouter:
    """Sends the reads of `heavy_reads()` blocks to the replica when `DATABASE_REPLICA_URL` is set; every
    other read and every write to the primary. The replica is never migrated (it follows the primary)."""

    def db_for_read(self, model, **hints):
        return REPLICA if _heavy.get() and heavy_alias() == REPLICA else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
