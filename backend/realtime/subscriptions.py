"""Helpers for the apps' subscription fields.

A subscription field has two halves:

- `subscribe_<field>` (async, in the event loop): checks that the viewer may see
  the object (`require_visible`, which runs the check in a thread) and returns
  `await info.context.listen([group])`: the stream of events of that group.
- `resolve_<field>` (sync, run in a thread for each event): loads the object
  through the type's scoped queryset, so rights are checked at delivery time;
  raises `EventNotVisible` when the viewer may no longer see it, and the event
  is then not sent to that subscriber.
"""

from graphql import GraphQLError


class EventNotVisible(Exception):
    """Raised by a subscription resolver: this subscriber may not see this event; drop it silently."""


async def require_visible(check) -> None:
    """Run `check()` (sync, may query the database) on the pool; refuse the subscription if it is false."""
    from backend.core.execution import run_in_pool

    if not await run_in_pool(check):
        raise GraphQLError("Objet introuvable.", extensions={"code": "NOT_FOUND"})


class RealtimeContext:
    """`info.context` for operations over WebSocket: request-like (`user`, `META`) plus `listen`."""

    def __init__(self, user, connection=None, token: str | None = None, client_ip: str | None = None):
        self.user = user
        self.connection = connection
        self.META = {"REMOTE_ADDR": client_ip or ""}
        if token:
            self.META["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        self.COOKIES = {}

    async def listen(self, groups: list[str]):
        if self.connection is None:
            raise GraphQLError(
                "Les abonnements passent par WebSocket (protocole graphql-transport-ws) sur /graphql.",
                extensions={"code": "BAD_REQUEST"},
            )
        return await self.connection.listen(groups)


def watch_object(graphql_type, model, topic: str, related=()):
    """`subscribe_<field>` and `resolve_<field>` for a field watching one object by its global ID.

    The field's single argument is the object's global ID; visibility comes from the GraphQL type's
    `get_queryset` (its scoping), checked at subscription and again at every event.

        subscribe_hub_updated, resolve_hub_updated = watch_object(types.Hub, HubDesignation, "hub")
    """
    from backend.core.graphql import decode_global_id

    from .events import group_name

    def visible(info, pk):
        return graphql_type.get_queryset(model.objects.select_related(*related), info).filter(pk=pk)

    async def subscribe(root, info, **arguments):
        (global_id,) = arguments.values()
        pk = decode_global_id(global_id, graphql_type._meta.name)
        await require_visible(lambda: visible(info, pk).exists())
        return await info.context.listen([group_name(topic, pk)])

    def resolve(event, info, **arguments):
        obj = visible(info, event["key"]).first()
        if obj is None:  # the viewer's right to see it has ended
            raise EventNotVisible()
        return obj

    return subscribe, resolve
