"""E-mails about bookings and mentoring requests, in French.

Each is queued in the outbox (backend/mail) within the transaction of the change: a change that rolls
back sends nothing, and a worker delivers the rest, retrying until the mail server accepts them.
"""

from django.utils import timezone

from backend.mail.services import queue_email


def _when(slot) -> str:
    from zoneinfo import ZoneInfo

    local = timezone.localtime(slot.starts_at, ZoneInfo(slot.offer.time_zone))
    return local.strftime("%d/%m/%Y à %H:%M") + f" ({slot.offer.time_zone})"


def practitioner_address(practitioner) -> str:
    return practitioner.email or (practitioner.user.email if practitioner.user_id else "")


def email_practitioner(practitioner, subject: str, body: str, *, kind: str, **options) -> None:
    """Queue an e-mail to a practitioner (their directory address, else their account's); none without one."""
    queue_email(practitioner_address(practitioner), subject, body, kind=kind, **options)


def booking_confirmed(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Réservation confirmée le {_when(slot)}",
        f"Bonjour,\n\nVotre place est réservée pour « {slot.offer.title} » le {_when(slot)}, "
        f"proposé par {slot.offer.hub.msp.name}.\n",
        kind="booking.confirmed",
    )


def booking_waitlisted(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Liste d'attente pour le {_when(slot)}",
        f"Bonjour,\n\nLe créneau du {_when(slot)} est complet ; vous êtes sur la liste d'attente. "
        "Vous serez prévenu si une place se libère.\n",
        kind="booking.waitlisted",
    )


def booking_promoted(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Une place s'est libérée le {_when(slot)}",
        f"Bonjour,\n\nUne place s'est libérée : votre réservation pour le {_when(slot)} est confirmée.\n",
        kind="booking.promoted",
    )


def booking_cancelled(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Réservation annulée : le {_when(slot)}",
        f"Bonjour,\n\nVotre réservation du {_when(slot)} est annulée.\n",
        kind="booking.cancelled",
    )


def slot_cancelled(booking, reason: str) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Créneau annulé : le {_when(slot)}",
        f"Bonjour,\n\n{slot.offer.hub.msp.name} a annulé le créneau du {_when(slot)}.\nMotif : {reason}\n",
        kind="slot.cancelled",
    )


def booking_rescheduled(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Réservation déplacée au {_when(slot)}",
        f"Bonjour,\n\nVotre place est désormais sur le créneau du {_when(slot)} ({slot.offer.title}). "
        "Votre ancienne place a été libérée.\n",
        kind="booking.rescheduled",
    )


def turn_declined(coordinator, booking, reason: str) -> None:
    slot = booking.slot
    email_practitioner(
        coordinator,
        f"Tour de garde décliné : le {_when(slot)}",
        f"Bonjour,\n\n{booking.practitioner.full_name} ne peut pas assurer la consultation du {_when(slot)} "
        f"({slot.offer.title})" + (f" : {reason}" if reason else "") + ".\n\nLe créneau est à reprendre : "
        "un membre peut prendre ce tour, ou vous pouvez l'échanger ou l'attribuer depuis le planning.\n",
        kind="rota.declined",
    )


def slot_moved(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Créneau déplacé au {_when(slot)}",
        f"Bonjour,\n\n{slot.offer.hub.msp.name} a modifié un créneau que vous avez réservé : il a lieu "
        f"désormais le {_when(slot)}.\nSi ce nouvel horaire ne vous convient pas, vous pouvez annuler "
        "votre réservation.\n",
        kind="slot.moved",
    )


# --- Mentoring requests ----------------------------------------------------------------------------


def coordinators_of(hub):
    from network.models import Membership, MembershipRole

    return [
        m.practitioner
        for m in Membership.objects.current()
        .filter(msp_id=hub.msp_id, role=MembershipRole.COORDINATOR)
        .select_related("practitioner__user")
    ]


def request_received(request) -> None:
    for coordinator in coordinators_of(request.hub):
        email_practitioner(
            coordinator,
            "Nouvelle demande d'accompagnement",
            f"Bonjour,\n\n{request.requester.full_name} ({request.commune.name}) sollicite "
            f"{request.hub.msp.name} pour un accompagnement.\n\n{request.message}\n",
            kind="request.received",
        )


def request_info_provided(request, message: str) -> None:
    for coordinator in coordinators_of(request.hub):
        email_practitioner(
            coordinator,
            "Précisions sur une demande d'accompagnement",
            f"Bonjour,\n\n{request.requester.full_name} a répondu à votre question :\n\n{message}\n",
            kind="request.info_provided",
        )


def request_accepted(request, mentorship) -> None:
    email_practitioner(
        request.requester,
        "Demande d'accompagnement acceptée",
        f"Bonjour,\n\n{request.hub.msp.name} accepte de vous accompagner à partir du "
        f"{mentorship.starts_on:%d/%m/%Y}, à raison de {mentorship.hours_per_month} h par mois.\n",
        kind="request.accepted",
    )


def request_declined(request, reason: str) -> None:
    email_practitioner(
        request.requester,
        "Demande d'accompagnement déclinée",
        f"Bonjour,\n\n{request.hub.msp.name} ne peut pas donner suite à votre demande.\nMotif : {reason}\n\n"
        "Vous pouvez l'envoyer à une autre MSP tête de pont.\n",
        kind="request.declined",
    )


def request_info_requested(request, question: str) -> None:
    email_practitioner(
        request.requester,
        "Précisions demandées sur votre demande d'accompagnement",
        f"Bonjour,\n\n{request.hub.msp.name} vous demande des précisions :\n\n{question}\n",
        kind="request.info_requested",
    )


# --- Reminders, announcements, digests (mentoring/services/reminders.py) ---------------------------


def _where(offer) -> str:
    """Where a slot takes place, for a reminder."""
    from .models import LocationKind

    if offer.location_kind == LocationKind.REMOTE:
        return "à distance (visioconférence)"
    if offer.location_kind == LocationKind.HOST_SITE:
        host = offer.host_name or "la structure d'accueil"
        return f"à {host}, {offer.host_commune.name}"
    site = offer.site
    return f"au {site.address}, {site.commune.name}" if site else f"à {offer.hub.msp.name}"


def booking_reminder(booking, **options) -> None:
    """A seat's or a turn's reminder, in the place's local time."""
    from .models import BookingRole

    slot, offer = booking.slot, booking.slot.offer
    if booking.role == BookingRole.STAFF:
        subject = f"Rappel : votre tour de garde le {_when(slot)}"
        body = (
            f"Bonjour,\n\nVous assurez « {offer.title} » pour {offer.hub.msp.name} le {_when(slot)}, "
            f"{_where(offer)}.\nSi vous ne pouvez pas l'assurer, prévenez votre coordinateur pour échanger "
            "votre tour.\n"
        )
    else:
        subject = f"Rappel : votre rendez-vous le {_when(slot)}"
        body = (
            f"Bonjour,\n\nVous avez une place pour « {offer.title} », proposé par {offer.hub.msp.name}, "
            f"le {_when(slot)}, {_where(offer)}.\nSi vous ne pouvez pas venir, annulez votre réservation "
            "pour libérer la place.\n"
        )
    email_practitioner(booking.practitioner, subject, body, kind="reminder.booking", **options)


def unstaffed_turns(coordinator, hub, slots) -> None:
    lines = "\n".join(f"- {slot.offer.title} : {_when(slot)}, {_where(slot.offer)}" for slot in slots)
    email_practitioner(
        coordinator,
        f"{len(slots)} créneau(x) sans intervenant dans les 7 jours",
        f"Bonjour,\n\nCes consultations avancées de {hub.msp.name} n'ont encore personne pour les assurer :\n\n"
        f"{lines}\n\nAttribuez un tour de garde, ou annulez le créneau pour prévenir les inscrits.\n",
        kind="rota.unstaffed",
    )


def request_digest(coordinator, hub, requests, now) -> None:
    lines = "\n".join(
        f"- {r.requester.full_name} ({r.commune.name}), en attente depuis le "
        f"{timezone.localtime(r.waiting_since):%d/%m/%Y}"
        for r in requests
    )
    email_practitioner(
        coordinator,
        f"{len(requests)} demande(s) d'accompagnement attendent votre réponse",
        f"Bonjour,\n\nCes demandes adressées à {hub.msp.name} attendent une réponse depuis plus de 3 jours "
        f"ouvrés :\n\n{lines}\n\nAcceptez-les, déclinez-les ou demandez des précisions : le demandeur "
        "pourra s'adresser ailleurs.\n",
        kind="request.digest",
    )


def mentorship_messages(mentorship, from_hub: bool, count: int) -> None:
    """Tell the other side of a mentorship that `count` messages wait (the text stays on the platform)."""
    what = "un nouveau message" if count == 1 else f"{count} nouveaux messages"
    if from_hub:
        email_practitioner(
            mentorship.mentee,
            "Nouveau message dans votre accompagnement",
            f"Bonjour,\n\n{mentorship.hub.msp.name} vous a écrit dans votre accompagnement : {what}. Retrouvez-les "
            "sur Tête de pont.\n",
            kind="mentorship.message",
        )
        return
    for coordinator in coordinators_of(mentorship.hub):
        email_practitioner(
            coordinator,
            "Nouveau message d'un accompagnement",
            f"Bonjour,\n\n{mentorship.mentee.full_name}, que {mentorship.hub.msp.name} accompagne, vous a écrit : "
            f"{what}. Retrouvez-les sur Tête de pont.\n",
            kind="mentorship.message",
        )
