"""Serve the app on one port with several server processes (uvicorn, or Daphne with WEB_SERVER=daphne): both
cores used, one address for clients.

    python -m backend.serve --host 0.0.0.0 --port 8000 [--workers N] [-- daphne options]

The launcher opens the listening socket itself and starts `--workers` Daphne processes that all
accept on it (`daphne --fd`, through backend.serve_child, which accepts one connection at a time so
that a burst of connections is shared instead of taken whole by the first process to wake). A Python
process runs one thread at a time, so one process per core is what uses the machine.

- `--workers` defaults to `WEB_PROCESSES`, else the number of cores. Several processes need the
  Redis channel layer (`REDIS_URL`): a subscription is served by one process and the event may be
  published by another. Without `REDIS_URL` the launcher runs a single process and says why.
- SIGTERM or SIGINT is passed on to every process, which stops its running operations and exits
  (see backend.asgi); the launcher exits when they have. A process that dies on its own is started
  again (at most once per second), so one crash does not halve the capacity for good.
- The per-user and per-address WebSocket caps are counted per process (backend.core.limits).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from prometheus_client import multiprocess

RESTART_PAUSE = 1.0


def default_workers() -> int:
    configured = os.environ.get("WEB_PROCESSES")
    if configured:
        return max(1, int(configured))
    return os.cpu_count() or 1


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    listener.set_inheritable(True)
    return listener


# The server each process runs (WEB_SERVER): uvicorn (backend/serve_uvicorn.py), or Daphne. Both take
# connections one at a time, so that the processes share them, and stop their operations at once on SIGTERM.
# uvicorn by default since issue 30: less CPU a request, events out sooner, uploads not held in memory
# (bench/README.md, "The server").
CHILDREN = {"daphne": "backend.serve_child", "uvicorn": "backend.serve_uvicorn"}
DEFAULT_SERVER = "uvicorn"


def web_server() -> str:
    return os.environ.get("WEB_SERVER") or DEFAULT_SERVER


class Launcher:
    def __init__(
        self, listener: socket.socket, workers: int, daphne_args: list[str], server: str = DEFAULT_SERVER
    ) -> None:
        self.command = [
            sys.executable,
            "-m",
            CHILDREN[server],
            "--fd",
            str(listener.fileno()),
            *(daphne_args if server == "daphne" else []),
            "backend.asgi:application",
        ]
        self.listener = listener
        self.workers = workers
        self.processes: list[subprocess.Popen] = []
        self.stopping: int | None = None

    def start_one(self) -> subprocess.Popen:
        # Its PID, so that a process it starts stops if it dies (backend/serve_child.py: die_with_the_launcher).
        env = {**os.environ, "TDP_LAUNCHER_PID": str(os.getpid())}
        return subprocess.Popen(self.command, pass_fds=(self.listener.fileno(),), env=env)

    def stop(self, signum, frame) -> None:
        if self.stopping is None:
            self.stopping = signum
            for process in self.processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM if signum != signal.SIGINT else signal.SIGINT)

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self.stop)
        self.processes = [self.start_one() for _ in range(self.workers)]
        last_restart = 0.0
        while True:
            if self.stopping is not None:
                for process in self.processes:
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                # Daphne exits 0 once stopped by a signal (one still starting dies of it): so does the launcher.
                stopped = {0, -signal.SIGTERM, -signal.SIGINT}
                return 0 if all(process.returncode in stopped for process in self.processes) else 1
            for index, process in enumerate(self.processes):
                if process.poll() is not None and self.stopping is None:
                    pause = RESTART_PAUSE - (time.monotonic() - last_restart)
                    if pause > 0:
                        time.sleep(pause)
                    if self.stopping is not None:
                        break
                    print(
                        f"Le processus serveur {process.pid} s'est arrêté (code {process.returncode}) ; "
                        "il est relancé.",
                        file=sys.stderr,
                        flush=True,
                    )
                    forget_metrics_of(process.pid)
                    self.processes[index] = self.start_one()
                    last_restart = time.monotonic()
            time.sleep(0.2)


def forget_metrics_of(pid: int) -> None:
    """A dead process's live gauges (connections, pool use) stop counting at the next scrape; its counters
    stay, as Prometheus expects of a counter (backend/core/observability.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def connection_budget_refusal(workers: int) -> str | None:
    """The stated connection budget checked against the database before any process starts
    (backend/core/connection_budget.py); Django is set up in the launcher for this only."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    # Loaded here, not at the top: the launcher needs Django for this check alone
    import django

    from backend.core.connection_budget import check_at_start

    django.setup()
    return check_at_start(web_processes=workers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default=os.environ.get("BIND") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument(
        "--workers", type=int, default=None, help="server processes (default: WEB_PROCESSES or cores)"
    )
    parser.add_argument("daphne_args", nargs=argparse.REMAINDER, help="after --: options passed to Daphne")
    args = parser.parse_args(argv)
    daphne_args = args.daphne_args[1:] if args.daphne_args[:1] == ["--"] else args.daphne_args
    server = web_server()
    if server not in CHILDREN:
        print(f"WEB_SERVER : « {server} » inconnu (daphne ou uvicorn).", file=sys.stderr, flush=True)
        return 2
    workers = args.workers if args.workers is not None else default_workers()
    if workers > 1 and not os.environ.get("REDIS_URL"):
        print(
            f"Un seul processus serveur au lieu de {workers} : sans REDIS_URL, un événement publié par un "
            "processus n'atteindrait pas les abonnés des autres.",
            file=sys.stderr,
            flush=True,
        )
        workers = 1
    refusal = connection_budget_refusal(max(1, workers))
    if refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 2
    listener = listening_socket(args.host, args.port)
    metrics_folder = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # One folder for the processes' metrics, summed at the scrape (backend/core/observability.py); the
        # launcher made it, the launcher removes it.
        metrics_folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tdp-metrics-")
    try:
        return Launcher(listener, max(1, workers), daphne_args, server).run()
    finally:
        if metrics_folder:
            shutil.rmtree(metrics_folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
