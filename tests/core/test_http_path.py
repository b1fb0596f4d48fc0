"""`/graphql` through a real Daphne: one hop to the GraphQL pool (backend.core.http), same rules as before.

The whole synchronous middleware chain runs on the pool thread, so what the middleware does must still
be seen from outside: security headers, the bearer token (and its refusal), CSRF for session cookies,
the viewer's rights; other paths keep Django's asynchronous chain.
"""

import json
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db(transaction=True)

ME = "{ me { email } }"


def post(server, body: bytes, headers: dict):
    request = urllib.request.Request(
        f"{server.url}/graphql", data=body, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, json.loads(response.read())  # case-insensitive
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_graphql_over_http_keeps_the_middleware_rules(servers, scene):
    server = servers(GRAPHIQL="1")
    query = json.dumps({"query": ME}).encode()
    status, headers, body = post(server, query, {})
    assert status == 200 and body == {"data": {"me": None}}
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers  # an API client is given no CSRF cookie it does not need
    # Nor headers for documents: an API client (no cookie) runs settings.API_MIDDLEWARE, not the whole chain.
    assert "X-Frame-Options" not in headers and "Content-Security-Policy" not in headers
    # GraphiQL, a page for a browser, is (its requests carry the session cookie's CSRF token).
    page = urllib.request.Request(f"{server.url}/graphql", headers={"Accept": "text/html"})
    with urllib.request.urlopen(page, timeout=15) as response:
        assert "csrftoken=" in response.headers["Set-Cookie"] and b"graphiql" in response.read().lower()
    # The bearer token makes the viewer.
    status, _, body = post(server, query, {"Authorization": f"Bearer {scene['token']}"})
    email = get_user_model().objects.get(practitioner__memberships__msp=scene["msp"]).email
    assert status == 200 and body == {"data": {"me": {"email": email}}}
    # A bad token is refused outright, in French.
    status, _, body = post(server, query, {"Authorization": "Bearer not-a-token"})
    assert status == 401 and "Jeton" in body
    # A session cookie without its CSRF token is refused (Django's CSRF check, run by the view).
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    user = get_user_model().objects.get(email=email)
    session[SESSION_KEY] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    status, headers, body = post(server, query, {"Cookie": f"sessionid={session.session_key}"})
    assert status == 403
    # A browser's request (a cookie) runs the whole chain.
    assert headers["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in headers
    # Malformed JSON: a JSON 400 in French.
    status, _, body = post(server, b"{not json", {})
    assert status == 400 and "JSON" in body
    # Other paths still answer through Django's asynchronous chain.
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
        assert json.loads(response.read())["database"] == "ok"


def test_a_body_past_the_limit_is_refused_as_it_arrives(servers, scene):
    """The GraphQL body is capped (attachments included) while it is read, whatever Content-Length says."""
    server = servers(ATTACHMENT_MAX_REQUEST_BYTES="1024")
    big = b'{"query": "{ __typename }", "padding": "' + b"x" * (1024 * 1024 + 4096) + b'"}'
    status, _, body = post(server, big, {})
    assert status == 413 and "Requête trop volumineuse" in json.loads(body)["errors"][0]["message"]
    status, _, body = post(server, json.dumps({"query": "{ __typename }"}).encode(), {})
    assert status == 200 and body == {"data": {"__typename": "Query"}}


def test_answers_and_realtime_messages_are_written_by_orjson(gql, scene, settings):
    """The same JSON as before, written by orjson (issue 30's lean path): UTF-8, no escapes, no spaces. A
    compiled read's JSON is PostgreSQL's, passed on as it came: the same values, UTF-8 too (PostgreSQL puts a
    space around its colons)."""
    from django.test import Client

    from backend.core import serialise

    query = '{ communes(search: "Saint-Martin-sur-le-Pré", first: 1) { edges { node { name } } } }'
    compiled = Client().post("/graphql", {"query": query}, content_type="application/json").content
    settings.GRAPHQL_EXECUTION = {**settings.GRAPHQL_EXECUTION, "COMPILED_READS": False}
    body = Client().post("/graphql", {"query": query}, content_type="application/json").content
    assert body == b'{"data":{"communes":{"edges":[{"node":{"name":"Saint-Martin-sur-le-Pr\xc3\xa9"}}]}}}'
    assert json.loads(compiled) == json.loads(body) and "Pré".encode() in compiled and compiled != body
    assert serialise.dumps({"type": "next", "payload": {"data": {"n": "é"}}}) == '{"type":"next","payload":{"data":{"n":"é"}}}'  # fmt: skip
