"""Booking rules: capacity (also under 50 concurrent requests), waitlist and promotion, idempotency, overlaps."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from backend.mail.models import OutgoingEmail
from mentoring.models import Booking, BookingStatus, LocationKind, Slot, SlotStatus, SupportOffer
from mentoring.services.booking import book_slot, cancel_booking, cancel_slot, seats_left
from network.models import OfferKind
from tests.factories import make_hub, make_msp, make_practitioner
from tests.helpers import deliver_queued_mail, race


def make_offer():
    hub = make_hub(make_msp("MSP de Saint-Martin-sur-le-Pré (test)", "51504"))
    return SupportOffer.objects.create(
        hub=hub,
        kind=OfferKind.PEER_FACILITATION,
        title="Atelier projet de santé",
        location_kind=LocationKind.REMOTE,
    )


def make_slot(offer=None, capacity=2, start_in=timedelta(days=3), hours=2):
    starts = timezone.now() + start_in
    return Slot.objects.create(
        offer=offer or make_offer(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity,
    )


def code_of(excinfo) -> str:
    return excinfo.value.error_list[0].code


@pytest.mark.django_db
class TestBookingRules:
    def test_book_until_full_then_refuse_or_waitlist(self):
        slot = make_slot(capacity=2)
        first, second, third, fourth = (make_practitioner() for _ in range(4))
        assert book_slot(slot, first).status == BookingStatus.CONFIRMED
        assert book_slot(slot, second).status == BookingStatus.CONFIRMED
        assert seats_left(slot) == 0
        with pytest.raises(ValidationError) as full:
            book_slot(slot, third)
        assert code_of(full) == "SLOT_FULL"
        assert not Booking.objects.filter(practitioner=third).exists()
        waiting = book_slot(slot, third, waitlist=True)
        later = book_slot(slot, fourth, waitlist=True)
        assert (waiting.status, later.status) == (BookingStatus.WAITLISTED, BookingStatus.WAITLISTED)

    def test_a_cancellation_promotes_the_first_waiting_practitioner(self):
        slot = make_slot(capacity=1)
        holder, first_waiting, second_waiting = (make_practitioner() for _ in range(3))
        seat = book_slot(slot, holder)
        first = book_slot(slot, first_waiting, waitlist=True)
        book_slot(slot, second_waiting, waitlist=True)
        cancelled, promoted = cancel_booking(seat, "Empêchement")
        assert cancelled.status == BookingStatus.CANCELLED and cancelled.cancel_reason == "Empêchement"
        assert promoted == first
        first.refresh_from_db()
        assert first.status == BookingStatus.CONFIRMED and first.confirmed_at
        assert seats_left(slot) == 0

    def test_promotion_skips_a_waiting_practitioner_who_is_busy_then(self):
        slot = make_slot(capacity=1)
        holder, busy, free = (make_practitioner() for _ in range(3))
        seat = book_slot(slot, holder)
        book_slot(slot, busy, waitlist=True)
        book_slot(slot, free, waitlist=True)
        book_slot(make_slot(start_in=timedelta(days=3, minutes=30)), busy)  # overlaps the first slot
        _, promoted = cancel_booking(seat)
        assert promoted.practitioner == free
        assert Booking.objects.get(slot=slot, practitioner=busy).status == BookingStatus.WAITLISTED

    def test_re_booking_after_cancelling(self):
        slot = make_slot()
        practitioner = make_practitioner()
        booking = book_slot(slot, practitioner)
        cancel_booking(booking)
        assert book_slot(slot, practitioner).status == BookingStatus.CONFIRMED
        with pytest.raises(ValidationError) as again:
            cancel_booking(booking)
        assert code_of(again) == "BOOKING_ALREADY_CANCELLED"

    @pytest.mark.parametrize(
        "setup, code",
        [
            (
                lambda slot: Slot.objects.filter(pk=slot.pk).update(status=SlotStatus.CANCELLED),
                "SLOT_CANCELLED",
            ),
            (
                lambda slot: Slot.objects.filter(pk=slot.pk).update(
                    starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
                ),
                "SLOT_IN_PAST",
            ),
        ],
    )
    def test_cancelled_and_past_slots_are_refused(self, setup, code):
        slot = make_slot()
        setup(slot)
        with pytest.raises(ValidationError) as refused:
            book_slot(slot, make_practitioner())
        assert code_of(refused) == code
        assert not Booking.objects.exists()

    def test_twice_on_one_slot_is_refused(self):
        slot = make_slot(capacity=1)
        practitioner = make_practitioner()
        book_slot(slot, practitioner)
        for waitlist in (False, True):
            with pytest.raises(ValidationError) as twice:
                book_slot(slot, practitioner, waitlist=waitlist)
            assert code_of(twice) == "ALREADY_BOOKED"

    def test_overlapping_confirmed_bookings_are_refused_adjacent_ones_allowed(self):
        offer = make_offer()
        practitioner = make_practitioner()
        morning = make_slot(offer, start_in=timedelta(days=3), hours=2)
        book_slot(morning, practitioner)
        with pytest.raises(ValidationError) as overlap:
            book_slot(make_slot(offer, start_in=timedelta(days=3, hours=1)), practitioner)
        assert code_of(overlap) == "OVERLAPPING_BOOKING"
        adjacent = make_slot(offer, start_in=timedelta(days=3, hours=2))
        assert book_slot(adjacent, practitioner).status == BookingStatus.CONFIRMED

    def test_the_database_itself_refuses_overlapping_confirmed_bookings(self):
        from django.db import IntegrityError, transaction

        offer = make_offer()
        practitioner = make_practitioner()
        first = make_slot(offer, hours=2)
        second = make_slot(offer, start_in=timedelta(days=3, hours=1))
        book_slot(first, practitioner)
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.create(
                slot=second,
                practitioner=practitioner,
                status=BookingStatus.CONFIRMED,
                starts_at=second.starts_at,
                ends_at=second.ends_at,
            )

    def test_an_idempotency_key_makes_a_retry_return_the_same_booking(self):
        slot = make_slot(capacity=5)
        practitioner = make_practitioner()
        first = book_slot(slot, practitioner, idempotency_key="req-42")
        retry = book_slot(slot, practitioner, idempotency_key="req-42")
        assert retry.pk == first.pk
        assert Booking.objects.filter(practitioner=practitioner).count() == 1
        with pytest.raises(ValidationError) as reused:
            book_slot(make_slot(start_in=timedelta(days=9)), practitioner, idempotency_key="req-42")
        assert code_of(reused) == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("waitlist", [False, True])
def test_fifty_simultaneous_bookings_of_five_seats(territories, waitlist):
    slot = make_slot(capacity=5)
    practitioners = [make_practitioner() for _ in range(50)]
    results = race(*[lambda p=p: book_slot(slot, p, waitlist=waitlist) for p in practitioners])

    confirmed = [r for r in results if isinstance(r, Booking) and r.status == BookingStatus.CONFIRMED]
    assert len(confirmed) == 5
    others = [r for r in results if r not in confirmed]
    if waitlist:
        assert all(isinstance(r, Booking) and r.status == BookingStatus.WAITLISTED for r in others), others
    else:
        assert all(isinstance(r, ValidationError) and r.error_list[0].code == "SLOT_FULL" for r in others), (
            others
        )
    # Nothing half-written: exactly the rows the answers describe.
    assert Booking.objects.filter(slot=slot, status=BookingStatus.CONFIRMED).count() == 5
    assert Booking.objects.filter(slot=slot).count() == (50 if waitlist else 5)


@pytest.mark.django_db(transaction=True)
def test_a_visibly_full_slot_is_refused_without_waiting_for_its_lock(territories):
    """Under contention, refused attempts must not queue on the slot's row lock behind the one that books."""
    import time as clock

    slot = make_slot(capacity=1)
    book_slot(slot, make_practitioner())
    late, holder_ready, release = make_practitioner(), threading.Event(), threading.Event()

    def hold_the_lock():  # a booking in progress on the slot: its row lock held
        try:
            with transaction.atomic():
                Slot.objects.select_for_update().get(pk=slot.pk)
                holder_ready.set()
                release.wait(20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holder_ready.wait(10)
        started = clock.monotonic()
        answer = race(lambda: book_slot(slot, late))[0]
        waited = clock.monotonic() - started
    finally:
        release.set()
        holder.join(30)
    assert isinstance(answer, ValidationError) and answer.error_list[0].code == "SLOT_FULL", answer
    assert waited < 10  # the lock is held 20 s: the answer came without it
    # The same practitioner's second attempt, an idempotent retry and a waitlist request still take the lock path.
    assert book_slot(slot, late, waitlist=True).status == BookingStatus.WAITLISTED
    again = race(lambda: book_slot(slot, late))[0]
    assert isinstance(again, ValidationError) and again.error_list[0].code == "ALREADY_BOOKED"


@pytest.mark.django_db(transaction=True)
def test_one_practitioner_booking_two_overlapping_slots_at_once_gets_one(territories):
    offer = make_offer()
    practitioner = make_practitioner()
    first, second = make_slot(offer), make_slot(offer, start_in=timedelta(days=3, minutes=30))
    results = race(lambda: book_slot(first, practitioner), lambda: book_slot(second, practitioner))
    assert sum(isinstance(r, Booking) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and refused[0].error_list[0].code == "OVERLAPPING_BOOKING", results
    assert Booking.objects.filter(practitioner=practitioner, status=BookingStatus.CONFIRMED).count() == 1


@pytest.mark.django_db
class TestCancellationAndNotifications:
    def test_booking_emails_are_sent_after_commit(self, mailoutbox, django_capture_on_commit_callbacks):
        slot = make_slot(capacity=1)
        holder, waiting = make_practitioner(), make_practitioner()
        with django_capture_on_commit_callbacks(execute=True):
            seat = book_slot(slot, holder)
            book_slot(slot, waiting, waitlist=True)
            cancel_booking(seat, "Empêchement")
        deliver_queued_mail()
        subjects = [(m.to[0], m.subject.split(" le ")[0]) for m in mailoutbox]  # then the slot's date
        assert subjects == [
            (holder.email, "Réservation confirmée"),
            (waiting.email, "Liste d'attente pour"),
            (holder.email, "Réservation annulée :"),
            (waiting.email, "Une place s'est libérée"),
        ]
        assert "(Europe/Paris)" in mailoutbox[0].body

    def test_no_email_for_a_refused_booking(self, mailoutbox, django_capture_on_commit_callbacks):
        slot = make_slot(capacity=1)
        book_slot(slot, make_practitioner())
        queued = OutgoingEmail.objects.count()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            book_slot(slot, make_practitioner())
        assert OutgoingEmail.objects.count() == queued

    def test_a_hub_cancelling_a_slot_cancels_and_tells_everyone(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        slot = make_slot(capacity=1)
        holder, waiting = make_practitioner(), make_practitioner()
        book_slot(slot, holder)
        book_slot(slot, waiting, waitlist=True)
        deliver_queued_mail()
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            cancel_slot(slot, "Médecin absent")
        slot.refresh_from_db()
        assert (slot.status, slot.cancel_reason) == (SlotStatus.CANCELLED, "Médecin absent")
        assert set(Booking.objects.filter(slot=slot).values_list("status", flat=True)) == {
            BookingStatus.CANCELLED
        }
        deliver_queued_mail()
        assert sorted(m.to[0] for m in mailoutbox) == sorted([holder.email, waiting.email])
        assert all("Motif : Médecin absent" in m.body for m in mailoutbox)
        with pytest.raises(ValidationError) as again:
            cancel_slot(slot, "x")
        assert code_of(again) == "SLOT_CANCELLED"
        with pytest.raises(ValidationError):
            cancel_slot(make_slot(), " ")

    def test_times_in_emails_are_local_to_the_offer_la_reunion(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        hub = make_hub(make_msp("MSP Sakisoigne (test)", "97408"))
        offer = SupportOffer.objects.create(
            hub=hub,
            kind=OfferKind.PEER_FACILITATION,
            title="Atelier obésité de l'enfant",
            location_kind=LocationKind.REMOTE,
        )
        starts = datetime(timezone.now().year + 1, 3, 10, 9, 0, tzinfo=ZoneInfo("Indian/Reunion"))
        slot = Slot.objects.create(
            offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=5
        )
        assert slot.starts_at.astimezone(ZoneInfo("UTC")).hour == 5  # stored UTC, UTC+4 there
        with django_capture_on_commit_callbacks(execute=True):
            book_slot(slot, make_practitioner("10", "97408"))
        deliver_queued_mail()
        assert "à 09:00 (Indian/Reunion)" in mailoutbox[0].body


@pytest.mark.django_db(transaction=True)
def test_retries_arriving_together_return_the_same_booking(territories):
    slot = make_slot(capacity=5)
    practitioner = make_practitioner()
    results = race(*[lambda: book_slot(slot, practitioner, idempotency_key="retry-1")] * 3)
    assert all(isinstance(r, Booking) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Booking.objects.filter(practitioner=practitioner).count() == 1


@pytest.mark.django_db
def test_the_read_without_lock_refuses_as_the_locked_checks_would(monkeypatch):
    """The slot's refusals are written once (issue 25): the quick read that spares a full slot's lock and the
    locked checks give the same code and message, whichever path answers."""
    from mentoring.services import booking as booking_service

    def refusals():
        offer = make_offer()
        cancelled = make_slot(offer)
        cancelled.status = SlotStatus.CANCELLED
        cancelled.save()
        past = make_slot(offer, start_in=timedelta(hours=-1))
        full = make_slot(offer, capacity=1)
        book_slot(full, make_practitioner())
        mine = make_slot(offer)
        someone = make_practitioner()
        book_slot(mine, someone)
        found = []
        for slot, who in ((cancelled, make_practitioner()), (past, make_practitioner()), (full, make_practitioner()),
                          (mine, someone)):  # fmt: skip
            with pytest.raises(ValidationError) as refused:
                book_slot(slot, who)
            found.append((refused.value.error_list[0].code, refused.value.messages[0]))
        return found

    quick = refusals()
    monkeypatch.setattr(booking_service, "_refuse_without_lock", lambda *args: None)
    locked = refusals()
    assert quick == locked
    assert [code for code, _ in quick] == ["SLOT_CANCELLED", "SLOT_IN_PAST", "SLOT_FULL", "ALREADY_BOOKED"]
