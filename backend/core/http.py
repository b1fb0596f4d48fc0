"""HTTP under ASGI: `/graphql` in one hop to the GraphQL pool, everything else through Django's async chain.

Django's asynchronous request chain runs each synchronous middleware (sessions, CSRF, locale,
authentication, messages…) through `sync_to_async`: one thread hand-off per middleware and per
direction, plus a fresh thread per request for them. For a small query that was most of the
request's cost (`bench/http_load.py`: `{ __typename }` at 4–6 ms of CPU). For `/graphql` this
handler instead runs the **whole synchronous chain** (the same middleware, in the same order, then
the view) as one job on the GraphQL pool (backend.core.execution), which keeps what the pool gives:
the time budget, a bounded number of threads and database connections, and cancellation — when the
client disconnects, the job is stopped and its SQL cancelled. Other paths (admin, health, calendar
feeds, static files) go through Django's asynchronous chain as before. An API client's POST (no cookie) runs a
shorter chain, `settings.API_MIDDLEWARE`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import JsonResponse
from django.urls import set_script_prefix

from . import loop_reads
from .execution import DatabaseBusy, OperationStopped, run_in_pool

logger = logging.getLogger("backend")

GRAPHQL_PATH = "/graphql"
POOL_URLCONF = "backend.core.pool_urls"


class BodyTooLarge(Exception):
    pass


_GONE = object()  # the client went away before the answer


def _peek(body_file) -> bytes:
    """The body's bytes, the file left at its start for the ordinary path."""
    body = body_file.read()
    body_file.seek(0)
    return body


def max_body_bytes() -> int:
    """A GraphQL request's body: the attachments it may carry (multipart), and room for the rest."""
    return settings.ACCELERATOR_ATTACHMENTS["MAX_REQUEST_BYTES"] + 1024 * 1024


def too_large() -> JsonResponse:
    limit = max_body_bytes() // (1024 * 1024)
    return JsonResponse(
        {"errors": [{"message": f"Requête trop volumineuse ({limit} Mo au plus, fichiers compris).",
                     "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]},
        status=413,
    )  # fmt: skip


def _chain(middleware: list[str]) -> BaseHandler:
    """A synchronous handler running `middleware` instead of settings.MIDDLEWARE (Django's `load_middleware`
    reads the setting: it is swapped for the call, once, at start-up)."""
    handler, full = BaseHandler(), settings.MIDDLEWARE
    settings.MIDDLEWARE = middleware
    try:
        handler.load_middleware(is_async=False)
    finally:
        settings.MIDDLEWARE = full
    return handler


class PoolHandler(ASGIHandler):
    """Django's ASGI handler, with `/graphql` served by the synchronous chain on the GraphQL pool."""

    def __init__(self):
        super().__init__()
        self.sync_handler = BaseHandler()
        self.sync_handler.load_middleware(is_async=False)
        self.api_handler = _chain(settings.API_MIDDLEWARE)

    async def handle(self, scope, receive, send):
        if scope.get("path") != GRAPHQL_PATH:
            return await super().handle(scope, receive, send)
        try:
            body_file = await self.read_capped_body(receive)
        except RequestAborted:
            return
        except BodyTooLarge:
            await self.send_response(too_large(), send)
            return
        disconnect = asyncio.ensure_future(self.listen_for_disconnect(receive))
        try:
            # An anonymous read answered on the event loop (backend/core/loop_reads.py), or the ordinary way.
            if loop_reads.eligible(scope):
                answered = await self._unless_gone(loop_reads.answer(scope, _peek(body_file)), disconnect)
                if answered is _GONE:
                    return
                if answered is not None:
                    with contextlib.suppress(asyncio.CancelledError, OSError):  # the client left meanwhile
                        await send({"type": "http.response.start", "status": answered.status,
                                    "headers": answered.headers})  # fmt: skip
                        await send({"type": "http.response.body", "body": answered.body})
                    return
            set_script_prefix(get_script_prefix(scope))
            request, error_response = self.create_request(scope, body_file)
            if request is None:
                await self.send_response(error_response, send)
                return
            response = await self._unless_gone(self._respond(request), disconnect)
            if response is _GONE:
                return
            with contextlib.suppress(asyncio.CancelledError):  # the client left while we answered
                await self.send_response(response, send)
            if response.streaming:  # not closed on the pool thread: its content was still to be read
                await sync_to_async(response.close)()
        finally:
            if not disconnect.done():
                disconnect.cancel()
            elif not disconnect.cancelled():
                disconnect.exception()  # retrieved (RequestAborted, expected)
            body_file.close()

    @staticmethod
    async def _unless_gone(work, disconnect):
        """`work`'s result, or _GONE when the client went away first: the work is then stopped (its SQL
        cancelled)."""
        work = asyncio.ensure_future(work)
        await asyncio.wait([work, disconnect], return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            return work.result()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        return _GONE

    async def read_capped_body(self, receive):
        """The body, refused past `max_body_bytes()` as it arrives (whatever Content-Length says): nobody
        fills the server's memory or disk with one request."""
        limit = max_body_bytes()
        body_file = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b")  # noqa: SIM115 (returned open, closed by the caller)
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                raise RequestAborted()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                body_file.close()
                raise BodyTooLarge()
            body_file.write(chunk)
            if not message.get("more_body", False):
                break
        body_file.seek(0)
        return body_file

    async def _respond(self, request):
        try:
            return await run_in_pool(self._in_thread, request)
        except OperationStopped as stop:
            return JsonResponse({"data": None, "errors": [stop.formatted]}, status=200)
        except DatabaseBusy as busy:
            # views imports this module (the pool handler): an import-time cycle
            from .views import busy_response

            return busy_response(busy)

    def _in_thread(self, request):
        """On a pool thread: the request's signals, the middleware chain and the view, as under WSGI."""
        signals.request_started.send(sender=self.__class__, environ=request.META)
        request.urlconf = POOL_URLCONF
        # An API client's POST (no cookie: a bearer token or none) through the middleware it needs (settings.py);
        # a browser's request (a cookie, or GraphiQL's page) through the whole chain.
        api = request.method == "POST" and "HTTP_COOKIE" not in request.META
        response = (self.api_handler if api else self.sync_handler).get_response(request)
        response._handler_class = self.__class__
        if not response.streaming:
            response.close()  # its content is in memory; closing sends request_finished, here
        return response
