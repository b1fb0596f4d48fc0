"""Matching a mentoring request to hubs, with the reasons for each candidate.

Candidates are approved hubs whose nearest site lies within both the requester's
radius and the hub's own service radius, offering one of the kinds wanted. They
are ranked: hubs with coordination time left this month first, then by how many
of the request's topics their active offers cover, then peers of the requester's
profession, then distance.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from network.models import HubDesignation, Membership, OfferKind
from network.services.hubs import nearby_hubs

from ..models import (
    MentoringRequest,
    MentoringTopic,
    Mentorship,
    MentorshipStatus,
    RequestEventKind,
    SupportOffer,
)

MAX_CANDIDATES = 100


@dataclass
class HubMatch:
    hub: HubDesignation
    distance_km: float
    capacity_hours: Decimal
    allotted_hours: Decimal
    topics_covered: list[str] = field(default_factory=list)
    topics_missing: list[str] = field(default_factory=list)
    profession_fit: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def remaining_hours(self) -> Decimal:
        return max(self.capacity_hours - self.allotted_hours, Decimal(0))

    @property
    def has_capacity(self) -> bool:
        return self.remaining_hours > 0


def allotted_hours(hub_ids) -> dict[int, Decimal]:
    """Hours a month each hub has committed to its active mentorships."""
    rows = (
        Mentorship.objects.filter(hub_id__in=list(hub_ids), status=MentorshipStatus.ACTIVE)
        .values("hub_id")
        .annotate(total=Sum("hours_per_month"))
    )
    return {row["hub_id"]: row["total"] or Decimal(0) for row in rows}


def format_hours(value: Decimal) -> str:
    """French display of hours: 20, 7,5, 1,25."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def match_hubs(request: MentoringRequest, limit: int = 10) -> list[HubMatch]:
    """Candidate hubs for the request, best first, each with its reasons (in French)."""
    declined = set(request.events.filter(kind=RequestEventKind.DECLINED).values_list("hub_id", flat=True))
    return rank_hubs(
        request.requester, request.commune, request.radius_km, request.topics, request.wanted_kinds,
        exclude=declined, limit=limit,
    )  # fmt: skip


def rank_hubs(
    requester, commune, radius_km, topics, wanted_kinds=(), exclude=(), limit: int = 10
) -> list[HubMatch]:
    """Hubs able to help `requester` in `commune` on `topics`, best first, with their reasons."""
    found = nearby_hubs(
        commune.latitude, commune.longitude, radius_km, limit=MAX_CANDIDATES, with_members=False
    )
    own_msps = set(
        Membership.objects.current().filter(practitioner=requester).values_list("msp_id", flat=True)
    )
    declined = set(exclude)
    wanted = set(wanted_kinds)
    hubs = [
        (hub, distance)
        for hub, distance in found
        if hub.msp_id not in own_msps
        and hub.pk not in declined
        and (not wanted or wanted & set(hub.offer_kinds))
    ]
    hub_ids = [hub.pk for hub, _ in hubs]
    allotted = allotted_hours(hub_ids)
    topics_of = defaultdict(set)
    offer_professions = defaultdict(set)
    for offer in SupportOffer.objects.filter(hub_id__in=hub_ids, is_active=True).prefetch_related(
        "professions"
    ):
        topics_of[offer.hub_id].update(offer.mentoring_topics)
        offer_professions[offer.hub_id].update(p.code for p in offer.professions.all())
    peers = set(
        Membership.objects.current()
        .filter(msp__hub__in=hub_ids, practitioner__profession_id=requester.profession_id)
        .values_list("msp__hub", flat=True)
    )
    profession_label = requester.profession.label.lower()
    kinds = dict(OfferKind.choices)
    labels = dict(MentoringTopic.choices)

    matches = []
    for hub, distance in hubs:
        match = HubMatch(
            hub=hub,
            distance_km=distance,
            capacity_hours=hub.monthly_coordination_hours,
            allotted_hours=allotted.get(hub.pk, Decimal(0)),
            topics_covered=[t for t in topics if t in topics_of[hub.pk]],
            topics_missing=[t for t in topics if t not in topics_of[hub.pk]],
            profession_fit=hub.pk in peers or requester.profession_id in offer_professions[hub.pk],
        )
        reasons = [
            f"À {distance:.0f} km de {commune.name} (rayon d'intervention de la MSP : "
            f"{hub.service_radius_km} km ; rayon demandé : {radius_km:g} km)."
        ]
        if match.has_capacity:
            reasons.append(
                f"{format_hours(match.remaining_hours)} h de coordination disponibles par mois "
                f"sur {format_hours(match.capacity_hours)} h."
            )
        else:
            reasons.append(
                "Plus de temps de coordination disponible : toutes ses heures mensuelles sont allouées."
            )
        if match.topics_covered:
            reasons.append("Thèmes couverts : " + ", ".join(labels[t] for t in match.topics_covered) + ".")
        if match.topics_missing:
            reasons.append(
                "Thèmes non couverts : " + ", ".join(labels[t] for t in match.topics_missing) + "."
            )
        if match.profession_fit:
            reasons.append(f"Adaptée à votre profession ({profession_label}).")
        else:
            reasons.append(f"Aucun membre ni offre pour votre profession ({profession_label}).")
        offered = [kinds[k] for k in hub.offer_kinds if not wanted or k in wanted]
        reasons.append("Propose : " + ", ".join(k.lower() for k in offered) + ".")
        match.reasons = reasons
        matches.append(match)
    matches.sort(
        key=lambda m: (
            not m.has_capacity,
            -len(m.topics_covered),
            not m.profession_fit,
            m.distance_km,
            m.hub.pk,
        )
    )
    return matches[:limit]


def nearest_with_capacity(
    latitude: float, longitude: float, exclude_msp_ids=(), limit: int = 3, radius_km: float = 100
) -> list[HubMatch]:
    """The approved hubs nearest to a point that reach it and still have coordination time this month, nearest
    first: the ones to suggest to an MSP at risk (observatory's weak signals)."""
    found = nearby_hubs(latitude, longitude, radius_km, limit=MAX_CANDIDATES, with_members=False)
    excluded = set(exclude_msp_ids)
    hubs = [(hub, distance) for hub, distance in found if hub.msp_id not in excluded]
    allotted = allotted_hours(hub.pk for hub, _ in hubs)
    matches = [
        HubMatch(
            hub=hub,
            distance_km=distance,
            capacity_hours=hub.monthly_coordination_hours,
            allotted_hours=allotted.get(hub.pk, Decimal(0)),
        )
        for hub, distance in hubs
    ]
    return [match for match in matches if match.has_capacity][:limit]
