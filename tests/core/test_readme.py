"""The README's examples run as written: its "Trying the API" blocks, against a real Daphne with the demo
data, with `BASE` set to the test server's address and nothing else changed. The same blocks run through the
deployed topology's TLS proxy in tests/core/test_stack.py."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")


def trying_the_api() -> list[tuple[str, str]]:
    readme = (PROJECT / "README.md").read_text()
    start = readme.index("## Trying the API")
    section = readme[start : readme.index("\n## ", start)]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def run_the_readme_examples(base: str, tmp_path: Path, **env) -> None:
    """The three blocks in turn, as a reader runs them with `BASE=base` (and `env`, e.g. the CA to trust)."""
    blocks = trying_the_api()
    assert [lang for lang, _ in blocks] == ["sh", "python", "sh"]
    (sign_in, watcher, change) = (code for _, code in blocks)
    shell_env = {**os.environ, **env, "BASE": base}

    first = subprocess.run(
        ["bash", "-ec", sign_in + '\nprintf "\\nTOKEN=%s\\n" "$TOKEN"'],
        capture_output=True,
        text=True,
        timeout=60,
        env=shell_env,
    )
    assert first.returncode == 0, first.stderr
    assert "MSP de Saint-Martin-sur-le-Pr" in first.stdout and '"totalCount":5' in first.stdout
    token = re.search(r"^TOKEN=(\S+)$", first.stdout, re.MULTILINE).group(1)

    script = tmp_path / "watch_hub.py"
    script.write_text(watcher)
    watching = subprocess.Popen([sys.executable, str(script), token], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=shell_env)  # fmt: skip
    try:
        time.sleep(3)  # subscribed
        second = subprocess.run(
            ["bash", "-ec", change], capture_output=True, text=True, timeout=60, env=shell_env
        )
        assert second.returncode == 0, second.stderr
        assert '{"applyForHub":{"hub":{"serviceRadiusKm":45},"errors":[]}}' in second.stdout
        deadline = time.monotonic() + 15
        line = ""
        while time.monotonic() < deadline and "hubUpdated" not in line:
            line = watching.stdout.readline()
        assert "'serviceRadiusKm': 45" in line and "Saint-Martin-sur-le-Pré" in line, watching.stderr.read()
    finally:
        watching.kill()
        watching.wait()


@needs_curl
@pytest.mark.django_db(transaction=True)
def test_the_readme_examples_run_as_written(demo, servers, tmp_path):
    server = servers()
    run_the_readme_examples(server.url, tmp_path)


def test_the_examples_name_no_address_but_base():
    """One variable to point them elsewhere: no host or port written into a block."""
    for _, code in trying_the_api():
        without_default = code.replace("http://localhost:8000", "")
        assert (
            "localhost" not in without_default
            and "127.0.0.1" not in without_default
            and ":8000" not in without_default
        )
