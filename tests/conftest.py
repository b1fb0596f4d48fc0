"""Shared fixtures: real territories, practitioners and MSPs, the six roles, and a GraphQL client."""

import itertools
import json
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
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
from tests.daphne import servers  # noqa: F401 (fixture: real Daphne processes)

PASSWORD = "un-mot-de-passe-solide"
_seq = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real territory file, loaded once into the test database."""
    with django_db_blocker.unblock():
        call_command("load_territories", verbosity=0)
    yield
    # Async tests reach the database from asgiref's worker thread: close its connection before teardown.
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()
    # And the GraphQL pool's threads, each with its own connection.
    from backend.core.execution import shutdown_pool

    shutdown_pool()
    # Connections given back to the psycopg pool stay open, idle: close it before the test database goes.
    for conn in connections.all():
        conn.close_pool()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (the observatory keeps its figures a few minutes)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 at production strength costs ~0.3 s a hash; tests check behaviour, not hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture
def territories(transactional_db):
    """The territories for a transactional test: its tables are emptied after each test."""
    from network.management.commands.load_territories import load_territories
    from network.models import Commune

    if not Commune.objects.exists():
        load_territories(only=TEST_COMMUNES)


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


@pytest.fixture
def world(db):
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


# --- GraphQL client --------------------------------------------------------------------------


class GraphQLClient:
    def __init__(self):
        self.client = Client()

    def execute(self, query, variables=None, user=None, token=None, headers=None):
        extra = dict(headers or {})
        if user is not None and token is None:
            token = issue_token(user).token
        if token is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        response = self.client.post(
            "/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **extra,
        )
        body = response.json()
        body["_status"] = response.status_code
        return body


@pytest.fixture
def gql():
    return GraphQLClient()


def error_codes(result, mutation):
    return [e["code"] for e in result["data"][mutation]["errors"]]


def top_codes(result):
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


# --- Concurrency --------------------------------------------------------------------------


def race(*calls):
    """Run each call in its own thread and transaction at the same moment; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            with transaction.atomic():
                results[index] = call()
        except Exception as exc:  # collected and asserted by the caller
            results[index] = exc
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


# --- Fixtures several modules use ----------------------------------------------------------


@pytest.fixture
async def disconnect_sockets():
    """Every socket a test opened is disconnected, so no consumer task outlives its test (modules that open
    sockets use it: `pytest.mark.usefixtures("disconnect_sockets")`)."""
    from channels.db import database_sync_to_async

    from tests.helpers import _sockets

    yield
    while _sockets:
        await _sockets.pop().disconnect()
    await database_sync_to_async(connections.close_all)()  # the worker thread's connection


@pytest.fixture
def scene(territories):
    msp = make_msp("MSP de Saint-Martin-sur-le-Pré (e2e)", "51504")
    hub = make_hub(msp)
    coordinator = make_coordinator(msp)
    return {
        "msp": msp,
        "hub": hub,
        "hub_id": to_global_id("Hub", hub.pk),
        "msp_id": to_global_id("Msp", msp.pk),
        "token": issue_token(coordinator.user).token,
    }


@pytest.fixture
def all_territories(transactional_db):
    """The whole territory file, committed: the demo's scenarios need communes the other tests do not load."""
    from network.management.commands.load_territories import load_territories
    from network.models import Commune

    if Commune.objects.count() < 10_000:
        load_territories()
