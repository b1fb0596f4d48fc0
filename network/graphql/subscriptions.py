"""Live updates of the network directory (over WebSocket, see backend/realtime)."""

import graphene

from backend.realtime.subscriptions import watch_object

from .. import models
from . import types


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

    subscribe_hub_updated, resolve_hub_updated = watch_object(
        types.Hub, models.HubDesignation, "hub", ["msp"]
    )
    subscribe_msp_updated, resolve_msp_updated = watch_object(types.Msp, models.Msp, "msp", ["hub"])
