"""Builders of the tests' data: practitioners, MSPs, hubs, coordinators, ARS agents, and the world of the six
roles. Plain functions over the models (each goes through the same relations a service would): the
`world`, `territories` and `scene` fixtures of conftest.py are built from them."""

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from network.identifiers import finess_with_key, rpps_with_key
from network.models import (
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
from network.permissions import CNAM_STAFF_GROUP

PASSWORD = "un-mot-de-passe-solide"
_seq = itertools.count(1)

# Communes the tests use; transactional tests (which start from empty tables) load just these.
TEST_COMMUNES = {
    "51504",
    "51272",
    "51108",
    "51507",
    "51649",
    "89387",
    "89338",
    "97408",
    "97411",
    "93066",
    "2A004",
    "71221",
}


# --- Builders --------------------------------------------------------------------------------


def make_user(email=None, **extra):
    n = next(_seq)
    return get_user_model().objects.create_user(
        email=email or f"user{n}@test.invalid", password=PASSWORD, **extra
    )


def make_practitioner(profession="10", commune="51504", user=False, mode=PracticeMode.ISOLATED, **extra):
    n = next(_seq)
    practitioner = Practitioner.objects.create(
        first_name=extra.pop("first_name", f"Prénom{n}"),
        last_name=extra.pop("last_name", f"Nom{n}"),
        profession_id=profession,
        rpps=extra.pop("rpps", None if profession.startswith("X-") else rpps_with_key(1_500_000_000 + n)),
        commune_id=commune,
        practice_mode=mode,
        email=f"pro{n}@test.invalid",
        # The directory's people are known: their identity is proved unless a test says otherwise.
        rpps_verified_at=extra.pop("rpps_verified_at", timezone.now()),
        **extra,
    )
    if user:
        practitioner.user = make_user(email=f"compte{n}@test.invalid")
        practitioner.save()
    return practitioner


def make_msp(
    name=None,
    commune="51504",
    status=MspStatus.OPERATING,
    sites=None,
    team=(("10", 2), ("60", 1)),
    start=date(2020, 1, 1),
):
    """An MSP with a main site in `commune` (plus `sites`: extra commune codes) and associates."""
    n = next(_seq)
    from network.models import Commune

    main = Commune.objects.get(code=commune)
    msp = Msp.objects.create(
        name=name or f"MSP test {n}",
        finess=finess_with_key(main.department_id, 500_000 + n) if status != MspStatus.PROJECT else None,
        status=status,
        opening_date=start,
        verified_at=timezone.now(),  # confirmed by the Cnam (tests of unconfirmed MSPs clear it)
    )
    for code in [commune, *(sites or [])]:
        c = Commune.objects.get(code=code)
        MspSite.objects.create(
            msp=msp,
            address="1 rue Test",
            commune=c,
            latitude=c.latitude,
            longitude=c.longitude,
            is_main=code == commune,
        )
    for profession, count in team:
        for _ in range(count):
            Membership.objects.create(
                msp=msp,
                practitioner=make_practitioner(profession, commune, mode=PracticeMode.MSP_MEMBER),
                role=MembershipRole.ASSOCIATE,
                start_date=start,
            )
    return msp


def make_hub(msp, status=HubStatus.APPROVED, radius=40, hours="20", offers=None):
    return HubDesignation.objects.create(
        msp=msp,
        status=status,
        service_radius_km=radius,
        monthly_coordination_hours=Decimal(hours),
        offer_kinds=offers or [OfferKind.COORDINATION_TIME, OfferKind.ADVANCED_CONSULTATION],
    )


def make_coordinator(msp, user=True):
    practitioner = make_practitioner("60", msp.sites.get(is_main=True).commune_id, user=user)
    Membership.objects.create(
        msp=msp, practitioner=practitioner, role=MembershipRole.COORDINATOR, start_date=date(2020, 1, 1)
    )
    return practitioner


# --- Roles -----------------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "practitioner",
    "other_coordinator",
    "coordinator",
    "ars_agent",  # the ARS of the world MSP's region (Grand Est)
    "other_ars_agent",  # the ARS of another region (La Réunion)
    "cnam_staff",
    "admin",
]


def make_ars_agent(region="44"):
    """A user who works for the ARS of `region` (Grand Est by default, where the Marne is)."""
    from network.models import ArsAgent

    user = make_user(is_staff=True)  # the back office's observatory page is theirs too
    ArsAgent.objects.create(user=user, region_id=region)
    return user


@dataclass
class World:
    """One MSP with its hub and a user for each role around it."""

    msp: Msp
    hub: HubDesignation
    other_msp: Msp
    users: dict

    def user(self, role):
        return self.users[role]


def make_world() -> World:
    """One MSP with its hub, another MSP, and a user for each role around them."""
    msp = make_msp("MSP de Saint-Martin-sur-le-Pré (test)", commune="51504", team=(("10", 3), ("60", 2)))
    hub = make_hub(msp)
    other = make_msp("MSP de Sens (test)", commune="89387")
    staff = make_user(is_staff=True)  # Cnam agents work in the back office too
    staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    users = {
        "anonymous": None,
        "practitioner": make_practitioner("10", "51272", user=True).user,
        "other_coordinator": make_coordinator(other).user,
        "coordinator": make_coordinator(msp).user,
        "ars_agent": make_ars_agent("44"),
        "other_ars_agent": make_ars_agent("04"),
        "cnam_staff": staff,
        "admin": get_user_model().objects.create_superuser(
            email=f"admin{next(_seq)}@test.invalid", password=PASSWORD
        ),
    }
    return World(msp=msp, hub=hub, other_msp=other, users=users)
