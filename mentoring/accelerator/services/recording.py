"""What every change of a request does: an audit row, an event to its watchers and the staff queue (internal
notes flagged for staff only), under the request's row lock.
"""

from .. import events
from ..models import (
    AcceleratorChange,
    AcceleratorMessage,
    AcceleratorRequest,
    Visibility,
)

MAX_BODY = 10_000


def audit(request, actor, field, old, new, reason="") -> None:
    AcceleratorChange.objects.create(
        request=request, actor=actor, field=field, from_value=str(old or "")[:200], to_value=str(new or "")[:200],
        reason=(reason or "")[:2000],
    )  # fmt: skip


def announce(request, kind: events.EventKind, message: AcceleratorMessage | None = None) -> None:
    """To the request's watchers and the staff queue; an internal note is flagged for staff only, a note of
    the ARS for staff and the ARS (each subscriber's event then shows what they may read)."""
    internal = message is not None and message.visibility in (Visibility.INTERNAL, Visibility.ARS_NOTE)
    payload = {
        "request": request.pk,
        "kind": kind,
        "message": message.pk if message else None,
        "internal": internal,
        "ars": message is not None and message.visibility == Visibility.ARS_NOTE,
    }
    events.REQUEST.publish(request.pk, **payload)
    events.QUEUE.publish("staff", **payload)
    if request.ars_region_id is not None:
        events.ARS_INBOX.publish(request.ars_region_id, **payload)


def publish_presence(request: AcceleratorRequest, user, activity: str | None) -> None:
    """Tell the staff watching the request that someone started or stopped viewing or replying."""
    events.REQUEST.publish(
        request.pk,
        request=request.pk,
        kind=events.EventKind.PRESENCE,
        message=None,
        user=user.pk,
        activity=activity,
    )


def lock(request: AcceleratorRequest) -> AcceleratorRequest:
    return (
        AcceleratorRequest.objects.select_for_update(of=("self",))
        .select_related("commune", "requester__user", "routed_hub__msp")
        .get(pk=request.pk)
    )
