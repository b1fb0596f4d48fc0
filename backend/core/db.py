"""Database helpers shared by the domain services."""

from contextlib import contextmanager

from django.db import IntegrityError, OperationalError, transaction
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
