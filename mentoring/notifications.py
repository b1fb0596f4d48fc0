"""E-mails to practitioners about their bookings (Django's e-mail backend; console in development).

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


def _send(practitioner, subject: str, body: str) -> None:
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
    _send(
        booking.practitioner,
        f"Réservation confirmée : {slot.offer.title}",
        f"Bonjour,\n\nVotre place est réservée pour « {slot.offer.title} » le {_when(slot)}, "
        f"proposé par {slot.offer.hub.msp.name}.\n",
    )


def booking_waitlisted(booking) -> None:
    slot = booking.slot
    _send(
        booking.practitioner,
        f"Liste d'attente : {slot.offer.title}",
        f"Bonjour,\n\nLe créneau du {_when(slot)} est complet ; vous êtes sur la liste d'attente. "
        "Vous serez prévenu si une place se libère.\n",
    )


def booking_promoted(booking) -> None:
    slot = booking.slot
    _send(
        booking.practitioner,
        f"Une place s'est libérée : {slot.offer.title}",
        f"Bonjour,\n\nUne place s'est libérée : votre réservation pour le {_when(slot)} est confirmée.\n",
    )


def booking_cancelled(booking) -> None:
    slot = booking.slot
    _send(
        booking.practitioner,
        f"Réservation annulée : {slot.offer.title}",
        f"Bonjour,\n\nVotre réservation du {_when(slot)} est annulée.\n",
    )


def slot_cancelled(booking, reason: str) -> None:
    slot = booking.slot
    _send(
        booking.practitioner,
        f"Créneau annulé : {slot.offer.title}",
        f"Bonjour,\n\n{slot.offer.hub.msp.name} a annulé le créneau du {_when(slot)}.\nMotif : {reason}\n",
    )
