"""The compose stack's topology, where no container engine runs (these machines): the same services started as
processes. nginx with docker/nginx.conf.template (rendered as the nginx image renders it) terminates TLS with a
certificate from `make certificate`, in front of two app replicas, each started by the image's entry point
(`web`) on a loopback port of its own; a job worker by the same entry point (`worker`, which checks the
connection budget first); this machine's PostgreSQL and Redis. The app's settings are the compose file's
`x-settings`, only the addresses changed. Then each service's compose healthcheck passes, and the README's API
example runs through the proxy over HTTPS, its subscription over WSS with Python's gql included.
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

import pytest

from tests.compose import compose_settings, healthcheck
from tests.core.test_readme import run_the_readme_examples
from tests.daphne import PRODUCTION_SECRET_KEY, free_port, server_database_url

PROJECT = Path(__file__).resolve().parents[2]
ENTRYPOINT = PROJECT / "docker" / "entrypoint.sh"
NGINX = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx") or None
pytestmark = [
    pytest.mark.skipif(
        NGINX is None, reason="nginx is not installed (apt-get install nginx-light; .ci/run does it)"
    ),
    pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="`make certificate` uses openssl"),
]


def render_like_the_nginx_image(template: str, env: dict) -> str:
    """The image's envsubst over the variables its environment defines: nginx's own `$host` and such stay."""
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), m.group(0)), template)


def nginx_main_config(folder: Path, site: Path) -> Path:
    """What the image's /etc/nginx/nginx.conf gives the site's file, with every path in `folder`."""
    lines = [
        "daemon off;",
        "worker_processes 1;",
        f"pid {folder}/nginx.pid;",
        "error_log stderr warn;",
        *(["user root;"] if os.geteuid() == 0 else []),  # the temporary files live in the test's folder
        "events { worker_connections 256; }",
        "http {",
        "  access_log off;",
        *(
            f"  {kind}_temp_path {folder}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        f"  include {site};",
        "}",
    ]
    path = folder / "nginx.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


class Stack:
    """The processes, stopped together (SIGTERM, as `docker compose down` does)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = (self.tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> dict:
        for _, process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes:
            try:
                codes[name] = process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes


def until(condition, what: str, stack: Stack, timeout: float = 40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        for name, process in stack.processes:
            assert process.poll() is None, f"{name} stopped: {stack.log(name)}"
        time.sleep(0.3)
    raise AssertionError(f"{what}: {[stack.log(name) for name, _ in stack.processes]}")


def passes(command: list[str], env: dict) -> bool:
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, timeout=30).returncode == 0


@pytest.mark.django_db(transaction=True)
def test_the_stack_comes_up_healthy_and_serves_the_readme_example_through_the_tls_proxy(demo, tmp_path):
    https_port, http_port = free_port(), free_port()
    replicas = [free_port(), free_port()]
    settings = {
        **compose_settings(),
        # What the stack's .env gives, and the addresses of this machine's services instead of the stack's names.
        "SECRET_KEY": PRODUCTION_SECRET_KEY,
        "DATABASE_URL": server_database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "TRUSTED_PROXIES": "127.0.0.1",  # the proxy, here on loopback
        "MEDIA_ROOT": str(tmp_path / "media"),
        "WEB_PROCESSES": "1",
        "APP_REPLICAS": str(len(replicas)),
        "BIND": "127.0.0.1",
    }
    assert (
        settings["DEBUG"] == "0"
        and settings["BEHIND_TLS"] == "1"
        and settings["ALLOWED_HOSTS"] == "localhost"
    )
    base_env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}}
    # `python` is the venv's, as it is the image's.
    base_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base_env.get('PATH', '')}"
    app_env = {**base_env, **settings}
    tls = tmp_path / "tls"
    made = subprocess.run(["make", "-s", "certificate", f"TLS_DIR={tls}"], cwd=PROJECT, capture_output=True, text=True)  # fmt: skip
    assert made.returncode == 0, made.stderr
    proxy_env = {
        "SITE_ADDRESS": "localhost",
        "PUBLIC_URL": f"https://localhost:{https_port}",
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "TLS_DIR": str(tls),
        "APP_UPSTREAMS": " ".join(f"server 127.0.0.1:{port};" for port in replicas),
    }
    nginx_folder = tmp_path / "nginx"
    nginx_folder.mkdir()
    site = nginx_folder / "default.conf"
    site.write_text(
        render_like_the_nginx_image((PROJECT / "docker" / "nginx.conf.template").read_text(), proxy_env)
    )
    directives = "\n".join(
        line for line in site.read_text().splitlines() if not line.lstrip().startswith("#")
    )
    assert (
        "$http_upgrade" in directives and "${" not in directives
    )  # every placeholder given, nginx's own kept
    stack = Stack(tmp_path)
    try:
        for index, port in enumerate(replicas):
            stack.start(f"app-{index}", ["sh", str(ENTRYPOINT), "web"], {**app_env, "PORT": str(port)})
        stack.start("worker", ["sh", str(ENTRYPOINT), "worker"], app_env)
        stack.start("proxy", [NGINX, "-e", "stderr", "-p", str(nginx_folder), "-c", str(nginx_main_config(nginx_folder, site))], base_env)  # fmt: skip

        # The compose healthchecks, as the engine runs them inside each container.
        app_check = [sys.executable if part == "python" else part for part in healthcheck("x-healthcheck: &app-healthcheck")]  # fmt: skip
        for port in replicas:
            until(lambda port=port: passes(app_check, {**app_env, "PORT": str(port)}), "app healthy", stack)
        worker_check = [sys.executable if part == "python" else part for part in healthcheck("  worker:")]
        until(lambda: passes(worker_check, app_env), "worker healthy", stack)

        # The clients trust the stack's certificate, as they would a public authority's.
        root = tls / "fullchain.pem"
        trust = {"SSL_CERT_FILE": str(root), "CURL_CA_BUNDLE": str(root)}
        base = f"https://localhost:{https_port}"

        def answers():
            try:
                subprocess.run(["curl", "-sf", "--cacert", str(root), f"{base}/healthz"], check=True, capture_output=True, timeout=10)  # fmt: skip
            except subprocess.CalledProcessError:
                return False
            return True

        until(answers, "the proxy answers over HTTPS", stack)
        run_the_readme_examples(base, tmp_path, **trust)

        # Plain HTTP is sent to HTTPS by the proxy; /metrics does not leave the stack's network.
        redirect = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", f"http://localhost:{http_port}/graphql"], capture_output=True, text=True, timeout=10)  # fmt: skip
        assert redirect.stdout == f"308 {base}/graphql", redirect.stdout
        metrics = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(root), f"{base}/metrics"], capture_output=True, text=True, timeout=10)  # fmt: skip
        assert metrics.stdout == "404"
        # Both replicas served the example: the proxy balances over them. Prometheus scrapes each replica
        # from inside the network, over plain HTTP (not sent to HTTPS, unlike every other path).
        for port in replicas:
            scrape = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Host": "localhost"})
            with urllib.request.urlopen(scrape, timeout=10) as response:
                metrics = response.read().decode()
            served = [line for line in metrics.splitlines() if line.startswith("tdp_http_requests_total{") and "healthz" not in line]  # fmt: skip
            assert sum(float(line.rsplit(" ", 1)[1]) for line in served) > 0, metrics
    finally:
        codes = stack.stop()
    assert all(code == 0 for code in codes.values()), codes
