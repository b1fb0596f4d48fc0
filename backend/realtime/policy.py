"""What one client may do over the WebSocket, apart from the protocol: the caps (per socket, per user, per
address, in this process), the origins a browser may open a socket from, and the settings behind them."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from graphql import GraphQLError

from backend.core.addresses import header

REALTIME_DEFAULTS = {
    "CONNECTION_INIT_TIMEOUT": 3.0,
    "QUEUE_SIZE": 256,
    "MAX_SUBSCRIPTIONS_PER_SOCKET": 50,
    "MAX_SOCKETS_PER_USER": 20,
    "MAX_SOCKETS_PER_ADDRESS": 100,
    "MAX_MESSAGE_BYTES": 65_536,
    "MAX_RESULT_BYTES": 1_048_576,
    "MAX_RUNNING_OPERATIONS_PER_SOCKET": 2,
}


def realtime_setting(name: str):
    return getattr(settings, "REALTIME", {}).get(name, REALTIME_DEFAULTS[name])


# Sockets open in this process, per client address and per signed-in user (the caps above).
SOCKETS_BY_ADDRESS: Counter = Counter()
SOCKETS_BY_USER: Counter = Counter()


def limit_error(message: str, limit: str, maximum: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "limit": limit, "maximum": maximum})


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_parts(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a web origin, default ports made explicit; None if it is not one."""
    try:
        parsed = urlsplit(origin.strip())
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.hostname or parsed.path not in ("", "/"):
        return None
    return parsed.scheme, parsed.hostname.lower(), port or DEFAULT_PORTS[parsed.scheme]


def _served_over_tls(scope) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)  # the trusted proxy says the browser used TLS
    if proxy:
        name = proxy[0].lower().removeprefix("http_").replace("_", "-").encode("latin-1")
        return header(scope, name) == proxy[1]
    return False


def origin_allowed(origin: str, scope) -> bool:
    """Django's CSRF rule for the WebSocket: the page's origin is this server's own (scheme, host and port,
    as the browser reached it) on an allowed host, or one of `CSRF_TRUSTED_ORIGINS`. Comparing the host alone
    let `http://127.0.0.1:9999`, another program on the same machine, use an administrator's session."""
    parts = _origin_parts(origin)
    if parts is None:
        return False
    if parts in {_origin_parts(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS}:
        return True
    host = header(scope, b"host")
    if not host:
        return False
    domain, port = split_domain_port(host.lower())
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = "https" if _served_over_tls(scope) else "http"
    try:
        served_port = int(port) if port else DEFAULT_PORTS[scheme]
    except ValueError:
        return False
    return parts == (scheme, domain.strip("[]"), served_port)
