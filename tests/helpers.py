"""Helpers shared by test modules: import them from here, never from another test module.

GraphQL (ids, error lists, the per-role check), builders of offers and slots, the accelerator's clock,
WebSocket clients (graphql-transport-ws through Channels' communicator), slow statements, e-mail and jobs."""

import asyncio
import json
import re
import threading
import time
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.forms.models import model_to_dict
from django.test import Client as DjangoClient
from django.utils import timezone
from gql import Client
from gql.graphql_request import GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from graphql_relay import to_global_id
from hypothesis import HealthCheck, settings

from backend.accounts.services import issue_token
from backend.asgi import application
from backend.mail.models import EmailStatus, OutgoingEmail
from backend.mail.services import deliver
from mentoring.accelerator import services
from mentoring.models import LocationKind, Slot, SupportOffer
from network.models import HubDesignation, Membership, Msp, OfferKind, Practitioner
from tests.factories import make_practitioner
from tests.stalling import MARKER


def deliver_queued_mail() -> int:
    """What the e-mail jobs would do, in this test's transaction: deliver every queued e-mail, oldest first.

    For tests about what an e-mail says; the queue itself (worker, retries, locks) is tested with real
    workers in tests/mentoring/test_jobs.py.
    """
    ids = list(
        OutgoingEmail.objects.filter(status=EmailStatus.QUEUED).order_by("pk").values_list("pk", flat=True)
    )
    for pk in ids:
        deliver(pk)
    return len(ids)


def run_worker(periodic: bool = False) -> None:
    """A real procrastinate worker, in this process with its own connections, until the queue is empty
    (what `manage.py procrastinate worker --one-shot` does).

    Without `periodic`, it does not defer the periodic tasks due at this minute: a test runs the jobs it
    deferred itself, whatever the time of day.
    """
    from procrastinate.contrib.django import procrastinate_app
    from procrastinate.periodic import PeriodicRegistry

    worker_app = procrastinate_app.current_app  # the app itself, not the module's proxy to it
    worker_app.perform_import_paths()  # now, so that no task registers while the registry is set aside
    registry = worker_app.periodic_registry
    if not periodic:
        worker_app.periodic_registry = PeriodicRegistry()
    try:
        with worker_app.replace_connector(worker_app.connector.get_worker_connector()):
            worker_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
    finally:
        worker_app.periodic_registry = registry


# --- GraphQL -----------------------------------------------------------------------------------------


ERRORS = "errors { field code message }"
# Every field that takes a search, each with its text as a variable (the search rule: backend/core/input_rules.py).
SEARCHES = {
    "msps": "query($s: String) { msps(first: 1, filter: {search: $s}) { totalCount } }",
    "hubs": "query($s: String) { hubs(first: 1, filter: {search: $s}) { totalCount } }",
    "practitioners": "query($s: String) { practitioners(first: 1, filter: {search: $s}) { totalCount } }",
    "communes": "query($s: String!) { communes(search: $s, first: 1) { totalCount } }",
    "acceleratorRequests": (
        "query($s: String) { acceleratorRequests(first: 1, filter: {search: $s}) { totalCount } }"
    ),
    "articles": "query($s: String) { articles(first: 1, search: $s) { totalCount } }",
}


def gid(obj):
    name = {"HubDesignation": "Hub"}.get(type(obj).__name__, type(obj).__name__)
    return to_global_id(name, obj.pk)


def expect(result, mutation, role, allowed_roles, unauthenticated="anonymous"):
    """Allowed roles get an empty error list; anonymous gets UNAUTHENTICATED; others FORBIDDEN."""
    if role in allowed_roles:
        assert "errors" not in result, result.get("errors")
        assert result["data"][mutation]["errors"] == []
        return True
    expected = "UNAUTHENTICATED" if role == unauthenticated else "FORBIDDEN"
    assert top_codes(result) == [expected]
    assert result["data"][mutation] is None
    return False


MANAGERS = {"coordinator", "admin"}


def snapshot():
    """Everything a refused mutation must leave as it was."""
    return {
        "msps": sorted((m.pk, m.name, m.status, m.finess) for m in Msp.objects.all()),
        "memberships": sorted(
            (m.pk, m.msp_id, m.practitioner_id, m.role, m.end_date) for m in Membership.objects.all()
        ),
        "hubs": sorted(tuple(model_to_dict(h).items()) for h in HubDesignation.objects.all()),
        "practitioners": Practitioner.objects.count(),
        "users": get_user_model().objects.count(),
    }


CONFIRM = f"""
mutation($code: String!) {{
  confirmRegistration(code: $code) {{ practitioner {{ fullName profession {{ code }} commune {{ name }} practiceMode }} {ERRORS} }}
}}
"""


def code_in(message) -> str:
    return re.search(r"^([A-Za-z0-9_-]{20,})$", message.body, re.MULTILINE).group(1)


# --- Builders ----------------------------------------------------------------------------------------


def offer_for(hub, **extra):
    fields = {
        "title": "Consultations avancées",
        "location_kind": LocationKind.REMOTE,
        "kind": OfferKind.ADVANCED_CONSULTATION,
        **extra,
    }
    return SupportOffer.objects.create(hub=hub, **fields)


def slot_for(offer, capacity=2, days=3):
    starts = timezone.now() + timedelta(days=days)
    return Slot.objects.create(
        offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=3), capacity=capacity
    )


CREATE_SLOT = f"""mutation($offer: ID!, $start: DateTime!, $end: DateTime!) {{
    createSlot(offerId: $offer, startsAt: $start, endsAt: $end, capacity: 3) {{ slot {{ seatsLeft localStartsAt timeZone }} {ERRORS} }} }}"""


# --- The accelerator's clock -------------------------------------------------------------------------


PARIS = ZoneInfo("Europe/Paris")


def at(*args):
    return datetime(*args, tzinfo=PARIS)


def question(**extra):
    fields = {
        "subject": "Statuts de la Sisa",
        "body": "Faut-il un médecin gérant dans les statuts de notre Sisa ?",
        "category": "SISA_LEGAL",
        "commune_code": "51108",
    }
    return services.Question(**{**fields, **extra})


def submit_at(when, requester=None, **extra):
    with mock.patch("django.utils.timezone.now", return_value=when):
        return services.submit(requester or make_practitioner(user=True), question(**extra))


# --- Slow statements ---------------------------------------------------------------------------------


def running_slow_statements() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
            "AND query LIKE %s",
            [f"%{MARKER}%"],
        )
        return cursor.fetchone()[0]


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


# --- WebSocket ---------------------------------------------------------------------------------------


PROTOCOL = "graphql-transport-ws"


TIMEOUT = 3


HUB_UPDATED = "subscription($id: ID!) { hubUpdated(hubId: $id) { id status serviceRadiusKm } }"


_sockets: list[WebsocketCommunicator] = []


async def open_socket(subprotocols=(PROTOCOL,), headers=()):
    communicator = WebsocketCommunicator(
        application, "/graphql", subprotocols=list(subprotocols), headers=list(headers)
    )
    _sockets.append(communicator)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    return communicator, connected


async def ready_socket(token=None, headers=()):
    communicator, connected = await open_socket(headers=headers)
    assert connected
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await communicator.send_json_to({"type": "connection_init", "payload": payload})
    assert await communicator.receive_json_from(TIMEOUT) == {"type": "connection_ack"}
    return communicator


async def expect_close(communicator, code):
    output = await communicator.receive_output(TIMEOUT)
    assert output == {"type": "websocket.close", "code": code}, output


async def subscribe(communicator, op_id, query, variables=None):
    await communicator.send_json_to(
        {"type": "subscribe", "id": op_id, "payload": {"query": query, "variables": variables or {}}}
    )


async def settle():
    """Let the subscription task reach its listening point."""
    for _ in range(20):
        await asyncio.sleep(0.02)


HUB_UPDATED_WITH_MSP = (
    "subscription($id: ID!) { hubUpdated(hubId: $id) { id status serviceRadiusKm msp { name } } }"
)


APPLY = """mutation($msp: ID!, $radius: Int!) { applyForHub(mspId: $msp,
    input: {serviceRadiusKm: $radius, monthlyCoordinationHours: 10, offerKinds: [COORDINATION_TIME]}) { errors { code } } }"""


async def first_event(ws_url, query, variables, token=None, timeout=15):
    """Subscribe with gql; return (negotiated subprotocol, first result) — or raise what gql raised."""
    transport = WebsocketsTransport(
        url=ws_url, init_payload={"authorization": f"Bearer {token}"} if token else {}
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        request = GraphQLRequest(query, variable_values=variables)
        async for result in session.subscribe(request):
            return transport.subprotocol, result
    return transport.subprotocol, None


async def subscribed(coroutine):
    """Start a subscription and give the server time to join the group before the change."""
    task = asyncio.ensure_future(coroutine)
    await asyncio.sleep(1.0)
    return task


# --- The API in process, as a client calls it ---------------------------------------------------------


class GraphQLClient:
    def __init__(self):
        self.client = DjangoClient()

    def execute(self, query, variables=None, user=None, token=None, headers=None):
        extra = dict(headers or {})
        if user is not None and token is None:
            token = issue_token(user).token
        if token is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        response = self.client.post(
            "/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **extra,
        )
        body = response.json()
        body["_status"] = response.status_code
        return body


def error_codes(result, mutation):
    return [e["code"] for e in result["data"][mutation]["errors"]]


def top_codes(result):
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


# --- Concurrency --------------------------------------------------------------------------


def race(*calls):
    """Run each call in its own thread and transaction at the same moment; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            with transaction.atomic():
                results[index] = call()
        except Exception as exc:  # collected and asserted by the caller
            results[index] = exc
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def generated(examples: int):
    """Hypothesis' settings for the tests that generate requests against the real database: `examples` of them,
    no deadline (the database's time varies), no example database in the work tree (a failure prints its
    input)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
        database=None,
    )
