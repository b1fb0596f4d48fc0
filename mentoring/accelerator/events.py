"""The accelerator's live topics (backend/realtime/live.py). Who receives an event is part of the declaration:
the queue is Cnam staff's; on a request, internal notes and staff presence are theirs too; a region's ARS
inbox is its agents' and staff's, the ARS's notes included, the Cnam's internal notes not."""

from backend.realtime.live import Topic


def _staff(info) -> bool:
    from mentoring.accelerator.permissions import is_accelerator_staff
    from network.permissions import viewer_for

    return is_accelerator_staff(viewer_for(info.context))


def staff_only(payload, info) -> bool:
    return _staff(info)


def _ars_agent(info) -> bool:
    from network.permissions import viewer_for

    return viewer_for(info.context).ars_region_code is not None


def public_or_staff(payload, info) -> bool:
    """Public replies and changes to whoever may see the request; internal notes and presence to staff; the
    ARS's notes to staff and ARS agents (the region is checked on the request, with the message)."""
    if payload.get("kind") == "PRESENCE":
        return _staff(info)
    if payload.get("internal"):
        return _staff(info) or (bool(payload.get("ars")) and _ars_agent(info))
    return True


REQUEST = Topic(
    "accelerator-request",
    key="the accelerator request's primary key",
    description="A change to the request: state, triage, assignee, a message, routing, presence.",
    payload=("request", "kind", "message", "internal", "ars", "user", "activity"),
    audience=public_or_staff,
)
QUEUE = Topic(
    "accelerator-queue",
    key='"staff" (one queue)',
    description="A change anywhere in the queue.",
    payload=("request", "kind", "message", "internal", "ars"),
    audience=staff_only,
)
ARS_INBOX = Topic(
    "accelerator-ars-inbox",
    key="the INSEE code of the region whose ARS the request was routed to",
    description="A change to a request routed to the region's ARS: routing, replies, notes, state.",
    payload=("request", "kind", "message", "internal", "ars"),
    audience=public_or_staff,  # subscribing is for the region's agents and staff (the subscription's check)
)
