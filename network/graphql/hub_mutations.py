"""Mutations on hub designations: apply (the MSP's coordinators), approve and suspend (Cnam staff), the
opinion of the ARS of the hub's region on those decisions."""

from decimal import Decimal

import graphene
from django.core.exceptions import ValidationError

from backend.core.graphql import Forbidden, enum_value, get_object
from backend.core.permissions import Permission

from .. import models
from ..permissions import is_ars_of_hub, region_of_hub, viewer_for
from ..services import hubs
from . import types
from .common import NetworkMutation, managed_msp
from .enums import HubDecisionEnum
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
    """Approve a hub designation: Cnam staff and admins. Its MSP must be operating and meet the composition
    rule (2 doctors and 1 auxiliaire médical among the associates), or be within its 3-year grace period."""

    class Meta:
        permissions = [Permission.APPROVE_HUBS]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the hub.")
        reason = graphene.String(
            description="Why: required when the ARS of the region gave an unfavourable opinion on the "
            "designation (kept with it)."
        )

    hub = graphene.Field(types.Hub, description="The approved hub.")

    @classmethod
    def perform(cls, root, info, id, reason=""):
        return cls(
            hub=hubs.approve_hub(_hub(id), approved_by=info.context.user, reason=reason or ""), errors=[]
        )


class GiveArsOpinionOnHub(NetworkMutation):
    """The ARS of the hub's region gives its opinion on designating it (a candidate or suspended hub) or
    on suspending it (an approved one); the Cnam reads it (`Hub.arsOpinions`, the admin) before deciding."""

    class Meta:
        permissions = [Permission.ARS_AGENT]

    class Arguments:
        hub_id = graphene.ID(required=True, description="Global ID of a hub of the caller's region.")
        decision = HubDecisionEnum(required=True, description="The decision the opinion is about.")
        favourable = graphene.Boolean(required=True, description="In favour of it or not.")
        reason = graphene.String(required=True, description="Why, in French (shown to the Cnam).")

    hub = graphene.Field(types.Hub, description="The hub, with the opinion in `arsOpinions`.")

    @classmethod
    def perform(cls, root, info, hub_id, decision, favourable, reason):
        viewer = viewer_for(info.context)
        hub = get_object(
            hub_id, models.HubDesignation, "Hub", "hubId",
            types.Hub.get_queryset(models.HubDesignation.objects.all(), info),
        )  # fmt: skip
        if viewer.ars_region_code is None:  # an administrator: the opinion is an ARS's to give
            raise Forbidden("Seul un agent de l'ARS de la région donne cet avis.")
        if not is_ars_of_hub(hub, viewer):  # another region's hub: nothing to learn about it
            raise ValidationError({"hubId": ValidationError("Objet introuvable.", code="NOT_FOUND")})
        region = region_of_hub(hub)
        hubs.give_ars_opinion(hub, info.context.user, region, enum_value(decision), favourable, reason)
        return cls(hub=hub, errors=[])


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
