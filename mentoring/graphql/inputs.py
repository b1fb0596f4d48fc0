"""Inputs of mentoring's API: offers, the slots filter, mentoring requests."""

import graphene

from backend.core.graphql import decode_global_id
from network.graphql.enums import OfferKindEnum
from network.graphql.inputs import NearPointInput

from .enums import LocationKindEnum, MentoringTopicEnum


class OfferInput(graphene.InputObjectType):
    """A support offer."""

    kind = graphene.Field(OfferKindEnum, required=True, description="Kind of support (one of the hub's).")
    title = graphene.String(required=True, description="Title, in French.")
    description = graphene.String(description="Description, in French.")
    topics = graphene.List(graphene.NonNull(graphene.String), description="Topics covered.")
    mentoring_topics = graphene.List(
        graphene.NonNull(MentoringTopicEnum),
        description="Project domains it helps with (matched against mentoring requests).",
    )
    profession_codes = graphene.List(
        graphene.NonNull(graphene.String), description="Professions concerned (TRE_G15)."
    )
    location_kind = graphene.Field(LocationKindEnum, required=True, description="Where it takes place.")
    site_id = graphene.ID(description="Global ID of the hub's site (HUB_SITE).")
    host_name = graphene.String(description="Host structure (HOST_SITE).")
    host_commune_code = graphene.String(description="INSEE code of the host commune (HOST_SITE).")
    host_site_id = graphene.ID(
        description="Global ID of the MSP site that hosts it (HOST_SITE), when the host is a known MSP or site."
    )
    booking_notice_hours = graphene.Int(description="Minimum notice to book, in hours (0 to 336; 0: none).")
    cancel_notice_hours = graphene.Int(description="Minimum notice to cancel, in hours (0 to 336; 0: none).")
    booking_question = graphene.String(
        description="A short question asked when booking (e.g. the topic to discuss); empty for none."
    )
    video_url = graphene.String(
        description="Video link of a REMOTE offer (https), shown to confirmed participants and staff only."
    )


class OfferChangesInput(graphene.InputObjectType):
    """Changes to a support offer; fields left out stay as they are."""

    title = graphene.String(description="Title, in French.")
    description = graphene.String(description="Description, in French.")
    topics = graphene.List(graphene.NonNull(graphene.String), description="Topics covered.")
    mentoring_topics = graphene.List(
        graphene.NonNull(MentoringTopicEnum), description="Project domains it helps with."
    )
    profession_codes = graphene.List(
        graphene.NonNull(graphene.String), description="Professions concerned (TRE_G15); empty for all."
    )
    location_kind = graphene.Field(LocationKindEnum, description="Where it takes place.")
    site_id = graphene.ID(description="Global ID of the hub's site (HUB_SITE).")
    host_name = graphene.String(description="Host structure (HOST_SITE).")
    host_commune_code = graphene.String(description="INSEE code of the host commune (HOST_SITE).")
    host_site_id = graphene.ID(
        description="Global ID of the MSP site that hosts it (HOST_SITE), when the host is a known MSP or site."
    )
    booking_notice_hours = graphene.Int(description="Minimum notice to book, in hours (0 to 336; 0: none).")
    cancel_notice_hours = graphene.Int(description="Minimum notice to cancel, in hours (0 to 336; 0: none).")
    booking_question = graphene.String(
        description="A short question asked when booking (e.g. the topic to discuss); empty for none."
    )
    video_url = graphene.String(
        description="Video link of a REMOTE offer (https), shown to confirmed participants and staff only."
    )
    is_active = graphene.Boolean(
        description="False withdraws the offer: no new slots, hidden from the public; booked slots stay."
    )


def offer_changes(input) -> dict:
    """The OfferData fields given in an offer input (absent ones are left as they are)."""
    changes = {}
    for name in (
        "kind",
        "title",
        "location_kind",
        "description",
        "host_name",
        "host_commune_code",
        "booking_notice_hours",
        "cancel_notice_hours",
        "booking_question",
        "video_url",
        "is_active",
    ):
        if input.get(name) is not None:
            changes[name] = input[name]
    for name in ("topics", "mentoring_topics", "profession_codes"):
        if input.get(name) is not None:
            changes[name] = list(input[name])
    if input.get("site_id"):
        changes["site_id"] = int(decode_global_id(input["site_id"], "MspSite"))
    if input.get("host_site_id"):
        changes["host_site_id"] = int(decode_global_id(input["host_site_id"], "MspSite"))
    return changes


class SlotFilterInput(graphene.InputObjectType):
    """Filters on slots; all given filters apply together."""

    hub_id = graphene.ID(description="Only this hub's slots.")
    offer_id = graphene.ID(description="Only this offer's slots.")
    offer_kind = graphene.Field(OfferKindEnum, description="Only offers of this kind.")
    starts_after = graphene.DateTime(description="Only slots starting at or after this time.")
    starts_before = graphene.DateTime(description="Only slots starting before this time.")
    only_available = graphene.Boolean(description="Only open slots with a seat left.")
    commune_code = graphene.String(description="Only slots held in this commune (INSEE code).")
    near = graphene.Field(NearPointInput, description="Only slots held within `radiusKm` of this point.")
    radius_km = graphene.Float(description="Radius around `near`, 1 to 200 km (default 30).")
    include_remote = graphene.Boolean(
        description="With `communeCode` or `near`, also list remote (video) slots, which suit any place."
    )


class MentoringRequestInput(graphene.InputObjectType):
    """A request for a hub's help."""

    topics = graphene.List(
        graphene.NonNull(MentoringTopicEnum), required=True, description="What help is needed."
    )
    message = graphene.String(required=True, description="The request, in French.")
    commune_code = graphene.String(
        required=True, description="INSEE code of the commune where the requester practises or plans to."
    )
    radius_km = graphene.Float(default_value=50, description="How far the requester would go (1 to 200 km).")
    wanted_kinds = graphene.List(
        graphene.NonNull(OfferKindEnum), description="Kinds of support wanted; none for any."
    )
