"""One live event, resolved once per kind of viewer rather than once per subscriber.

When an event reaches a process, every subscription to it with the same document and variables is
collected into one batch (`backend/realtime/consumer.py`); the batch is resolved on the GraphQL pool by
`resolve_batch`, a chunk of subscribers per job:

1. the subscribers' users come in one query (tokens checked as at every event: a revoked or expired
   token ends the socket), and their facts — practitioner, permissions, coordinated MSPs — in four
   (`network.permissions.viewer_facts`), not a few queries per subscriber;
2. the event is resolved for the first subscriber with a `FactRecorder` on their viewer, which notes
   each fact the resolution consulted (is the viewer Cnam staff? do they coordinate MSP 12?);
3. every other subscriber whose viewer answers those facts the same way gets the same result: 1,000
   practitioners watching a hub's slots share one resolution. A resolution that read the viewer's
   identity (their user or practitioner record) or had a side effect (a staff read of contact details,
   recorded per reader) is theirs alone, and the next subscriber is resolved on their own.

Results are JSON text, shared by the subscribers that match (each still receives its own message).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from graphql import execute

from backend.accounts.services import users_for_tokens
from backend.core import serialise
from backend.core.errors import format_error
from backend.core.execution import OperationStopped, run_in_pool
from backend.core.fast_execution import execution_context_class
from backend.core.viewer import FactRecorder, build_viewer, viewer_facts

from .subscriptions import EventNotVisible, RealtimeContext

logger = logging.getLogger("backend.realtime")


class _Skip:
    """The subscriber may not see this event."""


class _Revoked:
    """The subscriber's credentials are no longer valid."""


SKIP, REVOKED = _Skip(), _Revoked()


def users_for(principals) -> dict:
    """Each principal's user as it is now: AnonymousUser, a user, or None (token no longer valid)."""
    tokens = [p[1] for p in principals if p[0] == "token"]
    session_ids = [p[1] for p in principals if p[0] == "session"]
    by_token = users_for_tokens(tokens)
    by_id = {u.pk: u for u in get_user_model().objects.filter(pk__in=session_ids, is_active=True)}
    users = {}
    for principal in principals:
        if principal[0] == "token":
            users[principal] = by_token.get(principal[1])
        elif principal[0] == "session":
            users[principal] = by_id.get(principal[1]) or AnonymousUser()
        else:
            users[principal] = AnonymousUser()
    return users


def _resolve(schema, document, variables, operation_name, event, user, viewer, principal):
    context = RealtimeContext(user, token=principal[1] if principal[0] == "token" else None)
    context.fixed_viewer = viewer
    context.recorder = viewer.recorder
    result = execute(
        schema,
        document,
        event,
        context,
        variables,
        operation_name,
        execution_context_class=execution_context_class(),
    )
    if any(isinstance(e.original_error, EventNotVisible) for e in result.errors or []):
        return SKIP
    payload = {"data": result.data}
    if result.errors:
        payload["errors"] = [format_error(e) for e in result.errors]
    return serialise.dumps(payload)


def resolve_batch(schema, document, variables, operation_name, event, principals, variants: list) -> dict:
    """On the pool: each principal's result (JSON text, SKIP, REVOKED or OperationStopped).

    `variants` holds (recorder, result) pairs of earlier resolutions of this event and document: it is
    read and extended, so a later batch of the same event starts from them.
    """
    users = users_for(principals)
    facts = viewer_facts([u for u in users.values() if u is not None and u.is_authenticated])
    results = {}
    for index, principal in enumerate(principals):
        user = users[principal]
        if user is None:
            results[principal] = REVOKED
            continue
        viewer = build_viewer(user, facts.get(user.pk))
        shared = next((result for recorder, result in variants if recorder.matches(viewer)), None)
        if shared is not None:
            results[principal] = shared
            continue
        viewer.recorder = recorder = FactRecorder()
        try:
            result = _resolve(schema, document, variables, operation_name, event, user, viewer, principal)
        except OperationStopped as stop:  # this event took too long: the rest of the chunk is told so
            for rest in principals[index:]:
                results[rest] = stop
            return results
        finally:
            viewer.recorder = None
        if not recorder.personal:
            variants.append((recorder, result))
        results[principal] = result
    return results


# --- Batches: the subscribers of one event in this process, collected while it is delivered -----------


def live_schema():
    from backend.schema import schema  # the assembled schema imports the domains, which import this floor

    return schema.graphql_schema


# One event's subscribers with the same document and variables, collected while the event is being
# delivered and resolved together (backend/realtime/sharing.py); and, per event and document, the
# resolutions made so far with what they depended on, for subscribers who arrive after the batch.
_BATCHES: dict[tuple, _Batch] = {}
_VARIANTS: OrderedDict[tuple, list] = OrderedDict()
_VARIANTS_MAX = 4096
BATCH_CHUNK = 1000  # subscribers per pool job (each job has the operation's time budget)


class _Batch:
    def __init__(self, loop) -> None:
        self.principals: dict = {}
        self.future = loop.create_future()


async def event_result(principal, work: tuple, document, variables, operation_name, event):
    """One subscriber's result for an event (JSON text, SKIP, REVOKED or OperationStopped): the subscribers of
    this process with the same work are resolved together, once per kind of viewer (`resolve_batch`)."""
    key = (event.get("id"), *work)
    batch = _BATCHES.get(key)
    if batch is None:
        loop = asyncio.get_running_loop()
        batch = _BATCHES[key] = _Batch(loop)
        # Runs once the subscribers woken by this event (all ready now) have joined the batch.
        loop.call_soon(
            lambda: asyncio.ensure_future(
                _resolve_batch(key, batch, document, variables, operation_name, event)
            )
        )
    batch.principals.setdefault(principal, None)
    results = await asyncio.shield(batch.future)
    return results[principal]


async def _resolve_batch(key, batch: _Batch, document, variables, operation_name, event) -> None:
    """Resolve the batch on the pool, a chunk of subscribers per job; later subscribers start a new batch."""
    if _BATCHES.get(key) is batch:
        del _BATCHES[key]
    variants = _VARIANTS.get(key)
    if variants is None:
        variants = _VARIANTS[key] = []
        while len(_VARIANTS) > _VARIANTS_MAX:
            _VARIANTS.popitem(last=False)
    principals = list(batch.principals)
    results: dict = {}
    try:
        for start in range(0, len(principals), BATCH_CHUNK):
            chunk = principals[start : start + BATCH_CHUNK]
            try:
                results.update(
                    await run_in_pool(
                        resolve_batch,
                        live_schema(),
                        document,
                        variables,
                        operation_name,
                        event,
                        chunk,
                        variants,
                    )
                )
            except OperationStopped as stop:  # this event took too long for anyone: each subscriber is told
                results.update(dict.fromkeys(chunk, stop))
    except BaseException as exc:
        batch.future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
        batch.future.exception()  # retrieved: no "never retrieved" warning when no one waits
        raise
    batch.future.set_result(results)
