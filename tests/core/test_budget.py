"""Time budget, cancellation and isolation, through a real Daphne (tests/stalling/app.py: one slow field).

- An operation past its budget is answered with TIMEOUT and its SQL is cancelled.
- An HTTP client that goes away, a WebSocket `complete` or a closed socket stop the work.
- A slow operation on one socket does not delay another socket's operations.
"""

import asyncio
import contextlib
import json
import socket
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets
from asgiref.sync import sync_to_async

from tests.helpers import running_slow_statements, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = "{ professions { code } }"
APP = "tests.stalling.app:application"


def post(server, query, timeout=20):
    request = urllib.request.Request(
        f"{server.url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def test_an_http_operation_past_its_budget_is_answered_and_its_sql_cancelled(servers):
    server = servers(app=APP, GRAPHQL_TIME_BUDGET=1, SLOW_FIELD_SECONDS=30)
    result = post(server, SLOW)  # before: the answer came after the 30 s statement
    assert [e["extensions"]["code"] for e in result["errors"]] == ["TIMEOUT"]
    assert "1 s" in result["errors"][0]["message"]
    assert wait_until(lambda: running_slow_statements() == 0, 5)


def test_an_abandoned_http_request_stops_its_work(servers):
    server = servers(app=APP, GRAPHQL_TIME_BUDGET=60, SLOW_FIELD_SECONDS=30)
    body = json.dumps({"query": SLOW}).encode()
    client = socket.create_connection(("127.0.0.1", server.port))
    client.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert wait_until(lambda: running_slow_statements() == 1, 10)
    client.close()  # the client goes away
    # Before: the statement ran its 30 s (and the thread after it) for nobody.
    assert wait_until(lambda: running_slow_statements() == 0, 10)


async def ready(url):
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "connection_ack"}
    return ws


async def test_a_slow_operation_on_one_socket_does_not_delay_another(servers):
    server = await sync_to_async(servers)(app=APP, GRAPHQL_TIME_BUDGET=60, SLOW_FIELD_SECONDS=30)
    slow = await ready(server.ws_url)
    try:
        await slow.send(json.dumps({"type": "subscribe", "id": "slow", "payload": {"query": SLOW}}))
        assert await sync_to_async(wait_until)(lambda: running_slow_statements() == 1, 10)
        other = await ready(server.ws_url)  # before: new sockets waited behind the slow one's thread
        await other.send(
            json.dumps({"type": "subscribe", "id": "1", "payload": {"query": "{ regions { code } }"}})
        )
        answer = json.loads(await asyncio.wait_for(other.recv(), 10))
        assert answer["type"] == "next" and answer["payload"]["data"]["regions"] is not None
        # The other socket was answered while the slow statement was still running.
        assert await sync_to_async(running_slow_statements)() == 1
        await other.close()
    finally:
        await slow.close()
    assert await sync_to_async(wait_until)(lambda: running_slow_statements() == 0, 10)


async def test_complete_from_the_client_stops_the_work(servers):
    server = await sync_to_async(servers)(app=APP, GRAPHQL_TIME_BUDGET=60, SLOW_FIELD_SECONDS=30)
    ws = await ready(server.ws_url)
    try:
        await ws.send(json.dumps({"type": "subscribe", "id": "slow", "payload": {"query": SLOW}}))
        assert await sync_to_async(wait_until)(lambda: running_slow_statements() == 1, 10)
        await ws.send(json.dumps({"type": "complete", "id": "slow"}))
        assert await sync_to_async(wait_until)(lambda: running_slow_statements() == 0, 10)
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
    finally:
        await ws.close()


async def test_a_websocket_operation_past_its_budget_gets_an_error(servers):
    server = await sync_to_async(servers)(app=APP, GRAPHQL_TIME_BUDGET=1, SLOW_FIELD_SECONDS=30)
    ws = await ready(server.ws_url)
    try:
        await ws.send(json.dumps({"type": "subscribe", "id": "slow", "payload": {"query": SLOW}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["id"] == "slow"
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["TIMEOUT"]
    finally:
        await ws.close()
    assert await sync_to_async(wait_until)(lambda: running_slow_statements() == 0, 5)


@pytest.mark.parametrize("web_server", ["daphne", "uvicorn"])
def test_sigterm_during_slow_work_exits_at_once_and_cancels_the_sql(servers, web_server):
    server = servers(app=APP, GRAPHQL_TIME_BUDGET=60, SLOW_FIELD_SECONDS=30, WEB_SERVER=web_server)
    with ThreadPoolExecutor(3) as pool:
        pending = [pool.submit(post, server, SLOW, 40) for _ in range(3)]
        assert wait_until(lambda: running_slow_statements() == 3, 10)
        server.process.terminate()
        # Before: the process waited for its threads, themselves waiting on their statements (30 s).
        assert server.process.wait(10) is not None
        for future in pending:
            with contextlib.suppress(OSError):
                future.result()  # answered or cut off: either way, not 30 s later
    assert wait_until(lambda: running_slow_statements() == 0, 5)
