"""Booking a seat on a slot: capacity under concurrency, waitlist, idempotent retries.

The slot row is locked (SELECT … FOR UPDATE) for the whole decision, so concurrent
requests for one slot are served one after the other and capacity is never
exceeded. The database also refuses a second live booking of one slot and two
overlapping confirmed bookings of one practitioner (constraints on Booking).
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from backend.core.db import conflicts_raise
from network.models import Practitioner

from .. import events, notifications
from ..errors import MentoringErrorCode
from ..errors import domain_error as _error
from ..models import Attendance, Booking, BookingEventKind, BookingRole, BookingStatus, Slot, SlotStatus


def _overlaps(practitioner: Practitioner, slot: Slot, exclude_pk=None) -> bool:
    return (
        Booking.objects.filter(
            practitioner=practitioner,
            status=BookingStatus.CONFIRMED,
            starts_at__lt=slot.ends_at,
            ends_at__gt=slot.starts_at,
        )
        .exclude(pk=exclude_pk)
        .exists()
    )


def confirmed_seats(slot: Slot) -> int:
    return slot.bookings.filter(status=BookingStatus.CONFIRMED, role=BookingRole.ATTENDEE).count()


_EMAILS = {
    BookingEventKind.CONFIRMED: notifications.booking_confirmed,
    BookingEventKind.WAITLISTED: notifications.booking_waitlisted,
    BookingEventKind.PROMOTED: notifications.booking_promoted,
    BookingEventKind.CANCELLED: notifications.booking_cancelled,
    BookingEventKind.SLOT_MOVED: notifications.slot_moved,
    BookingEventKind.RESCHEDULED: notifications.booking_rescheduled,
}


def tell_practitioner(booking: Booking, kind: BookingEventKind, reason: str = "") -> None:
    """E-mail the practitioner and push the event to their `myBookingEvents`, once committed."""
    if kind == BookingEventKind.SLOT_CANCELLED:
        notifications.slot_cancelled(booking, reason)
    else:
        _EMAILS[kind](booking)
    events.PRACTITIONER_BOOKINGS.publish(booking.practitioner_id, booking=booking.pk, kind=kind.value)


def announce_slot_change(slot: Slot) -> None:
    """Tell watchers of the slot's offer and hub (seats left, times, staff, cancellation), once committed."""
    events.OFFER_SLOTS.publish(slot.offer_id, slot=slot.pk)
    events.HUB_SLOTS.publish(slot.offer.hub_id, slot=slot.pk)


@transaction.atomic
def book_slot(
    slot: Slot,
    practitioner: Practitioner,
    *,
    idempotency_key: str = "",
    waitlist: bool = False,
    answer: str = "",
) -> Booking:
    """A confirmed seat, or a waitlist place when the slot is full and `waitlist` is asked; `answer` answers
    the offer's booking question (required when it asks one).

    With an idempotency key, a retried request returns the booking the first one made.
    """
    idempotency_key = (idempotency_key or "").strip()[:100]
    if not waitlist:
        _refuse_without_lock(slot.pk, practitioner, idempotency_key)
    # Locked with what the booking's e-mail and events read, so the lock is held for fewer statements.
    slot = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("offer__hub__msp", "offer__site__commune", "offer__host_commune")
        .prefetch_related("offer__hub__msp__sites__commune")
        .get(pk=slot.pk)
    )
    # Looked up under the slot's lock: two retries arriving together return the same booking.
    if idempotency_key:
        previous = Booking.objects.filter(practitioner=practitioner, idempotency_key=idempotency_key).first()
        if previous is not None:
            if previous.slot_id != slot.pk:
                raise _error(
                    MentoringErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "Cette clé d'idempotence a déjà servi pour un autre créneau.",
                )
            return previous

    already_booked = slot.bookings.filter(
        practitioner=practitioner, status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
    ).exists()
    confirmed = confirmed_seats(slot)
    refusal = _state_refusal(slot.status, slot.starts_at, already_booked, confirmed, slot.capacity, waitlist)
    if refusal is not None:
        raise refusal
    full = confirmed >= slot.capacity
    _check_notice(slot, slot.offer.booking_notice_hours, "Réservation")
    answer = (answer or "").strip()
    if slot.offer.booking_question and not answer:
        raise _error(
            MentoringErrorCode.REQUIRED,
            f"Répondez à la question de l'offre : {slot.offer.booking_question}",
            "answer",
        )
    if len(answer) > 500:
        raise _error(MentoringErrorCode.INVALID, "500 caractères au plus.", "answer")
    if not full and _overlaps(practitioner, slot):
        raise _overlapping()
    now = timezone.now()
    booking = Booking(
        slot=slot,
        practitioner=practitioner,
        status=BookingStatus.WAITLISTED if full else BookingStatus.CONFIRMED,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        idempotency_key=idempotency_key,
        confirmed_at=None if full else now,
        answer=answer if slot.offer.booking_question else "",
    )
    # Another slot of the same practitioner, booked at the same moment (other slot, other lock).
    with conflicts_raise(_overlapping):
        booking.save()
    confirmed = booking.status == BookingStatus.CONFIRMED
    tell_practitioner(booking, BookingEventKind.CONFIRMED if confirmed else BookingEventKind.WAITLISTED)
    announce_slot_change(slot)
    return booking


def _refuse_without_lock(slot_pk: int, practitioner: Practitioner, idempotency_key: str) -> None:
    """Refuse at once, in one read and without the slot's lock, what the locked checks would refuse.

    Under contention most attempts find the slot full: they need not queue on its row lock for that.
    Committed rows only say so, and rows that refuse stay refusing (a cancelled slot stays cancelled,
    a past one past, one's own booking stays until cancelled, and a full slot was full when read), so
    the answer is one the locked path could have given a moment earlier. Anything else (free seats, a
    retried idempotent request) goes on to the locked checks, which decide.

    One statement written out: it runs for every attempt, and the ORM's compilation of the same
    read cost 1.4 ms of CPU, more than PostgreSQL's work (bench/booking.py).
    """
    slots, bookings = Slot._meta.db_table, Booking._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.status, s.starts_at, s.capacity,
                   (SELECT count(*) FROM {bookings} b
                     WHERE b.slot_id = s.id AND b.status = %(confirmed)s AND b.role = %(attendee)s),
                   EXISTS (SELECT 1 FROM {bookings} b
                     WHERE b.slot_id = s.id AND b.practitioner_id = %(practitioner)s
                       AND b.status IN (%(confirmed)s, %(waitlisted)s)),
                   %(key)s <> '' AND EXISTS (SELECT 1 FROM {bookings} b
                     WHERE b.practitioner_id = %(practitioner)s AND b.idempotency_key = %(key)s)
              FROM {slots} s WHERE s.id = %(slot)s
            """,
            {
                "slot": slot_pk,
                "practitioner": practitioner.pk,
                "key": idempotency_key,
                "confirmed": BookingStatus.CONFIRMED.value,
                "waitlisted": BookingStatus.WAITLISTED.value,
                "attendee": BookingRole.ATTENDEE.value,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return  # the locked path answers (not found)
    status, starts_at, capacity, confirmed, mine, retried = row
    if retried:
        return  # the locked path returns the first request's booking
    refusal = _state_refusal(status, starts_at, mine, confirmed, capacity, waitlist=False)
    if refusal is not None:
        raise refusal


def _overlapping():
    """Another confirmed booking of the practitioner at that time: found by the check, or by the database's
    exclusion constraint when two slots are booked at the same moment (other slot, other lock)."""
    return _error(
        MentoringErrorCode.OVERLAPPING_BOOKING,
        "Vous avez déjà une réservation confirmée sur ce créneau horaire.",
    )


def _state_refusal(status, starts_at, already_booked: bool, confirmed: int, capacity: int, waitlist: bool):
    """Why the slot's state refuses a booking, in this order, or None: cancelled, started or past, already
    booked by this practitioner, full (unless a waitlist place is asked). Written once for the read without
    lock (`_refuse_without_lock`) and the locked checks of `book_slot`."""
    if status == SlotStatus.CANCELLED:
        return _error(MentoringErrorCode.SLOT_CANCELLED, "Ce créneau a été annulé.")
    if starts_at <= timezone.now():
        return _error(MentoringErrorCode.SLOT_IN_PAST, "Ce créneau est déjà commencé ou passé.")
    if already_booked:
        return _error(MentoringErrorCode.ALREADY_BOOKED, "Vous avez déjà une réservation sur ce créneau.")
    if confirmed >= capacity and not waitlist:
        return _error(
            MentoringErrorCode.SLOT_FULL,
            "Ce créneau est complet. Vous pouvez vous inscrire sur la liste d'attente.",
        )
    return None


def _hours(value: int) -> str:
    return f"{value} heure" + ("s" if value > 1 else "")


def _check_notice(slot: Slot, hours: int, what: str) -> None:
    """TOO_LATE when the slot starts within the offer's notice (`hours`) for `what` (booking, cancelling)."""
    if hours and slot.starts_at - timezone.now() < timedelta(hours=hours):
        raise _error(
            MentoringErrorCode.TOO_LATE,
            f"{what} possible jusqu'à {_hours(hours)} avant le début du créneau.",
        )


def _check_leaving(booking: Booking, slot: Slot) -> None:
    """What a practitioner may leave: a seat or waitlist place of theirs, before the slot starts and within the
    offer's notice for cancelling; never a rota turn (declined or swapped through the rota)."""
    if booking.role == BookingRole.STAFF:
        raise _error(
            MentoringErrorCode.STAFF_TURN,
            "Un tour de garde ne s'annule pas : déclinez-le ou échangez-le depuis le planning de la MSP.",
        )
    if booking.status == BookingStatus.CANCELLED:
        raise _error(MentoringErrorCode.BOOKING_ALREADY_CANCELLED, "Cette réservation est déjà annulée.")
    if slot.starts_at <= timezone.now():
        raise _error(
            MentoringErrorCode.SLOT_STARTED,
            "Ce créneau a commencé : la réservation ne peut plus être annulée (la MSP note les présences).",
        )
    if booking.status == BookingStatus.CONFIRMED:  # a waitlist place frees nobody's seat: it may go any time
        _check_notice(slot, slot.offer.cancel_notice_hours, "Annulation")


@transaction.atomic
def cancel_booking(booking: Booking, reason: str = "") -> tuple[Booking, Booking | None]:
    """Cancel a booking; a freed seat goes to the first waiting practitioner who can take it.

    Returns the cancelled booking and the promoted one, if any.
    """
    slot = Slot.objects.select_for_update().select_related("offer").get(pk=booking.slot_id)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    _check_leaving(booking, slot)
    freed = booking.status == BookingStatus.CONFIRMED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancel_reason = (reason or "").strip()[:500]
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    promoted = _promote(slot) if freed and slot.status == SlotStatus.OPEN else None
    tell_practitioner(booking, BookingEventKind.CANCELLED)
    if promoted is not None:
        tell_practitioner(promoted, BookingEventKind.PROMOTED)
    announce_slot_change(slot)
    return booking, promoted


@transaction.atomic
def cancel_slot(slot: Slot, reason: str) -> Slot:
    """The hub cancels a slot: every booked or waiting practitioner is cancelled and told why."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    "Le motif d'annulation est obligatoire.", code=MentoringErrorCode.REQUIRED
                )
            }
        )
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    if slot.status == SlotStatus.CANCELLED:
        raise _error(MentoringErrorCode.SLOT_CANCELLED, "Ce créneau est déjà annulé.")
    slot.status = SlotStatus.CANCELLED
    slot.cancel_reason = reason
    slot.sequence += 1
    slot.save(update_fields=["status", "cancel_reason", "sequence"])
    now = timezone.now()
    for booking in (
        slot.bookings.select_for_update(of=("self",))
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("practitioner__user")
    ):
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancel_reason = f"Créneau annulé par la MSP : {reason}"[:500]
        booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        tell_practitioner(booking, BookingEventKind.SLOT_CANCELLED, reason)
    announce_slot_change(slot)
    return slot


def _promote(slot: Slot) -> Booking | None:
    """Confirm the first waiting practitioner free at that time (others keep their place)."""
    if confirmed_seats(slot) >= slot.capacity:
        return None
    for waiting in (
        slot.bookings.select_for_update().filter(status=BookingStatus.WAITLISTED).order_by("created_at", "pk")
    ):
        if _overlaps(waiting.practitioner, slot, exclude_pk=waiting.pk):
            continue
        waiting.status = BookingStatus.CONFIRMED
        waiting.confirmed_at = timezone.now()
        waiting.save(update_fields=["status", "confirmed_at"])
        return waiting
    return None


def fill_from_waitlist(slot: Slot) -> list[Booking]:
    """After seats were added: confirm waiting practitioners while seats are free (slot locked by the caller)."""
    promoted = []
    while (booking := _promote(slot)) is not None:
        tell_practitioner(booking, BookingEventKind.PROMOTED)
        promoted.append(booking)
    return promoted


def seats_left(slot: Slot) -> int:
    return max(slot.capacity - confirmed_seats(slot), 0)


@transaction.atomic
def reschedule_booking(booking: Booking, target: Slot) -> tuple[Booking, Booking | None]:
    """Move a confirmed seat to another slot of the same offer in one step: the new seat is taken (capacity,
    overlap, notice) and the old one freed (its waitlist promoted), or nothing changes.

    Returns the new booking and the practitioner promoted onto the old slot, if any.
    """
    first, second = sorted({booking.slot_id, target.pk})  # both slots locked in a fixed order: no deadlock
    locked = {
        slot.pk: slot
        for slot in Slot.objects.select_for_update(of=("self",))
        .select_related("offer__hub__msp", "offer__site__commune", "offer__host_commune")
        .filter(pk__in=[first, second])
    }
    old_slot, new_slot = locked[booking.slot_id], locked[target.pk]
    booking = Booking.objects.select_for_update().select_related("practitioner").get(pk=booking.pk)
    if booking.status != BookingStatus.CONFIRMED or booking.role != BookingRole.ATTENDEE:
        raise _error(MentoringErrorCode.INVALID, "Seule une place confirmée peut être déplacée.")
    if new_slot.pk == old_slot.pk or new_slot.offer_id != old_slot.offer_id:
        raise _error(MentoringErrorCode.INVALID, "Choisissez un autre créneau de la même offre.", "slot_id")
    _check_leaving(booking, old_slot)
    if new_slot.status == SlotStatus.CANCELLED:
        raise _error(MentoringErrorCode.SLOT_CANCELLED, "Ce créneau a été annulé.", "slot_id")
    if new_slot.starts_at <= timezone.now():
        raise _error(MentoringErrorCode.SLOT_IN_PAST, "Ce créneau est déjà commencé ou passé.", "slot_id")
    _check_notice(new_slot, new_slot.offer.booking_notice_hours, "Réservation")
    practitioner = booking.practitioner
    if new_slot.bookings.filter(
        practitioner=practitioner, status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
    ).exists():
        raise _error(MentoringErrorCode.ALREADY_BOOKED, "Vous avez déjà une réservation sur ce créneau.")
    if confirmed_seats(new_slot) >= new_slot.capacity:
        raise _error(
            MentoringErrorCode.SLOT_FULL, "Ce créneau est complet : votre réservation reste inchangée."
        )
    if _overlaps(practitioner, new_slot, exclude_pk=booking.pk):
        raise _overlapping()
    now = timezone.now()
    local = timezone.localtime(new_slot.starts_at).strftime("%d/%m/%Y %H:%M")
    booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now
    booking.cancel_reason = f"Déplacée vers le créneau du {local}"
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    moved = Booking(
        slot=new_slot, practitioner=practitioner, status=BookingStatus.CONFIRMED, starts_at=new_slot.starts_at,
        ends_at=new_slot.ends_at, confirmed_at=now, answer=booking.answer,
        # the same event in the practitioner's calendar, moved: its invitation's UID, and its SEQUENCE on
        calendar_uid=booking.calendar_uid or f"booking-{booking.pk}", calendar_sequence=booking.calendar_sequence,
    )  # fmt: skip
    with conflicts_raise(_overlapping):
        moved.save()
    promoted = _promote(old_slot) if old_slot.status == SlotStatus.OPEN else None
    tell_practitioner(moved, BookingEventKind.RESCHEDULED)
    if promoted is not None:
        tell_practitioner(promoted, BookingEventKind.PROMOTED)
    announce_slot_change(old_slot)
    announce_slot_change(new_slot)
    return moved, promoted


@transaction.atomic
def mark_attendance(booking: Booking, attendance: str) -> Booking:
    """The hub notes whether a confirmed participant came (FHIR fulfilled / no-show), once the slot has
    started; it may correct it later."""
    booking = Booking.objects.select_for_update().select_related("slot").get(pk=booking.pk)
    if booking.role != BookingRole.ATTENDEE or booking.status != BookingStatus.CONFIRMED:
        raise _error(
            MentoringErrorCode.INVALID, "La présence se note sur une place confirmée d'un participant."
        )
    if booking.slot.starts_at > timezone.now():
        raise _error(MentoringErrorCode.NOT_YET_STARTED, "La présence se note une fois le créneau commencé.")
    booking.attendance = Attendance(attendance)
    booking.attendance_marked_at = timezone.now()
    booking.save(update_fields=["attendance", "attendance_marked_at"])
    announce_slot_change(booking.slot)
    return booking
