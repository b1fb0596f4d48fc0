"""Shared fixtures: real territories, the six roles around an MSP (`world`), a GraphQL client, real Daphne
servers. The builders they use are in tests/factories.py, the helpers in tests/helpers.py."""

import pytest
from django.core.management import call_command
from django.db import connections
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from tests.daphne import servers  # noqa: F401 (fixture: real Daphne processes)
from tests.demo import load_demo_as_make_run_does
from tests.factories import TEST_COMMUNES, make_coordinator, make_hub, make_msp, make_world
from tests.helpers import GraphQLClient


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


@pytest.fixture
def territories(transactional_db):
    """The territories for a transactional test: its tables are emptied after each test."""
    from network.management.commands.load_territories import load_territories
    from network.models import Commune

    if not Commune.objects.exists():
        load_territories(only=TEST_COMMUNES)


@pytest.fixture
def ordinary_reads(settings):
    """Reads through the executor, the compiled reads off (backend/core/compiled.py): for tests of what the
    executor loads and how, which the compiled reads would otherwise answer in one statement."""
    settings.GRAPHQL_EXECUTION = {**settings.GRAPHQL_EXECUTION, "COMPILED_READS": False}


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def gql():
    return GraphQLClient()


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
def demo(transactional_db):
    """The whole territory file and the demo, committed, as `make run` loads them (tests/demo.py)."""
    load_demo_as_make_run_does()


@pytest.fixture
def all_territories(transactional_db):
    """The whole territory file, committed: the demo's scenarios need communes the other tests do not load."""
    from network.management.commands.load_territories import load_territories
    from network.models import Commune

    if Commune.objects.count() < 10_000:
        load_territories()
