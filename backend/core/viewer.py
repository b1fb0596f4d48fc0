"""Who is asking, as the permission rules see them: the viewer, built once per request from the context.

The bottom floor needs a viewer (the permission gate, the sharing of a live event's result among
subscribers) but must not import the domain that defines it. The domain is named in settings instead
(`settings.VIEWER`): `FACTORY(user, facts=None)` builds one viewer, `FACTS(users)` loads the facts of many
users at once (a live event resolved for a thousand subscribers). Today both are the network's
(`network/permissions.py`): its roles — practitioner, coordinator, ARS agent, Cnam staff — are who asks.

`viewer_for(context)` is the one way to get it: the HTTP request's viewer is built at its first use and
kept on the request; a WebSocket operation's context carries its connection's user; a live event's
delivery sets `context.fixed_viewer` (built from the bulk facts). `FactRecorder` notes which facts a
resolution consulted, so its result can serve every subscriber who answers them alike.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string


@lru_cache(maxsize=4)
def _named(path: str):
    return import_string(path)


def build_viewer(user, facts=None):
    """A viewer for `user` (with `facts` from `viewer_facts`, when loaded in bulk)."""
    return _named(settings.VIEWER["FACTORY"])(user, facts)


def viewer_facts(users) -> dict:
    """The facts of many users, by user id, loaded at once."""
    return _named(settings.VIEWER["FACTS"])(users)


def viewer_for(context):
    """The context's viewer, built once per request (or given with the context, for a live event)."""
    fixed = getattr(context, "fixed_viewer", None)
    if fixed is not None:
        return fixed
    viewer = getattr(context, "_viewer", None)
    if viewer is None or viewer._user is not context.user:
        viewer = build_viewer(context.user)
        context._viewer = viewer
    return viewer


class FactRecorder:
    """Notes which facts about the viewer a resolution consulted, so its result can serve other viewers.

    A live event is resolved once and the result reused for every subscriber whose viewer gives the same
    answer to each fact noted (backend/realtime/sharing.py). Reading the viewer's identity (their user or
    practitioner record) makes the result theirs alone, as does a read with a side effect (a staff read of
    contact details, which is recorded per reader).
    """

    def __init__(self) -> None:
        self.facts: dict[tuple, tuple] = {}  # (name, keys) -> (args, value)
        self.personal = False
        self.depth = 0

    def note(self, name: str, args: tuple, value) -> None:
        key = (name, tuple(getattr(a, "pk", a) for a in args))
        self.facts.setdefault(key, (args, value))

    def matches(self, viewer) -> bool:
        """Whether `viewer` answers every noted fact as the recorded viewer did."""
        if self.personal:
            return False
        for (name, _), (args, value) in self.facts.items():
            attribute = getattr(type(viewer), name)
            answer = attribute.fget(viewer) if isinstance(attribute, property) else attribute(viewer, *args)
            if answer != value:
                return False
        return True


def _fact(method):
    """A fact about the viewer, noted by the recorder when one is attached (outermost calls only)."""

    def recorded(self, *args):
        recorder = self.recorder
        if recorder is None or recorder.depth:
            return method(self, *args)
        recorder.depth += 1
        try:
            value = method(self, *args)
        finally:
            recorder.depth -= 1
        recorder.note(method.__name__, args, value)
        return value

    recorded.__name__ = method.__name__
    recorded.__doc__ = method.__doc__
    return recorded
