"""Real server processes on loopback for end-to-end tests (the transport where some bugs live): uvicorn as
production runs it (backend/serve.py: WEB_SERVER), or Daphne with WEB_SERVER=daphne."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from backend.serve import web_server

PROJECT = Path(__file__).resolve().parents[1]
# A key the production settings accept (50 characters and more, many of them different): servers started with
# DEBUG=0 in the tests use it.
PRODUCTION_SECRET_KEY = "tests-production-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_database_url(name: str | None = None) -> str:
    """The test database (or the database `name` of the same server), for the server processes."""
    s = connection.settings_dict
    name = name or s["NAME"]
    # A Unix-socket server (the embedded one) has its directory in OPTIONS["host"].
    host = s.get("HOST") or s.get("OPTIONS", {}).get("host") or "127.0.0.1"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    if host.startswith("/"):
        return f"postgresql://{auth}@/{name}?host={host}"
    return f"postgresql://{auth}@{host}:{s.get('PORT') or 5432}/{name}"


class DaphneServer:
    """One server process (uvicorn, or Daphne: WEB_SERVER) on a free loopback port, serving `app` with `env`.

    With `workers`, the production launcher instead (`python -m backend.serve`): that many server
    processes behind the one port.
    """

    def __init__(self, env: dict, app: str = "backend.asgi:application", workers: int | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (the server's stderr, read by tests, closed in stop)
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), app]
        if env.get("WEB_SERVER", "uvicorn") == "uvicorn":  # WEB_SERVER=daphne: the other server
            command = [sys.executable, "-m", "backend.serve_uvicorn", "--port", str(self.port), app]
        if workers is not None:
            command = [sys.executable, "-m", "backend.serve", "--host", "127.0.0.1", "--port", str(self.port)]
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers (503 while a dependency is away is an answer)
            except OSError:
                time.sleep(0.2)
            if self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"The server did not start: {self.stderr_text()[-2000:]}")

    def stderr_text(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()

    def post(self, query, variables, token):
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


def server_env(redis_url: str | None, **extra) -> dict:
    # Never the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE: the server keeps Django's async-safety checks.
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        {"DATABASE_URL": server_database_url(), "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "backend.settings"}
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def servers(request):
    """`servers(redis_url=None, app=..., workers=None, **env)` starts a Daphne (or the launcher with
    `workers` processes); all are stopped after the test."""
    started = []

    def start(
        redis_url: str | None = None,
        app: str = "backend.asgi:application",
        workers: int | None = None,
        **extra,
    ):
        # The server production runs (backend/serve.py: WEB_SERVER), or the one the tests' environment names.
        extra.setdefault("WEB_SERVER", web_server())
        env = server_env(redis_url or os.environ.get("REDIS_URL"), **extra)
        server = DaphneServer(env, app=app, workers=workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
