"""Demo offers, slots, mentoring requests and mentorships on the real scenarios (network.demo must have run).
Idempotent."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from network.models import (
    HubDesignation,
    HubStatus,
    Membership,
    MembershipRole,
    MspSite,
    OfferKind,
    Practitioner,
)

from .models import (
    Attendance,
    Booking,
    BookingRole,
    BookingStatus,
    LocationKind,
    MentoringRequest,
    MentoringTopic,
    PeerCase,
    RequestEventKind,
    SessionMaterial,
    Slot,
    SupportOffer,
)
from .services import requests as request_service
from .services.coordination import log_session
from .services.rota import assign_rota, decline_turn, take_turn
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
        description="Les médecins de la MSP assurent à tour de rôle des consultations chaque mardi et vendredi.",
        topics=["Accès aux soins", "Médecine générale"],
        location_kind=LocationKind.HOST_SITE,
        host_name="Pôle de santé de Givry-en-Argonne",
        host_commune_id="51272",
        # The host is a real MSP of the directory: Givry-en-Argonne's pôle de santé.
        host_site=MspSite.objects.filter(msp__name="Pôle de santé de Givry-en-Argonne", is_main=True).first(),
    )
    if created:
        # Public holidays (25 December, 1 January…) are skipped: the series lists them.
        series = create_series(offer, "FREQ=WEEKLY;BYDAY=TU,FR", start, until, time(9), 180, 6)
        doctors = [
            m.practitioner
            for m in Membership.objects.current()
            .filter(msp=saint_martin.msp, role=MembershipRole.ASSOCIATE, practitioner__profession_id="10")
            .select_related("practitioner")
            .order_by("practitioner_id")
        ]
        slots = list(series.slots.order_by("starts_at"))
        assign_rota(slots, doctors)
        # The second turn's doctor cannot go (a training day): they decline it, and a colleague takes it.
        turn = Booking.objects.get(slot=slots[1], role=BookingRole.STAFF, status=BookingStatus.CONFIRMED)
        decline_turn(turn, "Journée de formation DPC")
        take_turn(slots[1], doctors[-1] if turn.practitioner != doctors[-1] else doctors[0])
    offer, created = _offer(
        saint_martin,
        "Temps de coordination partagé : monter son projet de santé",
        kind=OfferKind.COORDINATION_TIME,
        topics=["Projet de santé", "Sisa", "ACI"],
        mentoring_topics=[
            MentoringTopic.HEALTH_PROJECT,
            MentoringTopic.SISA_LEGAL,
            MentoringTopic.ACI_FUNDING,
        ],
        location_kind=LocationKind.REMOTE,
    )
    if created:
        create_series(offer, "FREQ=MONTHLY;BYDAY=1TH", start, until, time(14), 90, 4)

    # Sens – Champs Plaisants: its antenna is being set up (the seed: its doctors "will" hold consultations there,
    # a teleconsultation point "will" be installed). ILLUSTRATIVE: the Wednesday consultations below are a
    # projection of that, said so in the offer; and coordination time for projects of the Grand Sénonais.
    sens = HubDesignation.objects.get(msp__name="MSP Sens – Champs Plaisants")
    if sens.status == HubStatus.APPROVED:
        antenna = MspSite.objects.get(msp=sens.msp, name="Antenne de Saint-Clément")
        offer, created = _offer(
            sens,
            "Consultations à l'antenne de Saint-Clément",
            kind=OfferKind.ADVANCED_CONSULTATION,
            description="Antenne en cours de constitution : les médecins de la MSP viendront y consulter (créneaux du "
            "mercredi donnés à titre d'exemple) et un point de téléconsultation y sera installé.",
            topics=["Accès aux soins", "Téléconsultation"],
            location_kind=LocationKind.HUB_SITE,
            site=antenna,
        )
        if created:
            create_series(offer, "FREQ=WEEKLY;BYDAY=WE", start, until, time(9), 240, 8)
        _offer(
            sens,
            "Temps de coordination : projets de santé du Grand Sénonais",
            kind=OfferKind.COORDINATION_TIME,
            topics=["Quartier prioritaire", "Projet de santé"],
            mentoring_topics=[
                MentoringTopic.HEALTH_PROJECT,
                MentoringTopic.SISA_LEGAL,
                MentoringTopic.PREMISES,
            ],
            location_kind=LocationKind.REMOTE,
        )

    # Sakisoigne, La Possession: peer facilitation on child obesity and diabetes (Indian/Reunion time).
    sakisoigne = HubDesignation.objects.get(msp__name="MSP Sakisoigne")
    offer, created = _offer(
        sakisoigne,
        "Facilitation par les pairs : surpoids de l'enfant et diabète",
        kind=OfferKind.PEER_FACILITATION,
        description="Ateliers entre professionnels : éducation thérapeutique, parcours, coordination avec l'école.",
        topics=["Obésité de l'enfant", "Diabète", "Éducation thérapeutique"],
        mentoring_topics=[MentoringTopic.COOPERATION_PROTOCOLS, MentoringTopic.COORDINATION],
        location_kind=LocationKind.HUB_SITE,
        site=sakisoigne.msp.sites.get(is_main=True),
    )
    if created:
        series = create_series(offer, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", start, until, time(18), 120, 12)
        _peer_session(offer, series)

    _load_requests(today)


def _request(email, commune, topics, message, radius=50):
    """A demo practitioner's request, once (None if they already have one)."""
    requester = Practitioner.objects.get(user__email=email)
    if MentoringRequest.objects.filter(requester=requester).exists():
        return None
    data = request_service.RequestData(topics=topics, message=message, commune_code=commune, radius_km=radius)
    return request_service.submit_request(requester, data)


def _load_requests(today: date) -> None:
    """Open requests in several states, and one accepted with coordination time already given."""
    saint_martin = HubDesignation.objects.get(msp__name="MSP de Saint-Martin-sur-le-Pré")
    sens = HubDesignation.objects.get(msp__name="MSP Sens – Champs Plaisants")
    sakisoigne = HubDesignation.objects.get(msp__name="MSP Sakisoigne")

    request = _request(
        "medecin.isole@demo.tetedepont.fr", "51507",
        [MentoringTopic.HEALTH_PROJECT, MentoringTopic.SISA_LEGAL],
        "Médecin généraliste installé seul à Sainte-Menehould, je souhaite monter une MSP avec deux infirmières "
        "et une kinésithérapeute. Par où commencer le projet de santé, et faut-il créer la Sisa tout de suite ?",
    )  # fmt: skip
    if request is not None:
        request_service.send_request(request, saint_martin)
        # Sent three weeks ago and still unanswered: a weak signal for the ARS Grand Est (observatory).
        sent = timezone.now() - timedelta(weeks=3)
        MentoringRequest.objects.filter(pk=request.pk).update(sent_at=sent)
        request.events.filter(kind=RequestEventKind.SENT).update(created_at=sent)

    request = _request(
        "porteur.projet@demo.tetedepont.fr", "89309",
        [MentoringTopic.SISA_LEGAL, MentoringTopic.PREMISES],
        "Nous sommes cinq professionnels à Pont-sur-Yonne. La commune nous propose un local : comment "
        "articuler le bail avec les statuts de la Sisa ?", radius=30,
    )  # fmt: skip
    if request is not None:
        request_service.send_request(request, sens)
        request_service.ask_for_info(
            request,
            "Quelles professions sont déjà engagées, et le local est-il accessible aux personnes à mobilité réduite ?",
        )

    request = _request(
        "medecin.saint-paul@demo.tetedepont.fr", "97415",
        [MentoringTopic.COOPERATION_PROTOCOLS],
        "Nous voulons mettre en place un protocole de coopération infirmier pour le suivi du diabète.",
        radius=30,
    )  # fmt: skip
    if request is not None:
        request_service.send_request(request, sakisoigne)
        mentorship = request_service.accept_request(request, 4, today.replace(day=1) - timedelta(days=31))
        log_session(mentorship, mentorship.starts_on + timedelta(days=7), 90, MentoringTopic.COOPERATION_PROTOCOLS,
                    "Présentation du protocole national et des étapes de l'ARS.")  # fmt: skip
        log_session(
            mentorship, today, 60, MentoringTopic.COORDINATION, "Organisation des réunions de concertation."
        )


def _peer_session(offer, series) -> None:
    """A Sakisoigne peer session held a fortnight ago, Project ECHO style: an agenda, two anonymised cases,
    attendance noted and the slides attached; the next session has its agenda."""

    members = [
        m.practitioner
        for m in Membership.objects.current()
        .filter(msp=offer.hub.msp)
        .select_related("practitioner")
        .order_by("pk")
    ]
    facilitator, presenters, absent = members[0], members[1:3], members[3]

    zone = ZoneInfo(offer.time_zone)  # at 18:00 in La Réunion, as the series' sessions
    held = datetime.combine(
        timezone.localtime(timezone.now(), zone).date() - timedelta(days=14), time(18), zone
    )
    slot = Slot.objects.create(
        offer=offer, starts_at=held, ends_at=held + timedelta(hours=2), capacity=12,
        agenda="1. Tour de table (10 min)\n2. Deux cas : obésité de l'enfant, diabète gestationnel\n"
        "3. Point didactique : l'éducation thérapeutique en MSP",
    )  # fmt: skip
    Booking.objects.create(
        slot=slot, practitioner=facilitator, role=BookingRole.STAFF, status=BookingStatus.CONFIRMED,
        starts_at=slot.starts_at, ends_at=slot.ends_at, confirmed_at=held, turn_response="ACCEPTED",
    )  # fmt: skip
    for person, came in ((presenters[0], True), (presenters[1], True), (absent, False)):
        Booking.objects.create(
            slot=slot, practitioner=person, status=BookingStatus.CONFIRMED, starts_at=slot.starts_at,
            ends_at=slot.ends_at, confirmed_at=held - timedelta(days=5),
            attendance=Attendance.ATTENDED if came else Attendance.NO_SHOW, attendance_marked_at=held,
        )  # fmt: skip
    PeerCase.objects.create(
        slot=slot, author=presenters[0], title="Garçon de 9 ans, IMC au-dessus du 97e percentile",
        body="Prise de poids depuis deux ans, sédentarité, collations sucrées à l'école. La famille est prête à "
        "s'engager. Quel parcours proposer, et comment associer l'infirmière scolaire ?",
    )  # fmt: skip
    PeerCase.objects.create(
        slot=slot, author=presenters[1], title="Diabète gestationnel, deuxième grossesse",
        body="Patiente de 34 ans, diabète gestationnel à 26 SA, antécédent au premier enfant. Quel suivi partagé "
        "entre sage-femme, médecin traitant et diététicienne après l'accouchement ?",
    )  # fmt: skip
    SessionMaterial.objects.create(
        slot=slot,
        title="Diaporama : éducation thérapeutique en MSP",
        url="https://www.has-sante.fr/jcms/c_1241714",
    )
    upcoming = series.slots.order_by("starts_at").first()
    if upcoming is not None:
        upcoming.agenda = "1. Retour sur les cas de la séance précédente\n2. Cas à soumettre avant la séance"
        upcoming.save(update_fields=["agenda"])
