"""The accelerator's live topics (backend/realtime/live.py). Who receives an event is part of the declaration:
the queue is Cnam staff's; on a request, internal notes and staff presence are theirs too."""

from backend.realtime.live import Topic


def _staff(info) -> bool:
    from mentoring.permissions import is_accelerator_staff
    from network.permissions import viewer_for

    return is_accelerator_staff(viewer_for(info.context))


def staff_only(payload, info) -> bool:
    return _staff(info)


def public_or_staff(payload, info) -> bool:
    """Public replies and changes to whoever may see the request; internal notes and presence to staff."""
    return not (payload.get("internal") or payload.get("kind") == "PRESENCE") or _staff(info)


REQUEST = Topic(
    "accelerator-request",
    key="the accelerator request's primary key",
    description="A change to the request: state, triage, assignee, a message, routing, presence.",
    payload=("request", "kind", "message", "internal", "user", "activity"),
    audience=public_or_staff,
)
QUEUE = Topic(
    "accelerator-queue",
    key='"staff" (one queue)',
    description="A change anywhere in the queue.",
    payload=("request", "kind", "message", "internal"),
    audience=staff_only,
)
