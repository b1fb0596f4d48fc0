"""End to end: real Daphne processes on loopback, unmodified standard clients.

- Python `gql` (websockets transport) and, when Node is installed, the npm `graphql-ws` client:
  subscribe, change the object through an HTTP mutation, receive the event.
- Two Daphne processes sharing Redis: the mutation goes to one, the event arrives through the other.
"""

import asyncio
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from gql.transport.exceptions import TransportQueryError

from backend.serve import CHILDREN, web_server
from network.models import HubStatus
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.helpers import APPLY, HUB_UPDATED_WITH_MSP, first_event, subscribed

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).resolve().parent / "node"


async def test_gql_client_receives_the_event_of_an_http_mutation(servers, scene):
    server = await sync_to_async(servers)()
    task = await subscribed(first_event(server.ws_url, HUB_UPDATED_WITH_MSP, {"id": scene["hub_id"]}))
    result = await sync_to_async(server.post)(APPLY, {"msp": scene["msp_id"], "radius": 33}, scene["token"])
    assert result == {"data": {"applyForHub": {"errors": []}}}
    subprotocol, event = await asyncio.wait_for(task, 15)
    assert subprotocol == "graphql-transport-ws"
    assert event["hubUpdated"] == {
        "id": scene["hub_id"],
        "status": "APPROVED",
        "serviceRadiusKm": 33,
        "msp": {"name": "MSP de Saint-Martin-sur-le-Pré (e2e)"},
    }


async def test_an_unauthorised_gql_subscriber_receives_nothing(servers, scene):
    server = await sync_to_async(servers)()
    hub = scene["hub"]
    hub.status = HubStatus.CANDIDATE
    await sync_to_async(hub.save)()
    # Refused at once: the candidate hub is not visible to an anonymous subscriber.
    with pytest.raises(TransportQueryError) as refused:
        await asyncio.wait_for(first_event(server.ws_url, HUB_UPDATED_WITH_MSP, {"id": scene["hub_id"]}), 15)
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
    # The coordinator may watch it, and receives the change.
    allowed = await subscribed(
        first_event(server.ws_url, HUB_UPDATED_WITH_MSP, {"id": scene["hub_id"]}, scene["token"])
    )
    await sync_to_async(server.post)(APPLY, {"msp": scene["msp_id"], "radius": 21}, scene["token"])
    _, event = await asyncio.wait_for(allowed, 15)
    assert event["hubUpdated"]["serviceRadiusKm"] == 21


async def test_two_daphne_processes_behind_redis(servers, scene):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (set by .ci/run): several processes share events only through Redis")
    publisher, listener = await sync_to_async(servers)(redis_url), await sync_to_async(servers)(redis_url)
    task = await subscribed(first_event(listener.ws_url, HUB_UPDATED_WITH_MSP, {"id": scene["hub_id"]}))
    await sync_to_async(publisher.post)(APPLY, {"msp": scene["msp_id"], "radius": 44}, scene["token"])
    _, event = await asyncio.wait_for(task, 15)
    assert event["hubUpdated"]["serviceRadiusKm"] == 44


async def test_the_launcher_serves_one_port_from_several_processes_and_events_reach_them_all(servers, scene):
    """`python -m backend.serve --workers 2` (as `make run` and the image start it): both processes accept
    connections on the one port, and an event published by either reaches subscribers of both."""
    import psutil

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (set by .ci/run): several processes share events only through Redis")
    server = await sync_to_async(servers)(redis_url, workers=2)
    children = psutil.Process(server.process.pid).children()
    child = CHILDREN[web_server()]
    assert len(children) == 2 and all(child in " ".join(c.cmdline()) for c in children)

    def sockets_by_process():
        return [
            sum(
                1
                for c in child.net_connections(kind="tcp")
                if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == server.port
            )
            for child in children
        ]

    tasks = []
    for _ in range(40):  # until both processes hold subscribers (the kernel picks which one accepts)
        tasks.append(
            asyncio.ensure_future(first_event(server.ws_url, HUB_UPDATED_WITH_MSP, {"id": scene["hub_id"]}))
        )
        await asyncio.sleep(0.3)
        held = await sync_to_async(sockets_by_process)()
        if len(tasks) >= 4 and all(held):
            break
    assert all(held), held
    await asyncio.sleep(1.0)  # let the last subscriptions join their group
    for radius in (45, 46):  # the mutation, on a connection of its own, lands on either process
        result = await sync_to_async(server.post)(
            APPLY, {"msp": scene["msp_id"], "radius": radius}, scene["token"]
        )
        assert result == {"data": {"applyForHub": {"errors": []}}}
    events = await asyncio.wait_for(asyncio.gather(*tasks), 20)
    assert {event["hubUpdated"]["serviceRadiusKm"] for _, event in events} == {
        45
    }  # each got the first change


def _node_client_ready() -> bool:
    if not (shutil.which("node") and shutil.which("npm")):
        return False
    if not (NODE_DIR / "node_modules" / "graphql-ws").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return True


@pytest.mark.skipif(
    not shutil.which("node"), reason="Node is not installed: the npm graphql-ws client cannot run"
)
def test_npm_graphql_ws_client_receives_the_event(servers, scene):
    assert _node_client_ready()
    server = servers()
    node = subprocess.Popen(
        [
            "node",
            "subscribe.mjs",
            server.ws_url,
            scene["token"],
            HUB_UPDATED_WITH_MSP,
            json.dumps({"id": scene["hub_id"]}),
        ],
        cwd=NODE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert node.stdout.readline().strip() == "connected graphql-transport-ws"
        time.sleep(1.0)  # let the subscription join its group
        assert (
            server.post(APPLY, {"msp": scene["msp_id"], "radius": 27}, scene["token"])["data"]["applyForHub"][
                "errors"
            ]
            == []
        )
        out, err = node.communicate(timeout=20)
    finally:
        if node.poll() is None:
            node.kill()
    assert node.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["data"]["hubUpdated"]["serviceRadiusKm"] == 27


async def test_signed_in_roles_share_slot_events_through_real_servers_in_production_mode(
    servers, territories
):
    """DEBUG=0, two server processes behind one port, Redis: practitioners, a coordinator of another MSP, the
    hub's coordinator and Cnam staff, each signed in with a token, all receive a booking's change."""
    from django.contrib.auth.models import Group

    from backend.accounts.services import issue_token
    from network.permissions import CNAM_STAFF_GROUP
    from tests.factories import make_coordinator, make_hub, make_msp, make_practitioner, make_user
    from tests.helpers import gid, offer_for, slot_for

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (set by .ci/run): several processes share events only through Redis")

    def scene():
        msp = make_msp(commune="51504")
        hub = make_hub(msp)
        slot = slot_for(offer_for(hub), capacity=4)
        staff = make_user()
        staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
        users = [
            make_practitioner(user=True).user,
            make_practitioner(user=True).user,
            make_coordinator(make_msp(commune="51504")).user,
            make_coordinator(msp).user,
            staff,
        ]
        return (
            gid(hub),
            gid(slot),
            [issue_token(u).token for u in users],
            issue_token(make_practitioner(user=True).user).token,
        )

    hub_id, slot_id, tokens, booker = await sync_to_async(scene)()
    server = await sync_to_async(servers)(
        redis_url, workers=2, DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1"
    )
    query = "subscription($id: ID!) { slotUpdated(hubId: $id) { id seatsLeft } }"
    tasks = [
        await subscribed(first_event(server.ws_url, query, {"id": hub_id}, token))
        for token in [None, *tokens]
    ]
    result = await sync_to_async(server.post)(
        "mutation($slot: ID!) { bookSlot(slotId: $slot) { errors { code } } }", {"slot": slot_id}, booker
    )
    assert result == {"data": {"bookSlot": {"errors": []}}}
    events = await asyncio.wait_for(asyncio.gather(*tasks), 20)
    assert [event["slotUpdated"] for _, event in events] == [{"id": slot_id, "seatsLeft": 3}] * (
        len(tokens) + 1
    )
