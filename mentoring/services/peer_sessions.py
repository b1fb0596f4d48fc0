"""Peer facilitation sessions in the Project ECHO way: a session (a slot of a PEER_FACILITATION offer) has an
agenda; its participants submit anonymised cases before it; the facilitator (the slot's staff, or the hub's
coordinators) marks attendance (services/booking.py: mark_attendance) and attaches materials after it; the
offer's participants read past sessions' materials."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from network.models import OfferKind

from ..errors import MentoringErrorCode, domain_error, required_text
from ..models import Booking, BookingRole, BookingStatus, PeerCase, SessionMaterial, Slot, SlotStatus
from . import anonymity
from .booking import announce_slot_change

MAX_CASES = 3  # per participant and session: the lists read by the session stay short
MAX_MATERIALS = 20


def _session(slot: Slot) -> Slot:
    slot = Slot.objects.select_for_update(of=("self",)).select_related("offer__hub").get(pk=slot.pk)
    if slot.offer.kind != OfferKind.PEER_FACILITATION:
        raise domain_error(
            MentoringErrorCode.INVALID, "Ce créneau n'est pas une séance de facilitation entre pairs."
        )
    if slot.status == SlotStatus.CANCELLED:
        raise domain_error(MentoringErrorCode.SLOT_CANCELLED, "Cette séance a été annulée.")
    return slot


def is_participant(slot: Slot, practitioner) -> bool:
    return (
        practitioner is not None
        and slot.bookings.filter(
            practitioner=practitioner, role=BookingRole.ATTENDEE, status=BookingStatus.CONFIRMED
        ).exists()
    )


@transaction.atomic
def set_agenda(slot: Slot, agenda: str) -> Slot:
    slot = _session(slot)
    if slot.starts_at <= timezone.now():
        raise domain_error(
            MentoringErrorCode.SLOT_STARTED, "La séance a commencé : l'ordre du jour est arrêté."
        )
    slot.agenda = (agenda or "").strip()
    if len(slot.agenda) > 5000:
        raise domain_error(MentoringErrorCode.INVALID, "5 000 caractères au plus.", "agenda")
    slot.save(update_fields=["agenda"])
    announce_slot_change(slot)
    return slot


@transaction.atomic
def submit_case(slot: Slot, practitioner, title: str, body: str) -> PeerCase:
    """A participant's case, before the session; refused when it carries an identifier of the patient."""
    slot = _session(slot)
    if not is_participant(slot, practitioner):
        raise domain_error(MentoringErrorCode.INVALID, "Seuls les participants inscrits présentent un cas.")
    if slot.starts_at <= timezone.now():
        raise domain_error(MentoringErrorCode.SLOT_STARTED, "Les cas se soumettent avant la séance.")
    if PeerCase.objects.filter(slot=slot, author=practitioner).count() >= MAX_CASES:
        raise domain_error(
            MentoringErrorCode.INVALID, f"{MAX_CASES} cas au plus par participant et par séance."
        )
    title = required_text(title, "title", "Le titre", 200)
    body = required_text(body, "body", "Le cas", 5000)
    refused = anonymity.refusal(f"{title}\n{body}")  # what gives the patient away: services/anonymity.py
    if refused:
        raise domain_error(MentoringErrorCode.INVALID, refused, "body")
    return PeerCase.objects.create(slot=slot, author=practitioner, title=title, body=body)


@transaction.atomic
def add_material(slot: Slot, user, title: str, url: str) -> SessionMaterial:
    """A document of the session (an https link), once it has taken place."""
    slot = _session(slot)
    if slot.starts_at > timezone.now():
        raise domain_error(
            MentoringErrorCode.NOT_YET_STARTED, "Les supports s'ajoutent une fois la séance tenue."
        )
    if slot.materials.count() >= MAX_MATERIALS:
        raise domain_error(MentoringErrorCode.INVALID, f"{MAX_MATERIALS} documents au plus par séance.")
    title = required_text(title, "title", "Le titre", 200)
    url = (url or "").strip()
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise domain_error(
            MentoringErrorCode.INVALID, "Lien invalide : une adresse https:// est attendue.", "url"
        ) from None
    if len(url) > 500:
        raise domain_error(MentoringErrorCode.INVALID, "500 caractères au plus.", "url")
    return SessionMaterial.objects.create(slot=slot, title=title, url=url, added_by=user)


def reads_materials(slot: Slot, practitioner) -> bool:
    """Materials are for those who took part in the offer's sessions (any of them): they read every past one's."""
    return (
        practitioner is not None
        and Booking.objects.filter(
            slot__offer_id=slot.offer_id, practitioner=practitioner, status=BookingStatus.CONFIRMED
        ).exists()
    )
