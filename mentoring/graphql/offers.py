"""Support offers over GraphQL: the public list, publishing and changing an offer."""

import graphene

from backend.core.graphql import decode_global_id, get_object
from backend.core.pagination import ConnectionField
from backend.core.permissions import Permission
from network.graphql.enums import OfferKindEnum
from network.models import HubDesignation

from .. import models, selectors
from ..services import offers as offer_service
from . import types
from .common import MentoringMutation, managed_offer, require_hub_manager
from .inputs import OfferChangesInput, OfferInput, offer_changes


class PublishOffer(MentoringMutation):
    """Publish a support offer of an approved hub: its coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        hub_id = graphene.ID(required=True, description="Global ID of the hub.")
        input = OfferInput(required=True, description="The offer.")

    offer = graphene.Field(types.SupportOffer, description="The offer published.")

    @classmethod
    def perform(cls, root, info, hub_id, input):
        hub = get_object(hub_id, HubDesignation, "Hub", "hubId")
        require_hub_manager(info, hub.msp_id)
        data = offer_service.OfferData(
            kind=input["kind"], title=input["title"], location_kind=input["location_kind"]
        )
        for name, value in offer_changes(input).items():
            setattr(data, name, value)
        return cls(offer=offer_service.publish_offer(hub, data), errors=[])


class UpdateOffer(MentoringMutation):
    """Change a support offer (title, description, topics, professions, place, active or not). The hub's
    coordinators, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the offer.")
        input = OfferChangesInput(required=True, description="The changes.")

    offer = graphene.Field(types.SupportOffer, description="The offer, after the change.")

    @classmethod
    def perform(cls, root, info, id, input):
        offer = offer_service.update_offer(managed_offer(info, id, "id"), **offer_changes(input))
        scoped = types.SupportOffer.get_queryset(models.SupportOffer.objects.filter(pk=offer.pk), info)
        return cls(offer=scoped.get(), errors=[])


class OfferQueryFields(graphene.ObjectType):
    support_offers = ConnectionField(
        types.SupportOffer,
        hub_id=graphene.ID(description="Only this hub's offers."),
        kind=OfferKindEnum(description="Only offers of this kind."),
        description="Active offers of approved hubs (and a coordinator's own inactive ones), by title.",
        permissions=[Permission.ANYONE],
    )

    def resolve_support_offers(root, info, hub_id=None, kind=None, **kwargs):
        return selectors.support_offers(decode_global_id(hub_id, "Hub") if hub_id else None, kind)
