"""Benchmark: Q1, Q2, `nearbyHubs` and `{ __typename }` over HTTP, against the server as production runs it.

The server is started as in production (`python -m backend.serve`, `DEBUG=0`, Redis when REDIS_URL is
set) on the scale data (DATABASE_URL name + "_bench": 4,000 MSPs, 40,000 practitioners), with
`--workers` processes behind one port. Load comes from `wrk` on loopback (Debian package `wrk`; a
small Python keep-alive client is used when it is absent, and says so) at concurrency 2 and 8.

For each query and concurrency it prints requests per second, p50 and p99 latency, the server's CPU
time per request (user + system time of every server process, read from /proc, divided by the
requests answered) and the SQL queries per request (counted in process through the same view).

    python bench/http_load.py                       # 1 then 2 server processes, 10 s per run
    python bench/http_load.py --workers 2 --duration 20 --only Q2
    python bench/http_load.py --workers 2 --compiled cached --postgraphile

`--compiled`: the executor (off), compiled reads (on), compiled reads with the response cache (cached, while
a membership is written `--writes-per-second` times a second throughout: its hit ratio is printed), or all.

Q1: `hubs(first: 100)` with MSP, sites, communes, departments and members.
Q2: one MSP by id (`node`) with its members (role, name, profession).
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from network_queries import open_scale_database, percentile  # noqa: E402
from realtime_fanout import Server  # noqa: E402

PORT = 18300
TICKS = os.sysconf("SC_CLK_TCK")

Q1 = """{ hubs(first: 100) { totalCount edges { node { id status offerKinds serviceRadiusKm
    msp { name finess composition { state } sites { address commune { name department { name } } }
          memberships { role practitioner { fullName profession { label } } } } } } } }"""
Q2 = """query($id: ID!) { node(id: $id) { ... on Msp { name
    memberships { role practitioner { fullName profession { label } } } } } }"""
NEARBY = """query($code: String!) { nearbyHubs(near: {communeCode: $code}, radiusKm: 50, first: 20) {
    distanceKm hub { id offerKinds serviceRadiusKm msp { name sites { commune { name } } } } } }"""
TYPENAME = "{ __typename }"


def bodies(msp_ids: list[str], communes: list[str]) -> dict[str, list[str]]:
    """The request bodies of each case (several where the variables vary, sent in turn)."""
    return {
        "typename": [json.dumps({"query": TYPENAME})],
        "Q2": [json.dumps({"query": Q2, "variables": {"id": i}}) for i in msp_ids],
        "Q1": [json.dumps({"query": Q1})],
        "nearbyHubs": [json.dumps({"query": NEARBY, "variables": {"code": c}}) for c in communes],
    }


def server_cpu_seconds(root_pid: int) -> float:
    """User + system CPU of the server process and all its descendants (alive ones)."""
    total = 0.0
    pids = [root_pid]
    seen = set()
    while pids:
        pid = pids.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
            for task in Path(f"/proc/{pid}/task").iterdir():
                children = (task / "children").read_text().split()
                pids.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def postgres_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL process on this machine (the bench's server among them)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" not in text:
            continue
        fields = text.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


SERVE = [sys.executable, "-m", "backend.serve"]


def wrk_options(concurrency: int, duration: float) -> list[str]:
    threads = min(2, concurrency)
    return ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration:g}s", "--latency", "--timeout", "30s"]


def start_server(port: int, workers: int, env: dict):
    """`python -m backend.serve` as production runs it, on a port of its own."""
    return Server(port, env, [*SERVE, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)])


def post(port: int, body: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def cache_outcomes(port: int) -> tuple[float, float, float]:
    """The response cache's hits, misses and shared answers so far (the server's metrics, all its processes)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
    except OSError:  # PostGraphile
        return 0.0, 0.0, 0.0
    found = dict(re.findall(r'^tdp_graphql_response_cache_total\{outcome="(\w+)"\} (\S+)$', text, re.M))
    return float(found.get("hit", 0)), float(found.get("miss", 0)), float(found.get("shared", 0))


class MembershipWriter:
    """A membership's role changed `per_second` times a second, each in its own transaction, until stopped:
    every cached answer that read memberships is invalidated as often."""

    def __init__(self, per_second: float) -> None:
        from network.models import Membership, MembershipRole  # Django is set up by main() first

        self.stopping = threading.Event()
        self.writes = 0
        membership = Membership.objects.exclude(role=MembershipRole.COORDINATOR).order_by("pk").first()
        roles = [MembershipRole.PARTNER, membership.role]

        def write():
            while per_second > 0 and not self.stopping.wait(1 / per_second):
                Membership.objects.filter(pk=membership.pk).update(role=roles[self.writes % 2])
                self.writes += 1
            Membership.objects.filter(pk=membership.pk).update(role=membership.role)

        self.thread = threading.Thread(target=write, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)
        print(f"  ({self.writes} membership writes during the cached runs)", flush=True)


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
local f = io.open("%s", "r")
for line in f:lines() do bodies[#bodies + 1] = line end
f:close()
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, "/graphql", nil, bodies[i])
end
"""


def run_wrk(port: int, body_lines: list[str], concurrency: int, duration: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        body_file = Path(folder) / "bodies.txt"
        body_file.write_text("\n".join(body_lines) + "\n")
        script = Path(folder) / "post.lua"
        script.write_text(WRK_SCRIPT % body_file)
        out = subprocess.run(
            [*wrk_options(concurrency, duration), "-s", str(script), f"http://127.0.0.1:{port}/graphql"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "failed": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def run_python_client(port: int, body_lines: list[str], concurrency: int, duration: float) -> dict:
    """Fallback when wrk is absent: `concurrency` keep-alive connections, one thread each."""
    import http.client

    latencies: list[float] = []
    failed = 0
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def client(offset):
        nonlocal failed
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = offset
        mine, bad = [], 0
        while time.monotonic() < deadline:
            body = body_lines[i % len(body_lines)]
            i += 1
            start = time.perf_counter()
            connection.request("POST", "/graphql", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            bad += response.status != 200
        with lock:
            latencies.extend(mine)
            failed += bad

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 99),
        "failed": failed,
        "socket_errors": "",
    }


def count_queries(body_lines: list[str], compiled: bool) -> list[int]:
    """SQL statements per request, through the same view in process (anonymous, as the load is); a compiled
    read's statement, run on psycopg's own cursor, is counted by the compiled reads."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backend.core.compiled_reads import compiled_reads
    from backend.schema import schema

    settings.GRAPHQL_EXECUTION = {**settings.GRAPHQL_EXECUTION, "COMPILED_READS": compiled}
    reads = compiled_reads(schema.graphql_schema)
    client = Client()
    counts = set()
    for body in body_lines[:5]:
        before = reads.answered
        with CaptureQueriesContext(connection) as captured:
            answer = client.post("/graphql", body, content_type="application/json").json()
        assert not answer.get("errors"), answer
        counts.add(len(captured.captured_queries) + reads.answered - before)
    return sorted(counts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1, 2], help="server processes, each in turn"
    )
    parser.add_argument("--concurrency", type=int, nargs="*", default=[2, 8])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--only", nargs="*", choices=["typename", "Q1", "Q2", "nearbyHubs"])
    parser.add_argument(
        "--compiled",
        choices=["on", "off", "both", "cached", "all"],
        default="all",
        help="compiled reads (backend/core/compiled.py) off, on, on with the response cache, or in turn",
    )
    parser.add_argument(
        "--writes-per-second", type=float, default=1.0, help="membership writes while the cache is measured"
    )
    parser.add_argument(
        "--postgraphile",
        action="store_true",
        help="also PostGraphile 5 on the same tables (installed from npm)",
    )
    args = parser.parse_args()

    open_scale_database()
    from django.conf import settings
    from graphql_relay import to_global_id

    from network.models import Commune, Msp

    database_url = os.environ["DATABASE_URL"]
    rng = random.Random(3)
    msp_ids = [
        to_global_id("Msp", pk)
        for pk in rng.sample(list(Msp.objects.order_by("pk").values_list("pk", flat=True)[:4000]), 200)
    ]
    communes = list(Commune.objects.values_list("code", "population"))
    codes = rng.choices([c for c, _ in communes], weights=[max(p, 100) for _, p in communes], k=200)
    cases = bodies(msp_ids, codes)
    if args.only:
        cases = {k: v for k, v in cases.items() if k in args.only}
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]  # the in-process client counting queries
    queries = {
        mode: {label: count_queries(lines, mode == "on") for label, lines in cases.items()}
        for mode in ("on", "off")
    }

    load = run_wrk if shutil.which("wrk") else run_python_client
    if load is run_python_client:
        print("wrk is not installed (apt-get install wrk): using the Python client, which itself takes CPU.")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "GRAPHIQL": "0",
        "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # One loopback client stands for many: the server's capacity is measured, not the per-address rate
        # limit (bench/abuse.py measures that).
        "RATE_LIMITS": "off",
    }
    print(
        f"Load: {load.__name__.removeprefix('run_')}, {args.duration:g} s per run; REDIS_URL={env.get('REDIS_URL', '-')}"
    )
    print(
        f"{'server':<22} {'query':<11} {'c':>2} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10} "
        f"{'PG ms/req':>9} {'SQL/req':>8} {'hits':>6}"
    )
    modes = {"on": ["on"], "off": ["off"], "both": ["off", "on"], "cached": ["cached"]}
    for workers in args.workers:
        for mode in modes.get(args.compiled, ["off", "on", "cached"]):
            mode_env = {
                "GRAPHQL_COMPILED_READS": "0" if mode == "off" else "1",
                "GRAPHQL_RESPONSE_CACHE": "1" if mode == "cached" else "0",
            }
            server = start_server(PORT, workers, {**env, **mode_env})
            name = f"product {workers}p" + {"off": "", "on": " compiled", "cached": " cached"}[mode]
            writer = MembershipWriter(args.writes_per_second) if mode == "cached" else None
            try:
                measure(
                    name, server.process.pid, cases, args, load, queries["off" if mode == "off" else "on"]
                )
            finally:
                server.stop()
                if writer:
                    writer.stop()
    if args.postgraphile:
        from postgraphile import PostGraphile

        other = PostGraphile(PORT + 1, database_url)
        try:
            measure("PostGraphile 5", other.process.pid, other.bodies(), args, load, {}, port=PORT + 1)
        finally:
            other.stop()


def measure(name, pid, cases, args, load, queries, port=PORT):
    """Each case at each concurrency against the server on `port` (process `pid` and its children)."""
    for label, lines in cases.items():
        if args.only and label not in args.only:
            continue
        answer = post(port, lines[0])
        assert not answer.get("errors"), answer
        load(port, lines, 2, min(2.0, args.duration))  # warm-up: caches, pool, lazy imports
        for concurrency in args.concurrency:
            cpu_before, pg_before = server_cpu_seconds(pid), postgres_cpu_seconds()
            cache_before = cache_outcomes(port)
            figures = load(port, lines, concurrency, args.duration)
            cpu = server_cpu_seconds(pid) - cpu_before
            pg = postgres_cpu_seconds() - pg_before
            hit, miss, shared = (
                after - before for after, before in zip(cache_outcomes(port), cache_before, strict=True)
            )
            # Answered without a statement of their own: hits, and answers shared with a computation begun after
            # they were asked (backend/cache/held.py), shown apart.
            hits = f"{100 * (hit + shared) / (hit + miss + shared):.1f}%" if hit + miss + shared else "-"
            hits += f" ({100 * shared / (hit + miss + shared):.1f}% shared)" if shared else ""
            per_request = cpu * 1000 / max(figures["requests"], 1)
            pg_per_request = pg * 1000 / max(figures["requests"], 1)
            flag = f"  {figures['failed']} failed" if figures["failed"] else ""
            flag += f"  socket errors: {figures['socket_errors']}" if figures["socket_errors"] else ""
            counted = ",".join(map(str, queries.get(label, []))) or "-"
            print(
                f"{name:<22} {label:<11} {concurrency:>2} {figures['rps']:>8.1f} {figures['p50']:>8.1f} "
                f"{figures['p99']:>8.1f} {per_request:>10.2f} {pg_per_request:>9.2f} {counted:>8} {hits:>6}{flag}",
                flush=True,
            )


if __name__ == "__main__":
    main()
