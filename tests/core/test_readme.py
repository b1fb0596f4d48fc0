"""The README's examples run as written: its "Trying the API" blocks, against a real Daphne with the demo
data (the address changed to the test server's, nothing else)."""

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.daphne import server_env

PROJECT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def trying_the_api() -> list[tuple[str, str]]:
    readme = (PROJECT / "README.md").read_text()
    section = readme[readme.index("## Trying the API") : readme.index("## Layout")]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")
def test_the_readme_examples_run_as_written(all_territories, servers, tmp_path):
    server = servers()
    # As `make run` loads it (the tests' own fast password hashing would not let the server sign in).
    demo = subprocess.run([sys.executable, "manage.py", "load_demo"], cwd=PROJECT, env=server_env(None), capture_output=True, text=True)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    blocks = [(lang, code.replace("localhost:8000", f"127.0.0.1:{server.port}").replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")) for lang, code in trying_the_api()]  # fmt: skip
    assert [lang for lang, _ in blocks] == ["sh", "python", "sh"]
    (sign_in, watcher, change) = (code for _, code in blocks)

    first = subprocess.run(
        ["bash", "-ec", sign_in + '\nprintf "\\nTOKEN=%s\\n" "$TOKEN"'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    assert "MSP de Saint-Martin-sur-le-Pr" in first.stdout and '"totalCount":5' in first.stdout
    token = re.search(r"^TOKEN=(\S+)$", first.stdout, re.MULTILINE).group(1)

    script = tmp_path / "watch_hub.py"
    script.write_text(watcher)
    watching = subprocess.Popen([sys.executable, str(script), token], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        time.sleep(3)  # subscribed
        second = subprocess.run(["bash", "-ec", change], capture_output=True, text=True, timeout=60)
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
