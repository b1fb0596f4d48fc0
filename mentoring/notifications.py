"""E-mails about bookings and mentoring requests (Django's e-mail backend; console in development).

Sent after the transaction commits, never for a change that rolled back.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("backend.mentoring")


def _when(slot) -> str:
    from zoneinfo import ZoneInfo

    local = timezone.localtime(slot.starts_at, ZoneInfo(slot.offer.time_zone))
    return local.strftime("%d/%m/%Y à %H:%M") + f" ({slot.offer.time_zone})"


def email_practitioner(practitioner, subject: str, body: str) -> None:
    recipient = practitioner.email or (practitioner.user.email if practitioner.user_id else "")
    if not recipient:
        return

    def send():
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
        except Exception:
            logger.exception("Could not send %r to practitioner %s", subject, practitioner.pk)

    transaction.on_commit(send)


def booking_confirmed(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Réservation confirmée : {slot.offer.title}",
        f"Bonjour,\n\nVotre place est réservée pour « {slot.offer.title} » le {_when(slot)}, "
        f"proposé par {slot.offer.hub.msp.name}.\n",
    )


def booking_waitlisted(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Liste d'attente : {slot.offer.title}",
        f"Bonjour,\n\nLe créneau du {_when(slot)} est complet ; vous êtes sur la liste d'attente. "
        "Vous serez prévenu si une place se libère.\n",
    )


def booking_promoted(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Une place s'est libérée : {slot.offer.title}",
        f"Bonjour,\n\nUne place s'est libérée : votre réservation pour le {_when(slot)} est confirmée.\n",
    )


def booking_cancelled(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Réservation annulée : {slot.offer.title}",
        f"Bonjour,\n\nVotre réservation du {_when(slot)} est annulée.\n",
    )


def slot_cancelled(booking, reason: str) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Créneau annulé : {slot.offer.title}",
        f"Bonjour,\n\n{slot.offer.hub.msp.name} a annulé le créneau du {_when(slot)}.\nMotif : {reason}\n",
    )


def slot_moved(booking) -> None:
    slot = booking.slot
    email_practitioner(
        booking.practitioner,
        f"Créneau modifié : {slot.offer.title}",
        f"Bonjour,\n\n{slot.offer.hub.msp.name} a modifié un créneau que vous avez réservé : il a lieu "
        f"désormais le {_when(slot)}.\nSi ce nouvel horaire ne vous convient pas, vous pouvez annuler "
        "votre réservation.\n",
    )


# --- Mentoring requests ----------------------------------------------------------------------------


def _coordinators(hub):
    from network.models import Membership, MembershipRole

    return [
        m.practitioner
        for m in Membership.objects.current()
        .filter(msp_id=hub.msp_id, role=MembershipRole.COORDINATOR)
        .select_related("practitioner__user")
    ]


def request_received(request) -> None:
    for coordinator in _coordinators(request.hub):
        email_practitioner(
            coordinator,
            "Nouvelle demande d'accompagnement",
            f"Bonjour,\n\n{request.requester.full_name} ({request.commune.name}) sollicite "
            f"{request.hub.msp.name} pour un accompagnement.\n\n{request.message}\n",
        )


def request_info_provided(request, message: str) -> None:
    for coordinator in _coordinators(request.hub):
        email_practitioner(
            coordinator,
            "Précisions sur une demande d'accompagnement",
            f"Bonjour,\n\n{request.requester.full_name} a répondu à votre question :\n\n{message}\n",
        )


def request_accepted(request, mentorship) -> None:
    email_practitioner(
        request.requester,
        "Demande d'accompagnement acceptée",
        f"Bonjour,\n\n{request.hub.msp.name} accepte de vous accompagner à partir du "
        f"{mentorship.starts_on:%d/%m/%Y}, à raison de {mentorship.hours_per_month} h par mois.\n",
    )


def request_declined(request, reason: str) -> None:
    email_practitioner(
        request.requester,
        "Demande d'accompagnement déclinée",
        f"Bonjour,\n\n{request.hub.msp.name} ne peut pas donner suite à votre demande.\nMotif : {reason}\n\n"
        "Vous pouvez l'envoyer à une autre MSP tête de pont.\n",
    )


def request_info_requested(request, question: str) -> None:
    email_practitioner(
        request.requester,
        "Précisions demandées sur votre demande d'accompagnement",
        f"Bonjour,\n\n{request.hub.msp.name} vous demande des précisions :\n\n{question}\n",
    )
