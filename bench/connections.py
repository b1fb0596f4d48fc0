"""Database connections under load: 500 GraphQL requests at concurrency 50, one Daphne then two.

Production settings (DEBUG=0, Redis when REDIS_URL is set), own database (DATABASE_URL name +
"_bench", demo data). Prints, for each run, the peak number of PostgreSQL connections the servers
held (sampled every 20 ms from pg_stat_activity, by application name), the errors (any non-200), and
the median and p99 latency. Loopback only; bounded in count.

    python bench/connections.py
"""

import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import bench_database_url  # noqa: E402
from realtime_fanout import Server, prepare  # noqa: E402

APP_NAME = "tetedepont-bench-server"
REQUESTS, CONCURRENCY = 500, 50
QUERY = "{ hubs(first: 10) { edges { node { msp { name memberships(first: 20) { role practitioner { fullName } } } } } } }"


def post(port):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
            response.read()
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, time.perf_counter() - start


def run(ports, sample):
    peak, stop = [0], threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], sample())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(lambda i: post(ports[i % len(ports)]), range(REQUESTS)))
    finally:
        stop.set()
        watcher.join()
    latencies = sorted(t for _, t in results)
    errors = sum(status != 200 for status, _ in results)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return peak[0], errors, statistics.median(latencies), p99


def main():
    database_url = bench_database_url()
    prepare(database_url, 0)
    from django.db import connection

    def sample():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
            return cursor.fetchone()[0]

    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "PGAPPNAME": APP_NAME,
           # One loopback client stands for many: requests per address not counted (bench/abuse.py measures that).
           "RATE_LIMITS": "off"}  # fmt: skip
    print(f"{REQUESTS} requests at concurrency {CONCURRENCY}: {QUERY[:60]}…")
    print(f"{'servers':>7}  {'peak connections':>16}  {'errors':>6}  {'median':>8}  {'p99':>8}")
    for count in (1, 2):
        servers = [Server(18300 + i, env) for i in range(count)]
        try:
            peak, errors, median, p99 = run([s.port for s in servers], sample)
            print(
                f"{count:>7}  {peak:>16}  {errors:>6}  {median * 1000:>6.0f}ms  {p99 * 1000:>6.0f}ms",
                flush=True,
            )
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
