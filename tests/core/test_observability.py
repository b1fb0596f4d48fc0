"""What tells an operator what is happening (issue 29, item 3): a request id on every answer and log line,
JSON logs in production, Prometheus metrics at /metrics for the internal network or a token (requests by
operation and status, the pools, WebSockets, jobs and e-mails), errors to a Sentry server."""

import asyncio
import gzip
import http.server
import io
import json
import logging
import re
import subprocess
import sys
import threading
import urllib.request

import pytest
from django.test import Client

from backend.core.logs import REQUEST_ID, RequestIdFilter, logging_config
from backend.core.observability import MAX_OPERATIONS
from tests.daphne import PROJECT, server_env


def metric(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = (
        rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$" if labels else rf"^{re.escape(name)} (\S+)$"
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.mark.django_db
def test_every_answer_carries_a_request_id_and_the_log_lines_too(client, caplog, monkeypatch):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-42.a")
    assert given["X-Request-ID"] == "proxy-42.a"  # the proxy's, when it is a plain token
    made = client.get("/healthz", HTTP_X_REQUEST_ID="pas un jeton ; injecté")
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])

    from django.db import connection

    def refuse():
        raise OSError("no database")

    monkeypatch.setattr(connection, "cursor", refuse)
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.ERROR, logger="backend"):
        client.get("/healthz", HTTP_X_REQUEST_ID="trace-7")
    assert [r.request_id for r in caplog.records if "database unreachable" in r.getMessage()] == ["trace-7"]


def test_production_logs_are_one_json_object_a_line_with_the_request_id():
    config = logging_config(json_lines=True, procrastinate_level="WARNING")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_formatter(config))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.json-lines")
    logger.addHandler(handler)
    token = REQUEST_ID.set("req-1")
    try:
        logger.warning("Réservation refusée : %s", "complet")
    finally:
        REQUEST_ID.reset(token)
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "Réservation refusée : complet" and line["request_id"] == "req-1"
    assert (
        line["level"] == "WARNING"
        and line["logger"] == "tests.json-lines"
        and line["timestamp"].endswith("+00:00")
    )


def _formatter(config):
    from pythonjsonlogger.json import JsonFormatter

    spec = config["formatters"]["default"]
    return JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"], timestamp=spec["timestamp"])


@pytest.mark.django_db
def test_metrics_count_requests_by_operation_and_status_jobs_and_e_mails(gql, settings):
    from backend.mail.services import queue_email

    client = Client()  # REMOTE_ADDR 127.0.0.1: the internal network
    before = client.get("/metrics").content.decode()
    client.get("/healthz")
    gql.execute("query Professions { professions { code } }")
    gql.execute("query Professions { professions { nope } }")  # refused by validation: still answered
    queue_email("marie@exemple.fr", "Objet", "Texte", kind="test")
    after = client.get("/metrics")
    assert after.status_code == 200 and after["Content-Type"].startswith("text/plain")
    text = after.content.decode()
    count = "tdp_http_requests_total"
    assert metric(text, count, operation="healthz", status="200") == metric(before, count, operation="healthz", status="200") + 1  # fmt: skip
    assert metric(text, count, operation="graphql query Professions", status="200") >= 1
    assert metric(text, "tdp_http_request_duration_seconds_count", operation="healthz") >= 1
    assert metric(text, "tdp_jobs", status="todo", task="backend.mail.tasks.send_email") == 1
    assert metric(text, "tdp_emails", status="QUEUED") == 1
    assert "tdp_graphql_pool_busy" in text and 'tdp_db_pool_connections{state="size"}' in text


@pytest.mark.django_db
def test_metrics_are_for_the_internal_network_or_a_token(settings):
    outside = Client(REMOTE_ADDR="81.250.1.2")  # a public address (203.0.113.0/24 counts as private)
    refused = outside.get("/metrics")
    assert refused.status_code == 403 and "METRICS_TOKEN" in refused.content.decode()
    settings.METRICS_TOKEN = "jeton-de-supervision"
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer autre").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer jeton-de-supervision").status_code == 200


@pytest.mark.django_db
def test_operation_names_chosen_by_clients_cannot_grow_the_metrics_without_bound(gql):
    for i in range(MAX_OPERATIONS + 50):
        gql.execute(f"query Nom{i} {{ __typename }}")
    text = Client().get("/metrics").content.decode()
    labels = set(re.findall(r'^tdp_http_requests_total\{operation="([^"]+)"', text, re.MULTILINE))
    named = {
        label for label in labels if label.startswith("graphql ")
    }  # routes apart: the URL conf bounds them
    assert len(named) <= MAX_OPERATIONS and "other" in labels


async def test_websocket_connections_and_operations_are_measured_through_a_real_daphne(servers, scene):
    import websockets
    from asgiref.sync import sync_to_async

    server = await sync_to_async(servers)()

    def scrape():
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as answer:
            return answer.read().decode()

    ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {scene['token']}"}})
    )
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    query = "subscription($id: ID!) { hubUpdated(hubId: $id) { id } }"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"id": scene["hub_id"]}}}))  # fmt: skip
    await asyncio.sleep(1)
    text = await sync_to_async(scrape)()
    assert metric(text, "tdp_websocket_connections") == 1 and metric(text, "tdp_websocket_operations") == 1
    await ws.close()
    await asyncio.sleep(1)
    text = await sync_to_async(scrape)()
    assert metric(text, "tdp_websocket_connections") == 0 and metric(text, "tdp_websocket_operations") == 0


def test_errors_reach_a_sentry_server():
    """A real HTTP server on loopback stands in for Sentry's ingestion: the SDK posts its envelope there."""
    received = []

    class Ingest(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    ingest = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=ingest.serve_forever, daemon=True).start()
    # In a process of its own: the SDK patches Django for the rest of the process it starts in.
    code = (
        "import django, sentry_sdk; django.setup()\n"
        "from backend.core.logs import setup_sentry\n"
        f"setup_sentry('http://cle@127.0.0.1:{ingest.server_port}/42', 'tests')\n"
        "try:\n    raise RuntimeError('Réservation impossible')\n"
        "except RuntimeError as error:\n    sentry_sdk.capture_exception(error)\n"
        "sentry_sdk.flush(5)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=server_env(None), capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        ingest.shutdown()
    assert done.returncode == 0, done.stderr
    assert received and received[0][0] == "/api/42/envelope/"
    bodies = b"".join(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body for _, body in received)
    assert b"RuntimeError" in bodies
    assert b"R\\u00e9servation impossible" in bodies or "Réservation impossible".encode() in bodies  # JSON
