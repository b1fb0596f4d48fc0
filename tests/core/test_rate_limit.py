"""Requests per client address (issue 24, backend/core/rate_limit.py), through a real Daphne with DEBUG=0.

Loopback has the whole of 127.0.0.0/8: a client bound to 127.0.0.2 is another address than one on
127.0.0.1, as two machines would be."""

import http.client
import json
import os
import random
import time
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from backend.core.rate_limit import client_key
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.helpers import PROTOCOL

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": PRODUCTION_SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1"}


def request(server, path="/graphql", source="127.0.0.1", forwarded=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    try:
        if path == "/graphql":
            body = b'{"query": "{ __typename }"}'
            connection.request(
                "POST", path, body=body, headers={"Content-Type": "application/json", **headers}
            )
        else:
            connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()  # case-insensitive, as HTTP is
    finally:
        connection.close()


@pytest.mark.parametrize("web_server", ["daphne", "uvicorn"])
def test_an_upload_beyond_the_rate_reads_its_refusal_rather_than_a_reset(servers, web_server):
    """The refusal comes once the body is read: uvicorn, which hands the body over as the application asks,
    would otherwise close the connection under a client still sending (ECONNRESET instead of a 429)."""
    server = servers(RATE_LIMITS="2/minute", WEB_SERVER=web_server, **PRODUCTION)
    boundary = "rate-limit-test"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{{"query": "{{ __typename }}"}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{}}\r\n'
    ).encode()
    for i in range(5):
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{i}"; filename="p{i}.pdf"\r\n\r\n'.encode()
        body += b"%PDF-1.4\n" + b"0" * (1 << 20) + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    statuses = []
    for _ in range(4):
        request = urllib.request.Request(f"{server.url}/graphql", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as refused:
            statuses.append(refused.code)
            if refused.code == 429:
                assert json.loads(refused.read())["errors"][0]["extensions"]["code"] == "TOO_MANY_REQUESTS"
    assert statuses[:2] == [200, 200] and statuses[2:] == [429, 429], statuses


def test_an_address_beyond_its_rate_is_told_in_french_when_to_come_back(servers):
    # An hour's window, as the WebSocket test below: with a minute's, the requests after the sixth could cross a
    # minute boundary, where the sliding window weighs the first ones down and lets one through (seen in CI).
    server = servers(RATE_LIMITS="5/hour", **PRODUCTION)
    answers = [request(server) for _ in range(5)]
    assert [status for status, _, _ in answers] == [200] * 5
    assert all(json.loads(body) == {"data": {"__typename": "Query"}} for _, _, body in answers)

    started = time.monotonic()
    status, headers, body = request(server)
    assert status == 429
    assert time.monotonic() - started >= 0.9  # held a second: a client that ignores Retry-After is slowed
    wait = int(headers["Retry-After"])
    assert 1 <= wait <= 3600
    error = json.loads(body)["errors"][0]
    assert error["extensions"] == {"code": "TOO_MANY_REQUESTS", "retryAfter": wait}
    assert error["message"] == f"Trop de requêtes depuis votre adresse : réessayez dans {wait} s."
    # every path is counted, in French too
    status, headers, body = request(server, path="/admin/login/")
    assert status == 429 and body.decode().startswith("Trop de requêtes depuis votre adresse")
    # not the health check a load balancer polls, nor another address
    assert request(server, path="/healthz")[0] == 200
    assert request(server, source="127.0.0.2")[0] == 200


def test_a_websocket_handshake_beyond_the_rate_is_refused_before_any_consumer_runs(servers):
    # An hour's window: the sliding window counter weighs the previous window down as the new one goes on, so
    # a request just past a minute boundary could pass a per-minute limit it had reached (seen once in CI).
    server = servers(RATE_LIMITS="2/hour", **PRODUCTION)
    for _ in range(2):
        with connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=10) as socket:
            socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(socket.recv(10)) == {"type": "connection_ack"}
    with pytest.raises(InvalidStatus) as refused:
        connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=10)
    assert refused.value.response.status_code == 403
    assert request(server)[0] == 429  # the handshakes counted against the same address


def test_with_a_shared_storage_several_processes_keep_one_count(servers):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (set by .ci/run): several processes share a count only through Redis")
    server = servers(workers=2, RATE_LIMITS="6/minute", RATE_LIMIT_STORAGE=f"async+{redis_url}", **PRODUCTION)
    source = f"127.0.{random.randrange(1, 255)}.{random.randrange(1, 255)}"  # not counted by an earlier run
    statuses = [request(server, source=source)[0] for _ in range(12)]
    assert statuses == [200] * 6 + [429] * 6


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(servers):
    server = servers(RATE_LIMITS="3/minute", TRUSTED_PROXIES="127.0.0.1", BEHIND_TLS="0", **PRODUCTION)
    assert [request(server, forwarded="198.51.100.7")[0] for _ in range(4)] == [200, 200, 200, 429]
    assert request(server, forwarded="198.51.100.8")[0] == 200  # another client behind the same proxy
    # a client that is not the proxy cannot choose its address by sending the header itself
    assert [request(server, source="127.0.0.4", forwarded=f"203.0.113.{n}")[0] for n in range(4)] == [
        200,
        200,
        200,
        429,
    ]


def test_off_counts_nothing(servers):
    server = servers(RATE_LIMITS="off", **PRODUCTION)
    assert {request(server)[0] for _ in range(30)} == {200}


def test_an_ipv6_client_counts_for_its_slash_64():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_key("192.0.2.7") == "192.0.2.7"
