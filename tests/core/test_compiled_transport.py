"""Compiled reads through the real transports: production servers (DEBUG=0, Daphne) over HTTP, one with
compiled reads and one without, give the same answers to every role (and the first did answer by compiled
reads: its metrics count them); the consumer over WebSocket answers with them too."""

import json
import re
import urllib.request

import pytest
from django.test import override_settings
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from backend.core.compiled_reads import compiled_reads
from backend.schema import schema
from network.models import HubStatus, Msp
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.factories import make_hub, make_msp, make_world
from tests.helpers import TIMEOUT, ready_socket, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

Q1 = """{ hubs(first: 100) { totalCount edges { node { id status offerKinds serviceRadiusKm appliedAt
    msp { name finess composition { state doctors belowMinimumSince } sites { address commune { name
          department { name } } } memberships { role practitioner { fullName profession { label } } } } } } } }"""
Q2 = """query($id: ID!) { node(id: $id) { ... on Msp { name
    memberships { role practitioner { fullName profession { label } } } } } }"""
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1"}


@pytest.fixture
def directory(territories):
    world = make_world()
    make_hub(make_msp("MSP candidate (test)", commune="51108"), status=HubStatus.CANDIDATE)
    tokens = {role: issue_token(user).token if user else None for role, user in world.users.items()}
    return to_global_id("Msp", world.msp.pk), tokens


def post(server, query, variables, token) -> str:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"{server.url}/graphql", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def compiled_count(server) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return float(re.search(r"^tdp_graphql_compiled_reads_total (\S+)$", text, re.M).group(1))


def test_a_production_server_answers_as_the_executor_does(directory, servers):
    msp_id, tokens = directory
    compiled = servers(**PRODUCTION)
    ordinary = servers(**PRODUCTION, GRAPHQL_COMPILED_READS="0")
    for role, token in tokens.items():
        for query, variables in ((Q1, {}), (Q2, {"id": msp_id})):
            answer = post(compiled, query, variables, token)
            assert json.loads(answer) == json.loads(post(ordinary, query, variables, token)), role
            assert '"errors"' not in answer, answer
    assert compiled_count(compiled) == 2 * len(tokens)
    assert compiled_count(ordinary) == 0
    # An anonymous reader's statements, kept from their second asking and then run with another id
    # (backend/core/compiled_reads.py: _kept_or_written), answer as the executor does too.
    for _ in range(3):
        for pk in Msp.objects.values_list("pk", flat=True):
            variables = {"id": to_global_id("Msp", pk)}
            assert json.loads(post(compiled, Q2, variables, None)) == json.loads(
                post(ordinary, Q2, variables, None)
            )
        assert json.loads(post(compiled, Q1, {}, None)) == json.loads(post(ordinary, Q1, {}, None))


@pytest.mark.usefixtures("disconnect_sockets")
async def test_a_query_over_websocket_answers_as_the_executor_does(directory, settings):
    msp_id, tokens = directory
    reads = compiled_reads(schema.graphql_schema)
    for role, token in tokens.items():
        answers = []
        for compiled in (True, False):
            before = reads.answered
            with override_settings(
                GRAPHQL_EXECUTION={**settings.GRAPHQL_EXECUTION, "COMPILED_READS": compiled}
            ):
                communicator = await ready_socket(token)
                await subscribe(communicator, "1", Q2, {"id": msp_id})
                answers.append(await communicator.receive_json_from(TIMEOUT))
                assert await communicator.receive_json_from(TIMEOUT) == {"type": "complete", "id": "1"}
                await communicator.disconnect()
            assert reads.answered == before + (1 if compiled else 0), role
        assert answers[0] == answers[1], role
        assert answers[0]["payload"]["data"]["node"]["memberships"], role
