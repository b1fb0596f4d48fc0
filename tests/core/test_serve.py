"""The production launcher (`python -m backend.serve`): several Daphne processes behind one port."""

import os
import signal
import time
import urllib.request

import psutil
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _children(server):
    return [
        c for c in psutil.Process(server.process.pid).children() if c.is_running() and c.status() != "zombie"
    ]


def test_a_process_that_dies_is_started_again_and_the_port_keeps_answering(servers, territories):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (set by .ci/run): without it the launcher runs a single process")
    server = servers(workers=2)
    first = _children(server)
    assert len(first) == 2
    first[0].send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        alive = _children(server)
        if len(alive) == 2 and first[0].pid not in {c.pid for c in alive}:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"not restarted: {[c.pid for c in _children(server)]}")
    for _ in range(50):  # the new process serves too (and the other never stopped)
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
                assert response.status == 200
            break
        except OSError:
            time.sleep(0.2)
    assert "relancé" in server.stderr_text()
    # SIGTERM stops them all, and the launcher exits 0.
    running = _children(server)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    _, alive = psutil.wait_procs(running, timeout=10)
    assert not alive
