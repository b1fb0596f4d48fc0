"""Compiled reads (backend/core/compiled.py) give the executor's answers exactly, errors included.

Queries are generated over the directory's roots (`hubs`, `msps`, `node`) from the schema itself: any field of
each type (those the compiled reads cover and those they leave to the executor), any aliases, arguments in and
out of range, cursors, offsets, variables and ids of every kind. Each runs as every role, once with compiled
reads and once without, on a directory with hubs in every status, ended and future memberships, an advanced
practice nurse, an overseas MSP and several sites; the two answers must be the same JSON, keys in the same
order. A share of them must have been answered by the compiled reads, or the test would prove nothing.
"""

import json
import os
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    print_schema,
)
from graphql_relay import offset_to_cursor, to_global_id
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import queries

from backend.accounts.services import issue_token
from backend.core.compiled import Compiler, Unsupported, _declared, _models
from backend.core.compiled_reads import compiled_reads
from backend.schema import schema
from mentoring.models import (
    Booking,
    BookingRole,
    BookingStatus,
    LocationKind,
    Slot,
    SlotStatus,
    SupportOffer,
    TurnResponse,
)
from network.models import (
    HubDesignation,
    HubStatus,
    Membership,
    MembershipRole,
    Msp,
    MspSite,
    MspStatus,
    OfferKind,
    Practitioner,
)
from tests.factories import make_hub, make_msp, make_practitioner, make_world
from tests.helpers import generated, offer_for, slot_for

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 40))
ROLES = ("anonymous", "practitioner", "coordinator", "cnam_staff", "ars_agent")
SCHEMA = schema.graphql_schema
answered = compiled_reads(SCHEMA)
COMPILER = Compiler(SCHEMA)

examples = generated(EXAMPLES)


@pytest.fixture
def directory(db):
    """The world, and what makes the answers differ: hubs in each status, memberships ended and to come, an
    IPA, an MSP overseas with two sites, one in project without SIRET."""
    world = make_world()
    today = date.today()
    for status in (HubStatus.CANDIDATE, HubStatus.SUSPENDED, HubStatus.APPROVED):
        make_hub(make_msp(f"MSP {status} (test)", commune="10387", sites=["10033"]), status=status)
    overseas = make_msp("MSP de Saint-Paul (test)", commune="97415", sites=["97411"])
    overseas_hub = make_hub(overseas, hours="12.5")
    make_msp("Projet de MSP (test)", status=MspStatus.PROJECT, team=())
    slots = _slots(world, overseas_hub)
    ipa = make_practitioner("60", "51504", specialty="IPA-PCS")
    for role, start, end in (
        (MembershipRole.ASSOCIATE, date(2019, 1, 1), today),
        (MembershipRole.ASSOCIATE, today + timedelta(days=3), None),
        (MembershipRole.COORDINATOR, date(2018, 1, 1), None),
    ):
        Membership.objects.create(msp=world.msp, practitioner=ipa, role=role, start_date=start, end_date=end)
    ended = make_practitioner("10", "51504")
    Membership.objects.create(
        msp=overseas,
        practitioner=ended,
        role=MembershipRole.ASSOCIATE,
        start_date=date(2020, 1, 1),
        end_date=date(2024, 6, 1),
    )
    ids = (
        [to_global_id("Msp", pk) for pk in Msp.objects.values_list("pk", flat=True)]
        + [to_global_id("Hub", pk) for pk in HubDesignation.objects.values_list("pk", flat=True)]
        + [to_global_id("MspSite", pk) for pk in MspSite.objects.values_list("pk", flat=True)[:3]]
        + [to_global_id("Membership", pk) for pk in Membership.objects.values_list("pk", flat=True)[:3]]
        + [to_global_id("Practitioner", pk) for pk in Practitioner.objects.values_list("pk", flat=True)[:3]]
        + [to_global_id("Slot", slot.pk) for slot in slots]
        + [to_global_id("SupportOffer", pk) for pk in SupportOffer.objects.values_list("pk", flat=True)]
        + [to_global_id("Commune", "97415"), to_global_id("Msp", 10**9), to_global_id("Msp", "x"), "bad"]
    )
    return world, ids


def _slots(world, overseas_hub) -> list:
    """Offers of each kind of place (a remote one, one at the hub's site, one at a host commune overseas) and
    their slots: booked, cancelled, in summer time, at a time with microseconds."""
    remote = offer_for(world.hub, topics=["gestion"], booking_question="Votre question ?")
    on_site = offer_for(
        world.hub,
        location_kind=LocationKind.HUB_SITE,
        kind=OfferKind.COORDINATION_TIME,
        site=MspSite.objects.filter(msp=world.msp).first(),
    )
    hosted = offer_for(
        overseas_hub,
        location_kind=LocationKind.HOST_SITE,
        host_name="Maison de santé",
        host_commune_id="97411",
    )
    booked, cancelled, overseas = slot_for(remote), slot_for(on_site, days=1), slot_for(hosted, days=5)
    summer = datetime(date.today().year + 1, 7, 1, 8, 0, tzinfo=UTC)
    slots = [booked, cancelled, overseas]
    slots.append(
        Slot.objects.create(offer=on_site, starts_at=summer, ends_at=summer + timedelta(hours=2), capacity=4)
    )
    Slot.objects.filter(pk=cancelled.pk).update(status=SlotStatus.CANCELLED, cancel_reason="Grève")
    for n, (role, response) in enumerate(
        [(BookingRole.ATTENDEE, ""), (BookingRole.STAFF, TurnResponse.ACCEPTED)]
    ):
        Booking.objects.create(
            slot=booked, practitioner=make_practitioner("10", "51504"), role=role, status=BookingStatus.CONFIRMED,
            turn_response=response, starts_at=booked.starts_at, ends_at=booked.ends_at, idempotency_key=f"k{n}",
        )  # fmt: skip
    return slots


def _named(graphql_type):
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        graphql_type = graphql_type.of_type
    return graphql_type


ARGUMENTS = {
    "Int": st.sampled_from([0, 1, 2, 5, 100, 200, 201, -1]),
    "Boolean": st.booleans(),
}


def covered(object_type, name: str) -> bool:
    """Whether the compiled reads cover the field (declared, or read from the schema)."""
    if name in _declared.get(object_type.name, {}):
        return True
    try:
        COMPILER.derived(object_type, _models[object_type.name], name, object_type.fields[name])
    except (Unsupported, KeyError):
        return False
    return True


@st.composite
def selection(draw, object_type, depth=0, only_covered=False):
    """A selection set on `object_type`: some of its fields, maybe aliased, with arguments of simple types;
    `only_covered`: only fields the compiled reads cover (else any, most often left to the executor)."""
    names = sorted(name for name in object_type.fields if not only_covered or covered(object_type, name))
    if not names:
        return "__typename"
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=7, unique=True))
    parts = ["__typename"] if draw(st.booleans()) and depth else []
    for name in chosen:
        definition = object_type.fields[name]
        arguments = []
        skip = False
        for arg_name, arg in definition.args.items():
            strategy = ARGUMENTS.get(getattr(_named(arg.type), "name", None))
            if strategy is None:
                skip = skip or isinstance(arg.type, GraphQLNonNull)
                continue
            if draw(st.booleans()):
                arguments.append(f"{arg_name}: {json.dumps(draw(strategy))}")
        named = _named(definition.type)
        if skip:
            continue
        text = (f"a{depth}{name}: " if draw(st.integers(0, 5)) == 0 else "") + name
        if arguments:
            text += "(" + ", ".join(arguments) + ")"
        if isinstance(named, GraphQLObjectType):
            if depth >= 4:
                continue
            text += " { " + draw(selection(named, depth + 1, only_covered)) + " }"
        elif not isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            text += " { __typename }"
        parts.append(text)
    return " ".join(parts) or "__typename"


FILTERS = st.sampled_from(
    [
        None,
        "{}",
        '{search: "sens"}',
        "{status: [APPROVED]}",
        "{status: [CANDIDATE, SUSPENDED]}",
        '{search: ""}',
    ]
)


SLOT_FILTERS = st.sampled_from(
    [
        None,
        "{}",
        "{onlyAvailable: true}",
        '{communeCode: "51504"}',
        "{offerKind: COORDINATION_TIME}",
        '{near: {communeCode: "51108"}}',
        '{hubId: "SHViOjE="}',
    ]
)
PEOPLE = st.sampled_from([None, "{}", '{search: "nom1"}', '{professionCode: "60"}', '{mspId: "TXNwOjE="}'])
SEARCHES = st.sampled_from(['"saint"', '"51504"', '"reims"', '""', '"a b c d e f g h i j k"'])


NEAR = st.sampled_from(
    [
        '{communeCode: "51504"}',
        '{communeCode: "10387"}',
        '{communeCode: "97415"}',
        '{communeCode: "99999"}',
        "{latitude: 49.25, longitude: 4.03}",
        "{latitude: 91, longitude: 4}",
        '{communeCode: "51504", latitude: 49.25, longitude: 4.03}',
    ]
)


@st.composite
def nearby(draw, only_covered):
    """A `nearbyHubs` query: a point, a radius, filters and a cap in and out of range."""
    arguments = [f"near: {draw(NEAR)}"]
    for name, strategy in (
        ("radiusKm", st.sampled_from([None, 10, 50, 200, 0, 201, 30.5])),
        ("first", st.sampled_from([None, 1, 2, 100, 0, 101])),
        ("offerKind", st.sampled_from([None, "COORDINATION_TIME", "PEER_FACILITATION"])),
        ("professionCode", st.sampled_from([None, '"60"', '"10"'])),
        ("takesTrainees", st.sampled_from([None, None, "GP_INTERNS"])),
    ):
        value = draw(strategy)
        if value is not None:
            arguments.append(f"{name}: {value}")
    item = draw(selection(SCHEMA.get_type("NearbyHub"), 1, only_covered))
    return f"{{ nearbyHubs({', '.join(arguments)}) {{ {item} }} }}", {}


@st.composite
def document(draw, ids):
    """A query on one root (a list or `node`), with its variables."""
    variables = {}
    only_covered = draw(st.integers(0, 3)) > 0
    if draw(st.integers(0, 3)) == 0:
        return draw(nearby(only_covered))
    if draw(st.booleans()):
        root, item = draw(
            st.sampled_from(
                [
                    ("hubs", "Hub"),
                    ("msps", "Msp"),
                    ("practitioners", "Practitioner"),
                    ("communes", "Commune"),
                    ("slots", "Slot"),
                ]
            )
        )
        arguments = []
        first = draw(st.sampled_from([1, 2, 3, 100, 0, 101, None]))
        declarations = ""
        if first is not None and draw(st.booleans()):
            variables["n"] = first
            declarations = "($n: Int)"
            arguments.append("first: $n")
        elif first is not None:
            arguments.append(f"first: {first}")
        for name, strategy in (
            ("offset", st.sampled_from([None, None, 0, 1, 3, 10_001])),
            (
                "after",
                st.sampled_from(
                    [None, None, offset_to_cursor(0), offset_to_cursor(2), "bad", offset_to_cursor(-1)]
                ),
            ),
            ("last", st.sampled_from([None, None, None, 2])),
            (
                "filter",
                FILTERS
                if root in ("hubs", "msps")
                else PEOPLE
                if root == "practitioners"
                else SLOT_FILTERS
                if root == "slots"
                else st.none(),
            ),
            ("search", SEARCHES if root == "communes" else st.none()),
        ):
            value = draw(strategy)
            if value is not None:
                arguments.append(f"{name}: {value if name in ('filter', 'search') else json.dumps(value)}")
        connection = SCHEMA.query_type.fields[root].type
        node_type = SCHEMA.get_type(item)
        parts = []
        for part in draw(
            st.lists(
                st.sampled_from(["totalCount", "edges", "pageInfo", "__typename"]), min_size=1, unique=True
            )
        ):
            if part == "edges":
                cursor = "cursor " if draw(st.booleans()) else ""
                parts.append(f"edges {{ {cursor}node {{ {draw(selection(node_type, 1, only_covered))} }} }}")
            elif part == "pageInfo":
                parts.append("pageInfo { hasNextPage hasPreviousPage startCursor endCursor }")
            else:
                parts.append(part)
        assert connection is not None
        return f"query{declarations} {{ {root}({', '.join(arguments)}) {{ {' '.join(parts)} }} }}", variables
    variables["id"] = draw(st.sampled_from(ids))
    fragments = []
    for type_name in draw(
        st.lists(
            st.sampled_from(
                ["Msp", "Hub", "MspSite", "Membership", "Practitioner", "Commune", "Slot", "SupportOffer"]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    ):
        fragments.append(
            f"... on {type_name} {{ {draw(selection(SCHEMA.get_type(type_name), 1, only_covered))} }}"
        )
    return f"query($id: ID!) {{ node(id: $id) {{ __typename id {' '.join(fragments)} }} }}", variables


def post(client, query, variables, token, compiled, settings_):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    with override_settings(GRAPHQL_EXECUTION={**settings_.GRAPHQL_EXECUTION, "COMPILED_READS": compiled}):
        response = client.post(
            "/graphql",
            json.dumps({"query": query, "variables": variables}),
            content_type="application/json",
            **headers,
        )
    return response.status_code, response.content.decode()


def same(a, b, where="") -> None:
    """The same JSON value, object keys in the same order (numbers compared as numbers: 12 and 12.0)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), (where, list(a), b)
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    else:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        assert a == b and (numbers or type(a) is type(b)), (where, a, b)


def both_ways(client, settings_, tokens, query, variables) -> None:
    for role in ROLES:
        with_compiled = post(client, query, variables, tokens[role], True, settings_)
        without = post(client, query, variables, tokens[role], False, settings_)
        assert with_compiled[0] == without[0], (query, role)
        same(json.loads(with_compiled[1]), json.loads(without[1]), f"{role}: {query} {variables}")


@pytest.fixture
def tokens(directory):
    world, _ = directory
    return {role: issue_token(user).token if user else None for role, user in world.users.items()}


def test_generated_queries_answer_the_same_both_ways(directory, tokens, client, settings):
    _world, ids = directory
    before = answered.answered
    count = {"n": 0}

    @examples
    @given(st.data())
    def run(data):
        query, variables = data.draw(document(ids))
        both_ways(client, settings, tokens, query, variables)
        count["n"] += len(ROLES)

    run()
    # The comparison proved something only if the compiled reads answered a fair share of it.
    print("COMPILED", answered.answered - before, count["n"])
    assert answered.answered - before >= count["n"] // 5, (answered.answered - before, count["n"])


SDL = print_schema(SCHEMA)


def test_hypothesis_graphql_queries_answer_the_same_both_ways(directory, tokens, client, settings):
    @examples
    @given(queries(SDL, fields=["hubs", "msps", "node", "nearbyHubs", "slots"]))
    def run(query):
        both_ways(client, settings, tokens, query, {})

    run()


def test_nearby_hubs_are_compiled_with_the_executors_distances(directory, tokens, client, settings):
    query = """{ nearbyHubs(near: {communeCode: "51108"}, radiusKm: 200, first: 10) { distanceKm
        hub { id status serviceRadiusKm msp { name sites { commune { name } } memberships { role } } } } }"""
    before = answered.answered
    both_ways(client, settings, tokens, query, {})
    assert answered.answered - before == len(ROLES)
    found = json.loads(post(client, query, {}, None, True, settings)[1])["data"]["nearbyHubs"]
    distances = [hub["distanceKm"] for hub in found]
    assert found and distances == sorted(distances)
    assert all(round(d, 3) == d for d in distances)  # to the metre


def test_slots_are_compiled_with_the_executors_local_times(directory, tokens, client, settings):
    query = """{ slots(first: 20) { totalCount edges { node { id startsAt localStartsAt localEndsAt timeZone
        capacity seatsLeft status cancelReason agenda offer { id kind title topics mentoringTopics locationKind
        hostName timeZone bookingQuestion isActive hub { id } site { name } hostCommune { name } } } } } }"""
    before = answered.answered
    both_ways(client, settings, tokens, query, {})
    assert answered.answered - before == len(ROLES)
    edges = json.loads(post(client, query, {}, None, True, settings)[1])["data"]["slots"]["edges"]
    shown = {(e["node"]["timeZone"], e["node"]["localStartsAt"][-6:]) for e in edges}
    # Réunion all year, Paris in winter and in summer: three offsets, each as Python writes it.
    assert {("Indian/Reunion", "+04:00"), ("Europe/Paris", "+02:00")} <= shown, shown
    assert any(zone == "Europe/Paris" and offset in ("+01:00", "+02:00") for zone, offset in shown)


def test_a_page_is_one_statement_whatever_its_length(db, gql):
    """The executor's constant query count (tests/network/test_hubs_queries.py), down to one statement."""
    for i in range(12):
        make_hub(make_msp(f"MSP {i:02d} (test)", "51504", sites=["51108"], team=(("10", 2), ("60", 1))))
    query = """query($first: Int!) { hubs(first: $first) { totalCount edges { node { id msp { name
        composition { state } sites { commune { name department { region { name } } } }
        memberships { practitioner { fullName profession { label } } } } } } } }"""
    for first in (2, 12):
        before = answered.answered
        with CaptureQueriesContext(connection) as captured:
            result = gql.execute(query, {"first": first})
        assert len(result["data"]["hubs"]["edges"]) == first and "errors" not in result
        assert answered.answered == before + 1 and not captured.captured_queries
