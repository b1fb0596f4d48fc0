"""Benchmark: the ASGI server under the same application — Daphne (what production runs), uvicorn (httptools)
and granian, one process each, on `{ __typename }` (the request's fixed cost) and Q2 (one MSP by id with its
members, compiled reads on, response cache off).

    python bench/servers.py                  # every server installed, 10 s per run, c=8
    python bench/servers.py daphne uvicorn --duration 20

granian is not a dependency of the product: a server that is not installed is skipped and said so
(`pip install granian` to measure it). The WebSocket side: `bench/realtime_fanout.py
--server uvicorn`. Same scale database as `bench/http_load.py`.
"""

import argparse
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from http_load import bodies, post, run_python_client, run_wrk, server_cpu_seconds  # noqa: E402
from network_queries import open_scale_database  # noqa: E402

APP = "backend.asgi:application"
SERVERS = {
    "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", APP],
    "uvicorn": ["-m", "backend.serve_uvicorn", "--port", "{port}", APP],  # as WEB_SERVER=uvicorn runs it
    "granian": [
        "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
        "--log-level", "warning", APP,
    ],
}  # fmt: skip


def start(name: str, port: int, env: dict) -> subprocess.Popen:
    command = [sys.executable, *(part.format(port=port) for part in SERVERS[name])]
    process = subprocess.Popen(
        command, env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{name} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("servers", nargs="*", default=list(SERVERS), help=", ".join(SERVERS))
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    open_scale_database()
    from graphql_relay import to_global_id

    from network.models import Msp

    msp_ids = [
        to_global_id("Msp", pk) for pk in Msp.objects.order_by("pk").values_list("pk", flat=True)[:200]
    ]
    cases = {
        label: lines for label, lines in bodies(msp_ids, ["51108"]).items() if label in ("typename", "Q2")
    }
    env = {
        **os.environ,
        "DEBUG": "0",
        "GRAPHIQL": "0",
        "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATE_LIMITS": "off",
        "GRAPHQL_RESPONSE_CACHE": "0",
    }
    load = (
        run_wrk
        if subprocess.run(["which", "wrk"], capture_output=True).returncode == 0
        else run_python_client
    )
    print(f"{'server':<8} {'query':<9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10}")
    for offset, name in enumerate(args.servers):
        if importlib.util.find_spec(name) is None:
            print(f"{name:<8} not installed: skipped")
            continue
        port = 18600 + offset
        process = start(name, port, env)
        try:
            for label, lines in cases.items():
                assert not post(port, lines[0]).get("errors")
                load(port, lines, 2, min(2.0, args.duration))  # warm-up
                before = server_cpu_seconds(process.pid)
                figures = load(port, lines, args.concurrency, args.duration)
                cpu = (server_cpu_seconds(process.pid) - before) * 1000 / max(figures["requests"], 1)
                print(
                    f"{name:<8} {label:<9} {figures['rps']:>8.1f} {figures['p50']:>7.1f} {figures['p99']:>7.1f} "
                    f"{cpu:>10.2f}",
                    flush=True,
                )
        finally:
            process.terminate()
            process.wait(20)


if __name__ == "__main__":
    main()
