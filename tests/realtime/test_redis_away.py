"""When Redis (the channel layer) is away: said by /healthz, refused cleanly at the handshake, never
holding mutations, and realtime back by itself when Redis returns. Real Daphne, a Redis of the test's own
(started and stopped here, on a free port) and a "mute" server that accepts connections and never answers.
"""

import asyncio
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
import websockets
from asgiref.sync import sync_to_async

from tests.daphne import free_port
from tests.helpers import APPLY, HUB_UPDATED_WITH_MSP, first_event, subscribed

pytestmark = pytest.mark.django_db(transaction=True)


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def mute_server():
    """Accepts TCP connections and never answers, like a Redis that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def health(server):
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for_health(server, status, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if health(server)[0] == status:
            return True
        time.sleep(0.2)
    return False


async def handshake_close_code(server):
    ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
    try:
        await ws.send(json.dumps({"type": "connection_init"}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return reply["type"]
    except websockets.exceptions.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    finally:
        await ws.close()


@pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not installed: no Redis to stop and restart"
)
async def test_redis_down_then_back(servers, scene, private_redis):
    server = await sync_to_async(servers)(redis_url=private_redis.url)
    status, body = await sync_to_async(health)(server)
    assert status == 200
    assert {key: body[key] for key in ("status", "database", "channelLayer")} == {
        "status": "ok",
        "database": "ok",
        "channelLayer": "ok",
    }
    await sync_to_async(private_redis.stop)()
    # Before: /healthz said ok, and every handshake got an HTTP 500.
    status, body = await sync_to_async(health)(server)
    assert status == 503 and body["channelLayer"] == "unreachable" and body["database"] == "ok"
    await asyncio.sleep(2.1)  # past the cached check
    assert await handshake_close_code(server) == 4503
    # A mutation still succeeds: its event is lost, the change is not.
    result = await sync_to_async(server.post)(APPLY, {"msp": scene["msp_id"], "radius": 31}, scene["token"])
    assert result == {"data": {"applyForHub": {"errors": []}}}
    # Redis comes back: realtime works again without restarting the server.
    await sync_to_async(private_redis.start)()
    assert await sync_to_async(wait_for_health)(server, 200)
    await asyncio.sleep(2.1)
    await asyncio.sleep(5.1)  # past the publishing pause that followed the failed publication
    task = await subscribed(first_event(server.ws_url, HUB_UPDATED_WITH_MSP, {"id": scene["hub_id"]}))
    result = await sync_to_async(server.post)(APPLY, {"msp": scene["msp_id"], "radius": 34}, scene["token"])
    assert result == {"data": {"applyForHub": {"errors": []}}}
    _, event = await asyncio.wait_for(task, 15)
    assert event["hubUpdated"]["serviceRadiusKm"] == 34


async def test_a_redis_that_never_answers_holds_neither_health_nor_mutations(servers, scene, mute_server):
    server = await sync_to_async(servers)(redis_url=mute_server)
    status, body = await sync_to_async(health)(server)
    assert status == 503 and body["channelLayer"] == "unreachable"
    answers = []
    for radius in (30, 31, 32, 33):
        answers.append(
            await sync_to_async(server.post)(
                APPLY, {"msp": scene["msp_id"], "radius": radius}, scene["token"]
            )
        )
    assert answers == [{"data": {"applyForHub": {"errors": []}}}] * 4
    # After the first failed publication, the next ones are skipped (not each waited for).
    lines = server.stderr_text().splitlines()
    # Daphne writes each record twice (stamped, then echoed bare): its stamped lines are the records; uvicorn
    # (WEB_SERVER=uvicorn) writes each once.
    stamped = [line for line in lines if line[:4].isdigit()] or lines
    assert sum("publishing paused" in line for line in stamped) == 1
    assert sum("not published" in line for line in stamped) >= 3
