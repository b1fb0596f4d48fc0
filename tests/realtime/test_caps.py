"""Caps one WebSocket client cannot pass: subscriptions per socket, sockets per address and per user,
message size, result size. Over a cap: the protocol's `error` for that operation (the socket stays
open) or a close code (4013 try again later, 4009 message too big: RFC 6455's 1013 and 1009 moved to
the range a server may send), with a French reason (Daphne drops reasons; the code stays).
"""

import pytest
from channels.db import database_sync_to_async
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from tests.factories import make_hub, make_msp, make_user
from tests.helpers import HUB_UPDATED, TIMEOUT, open_socket, ready_socket, settle, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("disconnect_sockets")]


def realtime(settings, **caps):
    settings.REALTIME = {**settings.REALTIME, **caps}


async def closed_with(communicator, code):
    output = await communicator.receive_output(TIMEOUT)
    assert output["type"] == "websocket.close" and output["code"] == code, output
    return output.get("reason") or ""


@pytest.fixture
async def hub_id(territories):
    def build():
        return to_global_id("Hub", make_hub(make_msp("MSP des plafonds", "51504")).pk)

    return await database_sync_to_async(build)()


async def test_subscriptions_per_socket_are_capped(settings, hub_id):
    realtime(settings, MAX_SUBSCRIPTIONS_PER_SOCKET=2)
    ws = await ready_socket()
    await subscribe(ws, "1", HUB_UPDATED, {"id": hub_id})
    await subscribe(ws, "2", HUB_UPDATED, {"id": hub_id})
    await settle()
    await subscribe(ws, "3", HUB_UPDATED, {"id": hub_id})  # before: 5,000 were accepted on one socket
    refusal = await ws.receive_json_from(TIMEOUT)
    assert refusal["type"] == "error" and refusal["id"] == "3"
    error = refusal["payload"][0]
    assert error["extensions"]["limit"] == "subscriptionsPerSocket" and "2 au plus" in error["message"]
    # Completing one makes room again; the socket was never closed.
    await ws.send_json_to({"type": "complete", "id": "1"})
    await settle()
    await subscribe(ws, "4", HUB_UPDATED, {"id": hub_id})
    assert await ws.receive_nothing(0.3)  # accepted: listening, no error


async def test_sockets_per_address_are_capped(settings, territories):
    realtime(settings, MAX_SOCKETS_PER_ADDRESS=2)
    await ready_socket()
    await ready_socket()
    third, connected = await open_socket()
    assert connected
    reason = await closed_with(third, 4013)  # before: 2,000 sockets from one client were accepted
    assert "adresse" in reason


async def test_sockets_per_user_are_capped(settings, territories):
    realtime(settings, MAX_SOCKETS_PER_USER=1)
    token = await database_sync_to_async(lambda: issue_token(make_user()).token)()
    await ready_socket(token=token)
    second, _ = await open_socket()
    await second.send_json_to({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    reason = await closed_with(second, 4013)
    assert "compte" in reason
    # Another user is not affected.
    other = await database_sync_to_async(lambda: issue_token(make_user()).token)()
    await ready_socket(token=other)


async def test_a_closed_socket_frees_its_place(settings, territories):
    realtime(settings, MAX_SOCKETS_PER_ADDRESS=1)
    first = await ready_socket()
    await first.disconnect()
    await ready_socket()  # accepted: the count went down when the first closed


async def test_a_message_over_the_size_cap_closes_with_4009(settings, territories):
    realtime(settings, MAX_MESSAGE_BYTES=1_000)
    ws = await ready_socket()
    await ws.send_json_to(
        {
            "type": "subscribe",
            "id": "1",
            "payload": {"query": "{ __typename }", "variables": {"x": "a" * 2_000}},
        }
    )
    reason = await closed_with(ws, 4009)
    assert "trop volumineux" in reason


async def test_a_result_too_large_for_a_message_is_an_error_for_that_operation(settings, territories):
    realtime(settings, MAX_RESULT_BYTES=200)
    ws = await ready_socket()
    await subscribe(ws, "1", "{ regions { code name } }")
    refusal = await ws.receive_json_from(TIMEOUT)
    assert refusal["type"] == "error" and refusal["id"] == "1"
    assert refusal["payload"][0]["extensions"]["limit"] == "resultBytes"
    await ws.send_json_to({"type": "ping"})  # the socket is still open
    assert await ws.receive_json_from(TIMEOUT) == {"type": "pong"}


async def test_the_caps_close_through_a_real_daphne(servers):
    """Through Daphne and autobahn, which refuse RFC 6455's 1009/1013 from a server: the codes must pass."""
    import asyncio
    import json

    import websockets
    from asgiref.sync import sync_to_async

    server = await sync_to_async(servers)(WS_MAX_SOCKETS_PER_ADDRESS=1, WS_MAX_MESSAGE_BYTES=1000)

    async def ready():
        ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
        await ws.send(json.dumps({"type": "connection_init"}))
        return ws, json.loads(await asyncio.wait_for(ws.recv(), 10))

    first, ack = await ready()
    assert ack == {"type": "connection_ack"}
    second = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        await asyncio.wait_for(second.recv(), 10)
    assert closed.value.rcvd.code == 4013
    await first.send(json.dumps({"type": "ping", "payload": {"x": "a" * 2000}}))
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        await asyncio.wait_for(first.recv(), 10)
    assert closed.value.rcvd.code == 4009


async def test_behind_a_trusted_proxy_each_client_address_counts_apart(servers):
    import asyncio
    import json

    import websockets
    from asgiref.sync import sync_to_async

    server = await sync_to_async(servers)(WS_MAX_SOCKETS_PER_ADDRESS=1, TRUSTED_PROXIES="127.0.0.1")

    async def from_client(address):
        ws = await websockets.connect(
            server.ws_url,
            subprotocols=["graphql-transport-ws"],
            additional_headers={"X-Forwarded-For": address},
        )
        await ws.send(json.dumps({"type": "connection_init"}))
        return ws

    first, second = await from_client("203.0.113.1"), await from_client("203.0.113.2")
    for ws in (first, second):  # two clients behind the one proxy: both served
        assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "connection_ack"}
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        again = await from_client("203.0.113.1")  # the first client's second socket
        await asyncio.wait_for(again.recv(), 10)
    assert closed.value.rcvd.code == 4013
