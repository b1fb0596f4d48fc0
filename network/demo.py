"""Demo data built on the scenarios of the plan "4 000 MSP" (see DOMAIN.md and ../shared/seeds/).

What the seeds state is kept as they state it: Saint-Martin-sur-le-Pré's 24 professionals (8 doctors, 3 nurses,
2 physiotherapists, 1 midwife), its doctors taking turns every Tuesday and Friday at the pôle de santé of
Givry-en-Argonne since September 2021 and its GP interns; MSP Sens – Champs Plaisants, opened in January 2023,
27 professionals, a priority neighbourhood, an antenna *being set up* in a neighbouring commune of 3,000
inhabitants where 2 of 4 doctors retire. Everything else is ILLUSTRATIVE and marked so where it is made up:
people's names, addresses and identifiers (valid check digits), Givry's staff and its doctor's departure, the
antenna's commune (the seed does not name it), the other MSPs, requests and questions, the ZIP/ZAC flags.
Idempotent: keyed on e-mail, RPPS and FINESS, so it can run at every start.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .identifiers import finess_with_key, rpps_with_key, siret_with_key
from .models import (
    ArsAgent,
    Commune,
    HubDesignation,
    HubStatus,
    IdentityProof,
    Membership,
    MembershipRole,
    Msp,
    MspSite,
    MspStatus,
    OfferKind,
    PracticeMode,
    Practitioner,
    Region,
    Zoning,
)
from .permissions import CNAM_STAFF_GROUP, Viewer
from .services.invitations import invite_member

DEMO_PASSWORD = "tetedepont-demo"
DEMO_DOMAIN = "demo.tetedepont.fr"

FIRST_NAMES = [
    "Camille", "Julien", "Sophie", "Thomas", "Claire", "Nicolas", "Émilie", "Antoine", "Laure", "Mathieu",
    "Aurélie", "Guillaume", "Hélène", "Sébastien", "Céline", "Pierre", "Marion", "Vincent", "Élodie", "François",
    "Anne", "Romain", "Isabelle", "Maxime", "Nathalie", "Damien", "Valérie", "Olivier", "Sandrine", "Yannick",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
    "Payet", "Hoarau", "Grondin", "Fontaine", "Técher", "Rivière", "Boyer", "Lebon", "Nativel", "Maillot",
]  # fmt: skip

# Illustrative zoning for the demo communes (the real zoning is set by each ARS).
DEMO_ZONING = {"51272": Zoning.ZIP, "89338": Zoning.ZIP, "51507": Zoning.ZIP, "97408": Zoning.ZAC}


@dataclass
class Person:
    profession: str
    commune: str
    specialty: str = ""
    mode: str = PracticeMode.MSP_MEMBER
    login: str | None = None  # e-mail of a demo account linked to this practitioner


class DemoBuilder:
    def __init__(self):
        self.seq = 0
        self.logins: list[tuple[str, str]] = []

    def practitioner(self, person: Person) -> Practitioner:
        self.seq += 1
        rpps = rpps_with_key(1_000_000_000 + self.seq)
        first = FIRST_NAMES[(self.seq * 7) % len(FIRST_NAMES)]
        last = LAST_NAMES[(self.seq * 11) % len(LAST_NAMES)]
        email = person.login or f"{first}.{last}.{self.seq}@{DEMO_DOMAIN}".lower()
        practitioner, _ = Practitioner.objects.update_or_create(
            rpps=rpps,
            defaults={
                "first_name": first,
                "last_name": last,
                "profession_id": person.profession,
                "specialty": person.specialty,
                "commune_id": person.commune,
                "practice_mode": person.mode,
                "email": email,
                # The demo's people stand for known professionals: identity checked by the Cnam.
                "rpps_verified_at": timezone.now(),
                "rpps_verified_via": IdentityProof.CNAM,
            },
        )
        if person.login:
            role = (
                f"{practitioner.profession.label.lower()}, {practitioner.get_practice_mode_display().lower()}"
            )
            user = self.user(person.login, first, last, role=role)
            if practitioner.user_id != user.pk:
                practitioner.user = user
                practitioner.save(update_fields=["user"])
        return practitioner

    def user(self, email: str, first: str, last: str, role: str, **flags):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, **flags}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        self.logins.append((email, role))
        return user

    def msp(self, *, number, department, name, status, opening, themes, sites, members, coordinator_index=0):
        finess = finess_with_key(department, number)
        msp, _ = Msp.objects.update_or_create(
            finess=finess,
            defaults={
                "name": name,
                "status": status,
                "opening_date": opening,
                "siret": siret_with_key(40_000_000 + number),
                "themes": themes,
                "verified_at": timezone.now(),  # the demo's MSPs are confirmed; Pont-sur-Yonne's project is not
            },
        )
        for site_name, address, code, is_main in sites:
            commune = Commune.objects.get(code=code)
            MspSite.objects.update_or_create(
                msp=msp,
                name=site_name,
                defaults={
                    "address": address,
                    "commune": commune,
                    "latitude": commune.latitude,
                    "longitude": commune.longitude,
                    "is_main": is_main,
                },
            )
        practitioners = []
        for person, start, end in members:
            practitioner = self.practitioner(person)
            practitioners.append(practitioner)
            Membership.objects.update_or_create(
                msp=msp,
                practitioner=practitioner,
                role=MembershipRole.ASSOCIATE,
                start_date=start,
                defaults={"end_date": end},
            )
        if practitioners:
            Membership.objects.get_or_create(
                msp=msp,
                practitioner=practitioners[coordinator_index],
                role=MembershipRole.COORDINATOR,
                start_date=opening or date(2024, 1, 1),
            )
        return msp

    def hub(self, msp, *, status, radius, hours, offers, approved_by=None):
        hub, _ = HubDesignation.objects.update_or_create(
            msp=msp,
            defaults={
                "status": status,
                "service_radius_km": radius,
                "monthly_coordination_hours": Decimal(hours),
                "offer_kinds": offers,
                "approved_by": approved_by if status == HubStatus.APPROVED else None,
                "approved_at": timezone.now() if status == HubStatus.APPROVED else None,
            },
        )
        return hub


def team(spec: list[tuple[str, int]], commune: str, start: date, logins: dict[int, str] | None = None):
    """Members from (profession code, count) pairs; `logins` maps a member's index to a demo e-mail."""
    members, index = [], 0
    for profession, count in spec:
        for _ in range(count):
            login = (logins or {}).get(index)
            specialty = "SM54" if profession == "10" else ""
            members.append((Person(profession, commune, specialty=specialty, login=login), start, None))
            index += 1
    return members


def login(name: str) -> str:
    return f"{name}@{DEMO_DOMAIN}"


@transaction.atomic
def load_demo() -> list[tuple[str, str]]:
    """Create or refresh the demo; return the demo logins (e-mail, role)."""
    builder = DemoBuilder()
    for code, zoning in DEMO_ZONING.items():
        Commune.objects.filter(code=code).update(zoning=zoning)

    builder.user(login("admin"), "Alex", "Admin", role="administrateur", is_staff=True, is_superuser=True)
    cnam = builder.user(
        login("agent.cnam"), "Chloé", "Agent", role="agent de l'accélérateur Cnam", is_staff=True
    )
    cnam.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
    # ARS agents, each for their region only: Grand Est (the Marne's MSPs) and La Réunion.
    for name, first, last, region in (
        ("ars.grand-est", "Gaëlle", "Estienne", "44"),
        ("ars.reunion", "Rémi", "Payet", "04"),
    ):
        agent = builder.user(
            login(name),
            first,
            last,
            role=f"agent de l'ARS {Region.objects.get(pk=region).name}",
            is_staff=True,
        )  # staff: the back office's observatory page is theirs (and nothing else there)
        ArsAgent.objects.update_or_create(user=agent, defaults={"region_id": region})

    # MSP de Saint-Martin-sur-le-Pré (Marne), opened 2017: 24 professionals incl. 8 doctors, 3 nurses,
    # 2 physiotherapists, 1 midwife. Its doctors hold consultations at Givry-en-Argonne every Tuesday and Friday.
    smsp = builder.msp(
        number=1,
        department="51",
        name="MSP de Saint-Martin-sur-le-Pré",
        status=MspStatus.OPERATING,
        opening=date(2017, 9, 4),
        themes=[
            "Consultations avancées en zone rurale",
            "Accueil d'internes en médecine générale",
            "Prévention",
        ],
        sites=[("Site principal", "2 rue de l'Église", "51504", True)],
        members=team(
            [
                ("10", 8),
                ("60", 3),
                ("70", 2),
                ("50", 1),
                ("21", 2),
                ("91", 2),
                ("80", 1),
                ("95", 1),
                ("94", 1),
                ("96", 1),
                ("92", 1),
                ("40", 1),
            ],
            "51504",
            date(2017, 9, 4),
            logins={0: login("coordination.saint-martin"), 1: login("medecin.saint-martin")},
        ),
    )
    builder.hub(
        smsp,
        status=HubStatus.APPROVED,
        radius=50,
        hours="24",
        offers=[OfferKind.COORDINATION_TIME, OfferKind.ADVANCED_CONSULTATION, OfferKind.PEER_FACILITATION],
        approved_by=cnam,
    )

    # Pôle de santé de Givry-en-Argonne. ILLUSTRATIVE: the seeds say nothing of its staff; a team and a doctor's
    # departure in 2024 are made up to show an MSP in its grace period.
    builder.msp(
        number=2,
        department="51",
        name="Pôle de santé de Givry-en-Argonne",
        status=MspStatus.OPERATING,
        opening=date(2014, 3, 3),
        themes=["Accès aux soins en zone rurale", "Consultations avancées"],
        sites=[("Pôle de santé", "1 place de la Mairie", "51272", True)],
        members=[
            (Person("10", "51272", specialty="SM54", login=login("medecin.givry")), date(2014, 3, 3), None),
            (Person("10", "51272", specialty="SM54"), date(2014, 3, 3), date(2024, 7, 1)),
            (Person("60", "51272"), date(2014, 3, 3), None),
            (Person("60", "51272"), date(2016, 5, 2), None),
            (Person("70", "51272"), date(2018, 1, 8), None),
        ],
    )

    # MSP Sens – Champs Plaisants (Yonne), opened January 2023: 27 professionals, a priority neighbourhood, and an
    # antenna being set up in a neighbouring commune of ≈ 3,000 inhabitants where 2 of 4 doctors retire (the seed).
    # ILLUSTRATIVE: the seed does not name the commune; Saint-Clément stands for it.
    sens = builder.msp(
        number=3,
        department="89",
        name="MSP Sens – Champs Plaisants",
        status=MspStatus.OPERATING,
        opening=date(2023, 1, 2),
        themes=["Quartier prioritaire de la politique de la ville", "Grand Sénonais", "Téléconsultation"],
        sites=[
            ("Champs Plaisants", "8 avenue des Champs Plaisants", "89387", True),
            ("Antenne de Saint-Clément", "3 rue de la République", "89338", False),
        ],
        members=team(
            [
                ("10", 8),
                ("60", 6),
                ("21", 2),
                ("94", 2),
                ("96", 2),
                ("95", 2),
                ("70", 2),
                ("50", 1),
                ("91", 2),
            ],
            "89387",
            date(2023, 1, 2),
            logins={0: login("coordination.sens")},
        ),
    )
    # Designated to support its antenna and the Grand Sénonais with advanced consultations and coordination time.
    builder.hub(
        sens,
        status=HubStatus.APPROVED,
        radius=25,
        hours="10",
        offers=[OfferKind.ADVANCED_CONSULTATION, OfferKind.COORDINATION_TIME],
        approved_by=cnam,
    )

    # MSP Sakisoigne, La Possession (La Réunion): 25 professionals; child overweight and obesity, diabetes,
    # addictions; therapeutic-education training.
    saki = builder.msp(
        number=4,
        department="97",
        name="MSP Sakisoigne",
        status=MspStatus.OPERATING,
        opening=date(2016, 10, 3),
        themes=[
            "Surpoids et obésité de l'enfant",
            "Diabète",
            "Addictions",
            "Éducation thérapeutique du patient",
        ],
        sites=[("Site principal", "12 rue Leconte de Lisle", "97408", True)],
        members=team(
            [
                ("10", 6),
                ("60", 7),
                ("70", 3),
                ("95", 2),
                ("21", 2),
                ("80", 2),
                ("91", 1),
                ("50", 1),
                ("96", 1),
            ],
            "97408",
            date(2016, 10, 3),
            logins={0: login("coordination.sakisoigne")},
        ),
    )
    builder.hub(
        saki,
        status=HubStatus.APPROVED,
        radius=40,
        hours="12",
        offers=[OfferKind.PEER_FACILITATION, OfferKind.COORDINATION_TIME],
        approved_by=cnam,
    )

    # Isolated practitioners and project holders near each hub.
    for person in [
        Person("10", "51507", specialty="SM54", mode=PracticeMode.ISOLATED, login=login("medecin.isole")),
        Person("60", "51559", mode=PracticeMode.ISOLATED),  # Suippes
        Person("70", "51612", mode=PracticeMode.ISOLATED),  # Blancs-Coteaux (Vertus)
        Person(
            "10", "89309", specialty="SM54", mode=PracticeMode.PROJECT_HOLDER, login=login("porteur.projet")
        ),
        Person("60", "89338", mode=PracticeMode.ISOLATED),
        Person(
            "10", "97415", specialty="SM54", mode=PracticeMode.ISOLATED, login=login("medecin.saint-paul")
        ),
        Person("95", "97411", mode=PracticeMode.ISOLATED),
    ]:
        builder.practitioner(person)

    # A project near Sens, led by the project holder above (an MSP in project has no FINESS yet).
    holder = Practitioner.objects.get(user__email=login("porteur.projet"))
    project = Msp.objects.filter(name="Projet de MSP de Pont-sur-Yonne").first()
    if project is None:
        project = Msp.objects.create(
            name="Projet de MSP de Pont-sur-Yonne",
            status=MspStatus.PROJECT,
            themes=["Projet de santé en rédaction"],
        )
        commune = Commune.objects.get(code="89309")
        MspSite.objects.create(
            msp=project,
            name="Local pressenti",
            address="Grande Rue",
            commune=commune,
            latitude=commune.latitude,
            longitude=commune.longitude,
            is_main=True,
        )
    Membership.objects.get_or_create(
        msp=project, practitioner=holder, role=MembershipRole.COORDINATOR, start_date=date(2025, 9, 1)
    )

    # Sens – Champs Plaisants is coordinated by a non-clinician, who has no RPPS (the plan funds such posts).
    sens_msp = Msp.objects.get(name="MSP Sens – Champs Plaisants")
    coordinator, _ = Practitioner.objects.get_or_create(
        email=f"camille.moreau@{DEMO_DOMAIN}",
        defaults={
            "first_name": "Camille",
            "last_name": "Moreau",
            "profession_id": "X-COORD",
            "rpps": None,
            "commune_id": "89387",
            "practice_mode": PracticeMode.MSP_MEMBER,
            "rpps_verified_at": timezone.now(),
            "rpps_verified_via": IdentityProof.CNAM,
        },
    )
    Membership.objects.get_or_create(
        msp=sens_msp,
        practitioner=coordinator,
        role=MembershipRole.COORDINATOR,
        defaults={"start_date": date(2023, 1, 2)},
    )

    # Saint-Martin invites the Sainte-Menehould GP to join; the invitation waits for their answer.

    isolated = Practitioner.objects.get(user__email=login("medecin.isole"))
    if not Membership.objects.filter(msp=smsp, practitioner=isolated).exists():
        inviter = get_user_model().objects.get(email=login("coordination.saint-martin"))
        invite_member(smsp, MembershipRole.ASSOCIATE, inviter, practitioner=isolated)
    return builder.logins


def describe_account(user) -> str:
    """What a demo account is, read from the data (not from the demo's own notes): its roles, in French."""
    if user.is_superuser:
        return "administrateur"
    roles = []
    if user.groups.filter(name=CNAM_STAFF_GROUP).exists():
        roles.append("agent de la Cnam (accélérateur, désignation des têtes de pont)")
    ars_region = Viewer(user).ars_region_code
    if ars_region is not None:
        roles.append(f"agent de l'ARS {Region.objects.get(pk=ars_region).name} (sa région seulement)")
    practitioner = Viewer(user).practitioner
    if practitioner is not None:
        by_msp = {}
        for membership in (
            Membership.objects.current().filter(practitioner=practitioner).select_related("msp")
        ):
            coordinates = by_msp.get(membership.msp, False) or membership.role == MembershipRole.COORDINATOR
            by_msp[membership.msp] = coordinates
        hubs = set(
            HubDesignation.objects.filter(msp__in=by_msp, status=HubStatus.APPROVED).values_list(
                "msp_id", flat=True
            )
        )
        for msp, coordinates in sorted(by_msp.items(), key=lambda item: item[0].name):
            name = msp.name + (" (tête de pont)" if msp.pk in hubs else "")
            if msp.status == MspStatus.PROJECT:
                roles.append(f"porteur du projet « {msp.name} »")
            else:
                roles.append(f"{'coordination' if coordinates else 'membre'} de {name}")
        where = (
            ""
            if by_msp
            else f", {practitioner.get_practice_mode_display().lower()} ({practitioner.commune.name})"
        )
        roles.insert(0, practitioner.profession.label.lower() + where)
    return " — ".join(roles) or "sans rôle"
