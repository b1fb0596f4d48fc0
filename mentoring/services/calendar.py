"""iCalendar feeds (RFC 5545, `icalendar` package) behind secret, rotatable addresses.

One feed per practitioner (seats booked, waitlist places, rota turns) and one per hub (its
slots). Events carry stable UIDs (one per slot, and role for a person) and a SEQUENCE that
grows with each change, so calendar apps update them in place; a cancellation stays in the
feed as STATUS:CANCELLED instead of vanishing.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from icalendar import Calendar, Event

from ..models import Booking, BookingRole, BookingStatus, CalendarFeed, LocationKind, Slot, SlotStatus

PAST_DAYS = 90
FUTURE_DAYS = 400
UID_DOMAIN = "tete-de-pont"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def rotate_feed(*, practitioner=None, hub=None) -> str:
    """A new secret token for the owner's feed; the previous address stops working. Returns the token."""
    if (practitioner is None) == (hub is None):
        raise ValueError("A feed belongs to a practitioner or to a hub.")
    token = secrets.token_urlsafe(32)
    owner = {"practitioner": practitioner} if practitioner is not None else {"hub": hub}
    CalendarFeed.objects.update_or_create(**owner, defaults={"token_hash": _hash(token)})
    return token


def feed_for_token(token: str) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.select_related("practitioner", "hub__msp")
        .filter(token_hash=_hash(token or ""))
        .first()
    )


def _place(slot: Slot) -> str:
    offer = slot.offer
    if offer.location_kind == LocationKind.REMOTE:
        return "À distance (visioconférence)"
    if offer.location_kind == LocationKind.HOST_SITE:
        return f"{offer.host_name}, {offer.host_commune.name}".strip(", ")
    site = offer.site
    return f"{site.address}, {site.commune.name}" if site else offer.hub.msp.name


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Tête de pont//Accompagnement des MSP//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(slot: Slot, uid: str, sequence: int, status: str, description: str, video: bool = False) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("sequence", sequence)
    event.add("status", status)
    event.add("summary", slot.offer.title)
    event.add("location", _place(slot))
    link = slot.offer.video_url if video else ""
    if link:  # a remote offer's link, for whoever holds a confirmed place (RFC 7986 CONFERENCE, and URL)
        description += f"\nVisioconférence : {link}"
        event.add("url", link)
        event.add("conference", link, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    event.add("description", description)
    return event


def _window(queryset, prefix: str = ""):
    now = timezone.now()
    return queryset.filter(
        **{
            f"{prefix}starts_at__gte": now - timedelta(days=PAST_DAYS),
            f"{prefix}starts_at__lt": now + timedelta(days=FUTURE_DAYS),
        }
    )


_SLOT_RELATED = ("offer__hub__msp", "offer__site__commune", "offer__host_commune")


def practitioner_calendar(practitioner) -> bytes:
    calendar = _calendar(f"Tête de pont — {practitioner.full_name}")
    bookings = _window(
        Booking.objects.filter(practitioner=practitioner).select_related(
            *(f"slot__{r}" for r in _SLOT_RELATED)
        ),
        "slot__",
    ).order_by("created_at", "pk")
    latest: dict[tuple, tuple[Booking, int]] = {}
    for booking in bookings:  # one event per slot and role: the latest booking, counting earlier ones
        key = (booking.slot_id, booking.role)
        earlier = latest[key][1] + 1 if key in latest else 0
        latest[key] = (booking, earlier)
    for booking, earlier in latest.values():
        slot = booking.slot
        cancelled = booking.status == BookingStatus.CANCELLED or slot.status == SlotStatus.CANCELLED
        status = (
            "CANCELLED"
            if cancelled
            else "TENTATIVE"
            if booking.status == BookingStatus.WAITLISTED
            else "CONFIRMED"
        )
        if booking.role == BookingRole.STAFF:
            description = f"Vous assurez ce créneau (tour de garde) pour {slot.offer.hub.msp.name}."
        elif booking.status == BookingStatus.WAITLISTED:
            description = f"Liste d'attente — proposé par {slot.offer.hub.msp.name}."
        else:
            description = f"Place réservée — proposé par {slot.offer.hub.msp.name}."
        if slot.status == SlotStatus.CANCELLED:
            description += f"\nCréneau annulé : {slot.cancel_reason}"
        uid = f"slot-{slot.pk}-{'staff' if booking.role == BookingRole.STAFF else 'seat'}-{practitioner.pk}"
        sequence = slot.sequence + 2 * earlier + (booking.status == BookingStatus.CANCELLED)
        confirmed = status == "CONFIRMED"
        calendar.add_component(_event(slot, uid, sequence, status, description, video=confirmed))
    return calendar.to_ical()


def hub_calendar(hub) -> bytes:
    calendar = _calendar(f"Tête de pont — {hub.msp.name}")
    slots = _window(Slot.objects.filter(offer__hub=hub).select_related(*_SLOT_RELATED)).prefetch_related(
        "bookings__practitioner"
    )
    for slot in slots.order_by("starts_at", "pk"):
        live = [b for b in slot.bookings.all() if b.status == BookingStatus.CONFIRMED]
        seats = sum(1 for b in live if b.role == BookingRole.ATTENDEE)
        staff = ", ".join(b.practitioner.full_name for b in live if b.role == BookingRole.STAFF)
        description = f"{seats}/{slot.capacity} places réservées."
        if staff:
            description += f"\nIntervenant(s) : {staff}."
        if slot.status == SlotStatus.CANCELLED:
            description += f"\nCréneau annulé : {slot.cancel_reason}"
        status = "CANCELLED" if slot.status == SlotStatus.CANCELLED else "CONFIRMED"
        calendar.add_component(
            _event(slot, f"slot-{slot.pk}", slot.sequence, status, description, video=status == "CONFIRMED")
        )
    return calendar.to_ical()


def booking_invitation(booking: Booking, method: str) -> str:
    """The invitation e-mailed with a booking's confirmation or move (METHOD REQUEST) or cancellation (METHOD
    CANCEL), which a calendar app applies by itself: one UID per booking (a rescheduled booking keeps the
    one it was moved from), a SEQUENCE one higher at each message, so the event is updated in place."""
    Booking.objects.filter(pk=booking.pk).update(calendar_sequence=F("calendar_sequence") + 1)
    sequence = Booking.objects.filter(pk=booking.pk).values_list("calendar_sequence", flat=True).get() - 1
    slot, cancelled = booking.slot, method == "CANCEL"
    calendar = _calendar(slot.offer.title)
    calendar.add("method", method)
    hub = slot.offer.hub.msp.name
    description = (
        f"Réservation annulée — proposé par {hub}." if cancelled else f"Place réservée — proposé par {hub}."
    )
    uid = booking.calendar_uid or f"booking-{booking.pk}"
    event = _event(
        slot, uid, sequence, "CANCELLED" if cancelled else "CONFIRMED", description, video=not cancelled
    )
    organizer = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8").rsplit("<", 1)[-1].rstrip(">")
    event.add("organizer", f"mailto:{organizer}", parameters={"CN": hub})
    event.add(
        "attendee",
        f"mailto:{booking.practitioner.mailing_address}",
        parameters={"CN": booking.practitioner.full_name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED"},
    )
    calendar.add_component(event)
    return calendar.to_ical().decode()


def booking_event(booking: Booking) -> str:
    """A booking as a calendar file to add by hand (METHOD PUBLISH), with the UID and sequence of the invitations
    e-mailed about it: a calendar that also received them keeps one event."""
    slot = booking.slot
    calendar = _calendar(slot.offer.title)
    calendar.add("method", "PUBLISH")
    uid = booking.calendar_uid or f"booking-{booking.pk}"
    description = f"Place réservée — proposé par {slot.offer.hub.msp.name}."
    calendar.add_component(
        _event(slot, uid, max(booking.calendar_sequence - 1, 0), "CONFIRMED", description, video=True)
    )
    return calendar.to_ical().decode()


def render_feed(feed: CalendarFeed) -> bytes:
    if feed.practitioner_id:
        return practitioner_calendar(feed.practitioner)
    return hub_calendar(feed.hub)
