"""A booking's e-mails carry an iCalendar invitation that a calendar app applies by itself (issue 25): METHOD
REQUEST when it is confirmed or moved, CANCEL when it is cancelled; one UID per booking, kept when the booking
is rescheduled to another slot; a SEQUENCE one higher at each message, so the app updates the event in place."""

import pytest
from django.core import mail
from icalendar import Calendar

from mentoring.services import booking as booking_service
from tests.helpers import deliver_queued_mail, offer_for, slot_for

pytestmark = pytest.mark.django_db


def invitations(address):
    """(METHOD, UID, SEQUENCE, STATUS, DTSTART) of each invitation delivered to `address`, in order."""
    deliver_queued_mail()
    found = []
    for message in mail.outbox:
        if message.to != [address]:
            continue
        for name, content, _ in message.attachments:
            assert name == "invitation.ics"
            calendar = Calendar.from_ical(content)
            (event,) = calendar.walk("VEVENT")
            found.append(
                (str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"]),
                 event.decoded("DTSTART").timestamp())
            )  # fmt: skip
    mail.outbox.clear()
    return found


def test_a_booking_is_one_event_in_the_calendar_from_confirmation_to_cancellation(world):
    offer = offer_for(world.hub)
    first, second = slot_for(offer, days=3), slot_for(offer, days=10)
    practitioner = world.user("practitioner").practitioner
    address = practitioner.email or practitioner.user.email
    mail.outbox.clear()

    booking = booking_service.book_slot(first, practitioner)
    uid = f"booking-{booking.pk}@tete-de-pont"
    assert invitations(address) == [
        ("REQUEST", uid, 0, "CONFIRMED", first.starts_at.replace(microsecond=0).timestamp())
    ]

    moved, _ = booking_service.reschedule_booking(booking, second)
    assert moved.pk != booking.pk
    assert invitations(address) == [
        ("REQUEST", uid, 1, "CONFIRMED", second.starts_at.replace(microsecond=0).timestamp())
    ]  # the same event, moved

    booking_service.cancel_booking(moved)
    assert invitations(address) == [
        ("CANCEL", uid, 2, "CANCELLED", second.starts_at.replace(microsecond=0).timestamp())
    ]


def test_each_booking_has_its_own_event(world):
    slot = slot_for(offer_for(world.hub), capacity=1)
    practitioner = world.user("practitioner").practitioner
    mail.outbox.clear()
    booking_service.book_slot(slot, practitioner)
    other = booking_service.book_slot(slot_for(offer_for(world.hub), days=5), practitioner)
    uids = {uid for _, uid, *_ in invitations(practitioner.email or practitioner.user.email)}
    assert len(uids) == 2 and f"booking-{other.pk}@tete-de-pont" in uids
