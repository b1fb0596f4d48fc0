"""graphql-transport-ws on /graphql: every message type and close code, authentication, scoping, clean-up.

Runs the real ASGI application (routing, session middleware, consumer) in process,
against PostgreSQL and the configured channel layer (Redis when REDIS_URL is set).
"""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from graphql_relay import to_global_id

from backend.accounts.services import issue_token, revoke_token
from backend.realtime.fanout import process_fanout
from network.models import HubStatus, Membership, MembershipRole
from network.permissions import CNAM_STAFF_GROUP
from network.services import hubs
from network.services.directory import end_membership
from tests.factories import make_coordinator, make_hub, make_msp, make_practitioner, make_user
from tests.helpers import HUB_UPDATED, TIMEOUT, expect_close, open_socket, ready_socket, settle, subscribe

# The consumer reaches the database (and Channels closes old connections around each message).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("disconnect_sockets")]


# --- Protocol -------------------------------------------------------------------------------------


async def test_a_socket_without_the_subprotocol_is_closed_with_4406():
    communicator, connected = await open_socket(subprotocols=("graphql-ws",))
    assert connected
    await expect_close(communicator, 4406)


async def test_connection_init_must_come_in_time(settings):
    settings.REALTIME = {**settings.REALTIME, "CONNECTION_INIT_TIMEOUT": 0.2}
    communicator, connected = await open_socket()
    assert connected
    await expect_close(communicator, 4408)


async def test_ack_ping_and_pong():
    communicator = await ready_socket()
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(TIMEOUT) == {"type": "pong"}
    await communicator.send_json_to({"type": "ping", "payload": {"at": 1}})
    assert await communicator.receive_json_from(TIMEOUT) == {"type": "pong", "payload": {"at": 1}}
    await communicator.send_json_to({"type": "pong"})  # a client's pong needs no answer
    assert await communicator.receive_nothing(0.2)
    await communicator.disconnect()


async def test_subscribe_before_ack_is_closed_with_4401():
    communicator, _ = await open_socket()
    await subscribe(communicator, "1", "{ professions { code } }")
    await expect_close(communicator, 4401)


async def test_a_second_init_is_closed_with_4429():
    communicator = await ready_socket()
    await communicator.send_json_to({"type": "connection_init"})
    await expect_close(communicator, 4429)


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        '{"type": 1}',
        '{"type": "unknown"}',
        '{"type": "subscribe", "payload": {"query": "{ professions { code } }"}}',
        '{"type": "subscribe", "id": "", "payload": {"query": "{ professions { code } }"}}',
        '{"type": "subscribe", "id": "1", "payload": "{ professions { code } }"}',
        '{"type": "subscribe", "id": "1", "payload": {"query": 42}}',
        '{"type": "subscribe", "id": "1", "payload": {"query": "{ professions { code } }", "variables": []}}',
        '{"type": "complete"}',
    ],
)
async def test_malformed_messages_are_closed_with_4400(raw):
    communicator = await ready_socket()
    await communicator.send_to(text_data=raw)
    await expect_close(communicator, 4400)


async def test_a_non_object_init_payload_is_closed_with_4400():
    communicator, _ = await open_socket()
    await communicator.send_json_to({"type": "connection_init", "payload": ["x"]})
    await expect_close(communicator, 4400)


async def test_a_foreign_origin_is_refused_at_the_handshake():
    _, connected = await open_socket(headers=[(b"origin", b"https://evil.example")])
    assert not connected


# --- With data ----------------------------------------------------------------------------------


async def test_an_invalid_token_is_closed_with_4403(territories):
    communicator, _ = await open_socket()
    await communicator.send_json_to({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
    await expect_close(communicator, 4403)


async def test_queries_and_validation_errors_over_the_socket(territories):
    communicator = await ready_socket()
    await subscribe(communicator, "q1", "{ professions { code } }")
    message = await communicator.receive_json_from(TIMEOUT)
    assert message["type"] == "next" and message["id"] == "q1"
    assert len(message["payload"]["data"]["professions"]) == 25
    assert await communicator.receive_json_from(TIMEOUT) == {"type": "complete", "id": "q1"}

    await subscribe(communicator, "q2", "{ nope }")
    error = await communicator.receive_json_from(TIMEOUT)
    assert error["type"] == "error" and error["id"] == "q2"
    assert "nope" in error["payload"][0]["message"]
    await subscribe(communicator, "q3", "{ professions {")
    assert (await communicator.receive_json_from(TIMEOUT))["type"] == "error"
    await communicator.disconnect()


async def test_a_mutation_over_the_socket_is_seen_by_a_subscriber_on_it(territories):
    msp = await database_sync_to_async(make_msp)(commune="51504")
    hub = await database_sync_to_async(make_hub)(msp)
    coordinator = await database_sync_to_async(make_coordinator)(msp)
    token = await database_sync_to_async(lambda: issue_token(coordinator.user).token)()
    communicator = await ready_socket(token)
    await subscribe(communicator, "watch", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await settle()
    await subscribe(
        communicator,
        "change",
        "mutation($msp: ID!) { applyForHub(mspId: $msp, input: {serviceRadiusKm: 25, monthlyCoordinationHours: 8, offerKinds: [PEER_FACILITATION]}) { hub { serviceRadiusKm } errors { code } } }",
        {"msp": to_global_id("Msp", msp.pk)},
    )
    received = [await communicator.receive_json_from(TIMEOUT) for _ in range(3)]
    by_id = {}
    for message in received:
        by_id.setdefault(message["id"], []).append(message)
    assert by_id["change"][0]["payload"] == {
        "data": {"applyForHub": {"hub": {"serviceRadiusKm": 25}, "errors": []}}
    }
    assert by_id["change"][1] == {"type": "complete", "id": "change"}
    assert by_id["watch"] == [
        {
            "type": "next",
            "id": "watch",
            "payload": {
                "data": {
                    "hubUpdated": {
                        "id": to_global_id("Hub", hub.pk),
                        "status": "APPROVED",
                        "serviceRadiusKm": 25,
                    }
                }
            },
        }
    ]
    await communicator.disconnect()


async def test_duplicate_subscription_id_is_closed_with_4409(territories):
    hub = await database_sync_to_async(lambda: make_hub(make_msp(commune="51504")))()
    communicator = await ready_socket()
    await subscribe(communicator, "same", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await settle()
    await subscribe(communicator, "same", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await expect_close(communicator, 4409)


async def test_events_until_the_client_completes_and_groups_are_left(territories):
    hub = await database_sync_to_async(lambda: make_hub(make_msp(commune="51504")))()
    communicator = await ready_socket()
    await subscribe(communicator, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await settle()
    assert await group_size(f"hub.{hub.pk}") == 1

    await database_sync_to_async(hubs.apply_for_hub)(
        hub.msp, hubs.HubApplication(30, 10, ["COORDINATION_TIME"])
    )
    message = await communicator.receive_json_from(TIMEOUT)
    assert message == {
        "type": "next",
        "id": "h",
        "payload": {
            "data": {
                "hubUpdated": {"id": to_global_id("Hub", hub.pk), "status": "APPROVED", "serviceRadiusKm": 30}
            }
        },
    }

    await communicator.send_json_to({"type": "complete", "id": "h"})
    await settle()
    assert await group_size(f"hub.{hub.pk}") == 0
    await database_sync_to_async(hubs.apply_for_hub)(
        hub.msp, hubs.HubApplication(35, 10, ["COORDINATION_TIME"])
    )
    assert await communicator.receive_nothing(0.3)
    await communicator.disconnect()


async def test_anonymous_events_show_only_what_anonymous_may_see(territories):
    hub = await database_sync_to_async(lambda: make_hub(make_msp(commune="51504")))()
    communicator = await ready_socket()
    await subscribe(communicator, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await settle()
    # Suspended: no longer public, so the anonymous subscriber gets nothing.
    await database_sync_to_async(hubs.suspend_hub)(hub, "Contrôle")
    assert await communicator.receive_nothing(0.5)
    await communicator.disconnect()


async def test_an_unauthorised_subscriber_is_refused_and_receives_nothing(territories):
    hub = await database_sync_to_async(
        lambda: make_hub(make_msp(commune="51504"), status=HubStatus.CANDIDATE)
    )()
    communicator = await ready_socket()
    await subscribe(communicator, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    error = await communicator.receive_json_from(TIMEOUT)
    assert error == {
        "type": "error",
        "id": "h",
        "payload": [
            {
                "message": "Objet introuvable.",
                "locations": [{"line": 1, "column": 26}],
                "path": ["hubUpdated"],
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    }
    staff = await database_sync_to_async(make_user)()
    await database_sync_to_async(hubs.approve_hub)(hub, staff)
    assert await communicator.receive_nothing(0.3)
    await communicator.disconnect()


async def test_a_subscriber_whose_right_ends_stops_receiving(territories):
    msp = await database_sync_to_async(make_msp)(commune="51504")
    hub = await database_sync_to_async(make_hub)(msp, status=HubStatus.CANDIDATE)
    coordinator = await database_sync_to_async(make_coordinator)(msp)
    staff = await database_sync_to_async(make_user)()
    await database_sync_to_async(lambda: staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP)))()
    coordinator_socket = await ready_socket(
        await database_sync_to_async(lambda: issue_token(coordinator.user).token)()
    )
    staff_socket = await ready_socket(await database_sync_to_async(lambda: issue_token(staff).token)())
    for socket in (coordinator_socket, staff_socket):
        await subscribe(socket, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await settle()

    await database_sync_to_async(hubs.apply_for_hub)(msp, hubs.HubApplication(30, 10, ["COORDINATION_TIME"]))
    for socket in (coordinator_socket, staff_socket):
        assert (await socket.receive_json_from(TIMEOUT))["payload"]["data"]["hubUpdated"][
            "serviceRadiusKm"
        ] == 30

    membership = await database_sync_to_async(
        lambda: Membership.objects.get(practitioner=coordinator, role=MembershipRole.COORDINATOR)
    )()
    await database_sync_to_async(end_membership)(membership, allow_last_coordinator=True)
    await database_sync_to_async(hubs.apply_for_hub)(msp, hubs.HubApplication(35, 10, ["COORDINATION_TIME"]))
    assert (await staff_socket.receive_json_from(TIMEOUT))["payload"]["data"]["hubUpdated"][
        "serviceRadiusKm"
    ] == 35
    assert await coordinator_socket.receive_nothing(0.5)
    for socket in (coordinator_socket, staff_socket):
        await socket.disconnect()


async def test_a_revoked_token_closes_the_socket_at_the_next_event(territories):
    hub = await database_sync_to_async(lambda: make_hub(make_msp(commune="51504")))()
    user = await database_sync_to_async(make_user)()
    token = await database_sync_to_async(lambda: issue_token(user).token)()
    communicator = await ready_socket(token)
    await subscribe(communicator, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await settle()
    await database_sync_to_async(revoke_token)(user, token)
    await database_sync_to_async(hubs.apply_for_hub)(
        hub.msp, hubs.HubApplication(30, 10, ["COORDINATION_TIME"])
    )
    await expect_close(communicator, 4403)


async def test_the_session_cookie_counts_only_with_an_allowed_origin(territories, settings):
    from django.test import Client

    msp = await database_sync_to_async(make_msp)(commune="51504")
    hub = await database_sync_to_async(make_hub)(msp, status=HubStatus.CANDIDATE)
    coordinator = await database_sync_to_async(make_coordinator)(msp)
    client = Client()
    await sync_to_async(client.force_login)(coordinator.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()

    browser = await ready_socket(
        headers=[(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000"), (b"cookie", cookie)]
    )
    await subscribe(browser, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await settle()
    assert await browser.receive_nothing(0.2)  # accepted: the coordinator may watch their candidate hub

    without_origin = await ready_socket(headers=[(b"cookie", cookie)])
    await subscribe(without_origin, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    assert (await without_origin.receive_json_from(TIMEOUT))["payload"][0]["extensions"][
        "code"
    ] == "NOT_FOUND"

    await database_sync_to_async(hubs.apply_for_hub)(msp, hubs.HubApplication(20, 5, ["COORDINATION_TIME"]))
    assert (await browser.receive_json_from(TIMEOUT))["payload"]["data"]["hubUpdated"][
        "serviceRadiusKm"
    ] == 20
    for socket in (browser, without_origin):
        await socket.disconnect()


async def test_a_closed_socket_leaves_its_groups_and_stops_its_tasks(territories):
    hub = await database_sync_to_async(lambda: make_hub(make_msp(commune="51504")))()
    msp_id = to_global_id("Msp", hub.msp_id)
    communicator = await ready_socket()
    await subscribe(communicator, "h", HUB_UPDATED, {"id": to_global_id("Hub", hub.pk)})
    await subscribe(
        communicator, "m", "subscription($id: ID!) { mspUpdated(mspId: $id) { name } }", {"id": msp_id}
    )
    await settle()
    assert (await group_size(f"hub.{hub.pk}"), await group_size(f"msp.{hub.msp_id}")) == (1, 1)
    before = len(asyncio.all_tasks())
    await communicator.disconnect()
    await settle()
    assert (await group_size(f"hub.{hub.pk}"), await group_size(f"msp.{hub.msp_id}")) == (0, 0)
    assert len(asyncio.all_tasks()) < before


async def group_size(group: str) -> int:
    """Subscriptions of this process listening to a group."""
    return process_fanout().listeners(group)


def test_events_are_json_serialisable():
    from backend.realtime.events import send_now

    event = send_now("nothing", 0)
    assert json.loads(json.dumps(event))["topic"] == "nothing"


async def test_msp_updated_follows_membership_changes(territories):
    from network.services.directory import add_member

    msp = await database_sync_to_async(make_msp)(commune="51504")
    newcomer = await database_sync_to_async(lambda: make_practitioner("70", "51504"))()
    communicator = await ready_socket()
    await subscribe(
        communicator,
        "m",
        "subscription($id: ID!) { mspUpdated(mspId: $id) { memberCount composition { doctors auxiliaries } } }",
        {"id": to_global_id("Msp", msp.pk)},
    )
    await settle()
    await database_sync_to_async(add_member)(msp, newcomer, MembershipRole.ASSOCIATE)
    message = await communicator.receive_json_from(TIMEOUT)
    assert message["payload"]["data"]["mspUpdated"] == {
        "memberCount": 4,
        "composition": {"doctors": 2, "auxiliaries": 2},
    }


async def test_a_slow_subscriber_does_not_block_the_others(settings):
    """A full queue drops that subscriber's event; the others still get theirs at once."""
    fanout = process_fanout()
    slow, fast = asyncio.Queue(maxsize=1), asyncio.Queue(maxsize=1)
    slow.put_nowait({"id": "old"})  # never read: full
    fanout.queues["hub.slow-test"] = {slow, fast}
    try:
        fanout.deliver({"group": "hub.slow-test", "event": {"id": "new"}})
        assert fast.get_nowait() == {"id": "new"}
        assert slow.get_nowait() == {"id": "old"} and slow.empty()
    finally:
        del fanout.queues["hub.slow-test"]
