"""Requests per client address, counted before anything else runs: one place, every HTTP path and WebSocket.

The other limits (backend/core/limits.py, input_rules.py, the WebSocket caps) make each request cheap
to refuse; this one bounds how many a single address may send, so that a few clients looping on
refused requests cannot take the processors from everybody else (bench/abuse.py, the search floods).

- Counted by the `limits` library (sliding-window counters), in `settings.RATE_LIMIT`:
  `RATES` (env `RATE_LIMITS`, by default "10/second;300/minute": a burst, then a sustained rate; "off"
  turns it off) and `STORAGE` (env `RATE_LIMIT_STORAGE`): `async+memory://` counts in each server
  process (with W processes an address may send up to W times the rate), `async+redis://host:6379/1`
  gives every process one count.
- The address is the client's by the rule of every door (`backend/core/addresses.py`): behind a proxy
  listed in `TRUSTED_PROXIES`, the one it forwarded. An IPv6 address counts for its /64, which one
  subscriber usually holds whole.
- Beyond the rate: HTTP 429 with `Retry-After` (a GraphQL error body in French on `/graphql`), and a
  WebSocket handshake refused before any consumer runs. `/healthz` and static files are not counted.
- A refusal is held for `HOLD` seconds (at most the wait) before it is sent. A client that ignores
  `Retry-After` and sends again as soon as it is answered would otherwise keep the server answering
  429s as fast as it can (bench/abuse.py: 8 such clients took another client's p99 from 9 to 138 ms);
  held, it sends about one request per second per connection, at the cost of a sleeping coroutine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
import time

from django.conf import settings
from limits import parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from .addresses import scope_client_ip
from .http import max_body_bytes

GRAPHQL_PATH = "/graphql"
logger = logging.getLogger("backend")


def client_key(host: str) -> str:
    """The address a client is counted under: itself for IPv4, its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # a unix socket's name or an unparsed proxy value: counted as given
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return host


def refusal_message(seconds: int) -> str:
    return f"Trop de requêtes depuis votre adresse : réessayez dans {seconds} s."


class RateLimited:
    """ASGI middleware in front of the whole application (backend/asgi.py)."""

    def __init__(self, app):
        self.app = app
        self._loop = None
        self._limiter = None
        self._rates = None

    def _configured(self):
        config = settings.RATE_LIMIT
        if self._rates is None:
            rates = config["RATES"].strip()
            self._rates = [] if rates.lower() in {"", "off", "0"} else parse_many(rates)
        # The in-memory storage holds asyncio locks and a timer task: one per event loop (a test's
        # communicator runs on its own loop; Daphne has one for its life).
        loop = asyncio.get_running_loop()
        if self._rates and self._loop is not loop:
            self._loop = loop
            uri = config["STORAGE"]
            # redis-py (already here for the channel layer) rather than coredis for a shared count
            options = {"implementation": "redispy"} if uri.startswith("async+redis") else {}
            self._limiter = SlidingWindowCounterRateLimiter(storage_from_string(uri, **options))
        return self._rates

    def _counted(self, scope) -> str | None:
        if scope["type"] not in {"http", "websocket"} or not scope.get("client"):
            return None
        path = scope.get("path", "")
        if path == "/healthz" or path.startswith("/" + settings.STATIC_URL.strip("/") + "/"):
            return None
        address = scope_client_ip(scope)
        return client_key(address) if address else None

    async def __call__(self, scope, receive, send):
        key = self._counted(scope)
        if key is None or not self._configured():
            return await self.app(scope, receive, send)
        try:
            wait = await self._wait(key)
        except Exception:  # a shared storage out of reach: serve, and say so (the other limits still hold)
            logger.exception(
                "Comptage des requêtes par adresse impossible : requête servie sans ce contrôle."
            )
            wait = None
        if wait is None:
            return await self.app(scope, receive, send)
        await asyncio.sleep(min(wait, settings.RATE_LIMIT["HOLD"]))
        if scope["type"] == "websocket":
            await receive()  # websocket.connect; closing before accepting refuses the handshake (403)
            await send({"type": "websocket.close", "code": 1008})
            return
        await _drain(receive, max_body_bytes())
        await self._too_many(scope, send, wait)

    async def _wait(self, key: str) -> int | None:
        """Counts one request for `key`: None when it may go on, else the seconds to wait."""
        refused = [rate for rate in self._rates if not await self._limiter.hit(rate, key)]
        if not refused:
            return None
        wait = 1
        for rate in refused:
            stats = await self._limiter.get_window_stats(rate, key)
            wait = max(wait, math.ceil(stats.reset_time - time.time()))
        return wait

    async def _too_many(self, scope, send, wait: int) -> None:
        message = refusal_message(wait)
        if scope["path"].rstrip("/") == GRAPHQL_PATH:
            body = json.dumps(
                {
                    "errors": [
                        {"message": message, "extensions": {"code": "TOO_MANY_REQUESTS", "retryAfter": wait}}
                    ]
                },
                ensure_ascii=False,
            ).encode()
            content_type = b"application/json"
        else:
            body, content_type = message.encode(), b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(wait).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _drain(receive, limit: int) -> None:
    """The request's body read and dropped, up to the largest body accepted, before the refusal is sent: a
    client still sending an upload then reads its 429. (Daphne reads every body before the application runs;
    uvicorn hands it over as the application asks, and closes a connection answered before its body was read,
    which the client sees as a reset in the middle of sending.)"""
    read = 0
    while read <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
