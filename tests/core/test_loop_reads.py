"""Anonymous reads answered on the event loop (backend/core/loop_reads.py), through production servers (DEBUG=0):
the same status, headers and body as the ordinary path gives, for every read it takes; never a request it must
not take (a token, a cookie, a mutation, a query string, a refused host, plain HTTP where HTTPS is required);
fresh after a write; within the time budget, and stopped in PostgreSQL when its client goes away."""

import http.client
import json
import re
import socket
import urllib.request

import psycopg
import pytest
from django.db import connection
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from backend.core import loop_reads
from network.models import HubStatus, Msp
from tests.daphne import PRODUCTION_SECRET_KEY, server_database_url
from tests.factories import make_hub, make_msp, make_world
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

Q1 = """{ hubs(first: 100) { totalCount edges { node { id status offerKinds serviceRadiusKm
    msp { name finess composition { state } sites { address commune { name department { name } } }
          memberships { role practitioner { fullName profession { label } } } } } } } }"""
Q2 = """query($id: ID!) { node(id: $id) { ... on Msp { name
    memberships { role practitioner { fullName profession { label } } } } } }"""
LISTS = """query($n: Int!) { msps(first: $n) { totalCount edges { cursor node { name finess } }
    pageInfo { hasNextPage endCursor } } }"""
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1"}
VARYING = {"date", "x-request-id", "connection", "keep-alive"}


@pytest.fixture
def directory(territories):
    world = make_world()
    make_hub(make_msp("MSP candidate (test)", commune="51108"), status=HubStatus.CANDIDATE)
    return world


def ask(server, query, variables=None, headers=None, path="/graphql", body=None):
    """(status, headers without those that differ between two answers, body) of one POST."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        body = body if body is not None else json.dumps({"query": query, "variables": variables or {}})
        connection.request(
            "POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders() if k.lower() not in VARYING},
            response.read(),
        )
    finally:
        connection.close()


def loop_count(server) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return float(re.search(r"^tdp_graphql_loop_reads_total (\S+)$", text, re.M).group(1))


def asked_thrice(server, query, variables, **kwargs):
    """The third answer: the statement is kept from its second asking, and the third is the loop's to take."""
    for _ in range(2):
        ask(server, query, variables, **kwargs)
    return ask(server, query, variables, **kwargs)


@pytest.mark.parametrize("cache", ["1", "0"])
def test_the_loop_answers_as_the_ordinary_path_does(directory, servers, cache):
    on_loop = servers(**PRODUCTION, GRAPHQL_RESPONSE_CACHE=cache)
    ordinary = servers(**PRODUCTION, GRAPHQL_RESPONSE_CACHE=cache, DB_LOOP_POOL_SIZE="0")
    cases = [(Q1, {}), (LISTS, {"n": 2}), (LISTS, {"n": 50})]
    cases += [(Q2, {"id": to_global_id("Msp", pk)}) for pk in Msp.objects.values_list("pk", flat=True)]
    for query, variables in cases:
        expected = asked_thrice(ordinary, query, variables)
        assert expected[0] == 200 and b'"errors"' not in expected[2], expected
        assert asked_thrice(on_loop, query, variables) == expected
    # Another id for a node kept with one: the same statement, the other row, on the loop from its first asking.
    before = loop_count(on_loop)
    for pk in Msp.objects.values_list("pk", flat=True):
        variables = {"id": to_global_id("Msp", pk)}
        assert ask(on_loop, Q2, variables) == ask(ordinary, Q2, variables)
    assert loop_count(on_loop) == before + Msp.objects.count()
    assert loop_count(on_loop) >= len(cases) and loop_count(ordinary) == 0
    # Counted in the requests' metrics under the same name as the ordinary path gives them.
    assert requests_counted(on_loop) == requests_counted(ordinary) > 0


def requests_counted(server) -> float:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    found = re.search(
        r'^tdp_http_requests_total\{operation="graphql query anonymous",status="200"\} (\S+)$', text, re.M
    )
    return float(found.group(1)) if found else 0.0


def test_what_the_loop_must_not_take_goes_the_ordinary_way(directory, servers):
    server = servers(**PRODUCTION, GRAPHQL_RESPONSE_CACHE="0")  # (with it, a second asking is the loop's too)
    variables = {"id": to_global_id("Msp", directory.msp.pk)}
    answer = asked_thrice(server, Q2, variables)
    assert answer[0] == 200 and loop_count(server) == 1
    token = issue_token(directory.users["coordinator"]).token
    others = [
        {"headers": {"Authorization": f"Bearer {token}"}},
        {"headers": {"Authorization": "Bearer not-a-token"}},  # refused with 401 by the ordinary path
        {"headers": {"Cookie": "sessionid=whatever"}},
        {"headers": {"Host": "elsewhere.example"}},  # refused with 400 by the ordinary path
        {"path": "/graphql?pretty=1"},
        {"body": json.dumps({"query": "mutation { __typename }"})},
        {"body": json.dumps({"query": Q2, "variables": json.dumps(variables)})},  # variables as a string
        {"body": "[1]"},
    ]
    statuses = [ask(server, Q2, variables, **other)[0] for other in others]
    assert statuses == [200, 401, 403, 400, 200, 200, 200, 400]  # (a cookie without CSRF: 403)
    assert loop_count(server) == 1
    # Behind TLS: plain HTTP is redirected as before; over HTTPS, the same answer with HSTS on both paths.
    tls = {"TRUSTED_PROXIES": "127.0.0.1", "BEHIND_TLS": "1", "GRAPHQL_RESPONSE_CACHE": "0"}
    behind, ordinary = servers(**PRODUCTION, **tls), servers(**PRODUCTION, **tls, DB_LOOP_POOL_SIZE="0")
    assert asked_thrice(behind, Q2, variables)[0] == 301
    https = {"X-Forwarded-Proto": "https"}
    on_loop = asked_thrice(behind, Q2, variables, headers=https)
    assert on_loop == asked_thrice(ordinary, Q2, variables, headers=https)
    assert "strict-transport-security" in on_loop[1] and loop_count(behind) == 1


def test_a_read_on_the_loop_is_fresh_after_a_write(directory, servers):
    server = servers(**PRODUCTION)
    msp = directory.msp
    variables = {"id": to_global_id("Msp", msp.pk)}
    asked_thrice(server, Q2, variables)
    for name in ("MSP renommée une fois", "MSP renommée deux fois"):
        Msp.objects.filter(pk=msp.pk).update(name=name)  # committed: the next read must see it
        assert json.loads(ask(server, Q2, variables)[2])["data"]["node"]["name"] == name
    assert loop_count(server) >= 3


def waiting_on_locks(database: str, application: str = "%") -> int:
    """Statements waiting for a lock, on this database (and from connections of this application name)."""
    with psycopg.connect(server_database_url(database), autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
            " AND application_name LIKE %s",
            [database, application],
        ).fetchone()[0]


def memberships_locked(database: str):
    """A connection holding the memberships' table, so that a read of them waits."""
    holder = psycopg.connect(server_database_url(database))
    holder.execute("LOCK TABLE network_membership IN ACCESS EXCLUSIVE MODE")
    return holder


def kept_on_a_server(servers, directory, budget: int):
    """A server (without the cache) whose loop has Q2's statement kept, Q2's variables, the test database's name."""
    on_loop = servers(**PRODUCTION, GRAPHQL_TIME_BUDGET=budget, GRAPHQL_RESPONSE_CACHE="0")
    variables = {"id": to_global_id("Msp", directory.msp.pk)}
    asked_thrice(on_loop, Q2, variables)
    return on_loop, variables, connection.settings_dict["NAME"]


def test_a_read_on_the_loop_past_its_budget_is_stopped(directory, servers):
    on_loop, variables, database = kept_on_a_server(servers, directory, budget=1)
    holder = memberships_locked(database)
    try:
        status, _headers, body = ask(on_loop, Q2, variables)  # waits, on the loop's connection, for 1 s
        assert wait_until(lambda: waiting_on_locks(database) == 0, 5)  # its statement cancelled
    finally:
        holder.close()
    assert status == 200
    errors = json.loads(body)["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["TIMEOUT"] and "1 s" in errors[0]["message"]
    assert loop_count(on_loop) == 2  # the third asking, and the one stopped


def test_a_read_on_the_loop_abandoned_by_its_client_is_stopped(directory, servers):
    on_loop, variables, database = kept_on_a_server(servers, directory, budget=60)
    holder = memberships_locked(database)
    try:
        body = json.dumps({"query": Q2, "variables": variables}).encode()
        client = socket.create_connection(("127.0.0.1", on_loop.port))
        client.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        # The statement waiting is the loop's (its connections' name): the ordinary path's would stop too.
        assert wait_until(lambda: waiting_on_locks(database, loop_reads.APPLICATION_NAME) == 1, 10)
        client.close()  # the client goes away while its statement waits
        assert wait_until(lambda: waiting_on_locks(database) == 0, 10)  # cancelled, the lock still held
    finally:
        holder.close()
    assert ask(on_loop, Q2, variables)[0] == 200  # the loop's connection was given back in working order
