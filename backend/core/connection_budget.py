"""The connection budget: what every process of a deployment may hold at most, against what PostgreSQL accepts.

A process of the app holds at most `DB_POOL_MAX_SIZE` connections (Django's psycopg pool, settings.py) and
`DB_LOOP_POOL_SIZE` more (the event loop's own, backend/core/loop_reads.py), and a
job worker a few (procrastinate's own pool of 4, plus the job's). A deployment states how many of each it runs
— `APP_REPLICAS` (containers or hosts running `backend.serve`), `WEB_PROCESSES` per replica, `WORKER_REPLICAS`
— and the server and the workers refuse to start when the sum, plus a margin for the operator's own sessions
(psql, backups, migrations), passes what PostgreSQL accepts: `max_connections` less the connections it keeps
for superusers. Past that, requests would fail at random under load with "too many clients"; at start, the
operator gets one French sentence saying which numbers to change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# procrastinate's worker pool (psycopg_pool's default max_size, 4) and the connections of the jobs it runs.
WORKER_CONNECTIONS = 6
# Kept free for people and one-off commands: a tenth of what the server accepts, at least 5.
MARGIN_SHARE = 0.1
MARGIN_MIN = 5


def _count(environ, name: str, default: int) -> int:
    value = environ.get(name)
    return max(1, int(value)) if value else default


@dataclass(frozen=True)
class Budget:
    app_replicas: int
    web_processes: int
    pool_size: int
    worker_replicas: int
    worker_connections: int = WORKER_CONNECTIONS
    loop_connections: int = 0  # a process's asynchronous pool (backend/core/loop_reads.py: DB_LOOP_POOL_SIZE)

    @property
    def needed(self) -> int:
        return (
            self.app_replicas * self.web_processes * (self.pool_size + self.loop_connections)
            + self.worker_replicas * self.worker_connections
        )

    @classmethod
    def stated(
        cls, pool_size: int, environ=None, web_processes: int | None = None, loop_connections: int = 0
    ) -> Budget:
        """The budget the environment states for processes of `pool_size` connections; `web_processes` is the
        launcher's own count when it knows it."""
        environ = os.environ if environ is None else environ
        return cls(
            app_replicas=_count(environ, "APP_REPLICAS", 1),
            web_processes=web_processes or _count(environ, "WEB_PROCESSES", os.cpu_count() or 1),
            pool_size=pool_size,
            worker_replicas=_count(environ, "WORKER_REPLICAS", 1),
            loop_connections=loop_connections,
        )

    def refusal(self, max_connections: int, reserved: int) -> str | None:
        """A French sentence when the budget does not fit under the server's limit with the margin, else None."""
        accepted = max_connections - reserved
        margin = max(MARGIN_MIN, round(accepted * MARGIN_SHARE))
        if self.needed + margin <= accepted:
            return None
        per_process = f"{self.pool_size} connexions (DB_POOL_MAX_SIZE)"
        if self.loop_connections:
            per_process = f"({self.pool_size} + {self.loop_connections}) connexions (DB_POOL_MAX_SIZE + DB_LOOP_POOL_SIZE)"
        return (
            f"Budget de connexions à PostgreSQL dépassé : {self.app_replicas} réplique(s) × "
            f"{self.web_processes} processus × {per_process} + "
            f"{self.worker_replicas} worker(s) × {self.worker_connections} = {self.needed}, plus une marge de "
            f"{margin}, dépasse les {accepted} connexions que le serveur accepte (max_connections {max_connections}"
            f" moins {reserved} réservées). Réduisez DB_POOL_MAX_SIZE, WEB_PROCESSES, APP_REPLICAS ou "
            "WORKER_REPLICAS, ou augmentez max_connections."
        )


def server_limits(connection) -> tuple[int, int]:
    """`max_connections` and the connections PostgreSQL keeps for superusers (and, from 16, for reserved roles)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int"
            " + coalesce(current_setting('reserved_connections', true)::int, 0)"
        )
        return cursor.fetchone()


def check_at_start(web_processes: int | None = None) -> str | None:
    """The refusal for the stated budget against the configured database (Django's settings), or None.

    A database that cannot be reached is not this check's business: the process starts and says so where it
    needs the database (the healthcheck, the first request)."""
    # Django is set up by the caller: the launcher does it only for this check, so the module stays light
    from django.db import OperationalError, connection

    from .loop_reads import connections_per_process

    try:
        limits = server_limits(connection)
    except OperationalError:
        return None
    finally:
        connection.close()
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    pool_size = pool.get("max_size", 16) if isinstance(pool, dict) else 16
    loop = connections_per_process()
    return Budget.stated(pool_size, web_processes=web_processes, loop_connections=loop).refusal(*limits)
