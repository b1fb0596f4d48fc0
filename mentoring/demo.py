"""Demo offers and slots on the real scenarios (network.demo must have run). Idempotent."""

from datetime import date, time, timedelta

from django.db import transaction

from network.models import HubDesignation, HubStatus, Membership, MembershipRole, MspSite, OfferKind

from .models import LocationKind, SupportOffer
from .services.rota import assign_rota
from .services.series import create_series

WEEKS = 8


def _offer(hub, title, **fields) -> tuple[SupportOffer, bool]:
    offer, created = SupportOffer.objects.get_or_create(hub=hub, title=title, defaults=fields)
    return offer, created


@transaction.atomic
def load_mentoring_demo(today: date | None = None) -> None:
    today = today or date.today()
    start, until = today + timedelta(days=1), today + timedelta(weeks=WEEKS)

    # Saint-Martin-sur-le-Pré: its 8 doctors take turns every Tuesday and Friday at Givry-en-Argonne.
    saint_martin = HubDesignation.objects.get(msp__name="MSP de Saint-Martin-sur-le-Pré")
    offer, created = _offer(
        saint_martin,
        "Consultations avancées au pôle de santé de Givry-en-Argonne",
        kind=OfferKind.ADVANCED_CONSULTATION,
        description="Les médecins de la MSP assurent à tour de rôle des consultations le mardi et le vendredi matin.",
        topics=["Accès aux soins", "Médecine générale"],
        location_kind=LocationKind.HOST_SITE,
        host_name="Pôle de santé de Givry-en-Argonne",
        host_commune_id="51272",
    )
    if created:
        series = create_series(offer, "FREQ=WEEKLY;BYDAY=TU,FR", start, until, time(9), 180, 6)
        doctors = [
            m.practitioner
            for m in Membership.objects.current()
            .filter(msp=saint_martin.msp, role=MembershipRole.ASSOCIATE, practitioner__profession_id="10")
            .select_related("practitioner")
            .order_by("practitioner_id")
        ]
        assign_rota(list(series.slots.all()), doctors)
    offer, created = _offer(
        saint_martin,
        "Temps de coordination partagé : monter son projet de santé",
        kind=OfferKind.COORDINATION_TIME,
        topics=["Projet de santé", "Sisa", "ACI"],
        location_kind=LocationKind.REMOTE,
    )
    if created:
        create_series(offer, "FREQ=MONTHLY;BYDAY=1TH", start, until, time(14), 90, 4)

    # Sens – Champs Plaisants: doctors visiting its antenna in Saint-Clément (a candidate hub: offers wait
    # for its designation, so it is approved here only if Cnam staff approved it).
    sens = HubDesignation.objects.get(msp__name="MSP Sens – Champs Plaisants")
    if sens.status == HubStatus.APPROVED:
        antenna = MspSite.objects.get(msp=sens.msp, name="Antenne de Saint-Clément")
        offer, created = _offer(
            sens,
            "Consultations à l'antenne de Saint-Clément",
            kind=OfferKind.ADVANCED_CONSULTATION,
            location_kind=LocationKind.HUB_SITE,
            site=antenna,
        )
        if created:
            create_series(offer, "FREQ=WEEKLY;BYDAY=WE", start, until, time(9), 240, 8)

    # Sakisoigne, La Possession: peer facilitation on child obesity and diabetes (Indian/Reunion time).
    sakisoigne = HubDesignation.objects.get(msp__name="MSP Sakisoigne")
    offer, created = _offer(
        sakisoigne,
        "Facilitation par les pairs : surpoids de l'enfant et diabète",
        kind=OfferKind.PEER_FACILITATION,
        description="Ateliers entre professionnels : éducation thérapeutique, parcours, coordination avec l'école.",
        topics=["Obésité de l'enfant", "Diabète", "Éducation thérapeutique"],
        location_kind=LocationKind.HUB_SITE,
        site=sakisoigne.msp.sites.get(is_main=True),
    )
    if created:
        create_series(offer, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", start, until, time(18), 120, 12)
