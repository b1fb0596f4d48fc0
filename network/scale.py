"""Synthetic scale data for benchmarks: MSPs, practitioners, memberships and hubs spread over real communes.

MSPs are placed in communes drawn with probability proportional to population
(as real MSPs follow where people live); coordinates are the commune's, jittered
by up to ~2 km. Deterministic for a given seed. Identifiers carry valid keys in
ranges the demo does not use (RPPS 2xxxxxxxxxx, FINESS numbers from 100000).
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .identifiers import finess_with_key, rpps_with_key, siret_with_key
from .models import (
    Commune,
    HubDesignation,
    HubStatus,
    Membership,
    MembershipRole,
    Msp,
    MspSite,
    MspStatus,
    OfferKind,
    PracticeMode,
    Practitioner,
)

# Rough mix of professions in MSPs (doctors and nurses dominate).
PROFESSION_WEIGHTS = {
    "10": 30, "60": 24, "70": 12, "21": 6, "50": 4, "91": 5, "80": 4, "95": 3, "40": 3, "94": 2, "96": 2, "92": 1,
}  # fmt: skip
FIRST_NAMES = ["Camille", "Julien", "Sophie", "Thomas", "Claire", "Nicolas", "Léa", "Hugo", "Inès", "Louis"]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
]
RPPS_BASE = 2_000_000_000
FINESS_BASE = 100_000
BATCH = 2000


@dataclass
class ScaleReport:
    msps: int
    practitioners: int
    memberships: int
    hubs: int


def _jitter(rng: random.Random, value: float, km: float = 2.0) -> float:
    return value + rng.uniform(-km, km) / 111.0


@transaction.atomic
def generate(
    msps: int = 4000, practitioners: int = 40_000, hub_share: float = 0.12, seed: int = 2023
) -> ScaleReport:
    rng = random.Random(seed)
    communes = list(
        Commune.objects.only("code", "name", "department_id", "latitude", "longitude", "population")
    )
    if not communes:
        raise ValueError("Aucune commune chargée : lancez d'abord load_territories.")
    weights = [max(c.population, 100) for c in communes]
    offset = Msp.objects.filter(finess__isnull=False).count() + Practitioner.objects.count()
    professions = list(PROFESSION_WEIGHTS)
    profession_weights = list(PROFESSION_WEIGHTS.values())

    msp_communes = rng.choices(communes, weights=weights, k=msps)
    CONFIRMED = datetime(2025, 1, 1, tzinfo=UTC)
    msp_objects = []
    for i, commune in enumerate(msp_communes):
        operating = rng.random() < 0.9
        number = FINESS_BASE + offset + i
        msp_objects.append(
            Msp(
                name=f"MSP {commune.name} n°{offset + i + 1}",
                finess=finess_with_key(commune.department_id, number) if operating else None,
                status=MspStatus.OPERATING if operating else MspStatus.PROJECT,
                opening_date=date(2010, 1, 1) + timedelta(days=rng.randrange(5000)) if operating else None,
                siret=siret_with_key(50_000_000 + offset + i),
                verified_at=CONFIRMED,
                themes=rng.sample(
                    ["Prévention", "Diabète", "Santé mentale", "Soins non programmés", "Personnes âgées"], 2
                ),
            )
        )
    Msp.objects.bulk_create(msp_objects, batch_size=BATCH)

    sites = []
    for msp, commune in zip(msp_objects, msp_communes, strict=True):
        sites.append(
            MspSite(
                msp=msp,
                name="Site principal",
                address="1 place de la Mairie",
                commune=commune,
                latitude=_jitter(rng, commune.latitude),
                longitude=_jitter(rng, commune.longitude),
                is_main=True,
            )
        )
        if rng.random() < 0.1:  # a multi-site MSP with an antenna nearby
            sites.append(
                MspSite(
                    msp=msp,
                    name="Antenne",
                    address="2 rue de la Poste",
                    commune=commune,
                    latitude=_jitter(rng, commune.latitude, 8),
                    longitude=_jitter(rng, commune.longitude, 8),
                )
            )
    MspSite.objects.bulk_create(sites, batch_size=BATCH)

    # Most practitioners are members (8 to 12 per MSP); the rest practise alone nearby.
    practitioner_objects, member_of = [], []
    verified_at = timezone.now()  # the scale's directory: known professionals
    for i in range(practitioners):
        in_msp = i < practitioners * 0.8
        msp_index = i % msps if in_msp else None
        commune = msp_communes[msp_index] if in_msp else rng.choices(communes, weights=weights)[0]
        practitioner_objects.append(
            Practitioner(
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                profession_id=rng.choices(professions, weights=profession_weights)[0],
                rpps=rpps_with_key(RPPS_BASE + offset + i),
                commune_id=commune.code,
                practice_mode=PracticeMode.MSP_MEMBER if in_msp else PracticeMode.ISOLATED,
                email=f"pro{offset + i}@scale.invalid",
                rpps_verified_at=verified_at,
            )
        )
        member_of.append(msp_index)
    Practitioner.objects.bulk_create(practitioner_objects, batch_size=BATCH)

    memberships = []
    for practitioner, msp_index in zip(practitioner_objects, member_of, strict=True):
        if msp_index is None:
            continue
        msp = msp_objects[msp_index]
        start = msp.opening_date or date(2024, 1, 1)
        memberships.append(
            Membership(msp=msp, practitioner=practitioner, role=MembershipRole.ASSOCIATE, start_date=start)
        )
    Membership.objects.bulk_create(memberships, batch_size=BATCH)

    hub_objects = []
    operating = [m for m in msp_objects if m.status == MspStatus.OPERATING]
    for msp in rng.sample(operating, int(len(operating) * hub_share)):
        status = rng.choices(
            [HubStatus.APPROVED, HubStatus.CANDIDATE, HubStatus.SUSPENDED], weights=[80, 15, 5]
        )[0]
        hub_objects.append(
            HubDesignation(
                msp=msp,
                status=status,
                service_radius_km=rng.choice([20, 30, 40, 50, 60]),
                monthly_coordination_hours=Decimal(rng.choice([8, 12, 16, 24, 32])),
                offer_kinds=sorted(
                    rng.sample(OfferKind.values, rng.randint(1, 3)), key=OfferKind.values.index
                ),
            )
        )
    HubDesignation.objects.bulk_create(hub_objects, batch_size=BATCH)
    return ScaleReport(len(msp_objects), len(practitioner_objects), len(memberships), len(hub_objects))
