"""Safe by default (issue 24): production settings unless told otherwise, no start with a known or weak
SECRET_KEY, a Content-Security-Policy and a Referrer-Policy on pages, HSTS and the HTTPS redirect behind the
TLS proxy, and `manage.py check --deploy` clean with the compose file's settings."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.compose import compose_settings
from tests.daphne import PRODUCTION_SECRET_KEY

PROJECT = Path(__file__).resolve().parents[2]


def run_settings(env: dict, code: str = "print(settings.DEBUG)"):
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'backend.settings'; django.setup(); "
        f"from django.conf import settings; {code}"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_no_environment_the_settings_are_production_s():
    """Before: DEBUG on, a known SECRET_KEY and GraphiQL on when nothing was said."""
    bare = run_settings({})
    assert bare.returncode != 0 and "SECRET_KEY must be set when DEBUG is off" in bare.stderr
    ready = run_settings(
        {"SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "example.org"},
        "print(settings.DEBUG, settings.GRAPHIQL)",
    )
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    "key",
    [
        "insecure-development-key-do-not-use-in-production",  # ours, printed in the code
        "x" * 50,  # long but one character
        "django-insecure-" + "a1b2c3d4e5" * 5,  # startproject's
        "trop-court-1234",
    ],
)
def test_a_known_or_weak_key_is_refused_in_production(key):
    refused = run_settings({"DEBUG": "0", "SECRET_KEY": key, "ALLOWED_HOSTS": "example.org"})
    assert refused.returncode != 0 and "SECRET_KEY is known or too weak" in refused.stderr


def test_development_is_asked_for_by_the_make_targets_and_the_test_run():
    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^export DEBUG \?= 1$", makefile, re.MULTILINE)
    pytest_env = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"][
        "env"
    ]
    assert "D:DEBUG=1" in pytest_env


def test_check_deploy_is_clean_with_the_compose_file_s_settings():
    env = {**compose_settings(), "SECRET_KEY": PRODUCTION_SECRET_KEY}
    assert env["DEBUG"] == "0" and env["BEHIND_TLS"] == "1"
    base = {k: v for k, v in os.environ.items() if k not in env and k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_a_referrer_policy(client):
    for path in ("/", "/admin/login/", "/graphql"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert (
            "object-src 'none'" in policy
            and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        )
        assert response.headers["Referrer-Policy"] == "same-origin"
    # GraphiQL's one inline script carries the response's nonce: it runs, and no other inline script would.
    graphiql = client.get("/graphql", HTTP_ACCEPT="text/html")
    nonce = re.search(
        r"script-src 'self' 'nonce-([^']+)'", graphiql.headers["Content-Security-Policy"]
    ).group(1)
    assert f'nonce="{nonce}"' in graphiql.content.decode()


def test_behind_tls_plain_http_is_redirected_and_https_is_remembered():
    code = (
        "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " settings.SECURE_PROXY_SSL_HEADER)"
    )
    proxied = run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": PRODUCTION_SECRET_KEY,
            "ALLOWED_HOSTS": "example.org",
            "TRUSTED_PROXIES": "10.0.0.1",
        },
        code,
    )
    assert proxied.returncode == 0, proxied.stderr
    assert proxied.stdout.strip() == "True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https')"
    direct = run_settings(
        {"DEBUG": "0", "SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "example.org"},
        "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS)",
    )
    assert direct.stdout.strip() == "False 0"  # served without TLS (a bench, the tests): no redirect loop
