"""Reminders, announcements and digests, found by periodic scans (`mentoring/tasks.py`).

- A practitioner is reminded 24 h and 1 h before a confirmed booking, a hub member before their rota
  turn, in the local time of the place (La Réunion included).
- The hub's coordinators are told when an advanced-consultation slot is still unstaffed 7 days before.
- Each morning of a business day, a hub's coordinators get the mentoring requests that have waited for
  the hub's answer for more than 3 business days.

A scan records what it queued (`Reminder`), so each goes out once for the time it is about (and again if
the slot moves). A reminder's e-mail checks, when it is sent, that its booking still stands at that time
(`booking_still_due`): nobody is reminded of a cancelled or moved slot, even if the e-mail waited in the
queue. Reminders and digests follow the user's notification preferences; confirmations and
cancellations are always sent.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from backend.accounts.models import wants
from backend.mail import services as outbox
from network.models import HubDesignation, Membership, MembershipRole, MspSite, OfferKind
from network.services.business_hours import business_seconds, calendar_of, calendar_of_commune

from .. import notifications
from ..models import (
    Booking,
    BookingRole,
    BookingStatus,
    MentoringRequest,
    MentoringRequestEvent,
    MentorshipMessage,
    Reminder,
    ReminderKind,
    RequestEventKind,
    RequestStatus,
    Slot,
    SlotStatus,
)

# Each reminder is due from `lead` before the start until `closes` before it (when the next one takes over):
# a booking made after that moment just got its confirmation and needs no reminder.
BOOKING_REMINDERS = [
    (ReminderKind.DAY_BEFORE, timedelta(hours=24), timedelta(hours=1)),
    (ReminderKind.HOUR_BEFORE, timedelta(hours=1), timedelta(0)),
]
UNSTAFFED_NOTICE = timedelta(days=7)
DIGEST_AFTER_DAYS = 3  # business days of waiting, in the requester's territory
SCAN_BATCH = 2000  # per kind and run; the next run takes the rest


def _one_scan_at_a_time(name: str) -> None:
    """Serialise runs of one scan (a manual run beside the periodic one): the second waits, then sees what the
    first recorded, so nothing is queued twice."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"mentoring.reminders.{name}"])


def due_booking_reminders(kind: str, lead: timedelta, closes: timedelta, now: datetime):
    """Confirmed seats and turns starting within `lead`, booked before the reminder was due, not yet reminded
    for that time, of people who did not turn reminders off."""
    reminded = Reminder.objects.filter(kind=kind, booking=OuterRef("pk"), starts_at=OuterRef("starts_at"))
    return (
        Booking.objects.filter(
            status=BookingStatus.CONFIRMED,
            starts_at__gt=now + closes,
            starts_at__lte=now + lead,
            confirmed_at__lte=F("starts_at") - lead,
            slot__status=SlotStatus.OPEN,
        )
        .exclude(practitioner__user__notification_preferences__reminders=False)
        .exclude(Exists(reminded))
        .select_related(
            "practitioner__user",
            "slot__offer__hub__msp",
            "slot__offer__site__commune",
            "slot__offer__host_commune",
        )
        .prefetch_related("slot__offer__hub__msp__sites__commune")
        .order_by("starts_at", "pk")
    )


@transaction.atomic
def queue_booking_reminders(now: datetime | None = None) -> int:
    """Queue the reminders that are due (one e-mail each); return how many."""
    now = now or timezone.now()
    _one_scan_at_a_time("bookings")
    queued = 0
    with outbox.batch():
        for kind, lead, closes in BOOKING_REMINDERS:
            bookings = list(due_booking_reminders(kind, lead, closes, now)[:SCAN_BATCH])
            Reminder.objects.bulk_create(
                [Reminder(kind=kind, booking=b, starts_at=b.starts_at) for b in bookings]
            )
            for booking in bookings:
                notifications.booking_reminder(
                    booking,
                    still_due="mentoring.services.reminders.booking_still_due",
                    still_due_args={"booking_id": booking.pk, "starts_at": booking.starts_at.isoformat()},
                )
            queued += len(bookings)
    return queued


def booking_still_due(booking_id: int, starts_at: str) -> bool:
    """Checked when a reminder is sent: the booking still stands, at that time, in the future, and its
    holder still wants reminders."""
    booking = Booking.objects.select_related("slot", "practitioner__user").filter(pk=booking_id).first()
    return (
        booking is not None
        and booking.status == BookingStatus.CONFIRMED
        and booking.slot.status == SlotStatus.OPEN
        and booking.starts_at == parse_datetime(starts_at)
        and booking.starts_at > timezone.now()
        and wants(booking.practitioner.user, "reminders")
    )


def unstaffed_slots(now: datetime):
    """Advanced-consultation slots of the coming 7 days that nobody staffs and that were not announced for
    that time."""
    staffed = Booking.objects.filter(
        slot=OuterRef("pk"), role=BookingRole.STAFF, status=BookingStatus.CONFIRMED
    )
    announced = Reminder.objects.filter(
        kind=ReminderKind.UNSTAFFED_TURN, slot=OuterRef("pk"), starts_at=OuterRef("starts_at")
    )
    return (
        Slot.objects.filter(
            status=SlotStatus.OPEN,
            offer__kind=OfferKind.ADVANCED_CONSULTATION,
            offer__is_active=True,
            starts_at__gt=now,
            starts_at__lte=now + UNSTAFFED_NOTICE,
        )
        .exclude(Exists(staffed))
        .exclude(Exists(announced))
        .select_related("offer__hub__msp", "offer__site__commune", "offer__host_commune")
        .prefetch_related("offer__hub__msp__sites__commune")
        .order_by("starts_at", "pk")
    )


def hub_coordinators(hub_ids) -> dict[int, list]:
    """The current coordinators (practitioners, with their accounts) of each hub's MSP."""
    msp_of = dict(HubDesignation.objects.filter(pk__in=hub_ids).values_list("pk", "msp_id"))
    by_msp = defaultdict(list)
    for membership in (
        Membership.objects.current()
        .filter(msp_id__in=msp_of.values(), role=MembershipRole.COORDINATOR)
        .select_related("practitioner__user")
        .order_by("pk")
    ):
        by_msp[membership.msp_id].append(membership.practitioner)
    return {hub_id: by_msp[msp_id] for hub_id, msp_id in msp_of.items()}


@transaction.atomic
def announce_unstaffed_turns(now: datetime | None = None) -> int:
    """Tell each hub's coordinators, in one e-mail, of its slots still unstaffed a week before; return how
    many slots were announced."""
    now = now or timezone.now()
    _one_scan_at_a_time("unstaffed")
    slots = list(unstaffed_slots(now)[:SCAN_BATCH])
    Reminder.objects.bulk_create(
        [Reminder(kind=ReminderKind.UNSTAFFED_TURN, slot=s, starts_at=s.starts_at) for s in slots]
    )
    by_hub = defaultdict(list)
    for slot in slots:
        by_hub[slot.offer.hub_id].append(slot)
    coordinators = hub_coordinators(by_hub)
    with outbox.batch():
        for hub_id, hub_slots in by_hub.items():
            for coordinator in coordinators[hub_id]:
                notifications.unstaffed_turns(coordinator, hub_slots[0].offer.hub, hub_slots)
    return len(slots)


def waiting_requests(now: datetime) -> dict[int, list[MentoringRequest]]:
    """Per hub, the requests waiting for its answer for more than 3 business days, oldest first; each has
    `waiting_since` (when it was sent, or when the requester last gave the details asked)."""
    since = (
        MentoringRequestEvent.objects.filter(
            request=OuterRef("pk"), kind__in=[RequestEventKind.SENT, RequestEventKind.INFO_PROVIDED]
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    candidates = (
        MentoringRequest.objects.filter(status=RequestStatus.SENT)
        .annotate(waiting_since=Subquery(since))
        .filter(waiting_since__lt=now - timedelta(days=2))  # three business days are at least that long
        .select_related("requester", "commune", "hub__msp")
        .order_by("hub_id", "waiting_since", "pk")
    )
    by_hub = defaultdict(list)
    for request in candidates:
        calendar = calendar_of_commune(request.commune_id)
        if business_seconds(request.waiting_since, now, calendar) > DIGEST_AFTER_DAYS * calendar.day_seconds:
            by_hub[request.hub_id].append(request)
    return by_hub


@transaction.atomic
def send_request_digests(now: datetime | None = None) -> int:
    """On a business morning, each hub coordinator who wants it gets the list of requests waiting for the
    hub's answer; return how many digests were queued."""
    now = now or timezone.now()
    waiting = waiting_requests(now)
    coordinators = hub_coordinators(waiting)
    territory = dict(
        MspSite.objects.filter(msp__hub__in=waiting, is_main=True).values_list(
            "msp__hub", "commune__department_id"
        )
    )
    sent = 0
    with outbox.batch():
        for hub_id, requests in waiting.items():
            calendar = calendar_of(territory.get(hub_id))
            if not calendar.is_business_day(now.astimezone(calendar.zone).date()):
                continue  # a day off where the hub is
            for coordinator in coordinators[hub_id]:
                if wants(coordinator.user, "digest"):
                    notifications.request_digest(coordinator, requests[0].hub, requests, now)
                    sent += 1
    return sent


@transaction.atomic
def send_message_digests(now: datetime | None = None) -> int:
    """Every quarter-hour: each mentorship thread with messages nobody was told of yet gets one e-mail to the
    other side, however many messages were written (before, one e-mail per message: a chatty thread flooded a
    mailbox). Rows are taken with SKIP LOCKED, so two workers never tell the same message twice. Returns how
    many threads were told of."""
    now = now or timezone.now()
    pending = list(
        MentorshipMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(notified_at__isnull=True, created_at__lte=now)
        .select_related("mentorship__hub__msp", "mentorship__mentee__user")
        .order_by("mentorship_id", "from_hub", "created_at", "pk")
    )
    threads = defaultdict(list)
    for message in pending:
        threads[(message.mentorship_id, message.from_hub)].append(message)
    with outbox.batch():
        for messages in threads.values():
            notifications.mentorship_messages(messages[0].mentorship, messages[0].from_hub, len(messages))
    MentorshipMessage.objects.filter(pk__in=[m.pk for m in pending]).update(notified_at=now)
    return len(threads)
