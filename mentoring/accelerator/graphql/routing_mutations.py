"""Routing a request to a peer hub or to its region's ARS."""

import graphene

from backend.core.graphql import get_object
from backend.core.permissions import Permission
from network.models import HubDesignation

from .. import services
from .mutation_base import (
    AcceleratorRequestMutation,
    named_request,
)


class RouteAcceleratorRequestToHub(AcceleratorRequestMutation):
    """Route the question to a peer hub (see `suggestedHubs`): a linked mentoring request is sent to it, and
    the requester is told."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        hub_id = graphene.ID(required=True, description="Global ID of the hub.")
        note = graphene.String(
            description="A note for the hub, added to the linked request (the requester sees it too)."
        )

    @classmethod
    def perform(cls, root, info, id, hub_id, note=""):
        request = named_request(id)
        hub = get_object(hub_id, HubDesignation, "Hub", "hubId", HubDesignation.objects.select_related("msp"))
        return cls(request=services.route_to_hub(request, info.context.user, hub, note or ""), errors=[])


class RouteAcceleratorRequestToArs(AcceleratorRequestMutation):
    """Route the question to the region's ARS, with an explanation for the requester."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        note = graphene.String(required=True, description="What the requester should do, in French.")

    @classmethod
    def perform(cls, root, info, id, note):
        request = named_request(id)
        return cls(request=services.route_to_ars(request, info.context.user, note), errors=[])
