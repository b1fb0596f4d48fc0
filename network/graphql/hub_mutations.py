"""Mutations on hub designations: apply (the MSP's coordinators), approve and suspend (Cnam staff)."""

from decimal import Decimal

import graphene

from backend.core.graphql import get_object
from backend.core.permissions import Permission

from .. import models
from ..services import hubs
from . import types
from .common import NetworkMutation, managed_msp
from .inputs import HubApplicationInput


class ApplyForHub(NetworkMutation):
    """Apply for the tête de pont designation, or update an existing hub's radius, capacity and offers
    (a suspended hub re-applies as a candidate). The MSP's coordinators, or an admin."""

    class Meta:
        permissions = [Permission.MSP_COORDINATOR]

    class Arguments:
        msp_id = graphene.ID(required=True, description="Global ID of the MSP.")
        input = HubApplicationInput(required=True, description="The application.")

    hub = graphene.Field(types.Hub, description="The designation after the change.")

    @classmethod
    def perform(cls, root, info, msp_id, input):
        msp = managed_msp(info, msp_id, "mspId")
        hub = hubs.apply_for_hub(
            msp,
            hubs.HubApplication(
                service_radius_km=input["service_radius_km"],
                monthly_coordination_hours=Decimal(str(round(input["monthly_coordination_hours"], 2))),
                offer_kinds=list(input["offer_kinds"]),
            ),
        )
        return cls(hub=hub, errors=[])


def _hub(id):
    # After the gate (APPROVE_HUBS): who may not approve learns nothing about candidate hubs.
    return get_object(id, models.HubDesignation, "Hub", "id")


class ApproveHub(NetworkMutation):
    """Approve a hub designation: Cnam staff and admins."""

    class Meta:
        permissions = [Permission.APPROVE_HUBS]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the hub.")

    hub = graphene.Field(types.Hub, description="The approved hub.")

    @classmethod
    def perform(cls, root, info, id):
        return cls(hub=hubs.approve_hub(_hub(id), approved_by=info.context.user), errors=[])


class SuspendHub(NetworkMutation):
    """Suspend a hub designation, with a reason: Cnam staff and admins."""

    class Meta:
        permissions = [Permission.APPROVE_HUBS]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the hub.")
        reason = graphene.String(
            required=True, description="Why the designation is suspended (shown to the MSP)."
        )

    hub = graphene.Field(types.Hub, description="The suspended hub.")

    @classmethod
    def perform(cls, root, info, id, reason):
        return cls(hub=hubs.suspend_hub(_hub(id), reason), errors=[])
