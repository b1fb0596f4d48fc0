"""Database connections stay bounded under load, and a saturated server says so (503, Retry-After).

Through a real Daphne: before, each request's thread kept its own connection (CONN_MAX_AGE=60) and 60
requests at concurrency 20 left 42-57 connections open; two servers exhausted PostgreSQL's 100.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from tests.helpers import running_slow_statements, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


APP_NAME = "tetedepont-server-under-test"  # libpq reads PGAPPNAME: the server's connections carry it


def server_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
        return cursor.fetchone()[0]


def post(server, query, timeout=30):
    request = urllib.request.Request(
        f"{server.url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, json.loads(response.read())  # case-insensitive
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def test_connections_stay_under_the_pool_size_whatever_the_concurrency(servers, territories):
    server = servers(DB_POOL_MAX_SIZE=4, PGAPPNAME=APP_NAME)
    peak, stop = [0], threading.Event()

    def watch():
        try:
            while not stop.is_set():
                peak[0] = max(peak[0], server_connections())
                time.sleep(0.02)
        finally:
            connections.close_all()  # this thread's connection goes back to the pool

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda _: post(server, "{ regions { code name } }"), range(60)))
    finally:
        stop.set()
        watcher.join()
    assert [status for status, _, _ in answers] == [200] * 60
    assert 1 <= peak[0] <= 4, peak[0]  # before: one per request thread, dozens
    time.sleep(0.5)
    assert server_connections() <= 4


def test_a_request_that_cannot_get_a_connection_in_time_gets_503_with_retry_after(servers):
    server = servers(
        app="tests.stalling.app:application", DB_POOL_MAX_SIZE=2, DB_POOL_TIMEOUT=0.5, SLOW_FIELD_SECONDS=4
    )
    with ThreadPoolExecutor(2) as pool:
        slow = [pool.submit(post, server, "{ professions { code } }") for _ in range(2)]
        assert wait_until(lambda: running_slow_statements() == 2, 10)  # both connections busy sleeping
        status, headers, body = post(server, "{ regions { code } }")
        assert status == 503
        assert headers.get("Retry-After") == "2"
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "saturé" in body["errors"][0]["message"]
        assert [f.result()[0] for f in slow] == [200, 200]
    assert post(server, "{ regions { code } }")[0] == 200  # and it recovers
