"""The client's address, one rule for every door: Django's request (`client_ip(request.META)`), the
WebSocket consumer and the per-address rate limit (`scope_client_ip(scope)`, from the ASGI scope).

Only proxies listed in `TRUSTED_PROXIES` (addresses or networks) are believed: the address taken is the
right-most one of `X-Forwarded-For` that is not itself a trusted proxy, so a client cannot choose its
address by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]):
    return [ipaddress.ip_network(p, strict=False) for p in proxies]


def client_ip(meta) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the address it forwarded."""
    remote = (meta.get("REMOTE_ADDR") or "").strip() or None
    trusted = _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", [])))

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if remote is None or not trusted or not is_trusted(remote):
        return remote
    forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not is_trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a malformed hop: fall back on the proxy itself
    return remote


def header(scope, name: bytes) -> str | None:
    """An ASGI scope's header (the first of that name), decoded."""
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def scope_client_ip(scope) -> str | None:
    """`client_ip` for an ASGI scope (HTTP or WebSocket)."""
    return client_ip(
        {
            "REMOTE_ADDR": (scope.get("client") or [None])[0] or "",
            "HTTP_X_FORWARDED_FOR": header(scope, b"x-forwarded-for") or "",
        }
    )
