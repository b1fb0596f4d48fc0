"""The connection budget (backend/core/connection_budget.py): the app's launcher and the image's worker refuse
to start, in French and before any process runs, when the processes they state could hold more connections
than PostgreSQL accepts with the margin; within it, they start. Against the tests' own PostgreSQL server."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from backend.core.connection_budget import Budget, server_limits
from tests.daphne import free_port, server_env

PROJECT = Path(__file__).resolve().parents[2]


def test_the_budget_counts_every_replica_process_and_worker_against_what_the_server_accepts():
    budget = Budget(app_replicas=2, web_processes=2, pool_size=16, worker_replicas=3)
    assert budget.needed == 2 * 2 * 16 + 3 * 6
    # 100 less 3 for superusers: 97 accepted, a margin of 10 kept.
    assert budget.refusal(max_connections=100, reserved=3) is None  # 82 + 10 <= 97
    tight = Budget(app_replicas=2, web_processes=2, pool_size=16, worker_replicas=4)  # 88 + 10 > 97
    refusal = tight.refusal(max_connections=100, reserved=3)
    assert refusal.startswith("Budget de connexions à PostgreSQL dépassé : 2 réplique(s) × 2 processus × 16")
    assert "= 88, plus une marge de 10, dépasse les 97 connexions" in refusal
    assert "DB_POOL_MAX_SIZE" in refusal and "max_connections" in refusal
    # A small server keeps at least 5 free.
    assert "= 16, plus une marge de 5, dépasse les 17" in Budget(1, 1, 10, 1).refusal(
        max_connections=20, reserved=3
    )
    assert Budget(1, 1, 6, 1).refusal(max_connections=20, reserved=3) is None  # 12 + 5 <= 17


def test_the_loop_s_connections_count_in_each_process():
    budget = Budget(app_replicas=2, web_processes=2, pool_size=16, worker_replicas=1, loop_connections=2)
    assert budget.needed == 2 * 2 * (16 + 2) + 6
    # 88 less 3: 85 accepted, a margin of 8; 78 + 8 passes it, where 70 + 8 without the loop's would not.
    refusal = budget.refusal(max_connections=88, reserved=3)
    assert "2 processus × (16 + 2) connexions (DB_POOL_MAX_SIZE + DB_LOOP_POOL_SIZE)" in refusal
    assert Budget(2, 2, 16, 1).refusal(max_connections=88, reserved=3) is None


def test_stated_counts_come_from_the_environment():
    budget = Budget.stated(16, environ={"APP_REPLICAS": "3", "WEB_PROCESSES": "4", "WORKER_REPLICAS": "2"})
    assert (budget.app_replicas, budget.web_processes, budget.worker_replicas) == (3, 4, 2)
    assert (
        Budget.stated(16, environ={"WEB_PROCESSES": "4"}, web_processes=2).web_processes == 2
    )  # the launcher's


@pytest.mark.django_db
def test_the_server_s_limits_are_read_from_postgresql():
    max_connections, reserved = server_limits(connection)
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        assert int(cursor.fetchone()[0]) == max_connections
    assert 0 < reserved < max_connections


@pytest.mark.django_db(transaction=True)
def test_the_launcher_and_the_worker_refuse_to_start_beyond_the_budget_and_start_within_it():
    max_connections, _ = server_limits(connection)
    # Replicas enough to pass what this server accepts, whatever its max_connections.
    too_many = str(max_connections // (16 + 2) + 1)  # (each process: its pool, and its loop's 2)
    port = free_port()
    over = server_env(None, APP_REPLICAS=too_many, DB_POOL_MAX_SIZE="16")
    launched = subprocess.run(
        [sys.executable, "-m", "backend.serve", "--port", str(port), "--workers", "1"],
        cwd=PROJECT, env=over, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert launched.returncode == 2, launched.stderr
    assert (
        f"Budget de connexions à PostgreSQL dépassé : {too_many} réplique(s) × 1 processus × (16 + 2)"
        in launched.stderr
    )
    assert "Traceback" not in launched.stderr

    command = [sys.executable, "manage.py", "check_connection_budget"]
    worker = subprocess.run(command, cwd=PROJECT, env=over, capture_output=True, text=True, timeout=60)
    assert worker.returncode == 1 and "Budget de connexions à PostgreSQL dépassé" in worker.stderr
    within = subprocess.run(
        command, cwd=PROJECT, env=server_env(None, WEB_PROCESSES="2", DB_POOL_MAX_SIZE="4"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert within.returncode == 0, within.stderr
    assert "respecté" in within.stdout
