"""Reads of mentoring: offers, slots (by place), bookings, a hub's inbox, mentorships — filtered and ordered,
testable without HTTP. Which rows a viewer sees is each type's scoping (`mentoring.permissions`); a refused
input is a ValidationError in French (BAD_USER_INPUT over the API)."""

from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from network.models import Zoning
from network.services.directory import get_commune
from network.services.geo import bounding_box, distance_expression

from . import models

DEFAULT_RADIUS_KM = 30


def support_offers(hub_pk=None, kind=None):
    offers = models.SupportOffer.objects.all()
    if hub_pk:
        offers = offers.filter(hub_id=hub_pk)
    if kind:
        offers = offers.filter(kind=kind)
    return offers.order_by("title", "pk")


def slots(data: dict, *, hub_pk=None, offer_pk=None, point=None):
    """Slots, soonest first, filtered by `data` (kind, dates, place); `point` is (latitude, longitude) for
    `near`. The caller scopes them (and applies `only_available`, which needs the scoped seat counts)."""
    queryset = models.Slot.objects.all()
    if hub_pk:
        queryset = queryset.filter(offer__hub_id=hub_pk)
    if offer_pk:
        queryset = queryset.filter(offer_id=offer_pk)
    if data.get("offer_kind"):
        queryset = queryset.filter(offer__kind=data["offer_kind"])
    if data.get("starts_after"):
        queryset = queryset.filter(starts_at__gte=data["starts_after"])
    if data.get("starts_before"):
        queryset = queryset.filter(starts_at__lt=data["starts_before"])
    return by_place(queryset, data, point).order_by("starts_at", "pk")


def only_available(scoped_slots):
    """Open slots with a seat left (on slots scoped with their `confirmed` count)."""
    return scoped_slots.filter(status=models.SlotStatus.OPEN, confirmed__lt=F("capacity"))


def by_place(queryset, data: dict, point=None):
    """Slots held in a commune (`commune_code`) or within `radius_km` of `point` (the host commune's centre,
    or the hub site's position); remote ones too with `include_remote`."""
    code = data.get("commune_code")
    if not code and point is None:
        return queryset
    if data.get("radius_km") is not None and not 1 <= data["radius_km"] <= 200:
        raise ValidationError("`radiusKm` doit être compris entre 1 et 200.")
    remote = (
        Q(offer__location_kind=models.LocationKind.REMOTE) if data.get("include_remote") else Q(pk__in=[])
    )
    if code:
        try:
            commune = get_commune(code, "commune_code")
        except ValidationError as exc:
            raise ValidationError(next(iter(exc.message_dict.values()))[0]) from exc
        return queryset.filter(
            Q(offer__host_commune=commune, offer__location_kind=models.LocationKind.HOST_SITE)
            | Q(offer__site__commune=commune, offer__location_kind=models.LocationKind.HUB_SITE)
            | remote
        )
    latitude, longitude = point
    radius = data.get("radius_km") or DEFAULT_RADIUS_KM
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, longitude, radius)
    place = queryset.annotate(
        place_lat=Coalesce(F("offer__site__latitude"), F("offer__host_commune__latitude")),
        place_lon=Coalesce(F("offer__site__longitude"), F("offer__host_commune__longitude")),
    ).annotate(place_km=distance_expression(latitude, longitude, "place_lat", "place_lon"))
    return place.filter(
        Q(place_lat__range=(min_lat, max_lat), place_lon__range=(min_lon, max_lon), place_km__lte=radius)
        | remote
    )


def bookings_of(practitioner):
    """A practitioner's seats and waitlist places (not their rota turns), soonest first."""
    return models.Booking.objects.filter(
        practitioner=practitioner, role=models.BookingRole.ATTENDEE
    ).order_by("starts_at", "pk")


def slots_staffed_by(practitioner):
    """The slots a practitioner staffs (confirmed rota turns), soonest first."""
    staffed = models.Booking.objects.filter(
        practitioner=practitioner, role=models.BookingRole.STAFF, status=models.BookingStatus.CONFIRMED
    ).values("slot_id")
    return models.Slot.objects.filter(pk__in=staffed).order_by("starts_at", "pk")


def mentoring_requests(status=None, hub_pk=None):
    """Requests, newest first; a hub's inbox (`hub_pk`): priority zones (ZIP) first, then the longest waiting."""
    requests = models.MentoringRequest.objects.all()
    if status:
        requests = requests.filter(status=status)
    if not hub_pk:
        return requests.order_by("-created_at", "-pk")
    priority = Case(
        When(commune__zoning=Zoning.ZIP, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return requests.filter(hub_id=hub_pk).annotate(priority=priority).order_by("priority", "sent_at", "pk")


def mentorships(hub_pk=None, status=None):
    """Mentorships, latest first."""
    queryset = models.Mentorship.objects.all()
    if hub_pk:
        queryset = queryset.filter(hub_id=hub_pk)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-starts_on", "-pk")
