"""Live updates of the network directory (over WebSocket, see backend/realtime): declarations only."""

import graphene

from backend.core.graphql import Field
from backend.core.permissions import Permission
from backend.realtime.live import WatchObject

from .. import events, models
from ..permissions import public_hubs
from . import types


class NetworkSubscriptionFields(graphene.ObjectType):
    hub_updated = Field(
        types.Hub,
        required=True,
        hub_id=graphene.ID(required=True, description="Global ID of the hub to watch."),
        description="The hub each time its designation changes (approved, suspended, capacity, radius or "
        "offers). Candidate and suspended hubs can be watched by their coordinators and Cnam staff only.",
        permissions=[Permission.ANYONE],
        live=WatchObject(events.HUB, types.Hub, models.HubDesignation, related=["msp"], public=public_hubs),
    )
    msp_updated = Field(
        types.Msp,
        required=True,
        msp_id=graphene.ID(required=True, description="Global ID of the MSP to watch."),
        description="The MSP each time it changes: its details, sites, members or hub designation.",
        permissions=[Permission.ANYONE],
        live=WatchObject(events.MSP, types.Msp, models.Msp, related=["hub"]),
    )
