"""The second red team's rows, replayed the way they were found (issue 24): a real Daphne with DEBUG=0, every
role signed in with a token, over HTTP and over the WebSocket; and the back office's sign-in form through the
same server."""

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from websockets.sync.client import connect

from backend.accounts.services import issue_token
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.factories import PASSWORD, ROLES
from tests.helpers import PROTOCOL, SEARCHES

pytestmark = pytest.mark.django_db(transaction=True)


def post(server, query, variables, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{server.url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def over_websocket(server, query, variables, token=None):
    with connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=10) as socket:
        socket.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}}
            )
        )
        assert json.loads(socket.recv(10)) == {"type": "connection_ack"}
        socket.send(
            json.dumps({"type": "subscribe", "id": "1", "payload": {"query": query, "variables": variables}})
        )
        return json.loads(socket.recv(30))


def limits_of(errors):
    return [(e["extensions"].get("code"), e["extensions"].get("limit")) for e in errors]


def test_searches_are_bounded_for_every_role_over_http_and_websocket(servers, territories, world):
    server = servers(DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1")
    tokens = {role: issue_token(world.user(role)).token if world.user(role) else None for role in ROLES}
    flood = " ".join(["saint"] * 16_000)  # the red team's 32 KB of variables: 10.5 s each before
    for role, token in tokens.items():
        for field, query in SEARCHES.items():
            answer = post(server, query, {"s": " ".join(["saint"] * 11)}, token)
            assert limits_of(answer["errors"]) == [("BAD_USER_INPUT", "searchWords")], (role, field)
            assert answer["errors"][0]["message"].startswith("La recherche compte trop de mots : 11")
        assert limits_of(post(server, SEARCHES["msps"], {"s": flood}, token)["errors"]) == [
            ("BAD_USER_INPUT", "documentBytes")
        ]
        socket_answer = over_websocket(server, SEARCHES["hubs"], {"s": " ".join(["saint"] * 11)}, token)
        assert socket_answer["type"] == "next" and limits_of(socket_answer["payload"]["errors"]) == [
            ("BAD_USER_INPUT", "searchWords")
        ], role
        # 48 KB: within the socket's 64 KiB per message, past the request's 32 KiB
        flooded = over_websocket(server, SEARCHES["hubs"], {"s": " ".join(["saint"] * 8_000)}, token)
        assert flooded["type"] == "error" and limits_of(flooded["payload"]) == [
            ("BAD_USER_INPUT", "documentBytes")
        ]
    assert "errors" not in post(server, SEARCHES["msps"], {"s": "Saint-Martin"}, tokens["practitioner"])
    # The suggestions read a draft, not a search: 10,000 characters (the most any text input takes) answer,
    # looked at up to their first 2,000; one more is refused before anything runs.
    suggest = "query($t: String!) { suggestedArticles(text: $t) { title } }"
    draft = ("Statuts de notre Sisa : qui peut en être associé ? " * 200)[:10_000]
    for role, token in tokens.items():
        assert post(server, suggest, {"t": draft}, token) == {"data": {"suggestedArticles": []}}, role
        refused = post(server, suggest, {"t": draft + "x"}, token)
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["BAD_USER_INPUT"], role


def test_the_back_office_sign_in_is_throttled_through_real_daphne(servers, territories, settings):
    """Before: 12 wrong passwords on /admin/login/, all evaluated, none recorded, then the right one signed in."""
    from django.contrib.auth import get_user_model

    from backend.accounts.models import FailedLogin

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the server's
    admin = get_user_model().objects.create_superuser("admin.prod@test.invalid", PASSWORD)
    server = servers(DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1")
    cookies = {}

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    browser = urllib.request.build_opener(NoRedirect)

    def keep(response):
        # Production cookies are Secure (TLS in front): a browser library would not send them over loopback
        # HTTP, so they are kept and sent by hand.
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name] = rest.split(";", 1)[0]

    def open_(request):
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        try:
            response = browser.open(request, timeout=30)
        except urllib.error.HTTPError as redirect:  # 302: signed in
            keep(redirect)
            return redirect.code, redirect.headers.get("Location", ""), ""
        keep(response)
        return response.status, "", response.read().decode()

    def sign_in(password):
        _, _, page = open_(urllib.request.Request(f"{server.url}/admin/login/"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": admin.email, "password": password, "next": "/admin/"}
        ).encode()
        return open_(urllib.request.Request(f"{server.url}/admin/login/?next=/admin/", data=form))

    for _ in range(12):
        status, _, page = sign_in("mauvais")
        assert status == 200 and "errornote" in page  # the form again, with its error
    assert FailedLogin.objects.filter(email=admin.email).count() >= 5
    status, _, page = sign_in(PASSWORD)
    assert status == 200 and "Trop de tentatives" in page  # still locked, with the right password
    FailedLogin.objects.filter(email=admin.email).delete()
    status, location, _ = sign_in(PASSWORD)
    assert (status, location) == (302, "/admin/")  # the form itself works once the count is cleared


def test_a_requester_learns_nothing_of_others_questions_through_real_daphne(servers, territories, world):
    """Two leaks of the table, over HTTP as the red team found them: a merge named the other requester's
    question, and a requester could filter the queue on staff-only facts (tags, assignee, escalation)."""
    from mentoring.accelerator import services
    from tests.factories import make_practitioner
    from tests.helpers import gid, question

    server = servers(DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1")
    secret = services.submit(
        make_practitioner(user=True), question(subject="Conflit avec mon associé sur la SISA")
    )
    mine = services.submit(world.user("practitioner").practitioner, question(subject="Statuts de la SISA"))
    services.merge(mine, world.user("cnam_staff"), secret, "Même question")
    token = issue_token(world.user("practitioner")).token
    thread = post(
        server,
        "query($id: ID!) { node(id: $id) { ... on AcceleratorRequest { mergedInto { subject } messages { body } } } }",
        {"id": gid(mine)},
        token,
    )
    assert thread["data"]["node"]["mergedInto"] is None
    assert "Conflit" not in json.dumps(thread, ensure_ascii=False)
    assert any(f"#{secret.pk}" in m["body"] for m in thread["data"]["node"]["messages"])

    queue = "query($f: AcceleratorFilter) { acceleratorRequests(first: 5, filter: $f) { totalCount } }"
    for staff_only in ({"escalated": True}, {"unassigned": True}, {"tagIds": []}):
        answer = post(server, queue, {"f": staff_only}, token)
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"], staff_only
        assert answer["errors"][0]["message"].startswith("Filtres réservés à l'équipe de l'accélérateur")
    staff_token = issue_token(world.user("cnam_staff")).token
    assert "errors" not in post(server, queue, {"f": {"escalated": True}}, staff_token)
