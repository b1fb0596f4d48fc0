"""E-mails about bookings and mentoring requests, in French.

Each is a pair of templates in `mentoring/templates/email/mentoring/` (backend/mail/rendering.py), queued in
the outbox (backend/mail) within the transaction of the change: a change that rolls back sends nothing, and
a worker delivers the rest, retrying until the mail server accepts them. A booking's confirmation, move and
cancellation carry an iCalendar invitation (mentoring/services/calendar.py: booking_invitation).
"""

from zoneinfo import ZoneInfo

from django.utils import timezone

from backend.mail.services import queue_templated_email
from network.models import Membership, MembershipRole

from .models import BookingRole, LocationKind
from .services.calendar import booking_invitation


def _when(slot) -> str:
    local = timezone.localtime(slot.starts_at, ZoneInfo(slot.offer.time_zone))
    return local.strftime("%d/%m/%Y à %H:%M") + f" ({slot.offer.time_zone})"


def send(practitioner, template: str, context: dict, *, kind: str, **options) -> None:
    """Queue the e-mail `template` (under email/mentoring/) to a practitioner (their directory address, else
    their account's); none without one."""
    queue_templated_email(
        practitioner.mailing_address, f"mentoring/{template}", context, kind=kind, **options
    )


def _slot(slot) -> dict:
    offer = slot.offer
    return {"when": _when(slot), "title": offer.title, "hub_name": offer.hub.msp.name, "where": _where(offer)}


def _booking(booking, template: str, kind: str, method: str = "", **extra) -> None:
    """A booking's e-mail, with its calendar invitation (METHOD `method`) when one is given."""
    calendar = booking_invitation(booking, method) if method else ""
    send(booking.practitioner, template, {**_slot(booking.slot), **extra}, kind=kind, calendar=calendar)


def booking_confirmed(booking) -> None:
    _booking(booking, "booking_confirmed", "booking.confirmed", "REQUEST")


def booking_waitlisted(booking) -> None:
    _booking(booking, "booking_waitlisted", "booking.waitlisted")


def booking_promoted(booking) -> None:
    _booking(booking, "booking_promoted", "booking.promoted", "REQUEST")


def booking_cancelled(booking) -> None:
    _booking(booking, "booking_cancelled", "booking.cancelled", "CANCEL")


def slot_cancelled(booking, reason: str) -> None:
    _booking(booking, "slot_cancelled", "slot.cancelled", "CANCEL", reason=reason)


def booking_rescheduled(booking) -> None:
    _booking(booking, "booking_rescheduled", "booking.rescheduled", "REQUEST")


def turn_declined(coordinator, booking, reason: str) -> None:
    context = {**_slot(booking.slot), "member_name": booking.practitioner.full_name, "reason": reason}
    send(coordinator, "turn_declined", context, kind="rota.declined")


def slot_moved(booking) -> None:
    _booking(booking, "slot_moved", "slot.moved", "REQUEST")


# --- Mentoring requests ----------------------------------------------------------------------------


def coordinators_of(hub):
    return [
        m.practitioner
        for m in Membership.objects.current()
        .filter(msp_id=hub.msp_id, role=MembershipRole.COORDINATOR)
        .select_related("practitioner__user")
    ]


def request_received(request) -> None:
    context = {
        "requester_name": request.requester.full_name,
        "commune_name": request.commune.name,
        "hub_name": request.hub.msp.name,
        "message": request.message,
    }
    for coordinator in coordinators_of(request.hub):
        send(coordinator, "request_received", context, kind="request.received")


def request_info_provided(request, message: str) -> None:
    context = {"requester_name": request.requester.full_name, "message": message}
    for coordinator in coordinators_of(request.hub):
        send(coordinator, "request_info_provided", context, kind="request.info_provided")


def request_accepted(request, mentorship) -> None:
    context = {
        "hub_name": request.hub.msp.name,
        "starts_on": mentorship.starts_on,
        "hours_per_month": mentorship.hours_per_month,
    }
    send(request.requester, "request_accepted", context, kind="request.accepted")


def request_declined(request, reason: str) -> None:
    send(
        request.requester, "request_declined", {"hub_name": request.hub.msp.name, "reason": reason},
        kind="request.declined",
    )  # fmt: skip


def request_info_requested(request, question: str) -> None:
    send(
        request.requester, "request_info_requested", {"hub_name": request.hub.msp.name, "question": question},
        kind="request.info_requested",
    )  # fmt: skip


# --- Reminders, announcements, digests (mentoring/services/reminders.py) ---------------------------


def _where(offer) -> str:
    """Where a slot takes place, for a reminder."""
    if offer.location_kind == LocationKind.REMOTE:
        return "à distance (visioconférence)"
    if offer.location_kind == LocationKind.HOST_SITE:
        host = offer.host_name or "la structure d'accueil"
        return f"à {host}, {offer.host_commune.name}"
    site = offer.site
    return f"au {site.address}, {site.commune.name}" if site else f"à {offer.hub.msp.name}"


def booking_reminder(booking, **options) -> None:
    """A seat's or a turn's reminder, in the place's local time."""
    template = "reminder_turn" if booking.role == BookingRole.STAFF else "reminder_seat"
    send(booking.practitioner, template, _slot(booking.slot), kind="reminder.booking", **options)


def unstaffed_turns(coordinator, hub, slots) -> None:
    context = {"count": len(slots), "hub_name": hub.msp.name, "slots": [_slot(slot) for slot in slots]}
    send(coordinator, "unstaffed_turns", context, kind="rota.unstaffed")


def request_digest(coordinator, hub, requests, now) -> None:
    waiting = [
        {
            "name": r.requester.full_name,
            "commune": r.commune.name,
            "since": timezone.localtime(r.waiting_since),
        }
        for r in requests
    ]
    context = {"count": len(requests), "hub_name": hub.msp.name, "requests": waiting}
    send(coordinator, "request_digest", context, kind="request.digest")


def mentorship_messages(mentorship, from_hub: bool, count: int) -> None:
    """Tell the other side of a mentorship that `count` messages wait (the text stays on the platform)."""
    what = "un nouveau message" if count == 1 else f"{count} nouveaux messages"
    context = {"hub_name": mentorship.hub.msp.name, "mentee_name": mentorship.mentee.full_name, "what": what}
    if from_hub:
        send(mentorship.mentee, "mentorship_message_to_mentee", context, kind="mentorship.message")
        return
    for coordinator in coordinators_of(mentorship.hub):
        send(coordinator, "mentorship_message_to_hub", context, kind="mentorship.message")
