"""Live updates of the network directory (over WebSocket, see backend/realtime)."""

import graphene

from backend.core.graphql import decode_global_id
from backend.realtime.events import group_name
from backend.realtime.subscriptions import EventNotVisible, require_visible

from .. import models
from . import types


def _visible(type_, model, pk, info, related=()):
    return type_.get_queryset(model.objects.select_related(*related), info).filter(pk=pk)


class NetworkSubscription(graphene.ObjectType):
    hub_updated = graphene.Field(
        types.Hub,
        required=True,
        hub_id=graphene.ID(required=True, description="Global ID of the hub to watch."),
        description="The hub each time its designation changes (approved, suspended, capacity, radius or "
        "offers). Candidate and suspended hubs can be watched by their coordinators and Cnam staff only.",
    )
    msp_updated = graphene.Field(
        types.Msp,
        required=True,
        msp_id=graphene.ID(required=True, description="Global ID of the MSP to watch."),
        description="The MSP each time it changes: its details, sites, members or hub designation.",
    )

    @staticmethod
    async def subscribe_hub_updated(root, info, hub_id):
        pk = decode_global_id(hub_id, "Hub")
        await require_visible(lambda: _visible(types.Hub, models.HubDesignation, pk, info).exists())
        return await info.context.listen([group_name("hub", pk)])

    @staticmethod
    def resolve_hub_updated(event, info, hub_id):
        hub = _visible(types.Hub, models.HubDesignation, event["key"], info, related=["msp"]).first()
        if hub is None:  # the viewer's right to see it has ended
            raise EventNotVisible()
        return hub

    @staticmethod
    async def subscribe_msp_updated(root, info, msp_id):
        pk = decode_global_id(msp_id, "Msp")
        await require_visible(lambda: _visible(types.Msp, models.Msp, pk, info).exists())
        return await info.context.listen([group_name("msp", pk)])

    @staticmethod
    def resolve_msp_updated(event, info, msp_id):
        msp = _visible(types.Msp, models.Msp, event["key"], info, related=["hub"]).first()
        if msp is None:
            raise EventNotVisible()
        return msp
