"""Hubs publish support offers and open slots on them."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from network.models import HubStatus, MspSite, Profession
from network.services.directory import get_commune

from ..errors import MentoringErrorCode
from ..models import LocationKind, MentoringTopic, Slot, SupportOffer
from .booking import announce_slot_change

MAX_NOTICE_HOURS = 24 * 14


@dataclass
class OfferData:
    kind: str
    title: str
    location_kind: str
    description: str = ""
    topics: list[str] = field(default_factory=list)
    mentoring_topics: list[str] = field(default_factory=list)
    profession_codes: list[str] = field(default_factory=list)
    site_id: int | None = None
    host_name: str = ""
    host_commune_code: str | None = None
    host_site_id: int | None = None
    booking_notice_hours: int = 0
    cancel_notice_hours: int = 0
    booking_question: str = ""
    video_url: str = ""
    is_active: bool = True

    @classmethod
    def of(cls, offer: SupportOffer) -> "OfferData":
        """The offer as it stands, to apply changes to."""
        return cls(
            kind=offer.kind,
            title=offer.title,
            location_kind=offer.location_kind,
            description=offer.description,
            topics=list(offer.topics),
            mentoring_topics=list(offer.mentoring_topics),
            profession_codes=[p.code for p in offer.professions.all()],
            site_id=offer.site_id,
            host_name=offer.host_name,
            host_commune_code=offer.host_commune_id,
            host_site_id=offer.host_site_id,
            booking_notice_hours=offer.booking_notice_hours,
            cancel_notice_hours=offer.cancel_notice_hours,
            booking_question=offer.booking_question,
            video_url=offer.video_url,
            is_active=offer.is_active,
        )


def _fill(offer: SupportOffer, data: OfferData) -> list[Profession]:
    """Validate `data` and copy it onto the offer; returns its professions. Raises every error at once."""
    hub = offer.hub
    errors = {}
    if data.kind not in hub.offer_kinds:
        errors["kind"] = ValidationError(
            "Ce type d'accompagnement ne figure pas dans la désignation de la MSP.",
            code=MentoringErrorCode.INVALID,
        )
    if not (data.title or "").strip():
        errors["title"] = ValidationError("L'intitulé est obligatoire.", code=MentoringErrorCode.REQUIRED)
    if any(t not in MentoringTopic.values for t in data.mentoring_topics):
        errors["mentoring_topics"] = ValidationError(
            "Domaine d'accompagnement inconnu.", code=MentoringErrorCode.INVALID
        )
    offer.kind = data.kind
    offer.title = (data.title or "").strip()[:200]
    offer.description = (data.description or "").strip()
    offer.topics = [t.strip()[:100] for t in data.topics if t and t.strip()]
    offer.mentoring_topics = list(dict.fromkeys(data.mentoring_topics))
    offer.location_kind = data.location_kind
    offer.is_active = data.is_active
    for name, label in (("booking_notice_hours", "réserver"), ("cancel_notice_hours", "annuler")):
        hours = getattr(data, name) or 0
        if not 0 <= hours <= MAX_NOTICE_HOURS:
            errors[name] = ValidationError(
                f"Le délai pour {label} va de 0 à {MAX_NOTICE_HOURS} heures.", code=MentoringErrorCode.INVALID
            )
        setattr(offer, name, hours)
    offer.booking_question = (data.booking_question or "").strip()
    if len(offer.booking_question) > 300:
        errors["booking_question"] = ValidationError(
            "300 caractères au plus.", code=MentoringErrorCode.INVALID
        )
    offer.video_url = (data.video_url or "").strip()
    if offer.video_url:
        if data.location_kind != LocationKind.REMOTE:
            errors["video_url"] = ValidationError(
                "Un lien de visioconférence est réservé aux offres à distance.",
                code=MentoringErrorCode.INVALID,
            )
        else:
            try:
                URLValidator(schemes=["https"])(offer.video_url)
            except ValidationError:
                errors["video_url"] = ValidationError(
                    "Lien de visioconférence invalide : une adresse https:// complète est attendue.",
                    code=MentoringErrorCode.INVALID,
                )
            if len(offer.video_url) > 500:
                errors["video_url"] = ValidationError(
                    "500 caractères au plus.", code=MentoringErrorCode.INVALID
                )
    offer.site, offer.host_name, offer.host_commune, offer.host_site = None, "", None, None
    if data.location_kind == LocationKind.HUB_SITE:
        offer.site = (
            MspSite.objects.filter(pk=data.site_id, msp_id=hub.msp_id).first() if data.site_id else None
        )
        if offer.site is None:
            errors["site_id"] = ValidationError(
                "Choisissez un site de la MSP.", code=MentoringErrorCode.REQUIRED
            )
    elif data.location_kind == LocationKind.HOST_SITE and data.host_site_id:
        # A real MSP or site hosts it (the Givry pôle de santé): its name and commune come from there.
        offer.host_site = (
            MspSite.objects.select_related("msp", "commune").filter(pk=data.host_site_id).first()
        )
        if offer.host_site is None:
            errors["host_site_id"] = ValidationError("Site inconnu.", code=MentoringErrorCode.NOT_FOUND)
        else:
            offer.host_name = (data.host_name or "").strip()[:200] or offer.host_site.msp.name
            offer.host_commune = offer.host_site.commune
    elif data.location_kind == LocationKind.HOST_SITE:
        offer.host_name = (data.host_name or "").strip()[:200]
        try:
            offer.host_commune = get_commune(data.host_commune_code or "", field_name="host_commune_code")
        except ValidationError as exc:
            errors.update(exc.error_dict)
    professions = list(Profession.objects.filter(code__in=data.profession_codes))
    if len(professions) != len(set(data.profession_codes)):
        errors["profession_codes"] = ValidationError(
            "Profession inconnue (code TRE_G15).", code=MentoringErrorCode.INVALID
        )
    if errors:
        raise ValidationError(errors)
    return professions


@transaction.atomic
def publish_offer(hub, data: OfferData) -> SupportOffer:
    if hub.status != HubStatus.APPROVED:
        raise ValidationError(
            ValidationError(
                "Seule une MSP désignée tête de pont publie des offres.",
                code=MentoringErrorCode.HUB_NOT_APPROVED,
            )
        )
    offer = SupportOffer(hub=hub)
    professions = _fill(offer, data)
    offer.save()
    offer.professions.set(professions)
    return offer


@transaction.atomic
def update_offer(offer: SupportOffer, **changes) -> SupportOffer:
    """Change some fields of an offer (the others stay). Withdrawing it (`is_active=False`) stops new
    slots and hides it from the public; slots already opened and their bookings stay."""
    offer = SupportOffer.objects.select_for_update().select_related("hub").get(pk=offer.pk)
    data = OfferData.of(offer)
    unknown = set(changes) - set(OfferData.__dataclass_fields__)
    if unknown:
        raise TypeError(f"Unknown offer fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(data, name, value)
    professions = _fill(offer, data)
    offer.save()
    offer.professions.set(professions)
    return offer


@transaction.atomic
def create_slot(offer: SupportOffer, starts_at: datetime, ends_at: datetime, capacity: int) -> Slot:
    errors = {}
    if not offer.is_active:
        raise ValidationError(
            ValidationError("Cette offre n'est plus active.", code=MentoringErrorCode.INVALID)
        )
    if starts_at <= timezone.now():
        errors["starts_at"] = ValidationError(
            "Le créneau doit commencer dans le futur.", code=MentoringErrorCode.SLOT_IN_PAST
        )
    if ends_at <= starts_at:
        errors["ends_at"] = ValidationError("La fin doit suivre le début.", code=MentoringErrorCode.INVALID)
    if not 1 <= capacity <= 500:
        errors["capacity"] = ValidationError("De 1 à 500 places.", code=MentoringErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)
    slot = Slot.objects.create(offer=offer, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    announce_slot_change(slot)
    return slot
