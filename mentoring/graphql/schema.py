"""Mentoring over GraphQL: offers, slots, bookings, calendars (queries, mutations, live events).

Requests, mentorships and the coordination ledger are in `mentorships.py`.
"""

import graphene
from django.core.exceptions import ValidationError
from graphql import GraphQLError

from backend.core.graphql import (
    ConnectionField,
    bad_input,
    decode_global_id,
    errors_field,
    get_object,
    require_authenticated,
)
from backend.realtime.events import group_name
from backend.realtime.subscriptions import EventNotVisible, require_visible
from network.graphql.queries import NearPointInput, resolve_point
from network.graphql.types import Hub, OfferKindEnum
from network.models import HubDesignation, Practitioner
from network.permissions import viewer_for

from .. import models
from ..accelerator.graphql import AcceleratorMutation, AcceleratorQuery, AcceleratorSubscription
from ..errors import MentoringErrorCode
from ..services import booking as booking_service
from ..services import offers as offer_service
from ..services import rota as rota_service
from ..services import series as series_service
from . import types
from .common import (
    MentoringError,
    MentoringMutation,
    managed_offer,
    managed_slot,
    require_hub_manager,
    require_practitioner,
)
from .mentorships import MentorshipsMutation, MentorshipsQuery, MentorshipsSubscription


class OfferInput(graphene.InputObjectType):
    """A support offer."""

    kind = graphene.Field(OfferKindEnum, required=True, description="Kind of support (one of the hub's).")
    title = graphene.String(required=True, description="Title, in French.")
    description = graphene.String(description="Description, in French.")
    topics = graphene.List(graphene.NonNull(graphene.String), description="Topics covered.")
    mentoring_topics = graphene.List(
        graphene.NonNull(types.MentoringTopicEnum),
        description="Project domains it helps with (matched against mentoring requests).",
    )
    profession_codes = graphene.List(
        graphene.NonNull(graphene.String), description="Professions concerned (TRE_G15)."
    )
    location_kind = graphene.Field(types.LocationKindEnum, required=True, description="Where it takes place.")
    site_id = graphene.ID(description="Global ID of the hub's site (HUB_SITE).")
    host_name = graphene.String(description="Host structure (HOST_SITE).")
    host_commune_code = graphene.String(description="INSEE code of the host commune (HOST_SITE).")


class PublishOffer(MentoringMutation):
    """Publish a support offer of an approved hub: its coordinators, or an admin."""

    class Arguments:
        hub_id = graphene.ID(required=True, description="Global ID of the hub.")
        input = OfferInput(required=True, description="The offer.")

    offer = graphene.Field(types.SupportOffer, description="The offer published.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, hub_id, input):
        require_authenticated(info)
        hub = get_object(hub_id, HubDesignation, "Hub", "hubId")
        require_hub_manager(info, hub.msp_id)
        data = offer_service.OfferData(
            kind=input["kind"], title=input["title"], location_kind=input["location_kind"]
        )
        for name, value in _offer_changes(input).items():
            setattr(data, name, value)
        return cls(offer=offer_service.publish_offer(hub, data), errors=[])


def _offer_changes(input) -> dict:
    """The OfferData fields given in an offer input (absent ones are left as they are)."""
    changes = {}
    for name in (
        "kind",
        "title",
        "location_kind",
        "description",
        "host_name",
        "host_commune_code",
        "is_active",
    ):
        if input.get(name) is not None:
            changes[name] = input[name]
    for name in ("topics", "mentoring_topics", "profession_codes"):
        if input.get(name) is not None:
            changes[name] = list(input[name])
    if input.get("site_id"):
        changes["site_id"] = int(decode_global_id(input["site_id"], "MspSite"))
    return changes


class OfferChangesInput(graphene.InputObjectType):
    """Changes to a support offer; fields left out stay as they are."""

    title = graphene.String(description="Title, in French.")
    description = graphene.String(description="Description, in French.")
    topics = graphene.List(graphene.NonNull(graphene.String), description="Topics covered.")
    mentoring_topics = graphene.List(
        graphene.NonNull(types.MentoringTopicEnum), description="Project domains it helps with."
    )
    profession_codes = graphene.List(
        graphene.NonNull(graphene.String), description="Professions concerned (TRE_G15); empty for all."
    )
    location_kind = graphene.Field(types.LocationKindEnum, description="Where it takes place.")
    site_id = graphene.ID(description="Global ID of the hub's site (HUB_SITE).")
    host_name = graphene.String(description="Host structure (HOST_SITE).")
    host_commune_code = graphene.String(description="INSEE code of the host commune (HOST_SITE).")
    is_active = graphene.Boolean(
        description="False withdraws the offer: no new slots, hidden from the public; booked slots stay."
    )


class UpdateOffer(MentoringMutation):
    """Change a support offer (title, description, topics, professions, place, active or not). The hub's
    coordinators, or an admin."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the offer.")
        input = OfferChangesInput(required=True, description="The changes.")

    offer = graphene.Field(types.SupportOffer, description="The offer, after the change.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, id, input):
        offer = managed_offer(info, id, "id")
        offer = offer_service.update_offer(offer, **_offer_changes(input))
        return cls(
            offer=types.SupportOffer.get_queryset(
                models.SupportOffer.objects.filter(pk=offer.pk), info
            ).get(),
            errors=[],
        )


class CreateSlot(MentoringMutation):
    """Open a slot on an offer: the hub's coordinators, or an admin."""

    class Arguments:
        offer_id = graphene.ID(required=True, description="Global ID of the offer.")
        starts_at = graphene.DateTime(required=True, description="Start, with its offset (stored in UTC).")
        ends_at = graphene.DateTime(required=True, description="End, with its offset.")
        capacity = graphene.Int(required=True, description="Seats, 1 to 500.")

    slot = graphene.Field(types.Slot, description="The new slot.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, offer_id, starts_at, ends_at, capacity):
        offer = managed_offer(info, offer_id)
        return cls(slot=offer_service.create_slot(offer, starts_at, ends_at, capacity), errors=[])


SeriesScopeEnum = graphene.Enum.from_enum(
    series_service.SeriesScope,
    description=lambda v: {
        None: "Which occurrences of a series a change applies to.",
        "ONE": "This occurrence only.",
        "FOLLOWING": "This occurrence and the following ones.",
        "ALL": "All coming occurrences.",
    }[getattr(v, "value", v)],
)


class CancelSlot(MentoringMutation):
    """Cancel a slot, or occurrences of its series; booked and waiting practitioners are told. One occurrence
    is cancelled even if booked; with FOLLOWING or ALL, booked occurrences are kept unless `includeBooked`.
    The hub's coordinators, or an admin."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the slot.")
        reason = graphene.String(required=True, description="Why, shown to the practitioners.")
        scope = SeriesScopeEnum(default_value="ONE", description="For a slot of a series: which occurrences.")
        include_booked = graphene.Boolean(default_value=False, description="Also cancel booked occurrences.")

    slot = graphene.Field(types.Slot, description="The slot given, after the change.")
    cancelled = graphene.List(graphene.NonNull(types.Slot), required=True, description="Slots cancelled.")
    kept = graphene.List(
        graphene.NonNull(types.Slot),
        required=True,
        description="Occurrences kept because somebody booked them.",
    )
    errors = errors_field(MentoringError)
    error_defaults = {"cancelled": [], "kept": []}

    @classmethod
    def perform(cls, root, info, id, reason, scope="ONE", include_booked=False):
        slot = managed_slot(info, id, "id")
        scope = series_service.SeriesScope(getattr(scope, "value", scope))
        cancelled, kept = series_service.cancel_occurrences(slot, scope, reason, include_booked)
        slot.refresh_from_db()
        return cls(slot=slot, cancelled=cancelled, kept=kept, errors=[])


class UpdateSlotSeries(MentoringMutation):
    """Change the local start time, duration or seats of one occurrence, this one and the following, or all
    coming ones. With FOLLOWING or ALL, booked occurrences stay as they are unless `includeBooked`: their
    bookings then move with them and the practitioners are told. Seats never go below the confirmed
    bookings; a move that would make anybody's commitments overlap is refused. All or nothing. The hub's
    coordinators, or an admin."""

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the occurrence (or single slot).")
        scope = SeriesScopeEnum(default_value="ONE", description="Which occurrences the change applies to.")
        start_time = graphene.Time(description="New local start time (the day stays).")
        duration_minutes = graphene.Int(description="New length, in minutes.")
        capacity = graphene.Int(description="New number of seats (1 to 500).")
        include_booked = graphene.Boolean(default_value=False, description="Also change booked occurrences.")

    changed = graphene.List(graphene.NonNull(types.Slot), required=True, description="Slots changed.")
    kept = graphene.List(
        graphene.NonNull(types.Slot),
        required=True,
        description="Occurrences kept because somebody booked them.",
    )
    errors = errors_field(MentoringError)
    error_defaults = {"changed": [], "kept": []}

    @classmethod
    def perform(
        cls, root, info, slot_id, scope="ONE", start_time=None, duration_minutes=None, capacity=None,
        include_booked=False,
    ):  # fmt: skip
        slot = managed_slot(info, slot_id)
        changed, kept = series_service.update_occurrences(
            slot, series_service.SeriesScope(getattr(scope, "value", scope)),
            start_time=start_time, duration_minutes=duration_minutes, capacity=capacity,
            include_booked=include_booked,
        )  # fmt: skip
        scoped = {
            s.pk: s
            for s in types.Slot.get_queryset(
                models.Slot.objects.filter(pk__in=[x.pk for x in changed + kept]), info
            )
        }
        return cls(changed=[scoped[x.pk] for x in changed], kept=[scoped[x.pk] for x in kept], errors=[])


def _practitioners(global_ids) -> list:
    pks = [int(decode_global_id(g, "Practitioner")) for g in global_ids]
    found = {p.pk: p for p in Practitioner.objects.filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise ValidationError(
            {
                "practitioner_ids": ValidationError(
                    "Professionnel introuvable.", code=MentoringErrorCode.NOT_FOUND
                )
            }
        )
    return [found[pk] for pk in pks]


class AssignSlotStaff(MentoringMutation):
    """Set the hub members who staff a slot (replaces the current turn). The hub's coordinators, or an admin."""

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the slot.")
        practitioner_ids = graphene.List(
            graphene.NonNull(graphene.ID), required=True, description="Hub members (global IDs) who staff it."
        )

    slot = graphene.Field(types.Slot, description="The slot with its staff.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, slot_id, practitioner_ids):
        slot = managed_slot(info, slot_id, "slotId")
        rota_service.assign_staff(slot, _practitioners(practitioner_ids))
        return cls(
            slot=types.Slot.get_queryset(models.Slot.objects.filter(pk=slot.pk), info).get(), errors=[]
        )


class SwapRotaTurn(MentoringMutation):
    """Exchange the staff of two slots of one hub in one step. The hub's coordinators, or an admin."""

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of one slot.")
        other_slot_id = graphene.ID(required=True, description="Global ID of the other slot.")

    slots = graphene.List(
        graphene.NonNull(types.Slot), required=True, description="The two slots, after the swap."
    )
    errors = errors_field(MentoringError)
    error_defaults = {"slots": []}

    @classmethod
    def perform(cls, root, info, slot_id, other_slot_id):
        require_authenticated(info)
        queryset = models.Slot.objects.select_related("offer__hub")
        slot = get_object(slot_id, models.Slot, "Slot", "slotId", queryset)
        other = get_object(other_slot_id, models.Slot, "Slot", "otherSlotId", queryset)
        for s in (slot, other):
            require_hub_manager(info, s.offer.hub.msp_id)
        first, second = rota_service.swap_turns(slot, other)
        scoped = types.Slot.get_queryset(models.Slot.objects.filter(pk__in=[first.pk, second.pk]), info)
        by_pk = {s.pk: s for s in scoped}
        return cls(slots=[by_pk[first.pk], by_pk[second.pk]], errors=[])


class CreateSlotSeries(MentoringMutation):
    """Open recurring slots from an RFC 5545 rule in the place's local time (e.g. FREQ=WEEKLY;BYDAY=TU,FR at
    09:00). The hub's coordinators, or an admin."""

    class Arguments:
        offer_id = graphene.ID(required=True, description="Global ID of the offer.")
        rule = graphene.String(
            required=True, description="RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=TU,FR."
        )
        starts_on = graphene.Date(required=True, description="First day of the series.")
        until = graphene.Date(required=True, description="Last day of the series (at most two years on).")
        start_time = graphene.Time(required=True, description="Local start time of each occurrence.")
        duration_minutes = graphene.Int(required=True, description="Length of each occurrence, in minutes.")
        capacity = graphene.Int(required=True, description="Seats per occurrence.")
        rota = graphene.List(
            graphene.NonNull(graphene.ID),
            description="Hub members (global IDs) who staff the occurrences by turns, in this order.",
        )

    slots = graphene.List(graphene.NonNull(types.Slot), required=True, description="The occurrences created.")
    errors = errors_field(MentoringError)
    error_defaults = {"slots": []}

    @classmethod
    def perform(
        cls, root, info, offer_id, rule, starts_on, until, start_time, duration_minutes, capacity, rota=None
    ):
        offer = managed_offer(info, offer_id)
        series = series_service.create_series(
            offer, rule, starts_on, until, start_time, duration_minutes, capacity,
            rota=_practitioners(rota) if rota else None,
        )  # fmt: skip
        return cls(slots=types.Slot.get_queryset(series.slots.all(), info).order_by("starts_at"), errors=[])


class BookSlot(MentoringMutation):
    """Book a seat. With an idempotency key, a retried request returns the first booking instead of booking twice."""

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the slot.")
        idempotency_key = graphene.String(description="A key unique to this booking attempt (e.g. a UUID).")

    booking = graphene.Field(types.Booking, description="The confirmed booking.")
    errors = errors_field(MentoringError)

    waitlist = False

    @classmethod
    def perform(cls, root, info, slot_id, idempotency_key=""):
        practitioner = require_practitioner(info)
        slot = get_object(
            slot_id, models.Slot, "Slot", "slotId", types.Slot.get_queryset(models.Slot.objects.all(), info)
        )
        booking = booking_service.book_slot(
            slot, practitioner, idempotency_key=idempotency_key or "", waitlist=cls.waitlist
        )
        return cls(booking=booking, errors=[])


class JoinWaitlist(BookSlot):
    """Book a seat, or join the waitlist when the slot is full; a freed seat goes to the first in line."""

    waitlist = True


class CancelBooking(MentoringMutation):
    """Cancel one's booking (or waitlist place); the first practitioner waiting takes the seat."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the booking.")
        reason = graphene.String(description="Why.")

    booking = graphene.Field(types.Booking, description="The cancelled booking.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, id, reason=""):
        practitioner = require_practitioner(info)
        booking = get_object(
            id, models.Booking, "Booking", "id", models.Booking.objects.filter(practitioner=practitioner)
        )
        cancelled, _ = booking_service.cancel_booking(booking, reason or "")
        return cls(booking=cancelled, errors=[])


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


def _by_place(queryset, data):
    """Slots held in a commune or near a point (the host commune's centre, or the hub site's position)."""
    from django.db.models import F, Q
    from django.db.models.functions import Coalesce

    from network.services.directory import get_commune
    from network.services.geo import bounding_box, distance_expression

    code, near = data.get("commune_code"), data.get("near")
    if not code and not near:
        return queryset
    if data.get("radius_km") is not None and not 1 <= data["radius_km"] <= 200:
        raise bad_input("`radiusKm` doit être compris entre 1 et 200.")
    remote = (
        Q(offer__location_kind=models.LocationKind.REMOTE) if data.get("include_remote") else Q(pk__in=[])
    )
    if code:
        try:
            commune = get_commune(code, "commune_code")
        except ValidationError as exc:
            raise bad_input(next(iter(exc.message_dict.values()))[0]) from exc
        return queryset.filter(
            Q(offer__host_commune=commune, offer__location_kind=models.LocationKind.HOST_SITE)
            | Q(offer__site__commune=commune, offer__location_kind=models.LocationKind.HUB_SITE)
            | remote
        )
    latitude, longitude = resolve_point(near)
    radius = data.get("radius_km") or 30
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, longitude, radius)
    place = queryset.annotate(
        place_lat=Coalesce(F("offer__site__latitude"), F("offer__host_commune__latitude")),
        place_lon=Coalesce(F("offer__site__longitude"), F("offer__host_commune__longitude")),
    ).annotate(place_km=distance_expression(latitude, longitude, "place_lat", "place_lon"))
    return place.filter(
        Q(place_lat__range=(min_lat, max_lat), place_lon__range=(min_lon, max_lon), place_km__lte=radius)
        | remote
    )


class RotateCalendarFeed(MentoringMutation):
    """A new secret iCalendar address for one's own calendar (bookings and rota turns) or, with `hubId`, a
    hub's (its coordinators). The previous address stops working. Keep it private: anyone with it can read
    the calendar."""

    class Arguments:
        hub_id = graphene.ID(description="Global ID of the hub; omit for one's own calendar.")

    url = graphene.String(description="The new address (shown once; rotate again to get another).")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, hub_id=None):
        from django.urls import reverse

        from ..services.calendar import rotate_feed

        if hub_id:
            hub = get_object(hub_id, HubDesignation, "Hub", "hubId")
            require_hub_manager(info, hub.msp_id)
            token = rotate_feed(hub=hub)
        else:
            token = rotate_feed(
                practitioner=require_practitioner(info, "Seul un professionnel inscrit a un agenda.")
            )
        path = reverse("calendar-feed", kwargs={"token": token})
        build = getattr(info.context, "build_absolute_uri", None)
        return cls(url=build(path) if build else path, errors=[])


class MentoringQuery(MentorshipsQuery, AcceleratorQuery, graphene.ObjectType):
    support_offers = ConnectionField(
        types.SupportOffer,
        hub_id=graphene.ID(description="Only this hub's offers."),
        kind=OfferKindEnum(description="Only offers of this kind."),
        description="Active offers of approved hubs (and a coordinator's own inactive ones), by title.",
    )
    slots = ConnectionField(
        types.Slot, filter=SlotFilterInput(description="Filters."), description="Slots, soonest first."
    )
    my_bookings = ConnectionField(
        types.Booking, description="The signed-in practitioner's seats and waitlist places, soonest first."
    )
    my_slots = ConnectionField(
        types.Slot, description="Slots the signed-in practitioner staffs (rota turns), soonest first."
    )

    def resolve_support_offers(root, info, hub_id=None, kind=None, **kwargs):
        queryset = models.SupportOffer.objects.all()
        if hub_id:
            queryset = queryset.filter(hub_id=decode_global_id(hub_id, "Hub"))
        if kind:
            queryset = queryset.filter(kind=kind)
        return queryset.order_by("title", "pk")

    def resolve_slots(root, info, filter=None, **kwargs):
        data = filter or {}
        queryset = models.Slot.objects.all()
        if data.get("hub_id"):
            queryset = queryset.filter(offer__hub_id=decode_global_id(data["hub_id"], "Hub"))
        if data.get("offer_id"):
            queryset = queryset.filter(offer_id=decode_global_id(data["offer_id"], "SupportOffer"))
        if data.get("offer_kind"):
            queryset = queryset.filter(offer__kind=data["offer_kind"])
        if data.get("starts_after"):
            queryset = queryset.filter(starts_at__gte=data["starts_after"])
        if data.get("starts_before"):
            queryset = queryset.filter(starts_at__lt=data["starts_before"])
        queryset = _by_place(queryset, data)
        queryset = types.Slot.get_queryset(queryset, info)
        if data.get("only_available"):
            from django.db.models import F

            queryset = queryset.filter(status=models.SlotStatus.OPEN, confirmed__lt=F("capacity"))
        return queryset.order_by("starts_at", "pk")

    def resolve_my_bookings(root, info, **kwargs):
        practitioner = require_practitioner(info)
        return models.Booking.objects.filter(
            practitioner=practitioner, role=models.BookingRole.ATTENDEE
        ).order_by("starts_at", "pk")

    def resolve_my_slots(root, info, **kwargs):
        practitioner = require_practitioner(info)
        staffed = models.Booking.objects.filter(
            practitioner=practitioner, role=models.BookingRole.STAFF, status=models.BookingStatus.CONFIRMED
        ).values("slot_id")
        return types.Slot.get_queryset(models.Slot.objects.filter(pk__in=staffed), info).order_by(
            "starts_at", "pk"
        )


class MentoringMutationType(MentorshipsMutation, AcceleratorMutation, graphene.ObjectType):
    publish_offer = PublishOffer.Field(description=PublishOffer.__doc__)
    update_offer = UpdateOffer.Field(description=UpdateOffer.__doc__)
    update_slot_series = UpdateSlotSeries.Field(description=UpdateSlotSeries.__doc__)
    rotate_calendar_feed = RotateCalendarFeed.Field(description=RotateCalendarFeed.__doc__)
    create_slot = CreateSlot.Field(description=CreateSlot.__doc__)
    cancel_slot = CancelSlot.Field(description=CancelSlot.__doc__)
    create_slot_series = CreateSlotSeries.Field(description=CreateSlotSeries.__doc__)
    assign_slot_staff = AssignSlotStaff.Field(description=AssignSlotStaff.__doc__)
    swap_rota_turn = SwapRotaTurn.Field(description=SwapRotaTurn.__doc__)
    book_slot = BookSlot.Field(description=BookSlot.__doc__)
    join_waitlist = JoinWaitlist.Field(description=JoinWaitlist.__doc__)
    cancel_booking = CancelBooking.Field(description=CancelBooking.__doc__)


def _visible_slot(info, pk):
    return types.Slot.get_queryset(models.Slot.objects.filter(pk=pk), info)


class MentoringSubscription(MentorshipsSubscription, AcceleratorSubscription, graphene.ObjectType):
    my_booking_events = graphene.Field(
        types.BookingEvent,
        required=True,
        description="Each change to the signed-in practitioner's bookings and rota turns: confirmed, "
        "waitlisted, promoted, cancelled, slot cancelled or moved by the hub.",
    )

    @staticmethod
    async def subscribe_my_booking_events(root, info):
        from backend.core.execution import run_in_pool

        def group():
            practitioner = viewer_for(info.context).practitioner
            if practitioner is None:
                raise GraphQLError(
                    "Seul un professionnel inscrit a des réservations.", extensions={"code": "FORBIDDEN"}
                )
            return group_name("practitioner-bookings", practitioner.pk)

        return await info.context.listen([await run_in_pool(group)])

    @staticmethod
    def resolve_my_booking_events(event, info):
        practitioner = viewer_for(info.context).practitioner
        booking = (
            types.Booking.get_queryset(models.Booking.objects.filter(pk=event["payload"]["booking"]), info)
            .filter(practitioner=practitioner)
            .first()
        )
        if booking is None:
            raise EventNotVisible()
        return types.BookingEvent(kind=event["payload"]["kind"], booking=booking)

    slot_updated = graphene.Field(
        types.Slot,
        required=True,
        offer_id=graphene.ID(description="Watch the slots of this offer (or give `hubId`)."),
        hub_id=graphene.ID(description="Watch the slots of this hub (or give `offerId`)."),
        description="A slot of the offer or hub each time its seats change or it is opened or cancelled.",
    )

    @staticmethod
    async def subscribe_slot_updated(root, info, offer_id=None, hub_id=None):
        if bool(offer_id) == bool(hub_id):
            raise GraphQLError(
                "Indiquez soit `offerId`, soit `hubId`.", extensions={"code": "BAD_USER_INPUT"}
            )
        if offer_id:
            pk = decode_global_id(offer_id, "SupportOffer")
            scoped, model, group = types.SupportOffer, models.SupportOffer, group_name("offer-slots", pk)
        else:
            pk = decode_global_id(hub_id, "Hub")
            scoped, model, group = Hub, HubDesignation, group_name("hub-slots", pk)
        # Scoping reads the viewer's rights from the database: the whole check runs on the pool.
        await require_visible(lambda: scoped.get_queryset(model.objects.filter(pk=pk), info).exists())
        return await info.context.listen([group])

    @staticmethod
    def resolve_slot_updated(event, info, offer_id=None, hub_id=None):
        slot = _visible_slot(info, event["payload"]["slot"]).first()
        if slot is None:
            raise EventNotVisible()
        return slot
