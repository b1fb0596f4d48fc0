"""Advanced-consultation rota: who staffs each slot, by turns, and swapping turns.

A turn is a Booking of role STAFF, so the database's exclusion constraint refuses a
person staffed on two overlapping slots or staffed while booked elsewhere.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from backend.core.db import conflicts_raise
from network.models import Membership, Practitioner

from .. import notifications
from ..errors import MentoringErrorCode, domain_error
from ..models import Booking, BookingRole, BookingStatus, Slot, SlotStatus, TurnResponse
from .booking import announce_slot_change


def _check_members(slot: Slot, practitioners: list[Practitioner]) -> None:
    members = set(
        Membership.objects.current()
        .filter(msp_id=slot.offer.hub.msp_id, practitioner__in=practitioners)
        .values_list("practitioner_id", flat=True)
    )
    outsiders = [p for p in practitioners if p.pk not in members]
    if outsiders:
        raise ValidationError(
            {
                "practitioner_ids": ValidationError(
                    f"{outsiders[0].full_name} n'est pas membre de la MSP tête de pont.",
                    code=MentoringErrorCode.NOT_A_MEMBER,
                )
            }
        )


def _staff(slot: Slot, practitioner: Practitioner, response: str = TurnResponse.PENDING) -> Booking:
    def unavailable():
        local = timezone.localtime(slot.starts_at).strftime("%d/%m/%Y %H:%M")
        return ValidationError(
            {
                "practitioner_ids": ValidationError(
                    f"{practitioner.full_name} est déjà engagé(e) sur un créneau qui chevauche celui du {local} "
                    "(autre tour de garde, réservation, ou déjà inscrit(e) sur ce créneau).",
                    code=MentoringErrorCode.STAFF_UNAVAILABLE,
                )
            }
        )

    with conflicts_raise(unavailable):
        return Booking.objects.create(
            slot=slot,
            practitioner=practitioner,
            role=BookingRole.STAFF,
            status=BookingStatus.CONFIRMED,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            confirmed_at=timezone.now(),
            turn_response=response,
        )


def _clear_staff(slot: Slot) -> None:
    slot.bookings.filter(role=BookingRole.STAFF, status=BookingStatus.CONFIRMED).update(
        status=BookingStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason="Tour de garde réattribué"
    )


def _lock_open(slot: Slot) -> Slot:
    slot = Slot.objects.select_for_update().select_related("offer__hub").get(pk=slot.pk)
    if slot.status != SlotStatus.OPEN:
        raise ValidationError(
            ValidationError("Ce créneau est annulé.", code=MentoringErrorCode.SLOT_CANCELLED)
        )
    return slot


@transaction.atomic
def assign_staff(slot: Slot, practitioners: list[Practitioner]) -> Slot:
    """Set who staffs the slot (replacing the previous turn)."""
    slot = _lock_open(slot)
    _check_members(slot, practitioners)
    _clear_staff(slot)
    for practitioner in dict.fromkeys(practitioners):
        _staff(slot, practitioner)
    announce_slot_change(slot)
    return slot


@transaction.atomic
def assign_rota(slots: list[Slot], practitioners: list[Practitioner]) -> None:
    """Staff the slots in order by turns: the first slot to the first person, and so on round the list."""
    if not practitioners:
        raise ValidationError(
            {
                "practitioner_ids": ValidationError(
                    "La liste du tour est vide.", code=MentoringErrorCode.REQUIRED
                )
            }
        )
    for index, slot in enumerate(sorted(slots, key=lambda s: (s.starts_at, s.pk))):
        assign_staff(slot, [practitioners[index % len(practitioners)]])


@transaction.atomic
def swap_turns(slot: Slot, other: Slot) -> tuple[Slot, Slot]:
    """Exchange the staff of two slots of one hub, in one step."""
    first, second = sorted([slot, other], key=lambda s: s.pk)  # lock in a fixed order: no deadlock
    first, second = _lock_open(first), _lock_open(second)
    if first.offer.hub_id != second.offer.hub_id or first.pk == second.pk:
        raise ValidationError(
            ValidationError(
                "Les deux créneaux doivent être distincts et de la même MSP.", code=MentoringErrorCode.INVALID
            )
        )
    staff_of = {
        s.pk: [
            b.practitioner for b in s.bookings.filter(role=BookingRole.STAFF, status=BookingStatus.CONFIRMED)
        ]
        for s in (first, second)
    }
    _clear_staff(first)
    _clear_staff(second)
    for practitioner in staff_of[second.pk]:
        _staff(first, practitioner)
    for practitioner in staff_of[first.pk]:
        _staff(second, practitioner)
    announce_slot_change(first)
    announce_slot_change(second)
    return (first, second) if first.pk == slot.pk else (second, first)


def _own_turn(booking: Booking) -> tuple[Booking, Slot]:
    """The staff member's own turn, locked with its slot: still to come and still theirs."""
    slot = Slot.objects.select_for_update().select_related("offer__hub__msp").get(pk=booking.slot_id)
    booking = Booking.objects.select_for_update().select_related("practitioner").get(pk=booking.pk)
    if booking.role != BookingRole.STAFF:
        raise domain_error(MentoringErrorCode.INVALID, "Ce n'est pas un tour de garde.")
    if booking.status != BookingStatus.CONFIRMED:
        raise domain_error(MentoringErrorCode.INVALID_TRANSITION, "Ce tour de garde n'est plus le vôtre.")
    if slot.starts_at <= timezone.now():
        raise domain_error(MentoringErrorCode.SLOT_STARTED, "Ce créneau a déjà commencé.")
    return booking, slot


@transaction.atomic
def accept_turn(booking: Booking) -> Booking:
    """The staff member confirms they will hold the consultation."""
    booking, slot = _own_turn(booking)
    booking.turn_response = TurnResponse.ACCEPTED
    booking.save(update_fields=["turn_response"])
    announce_slot_change(slot)
    return booking


@transaction.atomic
def decline_turn(booking: Booking, reason: str = "") -> Booking:
    """The staff member cannot hold it: the turn is left open for a colleague to take (or the coordinators to
    swap or assign), and the hub's coordinators are told."""
    booking, slot = _own_turn(booking)
    reason = (reason or "").strip()[:500]
    booking.turn_response = TurnResponse.DECLINED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancel_reason = f"Tour décliné : {reason}" if reason else "Tour décliné"
    booking.save(update_fields=["turn_response", "status", "cancelled_at", "cancel_reason"])
    for coordinator in notifications.coordinators_of(slot.offer.hub):
        notifications.turn_declined(coordinator, booking, reason)
    announce_slot_change(slot)
    return booking


@transaction.atomic
def take_turn(slot: Slot, practitioner: Practitioner) -> Booking:
    """A member of the hub takes an open turn (nobody staffs the slot, e.g. after a decline): a swap without
    the coordinators, accepted at once."""
    slot = _lock_open(slot)
    if slot.starts_at <= timezone.now():
        raise domain_error(MentoringErrorCode.SLOT_STARTED, "Ce créneau a déjà commencé.")
    _check_members(slot, [practitioner])
    if slot.bookings.filter(role=BookingRole.STAFF, status=BookingStatus.CONFIRMED).exists():
        raise domain_error(MentoringErrorCode.TURN_TAKEN, "Ce tour de garde est déjà assuré.")
    booking = _staff(slot, practitioner, TurnResponse.ACCEPTED)
    announce_slot_change(slot)
    return booking
