"""Live topics and the subscriptions that listen to them, declared once.

A **topic** is declared once per domain (`<domain>/events.py`): its name, what its key is, the fields
its events carry (identifiers only), and who may receive each event (`audience`, checked at delivery).
Services publish through it (`HUB.publish(hub.pk)`: sent when the transaction commits); subscription
fields listen through a **declaration** given to `backend.core.graphql.Field(live=…)`:

- `WatchObject(topic, Type, Model)`: one object by its global ID, seen through the type's scoping
  (`get_queryset`) when subscribing and again at every event;
- `Listen(topic, keys=…, resolve=…)`: the keys a viewer listens to (computed on the pool, may refuse),
  and how an event becomes the field's value for that viewer (raise `EventNotVisible` to skip it).

The permission gate of the field runs before either (backend.core.permissions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from backend.core.execution import run_in_pool
from backend.core.graphql import decode_global_id

from .events import group_name, publish
from .subscriptions import EventNotVisible, require_visible


@dataclass(frozen=True)
class Topic:
    """A live topic: `name.key` groups, events carrying `payload` fields (identifiers only)."""

    name: str
    key: str  # what the key is, e.g. "the hub's primary key"
    description: str
    payload: tuple[str, ...] = ()
    # Who may receive an event, decided at delivery: audience(payload, info) -> bool (None: whoever listens).
    audience: Callable | None = field(default=None, compare=False)

    def group(self, key) -> str:
        return group_name(self.name, key)

    def publish(self, key, **payload) -> None:
        """Publish an event about `key` once the current transaction commits (never for a rollback)."""
        unknown = set(payload) - set(self.payload)
        if unknown:
            raise ValueError(f"Topic {self.name!r} carries {self.payload}, not {sorted(unknown)}")
        publish(self.name, key, payload)

    def deliverable(self, event, info) -> bool:
        return self.audience is None or self.audience(event.get("payload") or {}, info)


class WatchObject:
    """Watch one object by its global ID (the field's single argument).

    `public(queryset)`, when given, narrows a queryset to the objects anyone may see: an event about one
    of them is then resolved without asking who the viewer is, so that all its subscribers share one
    resolution (backend/realtime/sharing.py); the others go through the type's scoping.
    """

    def __init__(self, topic: Topic, graphql_type, model, related=(), public=None):
        self.topic, self.graphql_type, self.model, self.related = topic, graphql_type, model, tuple(related)
        self.public = public

    def _visible(self, info, pk):
        return self.graphql_type.get_queryset(self.model.objects.select_related(*self.related), info).filter(
            pk=pk
        )

    async def subscribe(self, root, info, **arguments):
        (global_id,) = arguments.values()
        pk = decode_global_id(global_id, self.graphql_type._meta.name)
        await require_visible(lambda: self._visible(info, pk).exists())
        return await info.context.listen([self.topic.group(pk)])

    def resolve(self, event, info, **arguments):
        if not self.topic.deliverable(event, info):
            raise EventNotVisible()
        base = self.model.objects.select_related(*self.related).filter(pk=event["key"])
        public = self.public is not None and self.public(base).exists()
        obj = (base if public else self.graphql_type.get_queryset(base, info)).first()
        if obj is None:  # the viewer's right to see it has ended
            raise EventNotVisible()
        return obj


class Listen:
    """Listen to the keys of one or more topics that a viewer may follow.

    `keys(info, **arguments)` runs on the pool and returns [(topic, key), …] (or raises a GraphQLError to
    refuse); `resolve(event, info, **arguments)` turns an event into the field's value for this viewer.
    """

    def __init__(self, keys: Callable, resolve: Callable, topics: tuple[Topic, ...]):
        self.keys, self._resolve, self.topics = keys, resolve, {topic.name: topic for topic in topics}

    async def subscribe(self, root, info, **arguments):
        pairs = await run_in_pool(self.keys, info, **arguments)
        for topic, _ in pairs:
            assert topic.name in self.topics, f"undeclared topic {topic.name}"
        return await info.context.listen([topic.group(key) for topic, key in pairs])

    def resolve(self, event, info, **arguments):
        topic = self.topics.get(event.get("topic"))
        if topic is None or not topic.deliverable(event, info):
            raise EventNotVisible()
        return self._resolve(event, info, **arguments)
