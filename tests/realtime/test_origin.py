"""The WebSocket's Origin is compared on scheme, host and port (issue 24): another program on the same host
cannot open a socket with a signed-in user's session cookie."""

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client

from backend.realtime.policy import origin_allowed
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.helpers import PROTOCOL

pytestmark = pytest.mark.django_db(transaction=True)


def scope(host, scheme="ws", **headers):
    pairs = [(b"host", host.encode())] + [(k.encode(), v.encode()) for k, v in headers.items()]
    return {"scheme": scheme, "headers": pairs}


@pytest.mark.parametrize(
    "origin, host, scheme, allowed",
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "ws", True),
        ("http://127.0.0.1:9999", "127.0.0.1:8000", "ws", False),  # before: accepted (host compared alone)
        ("https://127.0.0.1:8000", "127.0.0.1:8000", "ws", False),
        ("http://localhost", "localhost:80", "ws", True),  # the default port, said or not
        ("https://localhost", "localhost", "wss", True),
        ("http://localhost", "localhost", "wss", False),
        ("http://evil.example", "evil.example", "ws", False),  # not an allowed host
        ("null", "localhost", "ws", False),
        ("http://localhost:8000/page", "localhost:8000", "ws", False),  # not an origin
        ("http://localhost:99999", "localhost:8000", "ws", False),
    ],
)
def test_the_origin_is_this_server_on_scheme_host_and_port(settings, origin, host, scheme, allowed):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = []
    assert origin_allowed(origin, scope(host, scheme)) is allowed


def test_behind_a_trusted_tls_proxy_and_from_a_trusted_origin(settings):
    settings.ALLOWED_HOSTS = ["tetedepont.example"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CSRF_TRUSTED_ORIGINS = ["https://admin.tetedepont.example"]
    proxied = scope("tetedepont.example", **{"x-forwarded-proto": "https"})
    assert origin_allowed("https://tetedepont.example", proxied)
    assert not origin_allowed("http://tetedepont.example", proxied)
    assert origin_allowed("https://admin.tetedepont.example", scope("tetedepont.example"))
    assert not origin_allowed("https://admin.tetedepont.example:8443", scope("tetedepont.example"))


async def test_a_page_of_another_port_cannot_use_an_administrators_session_through_real_daphne(
    servers, settings
):
    """DEBUG=0, a real Daphne: the handshake with the administrator's session cookie is refused from
    http://127.0.0.1:9999 and accepted from the server's own origin."""
    settings.SECRET_KEY = PRODUCTION_SECRET_KEY  # the server's: the session's hash is checked with it

    def signed_in_cookie():
        admin = get_user_model().objects.create_superuser("admin.origin@test.invalid", "x" * 12)
        client = Client()
        client.force_login(admin)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    cookie = await sync_to_async(signed_in_cookie)()
    server = await sync_to_async(servers)(
        DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1"
    )

    async def handshake(origin):
        return websockets.connect(
            server.ws_url, subprotocols=[PROTOCOL], origin=origin, additional_headers={"Cookie": cookie}
        )

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with await handshake("http://127.0.0.1:9999"):
            pass
    assert refused.value.response.status_code == 403

    async with await handshake(f"http://127.0.0.1:{server.port}") as socket:
        await socket.send('{"type": "connection_init"}')
        assert await socket.recv() == '{"type":"connection_ack"}'
        await socket.send('{"type": "subscribe", "id": "1", "payload": {"query": "{ me { email } }"}}')
        assert "admin.origin@test.invalid" in await socket.recv()  # the session counts from its own origin
