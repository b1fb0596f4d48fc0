"""GraphQL over WebSocket, protocol graphql-transport-ws (enisdenjo/graphql-ws, PROTOCOL.md).

One consumer per socket. Queries and mutations sent over the socket run like over HTTP (in a thread, same
schema, same permissions). A subscription listens to channel-layer groups; each event is resolved in a thread
with the subscriber's rights as they are at that moment (user reloaded, token re-checked), and events the
subscriber may not see are dropped. Identical work for one event (same document, variables and principal) is
done once for all of this process's subscribers.

This module is the protocol; what a client may do (caps, origins) is `policy.py`, and the batching of an
event's subscribers `sharing.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from enum import IntEnum

from channels.auth import get_user
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
)
from graphql.execution import create_source_event_stream

from backend.accounts.services import user_for_token
from backend.core import serialise
from backend.core.addresses import header, scope_client_ip
from backend.core.compiled_reads import compiled_payload
from backend.core.errors import format_error
from backend.core.execution import DatabaseBusy, OperationStopped, execution_setting, run_in_pool
from backend.core.fast_execution import execution_context_class
from backend.core.limits import prepare_operation
from backend.core.observability import LIVE_OPERATIONS, SOCKETS

from .fanout import process_fanout
from .health import layer_available
from .policy import (
    SOCKETS_BY_ADDRESS,
    SOCKETS_BY_USER,
    limit_error,
    origin_allowed,
    realtime_setting,
)
from .sharing import REVOKED, SKIP, event_result, live_schema
from .subscriptions import RealtimeContext

logger = logging.getLogger("backend.realtime")

PROTOCOL = "graphql-transport-ws"


class CloseCode(IntEnum):
    BAD_REQUEST = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    SUBPROTOCOL_NOT_ACCEPTABLE = 4406
    CONNECTION_INIT_TIMEOUT = 4408
    SUBSCRIBER_ALREADY_EXISTS = 4409
    TOO_MANY_INITIALISATION_REQUESTS = 4429
    INTERNAL_SERVER_ERROR = 4500


# Close codes for the caps. A server may only send 1000 or 3000-4999 (autobahn, under Daphne, refuses
# RFC 6455's 1009 and 1013), so these mirror them in the private range; graphql-ws clients retry any
# code outside the protocol's own, with back-off — what "try again later" asks.
CLOSE_MESSAGE_TOO_BIG = 4009
CLOSE_TRY_AGAIN_LATER = 4013
CLOSE_SERVICE_UNAVAILABLE = 4503  # the channel layer (Redis) is unreachable: clients retry with back-off


class GraphQLTransportWSConsumer(AsyncWebsocketConsumer):
    # No channel per socket: events reach sockets through the process fan-out (fanout.py), so the
    # handshake itself never waits on the channel layer.
    channel_layer_alias = "no per-socket channel"

    # --- Connection lifecycle -------------------------------------------------------------------

    async def connect(self):
        self.acknowledged = False
        self.init_received = False
        self.closing = False
        self.operations: dict[str, asyncio.Task] = {}
        self.streams: list[tuple[asyncio.Queue, list[str]]] = []  # (queue, groups) of open subscriptions
        self.token: str | None = None
        self.session_user_id: int | None = None
        self.init_deadline: asyncio.Task | None = None
        self.origin = header(self.scope, b"origin")
        self.counted_user: int | None = None
        # The client's address as the login throttle sees it (behind a trusted proxy, the forwarded one).
        self.address = scope_client_ip(self.scope) or ""
        self.running = asyncio.Semaphore(realtime_setting("MAX_RUNNING_OPERATIONS_PER_SOCKET"))
        SOCKETS_BY_ADDRESS[self.address] += 1
        self.counted_address = True
        SOCKETS.inc()

        if PROTOCOL not in self.scope.get("subprotocols", []):
            await self.accept()
            await self.close_with(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE)
            return
        if self.origin is not None and not origin_allowed(self.origin, self.scope):
            await self.close()  # refuse the handshake (HTTP 403): a page of another site
            return
        await self.accept(subprotocol=PROTOCOL)
        if not await layer_available():
            logger.warning("WebSocket refused: the channel layer is unreachable")
            await self.close_with(
                CLOSE_SERVICE_UNAVAILABLE,
                "Le temps réel est momentanément indisponible. Nouvel essai dans quelques secondes.",
            )
            return
        if SOCKETS_BY_ADDRESS[self.address] > realtime_setting("MAX_SOCKETS_PER_ADDRESS"):
            logger.warning("WebSocket refused: too many sockets from %s", self.address)
            await self.close_with(
                CLOSE_TRY_AGAIN_LATER,
                "Trop de connexions WebSocket ouvertes depuis cette adresse. Fermez-en avant d'en ouvrir d'autres.",
            )
            return
        self.init_deadline = asyncio.create_task(self._expect_init())

    async def _expect_init(self):
        await asyncio.sleep(realtime_setting("CONNECTION_INIT_TIMEOUT"))
        if not self.init_received:
            await self.close_with(CloseCode.CONNECTION_INIT_TIMEOUT)

    async def close_with(self, code: int, reason: str | None = None):
        if not self.closing:
            self.closing = True
            # The reason reaches clients on servers that pass it (Daphne drops it; the code stays).
            await self.close(code=int(code), reason=reason)
            # Stop the work now rather than when the client's disconnect arrives.
            current = asyncio.current_task()
            for task in self.operations.values():
                if task is not current:
                    task.cancel()

    async def disconnect(self, code):
        self.closing = True
        self._uncount()
        if self.init_deadline is not None:
            self.init_deadline.cancel()
        tasks = list(self.operations.values())
        self.operations.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        fanout = process_fanout()
        for queue, groups in list(self.streams):
            await self._leave(fanout, queue, groups)

    def _uncount(self):
        if self.counted_address:
            SOCKETS.dec()
            self.counted_address = False
            SOCKETS_BY_ADDRESS[self.address] -= 1
            if SOCKETS_BY_ADDRESS[self.address] <= 0:
                del SOCKETS_BY_ADDRESS[self.address]
        if self.counted_user is not None:
            SOCKETS_BY_USER[self.counted_user] -= 1
            if SOCKETS_BY_USER[self.counted_user] <= 0:
                del SOCKETS_BY_USER[self.counted_user]
            self.counted_user = None

    # --- Incoming messages ------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        size = len(text_data) if text_data is not None else len(bytes_data or b"")
        if size > realtime_setting("MAX_MESSAGE_BYTES"):
            await self.close_with(
                CLOSE_MESSAGE_TOO_BIG,
                f"Message trop volumineux ({size} caractères, {realtime_setting('MAX_MESSAGE_BYTES')} au plus).",
            )
            return
        try:
            message = json.loads(text_data) if text_data is not None else None
        except ValueError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        handler = {
            "connection_init": self._on_connection_init,
            "ping": self._on_ping,
            "pong": self._on_pong,
            "subscribe": self._on_subscribe,
            "complete": self._on_complete,
        }.get(message["type"])
        if handler is None:
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        await handler(message)

    async def _on_connection_init(self, message):
        if self.init_received:
            await self.close_with(CloseCode.TOO_MANY_INITIALISATION_REQUESTS)
            return
        self.init_received = True
        if self.init_deadline is not None:
            self.init_deadline.cancel()
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        try:
            user_id = await self._authenticate(payload or {})
        except DatabaseBusy:
            await self.close_with(
                CLOSE_SERVICE_UNAVAILABLE,
                "Le service est momentanément saturé. Nouvel essai dans un instant.",
            )
            return
        if user_id is False:
            await self.close_with(CloseCode.FORBIDDEN)
            return
        if user_id is not None:
            SOCKETS_BY_USER[user_id] += 1
            self.counted_user = user_id
            if SOCKETS_BY_USER[user_id] > realtime_setting("MAX_SOCKETS_PER_USER"):
                await self.close_with(
                    CLOSE_TRY_AGAIN_LATER,
                    "Trop de connexions WebSocket ouvertes pour ce compte. Fermez-en avant d'en ouvrir d'autres.",
                )
                return
        self.acknowledged = True
        await self.send_json({"type": "connection_ack"})

    async def _authenticate(self, payload: dict) -> int | bool | None:
        """The signed-in user's id, None for anonymous, False when the credentials are refused."""
        raw = payload.get("authorization") or payload.get("Authorization")
        if raw is not None:
            if not isinstance(raw, str):
                return False
            scheme, _, value = raw.strip().partition(" ")
            token = value.strip() if scheme.lower() == "bearer" else raw.strip()
            user = await run_in_pool(user_for_token, token)
            if user is None:
                return False
            self.token = token
            return user.pk
        # The session cookie counts only from a page of an allowed origin (no cross-site hijacking).
        if self.origin is not None and "session" in self.scope:
            user = await get_user(self.scope)
            if user.is_authenticated:
                self.session_user_id = user.pk
                return user.pk
        return None

    async def _on_ping(self, message):
        pong = {"type": "pong"}
        if isinstance(message.get("payload"), dict):
            pong["payload"] = message["payload"]
        await self.send_json(pong)

    async def _on_pong(self, message):
        pass

    async def _on_subscribe(self, message):
        if not self.acknowledged:
            await self.close_with(CloseCode.UNAUTHORIZED)
            return
        op_id, payload = message.get("id"), message.get("payload")
        if (
            not isinstance(op_id, str)
            or not op_id
            or not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str)
            or not isinstance(payload.get("variables"), dict | None)
            or not isinstance(payload.get("operationName"), str | None)
        ):
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        if op_id in self.operations:
            await self.close_with(CloseCode.SUBSCRIBER_ALREADY_EXISTS)
            return
        maximum = realtime_setting("MAX_SUBSCRIPTIONS_PER_SOCKET")
        if len(self.operations) >= maximum:
            await self._send_errors(
                op_id,
                [
                    limit_error(
                        f"Trop d'opérations ouvertes sur cette connexion ({maximum} au plus) : "
                        "terminez-en (complete) avant d'en ouvrir d'autres.",
                        "subscriptionsPerSocket",
                        maximum,
                    )
                ],
            )
            return
        self.operations[op_id] = asyncio.create_task(self._run_operation(op_id, payload))

    async def _on_complete(self, message):
        op_id = message.get("id")
        if not isinstance(op_id, str):
            await self.close_with(CloseCode.BAD_REQUEST)
            return
        task = self.operations.pop(op_id, None)
        if task is not None:
            task.cancel()

    # --- Operations ----------------------------------------------------------------------------

    async def send_json(self, content):
        if not self.closing:
            await self.send(text_data=serialise.dumps(content))

    async def _send_errors(self, op_id, errors):
        await self.send_json({"type": "error", "id": op_id, "payload": [format_error(e) for e in errors]})

    async def _run_operation(self, op_id: str, payload: dict):
        LIVE_OPERATIONS.inc()
        try:
            await self._operation(op_id, payload)
        finally:
            LIVE_OPERATIONS.dec()

    async def _operation(self, op_id: str, payload: dict):
        query, variables = payload["query"], payload.get("variables") or {}
        operation_name = payload.get("operationName") or None
        try:
            # The same limits as over HTTP (backend.core.limits), checked in the pool: a large
            # document's validation must not hold the event loop.
            document, errors = await run_in_pool(
                prepare_operation, live_schema(), query, variables, database=False
            )
            if errors:
                await self._send_errors(op_id, errors)
                return
            operation = get_operation_ast(document, operation_name)
            if operation is None:
                await self._send_errors(op_id, [GraphQLError("Opération introuvable dans le document.")])
                return
            if operation.operation == OperationType.SUBSCRIPTION:
                finished = await self._run_subscription(op_id, query, document, variables, operation_name)
                if not finished:
                    return
            else:
                async with self.running:  # one socket's operations queue behind each other, not others'
                    result = await run_in_pool(self._execute, document, variables, operation_name, query)
                if result is REVOKED:
                    await self.close_with(CloseCode.FORBIDDEN)
                    return
                text = serialise.dumps(result)
                if not await self._send_result(op_id, text):
                    return
            await self.send_json({"type": "complete", "id": op_id})
        except asyncio.CancelledError:
            raise
        except (OperationStopped, DatabaseBusy) as refusal:
            await self._send_errors(op_id, [refusal])
        except Exception:
            logger.exception("GraphQL over WebSocket: operation %s failed", op_id)
            await self.close_with(CloseCode.INTERNAL_SERVER_ERROR)
        finally:
            if self.operations.get(op_id) is asyncio.current_task():
                del self.operations[op_id]

    async def _send_result(self, op_id: str, payload_text: str) -> bool:
        """Send a `next` message, or an `error` for the operation if the result is too large for one."""
        maximum = realtime_setting("MAX_RESULT_BYTES")
        if len(payload_text) > maximum:
            await self._send_errors(
                op_id,
                [
                    limit_error(
                        f"Résultat trop volumineux pour un message ({len(payload_text)} caractères, "
                        f"{maximum} au plus) : demandez moins de données à la fois.",
                        "resultBytes",
                        maximum,
                    )
                ],
            )
            return False
        if not self.closing:
            await self.send(
                text_data=f'{{"type":"next","id":{serialise.dumps(op_id)},"payload":{payload_text}}}'
            )
        return True

    async def _run_subscription(self, op_id, query, document, variables, operation_name) -> bool:
        """Stream events until the client completes; False if the operation ended with an error."""
        context = await run_in_pool(self._fresh_context)
        if context is None:
            await self.close_with(CloseCode.FORBIDDEN)
            return False
        context.connection = self
        # Subscribe resolvers are coroutines: they reach the database through the pool (run_in_pool).
        budget = float(execution_setting("TIME_BUDGET"))
        try:
            stream = await asyncio.wait_for(
                create_source_event_stream(live_schema(), document, None, context, variables, operation_name),
                timeout=budget + 1,
            )
        except TimeoutError:
            await self._send_errors(op_id, [OperationStopped("timeout", budget)])
            return False
        if isinstance(stream, ExecutionResult):
            await self._send_errors(op_id, stream.errors or [])
            return False
        # What makes two subscribers' work for one event the same: computed once per subscription.
        work = (query, json.dumps(variables, sort_keys=True), operation_name)
        try:
            async for event in stream:
                result = await self._event_result(work, document, variables, operation_name, event)
                if result is SKIP:
                    continue
                if result is REVOKED:
                    await self.close_with(CloseCode.FORBIDDEN)
                    return False
                if isinstance(result, OperationStopped):
                    await self._send_errors(op_id, [result])
                    return False
                if not await self._send_result(op_id, result):
                    return False
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
        return True

    # --- Execution, in a thread ---------------------------------------------------------------------

    def _fresh_context(self) -> RealtimeContext | None:
        """A context with the user as they are now; None if the token no longer holds."""
        if self.token is not None:
            user = user_for_token(self.token, touch=False)  # checked at every event: read only
            if user is None:
                return None
        elif self.session_user_id is not None:
            user = get_user_model().objects.filter(pk=self.session_user_id, is_active=True).first()
            user = user or AnonymousUser()
        else:
            user = AnonymousUser()
        return RealtimeContext(user, token=self.token, client_ip=self.address)

    def _execute(self, document, variables, operation_name, query):
        """A query or mutation sent over the socket, for the user as they are now (a read by compiled reads)."""
        context = self._fresh_context()
        if context is None:
            return REVOKED
        compiled = compiled_payload(live_schema(), context, query, document, operation_name, variables)
        if compiled is not None:
            return compiled
        result = execute(
            live_schema(),
            document,
            None,
            context,
            variables,
            operation_name,
            execution_context_class=execution_context_class(),
        )
        payload = {"data": result.data}
        if result.errors:
            payload["errors"] = [format_error(e) for e in result.errors]
        return payload

    def _principal(self):
        if self.token is not None:
            return ("token", self.token)
        if self.session_user_id is not None:
            return ("session", self.session_user_id)
        return ("anonymous",)

    async def _event_result(self, work, document, variables, operation_name, event):
        """The event's payload for this subscriber as JSON text, SKIP or REVOKED (or OperationStopped):
        resolved with the other subscribers of this process with the same work (sharing.py)."""
        return await event_result(self._principal(), work, document, variables, operation_name, event)

    # --- Channel-layer groups, through the process fan-out ----------------------------------------------

    async def listen(self, groups: list[str]):
        """Join the groups and return the stream of their events (leaves them when the stream closes)."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=realtime_setting("QUEUE_SIZE"))
        fanout = process_fanout()
        for group in groups:
            await fanout.add(group, queue)
        self.streams.append((queue, groups))
        return self._events(fanout, queue, groups)

    async def _events(self, fanout, queue: asyncio.Queue, groups: list[str]):
        try:
            while True:
                yield await queue.get()
        finally:
            await self._leave(fanout, queue, groups)

    async def _leave(self, fanout, queue, groups):
        if (queue, groups) in self.streams:
            self.streams.remove((queue, groups))
            for group in groups:
                await fanout.remove(group, queue)
