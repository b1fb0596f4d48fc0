"""Bookings over GraphQL: a seat or a waitlist place, cancelling it, one's bookings and rota turns; and
`myBookingEvents`, live."""

import graphene

from backend.core.graphql import Field, Forbidden, enum_value, get_object
from backend.core.pagination import ConnectionField
from backend.core.permissions import Permission
from backend.realtime.live import Listen
from backend.realtime.subscriptions import EventNotVisible
from network.permissions import viewer_for

from .. import events, models, selectors
from ..permissions import leads_slot, slots_visible_to
from ..services import booking as booking_service
from ..services import rota as rota_service
from . import types
from .common import MentoringMutation, practitioner_of

PRACTITIONER = [Permission.PRACTITIONER]


class BookSlot(MentoringMutation):
    """Book a seat. With an idempotency key, a retried request returns the first booking instead of booking twice."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the slot.")
        idempotency_key = graphene.String(description="A key unique to this booking attempt (e.g. a UUID).")
        answer = graphene.String(
            description="The answer to the offer's booking question (`bookingQuestion`), required when it asks one."
        )

    booking = graphene.Field(types.Booking, description="The confirmed booking.")

    waitlist = False

    @classmethod
    def perform(cls, root, info, slot_id, idempotency_key="", answer=None):
        practitioner = practitioner_of(info)
        slot = get_object(
            slot_id,
            models.Slot,
            "Slot",
            "slotId",
            slots_visible_to(models.Slot.objects.all(), viewer_for(info.context)),
        )
        booking = booking_service.book_slot(
            slot,
            practitioner,
            idempotency_key=idempotency_key or "",
            waitlist=cls.waitlist,
            answer=answer or "",
        )
        return cls(booking=booking, errors=[])


class JoinWaitlist(BookSlot):
    """Book a seat, or join the waitlist when the slot is full; a freed seat goes to the first in line."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    waitlist = True


class CancelBooking(MentoringMutation):
    """Cancel one's booking (or waitlist place); the first practitioner waiting takes the seat."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the booking.")
        reason = graphene.String(description="Why.")

    booking = graphene.Field(types.Booking, description="The cancelled booking.")

    @classmethod
    def perform(cls, root, info, id, reason=""):
        practitioner = practitioner_of(info)
        booking = get_object(
            id, models.Booking, "Booking", "id", models.Booking.objects.filter(practitioner=practitioner)
        )
        cancelled, _ = booking_service.cancel_booking(booking, reason or "")
        return cls(booking=cancelled, errors=[])


def _own_booking(info, id, field="id"):
    practitioner = practitioner_of(info)
    return get_object(
        id, models.Booking, "Booking", field, models.Booking.objects.filter(practitioner=practitioner)
    )


class RescheduleBooking(MentoringMutation):
    """Move one's confirmed seat to another slot of the same offer in one step: the new seat is taken before
    the old one is freed, or nothing changes (a full slot leaves the booking as it was)."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the booking.")
        slot_id = graphene.ID(required=True, description="Global ID of the slot to move to (same offer).")

    booking = graphene.Field(types.Booking, description="The new booking, on the new slot.")

    @classmethod
    def perform(cls, root, info, id, slot_id):
        booking = _own_booking(info, id)
        target = get_object(
            slot_id,
            models.Slot,
            "Slot",
            "slotId",
            slots_visible_to(models.Slot.objects.all(), viewer_for(info.context)),
        )
        moved, _ = booking_service.reschedule_booking(booking, target)
        return cls(booking=moved, errors=[])


class MarkAttendance(MentoringMutation):
    """Note whether a participant came, once the slot has started (it may be corrected): the hub's
    coordinators, the slot's staff, or an admin."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR, Permission.PRACTITIONER]

    class Arguments:
        booking_id = graphene.ID(required=True, description="Global ID of the participant's booking.")
        attendance = types.AttendanceEnum(required=True, description="Came or no-show.")

    booking = graphene.Field(types.Booking, description="The booking, with its attendance.")

    @classmethod
    def perform(cls, root, info, booking_id, attendance):
        booking = get_object(
            booking_id, models.Booking, "Booking", "bookingId",
            models.Booking.objects.select_related("slot__offer__hub"),
        )  # fmt: skip
        if not leads_slot(viewer_for(info.context), booking.slot):
            raise Forbidden(
                "Seuls les coordinateurs de la MSP tête de pont et l'intervenant notent les présences."
            )
        return cls(booking=booking_service.mark_attendance(booking, enum_value(attendance)), errors=[])


class AcceptRotaTurn(MentoringMutation):
    """The staff member confirms they will hold their rota turn."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        booking_id = graphene.ID(
            required=True, description="Global ID of the turn (a staff booking of one's own)."
        )

    booking = graphene.Field(types.Booking, description="The turn, accepted.")

    @classmethod
    def perform(cls, root, info, booking_id):
        return cls(booking=rota_service.accept_turn(_own_booking(info, booking_id, "bookingId")), errors=[])


class DeclineRotaTurn(MentoringMutation):
    """The staff member cannot hold their turn: it is left open for a colleague to take (`takeRotaTurn`) or the
    coordinators to swap, and they are told by e-mail."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        booking_id = graphene.ID(
            required=True, description="Global ID of the turn (a staff booking of one's own)."
        )
        reason = graphene.String(description="Why, for the coordinators.")

    booking = graphene.Field(types.Booking, description="The turn, declined.")

    @classmethod
    def perform(cls, root, info, booking_id, reason=""):
        booking = _own_booking(info, booking_id, "bookingId")
        return cls(booking=rota_service.decline_turn(booking, reason or ""), errors=[])


class TakeRotaTurn(MentoringMutation):
    """A member of the hub takes a turn nobody holds (e.g. one a colleague declined)."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        slot_id = graphene.ID(required=True, description="Global ID of the slot without staff.")

    booking = graphene.Field(types.Booking, description="The turn now held by the caller.")

    @classmethod
    def perform(cls, root, info, slot_id):
        practitioner = practitioner_of(info)
        slot = get_object(
            slot_id,
            models.Slot,
            "Slot",
            "slotId",
            slots_visible_to(models.Slot.objects.all(), viewer_for(info.context)),
        )
        return cls(booking=rota_service.take_turn(slot, practitioner), errors=[])


class BookingQueryFields(graphene.ObjectType):
    my_bookings = ConnectionField(
        types.Booking,
        description="The signed-in practitioner's seats and waitlist places, soonest first.",
        permissions=PRACTITIONER,
    )
    my_slots = ConnectionField(
        types.Slot,
        description="Slots the signed-in practitioner staffs (rota turns), soonest first.",
        permissions=PRACTITIONER,
    )

    def resolve_my_bookings(root, info, **kwargs):
        return selectors.bookings_of(practitioner_of(info))

    def resolve_my_slots(root, info, **kwargs):
        return types.Slot.get_queryset(selectors.slots_staffed_by(practitioner_of(info)), info)


def _own_bookings(info):
    return [(events.PRACTITIONER_BOOKINGS, practitioner_of(info).pk)]


def _booking_event(event, info):
    booking = (
        types.Booking.get_queryset(models.Booking.objects.filter(pk=event["payload"]["booking"]), info)
        .filter(practitioner=practitioner_of(info))
        .first()
    )
    if booking is None:
        raise EventNotVisible()
    return types.BookingEvent(kind=event["payload"]["kind"], booking=booking)


class BookingSubscriptionFields(graphene.ObjectType):
    my_booking_events = Field(
        types.BookingEvent,
        required=True,
        description="Each change to the signed-in practitioner's bookings and rota turns: confirmed, "
        "waitlisted, promoted, cancelled, slot cancelled or moved by the hub.",
        permissions=PRACTITIONER,
        live=Listen(keys=_own_bookings, resolve=_booking_event, topics=(events.PRACTITIONER_BOOKINGS,)),
    )
