"""The accelerator's live events (over WebSocket): declarations. Who receives which event is the topics'
(mentoring/accelerator/events.py): the queue is staff's; internal notes and presence too."""

import graphene
from graphql import GraphQLError

from backend.core.graphql import Field, decode_global_id
from backend.core.permissions import Permission
from backend.realtime.live import Listen
from backend.realtime.subscriptions import EventNotVisible
from mentoring.accelerator.permissions import accelerator_message_visibilities, ars_inbox_region
from network.permissions import viewer_for

from .. import events, models
from . import types


def _visible(info, pk):
    return types.AcceleratorRequest.get_queryset(models.AcceleratorRequest.objects.filter(pk=pk), info)


def _event(event, info, **arguments):
    payload = event["payload"]
    request = _visible(info, payload["request"]).first()
    if request is None:
        raise EventNotVisible()
    message = None
    if payload.get("message"):
        message = (
            models.AcceleratorMessage.objects.select_related("author").filter(pk=payload["message"]).first()
        )
        visibilities = accelerator_message_visibilities(viewer_for(info.context), request)
        if message is None or message.visibility not in visibilities:
            raise EventNotVisible()
        message.request = request
    return types.AcceleratorEvent(kind=payload["kind"], request=request, message=message)


def _queue(info):
    return [(events.QUEUE, "staff")]


def _one_request(info, id):
    pk = decode_global_id(id, "AcceleratorRequest")
    if not _visible(info, pk).exists():
        raise GraphQLError("Objet introuvable.", extensions={"code": "NOT_FOUND"})
    return [(events.REQUEST, pk)]


def _ars_inbox(info, region_code=None):
    try:
        region = ars_inbox_region(viewer_for(info.context), region_code)
    except PermissionError as refused:
        raise GraphQLError(str(refused), extensions={"code": "FORBIDDEN"}) from None
    if region is None:
        raise GraphQLError("Indiquez la région (regionCode).", extensions={"code": "BAD_USER_INPUT"})
    return [(events.ARS_INBOX, region)]


class AcceleratorSubscriptionFields(graphene.ObjectType):
    accelerator_queue_events = Field(
        types.AcceleratorEvent,
        required=True,
        description="Every change in the queue: new requests, state, assignee and priority changes, messages, "
        "at-risk and breached transitions.",
        permissions=[Permission.ACCELERATOR_STAFF],
        refused_as_not_found=True,
        live=Listen(keys=_queue, resolve=_event, topics=(events.QUEUE,)),
    )
    accelerator_request_events = Field(
        types.AcceleratorEvent,
        required=True,
        id=graphene.ID(required=True, description="Global ID of the request."),
        description="Changes to one request: the requester gets public replies and state; staff everything "
        "(internal notes, presence); the routed hub its part.",
        permissions=[Permission.SIGNED_IN],
        refused_as_not_found=True,
        live=Listen(keys=_one_request, resolve=_event, topics=(events.REQUEST,)),
    )
    ars_inbox_events = Field(
        types.AcceleratorEvent,
        required=True,
        region_code=graphene.String(description="Staff: the region whose ARS inbox to follow (INSEE code)."),
        description="Changes to the requests routed to a region's ARS: routing, replies, the ARS's notes, "
        "hand-backs (never the Cnam's internal notes). An agent follows their region's inbox.",
        permissions=[Permission.ARS_AGENT, Permission.ACCELERATOR_STAFF],
        refused_as_not_found=True,
        live=Listen(keys=_ars_inbox, resolve=_event, topics=(events.ARS_INBOX,)),
    )
