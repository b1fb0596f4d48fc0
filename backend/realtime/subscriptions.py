"""Helpers for the apps' subscription fields.

A subscription field is a declaration (backend/realtime/live.py) with two halves:

- subscribing (async, in the event loop): checks that the viewer may see the object
  (`require_visible`, which runs the check on the pool) and returns
  `await info.context.listen([group])`: the stream of events of that group.
- resolving (sync, on the pool for each event): loads the object through the type's
  scoped queryset, so rights are checked at delivery time; raises `EventNotVisible`
  when the viewer may no longer see it, and the event is then not sent to that subscriber.
"""

from graphql import GraphQLError

from backend.core.execution import run_in_pool


class EventNotVisible(Exception):
    """Raised by a subscription resolver: this subscriber may not see this event; drop it silently."""


async def require_visible(check) -> None:
    """Run `check()` (sync, may query the database) on the pool; refuse the subscription if it is false."""
    if not await run_in_pool(check):
        raise GraphQLError("Objet introuvable.", extensions={"code": "NOT_FOUND"})


class RealtimeContext:
    """`info.context` for operations over WebSocket: request-like (`user`, `META`) plus `listen`."""

    # While one event is resolved for several subscribers (backend/realtime/sharing.py): the viewer
    # given to every resolver, and the recorder that notes what the result depends on.
    fixed_viewer = None
    recorder = None

    def __init__(self, user, connection=None, token: str | None = None, client_ip: str | None = None):
        self._user = user
        self.connection = connection
        self.META = {"REMOTE_ADDR": client_ip or ""}
        if token:
            self.META["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        self.COOKIES = {}

    @property
    def user(self):
        """The user; read directly (not through the viewer's facts), the result becomes theirs alone."""
        if self.recorder is not None and not self.recorder.depth:
            self.recorder.personal = True
        return self._user

    @user.setter
    def user(self, value):
        self._user = value

    async def listen(self, groups: list[str]):
        if self.connection is None:
            raise GraphQLError(
                "Les abonnements passent par WebSocket (protocole graphql-transport-ws) sur /graphql.",
                extensions={"code": "BAD_REQUEST"},
            )
        return await self.connection.listen(groups)
