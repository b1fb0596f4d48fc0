"""The production launcher (`python -m backend.serve`): several server processes behind one port (uvicorn, or
Daphne with WEB_SERVER=daphne)."""

import asyncio
import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from backend.serve import CHILDREN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def launcher(servers):
    """The production launcher with two processes behind one port."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (set by .ci/run): without it the launcher runs a single process")
    return servers(workers=2)


def _children(server):
    return [
        c for c in psutil.Process(server.process.pid).children() if c.is_running() and c.status() != "zombie"
    ]


def test_a_process_that_dies_is_started_again_and_the_port_keeps_answering(launcher, territories):
    server = launcher
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


def test_a_server_process_accepts_one_pending_connection_per_turn():
    """backend.serve_child: a burst of connections is not taken whole by the process that wakes first
    (Twisted's own port accepts up to 100, then more), so the other processes get their share."""
    import socket

    from twisted.internet import protocol, tcp

    from backend.serve_child import accept_one_at_a_time

    original = tcp.Port.__dict__.get("numberAccepts")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    accepted = []

    class Counting(protocol.Protocol):
        def connectionMade(self):
            accepted.append(self.transport)

    factory = protocol.Factory.forProtocol(Counting)

    class Reactor:  # just what the port uses here
        def addReader(self, reader):
            pass

        def removeReader(self, reader):
            pass

    clients = []
    try:
        accept_one_at_a_time()
        port = tcp.Port._fromListeningDescriptor(Reactor(), listener.fileno(), listener.family, factory)
        port.startReading = lambda: None
        port.socket, port.connected, port.numberAccepts = listener, True, 100
        clients = [socket.create_connection(listener.getsockname()) for _ in range(5)]
        time.sleep(0.2)  # all five are pending
        port.doRead()
        assert len(accepted) == 1
        port.doRead()
        assert len(accepted) == 2 and port.numberAccepts == 1
    finally:
        for transport in accepted:
            transport.socket.close()
        for client in clients:
            client.close()
        listener.close()
        if original is None:
            del tcp.Port.numberAccepts
        else:
            tcp.Port.numberAccepts = original


def test_an_asyncio_server_process_accepts_one_pending_connection_per_turn():
    """backend.serve_uvicorn: asyncio's accept loop takes up to the backlog per wake-up; patched, one."""
    import asyncio
    import socket
    from asyncio import selector_events

    from backend.serve_uvicorn import accept_one_at_a_time

    original = selector_events.BaseSelectorEventLoop._accept_connection
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    loop = asyncio.new_event_loop()
    clients, transports = [], []

    class Recording(asyncio.Protocol):
        def connection_made(self, transport):
            transports.append(transport)

    try:
        accept_one_at_a_time()
        clients = [socket.create_connection(listener.getsockname()) for _ in range(5)]
        time.sleep(0.2)  # all five are pending
        loop._accept_connection(Recording, listener, backlog=100)
        loop.run_until_complete(asyncio.sleep(0.05))
        assert len(transports) == 1
        left = 0
        while True:
            try:
                listener.accept()[0].close()
                left += 1
            except BlockingIOError:
                break
        assert left == 4
    finally:
        selector_events.BaseSelectorEventLoop._accept_connection = original
        for transport in transports:
            transport.close()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        for client in clients:
            client.close()
        listener.close()


@pytest.mark.parametrize("web_server", ["daphne", "uvicorn"])
def test_the_launcher_runs_either_server_and_stops_it_on_sigterm(servers, territories, web_server):
    """WEB_SERVER: the same launcher, one port, each process under the server chosen; HTTP and the WebSocket
    protocol answer; SIGTERM stops them all and the launcher exits 0."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (set by .ci/run): without it the launcher runs a single process")
    server = servers(workers=2, WEB_SERVER=web_server)
    running = _children(server)
    assert len(running) == 2 and all(CHILDREN[web_server] in c.cmdline() for c in running)
    request = urllib.request.Request(
        f"{server.url}/graphql",
        data=b'{"query": "{ __typename }"}',
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"data": {"__typename": "Query"}}

    async def handshake():
        import websockets

        async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send('{"type": "connection_init"}')
            return ws.subprotocol, json.loads(await ws.recv())

    assert asyncio.run(handshake()) == ("graphql-transport-ws", {"type": "connection_ack"})
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    _, alive = psutil.wait_procs(running, timeout=10)
    assert not alive


def test_when_the_launcher_is_killed_its_processes_stop_too(launcher, territories):
    """SIGKILL leaves the launcher no time to pass SIGTERM on: the kernel does it (no orphan holding the port)."""
    server = launcher
    running = _children(server)
    assert len(running) == 2
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    _, alive = psutil.wait_procs(running, timeout=20)
    assert not alive, [process.cmdline() for process in alive]


def test_a_dead_process_s_live_gauges_go_and_the_launcher_removes_its_metrics_folder(launcher, territories):
    """Before: a restarted process's gauges (pool busy, connections) were summed until the folder went, and the
    folder stayed in /tmp after the launcher."""
    server = launcher
    children = _children(server)
    folder = Path(dict(line.split("=", 1) for line in Path(f"/proc/{children[0].pid}/environ").read_text().split("\0") if "=" in line)["PROMETHEUS_MULTIPROC_DIR"])  # fmt: skip

    def live_files(pid):
        return [path.name for path in folder.glob(f"gauge_live*_{pid}.db")]

    for _ in range(100):  # GraphQL operations on new connections, until both processes have counted one
        if all(live_files(child.pid) for child in children):
            break
        server.post("{ __typename }", {}, None)
    dead = children[0]
    assert live_files(dead.pid), sorted(path.name for path in folder.iterdir())
    dead.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (live_files(dead.pid) or len(_children(server)) < 2):
        time.sleep(0.2)
    assert live_files(dead.pid) == [] and live_files(children[1].pid)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    assert not folder.exists()


def test_a_uvicorn_process_stopped_while_it_starts_exits_cleanly(tmp_path):
    """SIGTERM at any moment of a process's start (the launcher restarts one, then is stopped): it exits as
    stopped. uvicorn listens for the signal before loading the application, and a handler that imported the
    application then, in the middle of another import, failed (exit 1)."""
    import subprocess
    import sys

    from tests.daphne import server_env

    env = server_env(None)
    codes = []
    delays = [
        n / 20 for n in range(2, 21)
    ]  # 0.1 to 1 s: the application loads in between (0.2 to 0.5 s here)
    for delay in delays:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.serve_uvicorn", "--host", "127.0.0.1", "--port", "0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"stderr-{delay}").open("w"),
        )
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        codes.append(process.wait(30))
    assert all(code in (0, -signal.SIGTERM) for code in codes), (
        codes,
        [(tmp_path / f"stderr-{d}").read_text()[-800:] for d, c in zip(delays, codes, strict=True) if c > 0],
    )
