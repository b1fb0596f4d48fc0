import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from network.models import Commune, HubStatus, OfferKind
from network.services.geo import distance_km
from network.services.hubs import nearby_hubs
from tests.factories import ROLES, make_hub, make_msp
from tests.helpers import top_codes

pytestmark = pytest.mark.django_db

NEARBY = """
query($near: NearPointInput!, $radius: Float, $kind: OfferKind, $profession: String, $first: Int) {
  nearbyHubs(near: $near, radiusKm: $radius, offerKind: $kind, professionCode: $profession, first: $first) {
    distanceKm
    hub { id status msp { name } }
  }
}
"""


@pytest.fixture
def marne():
    """Hubs around Givry-en-Argonne (51272), where the Saint-Martin-sur-le-Pré doctors consult."""
    saint_martin = make_hub(make_msp("Saint-Martin", "51504"), radius=50)  # ≈ 40 km from Givry
    chalons = make_hub(make_msp("Châlons", "51108"), radius=10)  # ≈ 38 km, but serves 10 km only
    menehould = make_hub(
        make_msp("Sainte-Menehould", "51507", team=(("60", 3),)),
        radius=60,
        offers=[OfferKind.PEER_FACILITATION],
    )  # ≈ 15 km
    candidate = make_hub(make_msp("Candidate", "51272"), status=HubStatus.CANDIDATE, radius=60)
    suspended = make_hub(make_msp("Suspended", "51272"), status=HubStatus.SUSPENDED, radius=60)
    sens = make_hub(make_msp("Sens", "89387"), radius=200)  # ≈ 150 km
    return {
        "saint_martin": saint_martin,
        "chalons": chalons,
        "menehould": menehould,
        "candidate": candidate,
        "suspended": suspended,
        "sens": sens,
    }


def _expected_distance(hub, commune_code):
    c = Commune.objects.get(code=commune_code)
    return min(distance_km(c.latitude, c.longitude, s.latitude, s.longitude) for s in hub.msp.sites.all())


def test_nearby_hubs_keeps_approved_hubs_whose_radius_reaches_the_point_nearest_first(marne):
    givry = Commune.objects.get(code="51272")
    results = nearby_hubs(givry.latitude, givry.longitude, 60)
    assert [hub for hub, _ in results] == [marne["menehould"], marne["saint_martin"]]
    for hub, distance in results:
        assert distance == pytest.approx(_expected_distance(hub, "51272"), abs=0.01)


def test_the_search_radius_also_limits(marne):
    givry = Commune.objects.get(code="51272")
    assert [h for h, _ in nearby_hubs(givry.latitude, givry.longitude, 20)] == [marne["menehould"]]


def test_offer_kind_and_profession_filters(marne):
    givry = Commune.objects.get(code="51272")
    by_kind = nearby_hubs(givry.latitude, givry.longitude, 60, offer_kind=OfferKind.ADVANCED_CONSULTATION)
    assert [h for h, _ in by_kind] == [marne["saint_martin"]]
    by_profession = nearby_hubs(givry.latitude, givry.longitude, 60, profession_code="10")
    assert [h for h, _ in by_profession] == [marne["saint_martin"]]  # Sainte-Menehould has no doctor


def test_distance_is_to_the_nearest_site(marne):
    # An MSP based in Sens with an antenna at Givry-en-Argonne is 0 km away from Givry.
    antenna = make_hub(make_msp("Multi-sites", "89387", sites=["51272"]), radius=30)
    givry = Commune.objects.get(code="51272")
    results = nearby_hubs(givry.latitude, givry.longitude, 60)
    assert results[0][0] == antenna
    assert results[0][1] == pytest.approx(0, abs=0.01)


def test_equal_distances_are_ordered_by_id():
    first = make_hub(make_msp("A", "51272"), radius=30)
    second = make_hub(make_msp("B", "51272"), radius=30)
    givry = Commune.objects.get(code="51272")
    assert [h for h, _ in nearby_hubs(givry.latitude, givry.longitude, 10)] == [first, second]


def test_nearby_hubs_over_graphql_by_commune_and_by_coordinates(gql, marne):
    by_commune = gql.execute(NEARBY, {"near": {"communeCode": "51272"}, "radius": 60})
    names = [item["hub"]["msp"]["name"] for item in by_commune["data"]["nearbyHubs"]]
    assert names == ["Sainte-Menehould", "Saint-Martin"]
    distances = [item["distanceKm"] for item in by_commune["data"]["nearbyHubs"]]
    assert distances == sorted(distances)
    assert 38 < distances[1] < 42

    givry = Commune.objects.get(code="51272")
    by_point = gql.execute(
        NEARBY, {"near": {"latitude": givry.latitude, "longitude": givry.longitude}, "radius": 60}
    )
    assert by_point["data"] == by_commune["data"]
    limited = gql.execute(NEARBY, {"near": {"communeCode": "51272"}, "radius": 60, "first": 1})
    assert len(limited["data"]["nearbyHubs"]) == 1


@pytest.mark.parametrize(
    "variables",
    [
        {"near": {}},
        {"near": {"communeCode": "51272", "latitude": 48.9, "longitude": 4.8}},
        {"near": {"latitude": 48.9}},
        {"near": {"communeCode": "99999"}},
        {"near": {"communeCode": "ABC"}},
        {"near": {"latitude": 95, "longitude": 4.8}},
        {"near": {"communeCode": "51272"}, "radius": 0},
        {"near": {"communeCode": "51272"}, "radius": 500},
        {"near": {"communeCode": "51272"}, "first": 101},
    ],
)
def test_nearby_hubs_bad_input_is_a_clear_french_error(gql, variables):
    result = gql.execute(NEARBY, variables)
    assert top_codes(result) == ["BAD_USER_INPUT"]
    assert result["data"] is None


HUBS = "query($filter: HubFilterInput) { hubs(first: 50, filter: $filter) { totalCount edges { node { status msp { name } suspensionReason } } } }"


@pytest.mark.parametrize("role", ROLES)
def test_candidate_hubs_are_visible_to_their_coordinators_their_regions_ars_and_cnam_staff_only(
    gql, world, role
):
    world.hub.status = HubStatus.CANDIDATE
    world.hub.save()
    approved = make_hub(make_msp("Approuvée", "89387"))
    result = gql.execute(HUBS, user=world.user(role))
    names = {edge["node"]["msp"]["name"] for edge in result["data"]["hubs"]["edges"]}
    sees_candidate = role in {
        "coordinator",
        "ars_agent",
        "cnam_staff",
        "admin",
    }  # the ARS: to give its opinion
    assert names == ({world.msp.name, approved.msp.name} if sees_candidate else {approved.msp.name})

    node = gql.execute(
        "query($id: ID!, $msp: ID!) { node(id: $id) { id } msp: node(id: $msp) { ... on Msp { hub { status } } } }",
        {"id": to_global_id("Hub", world.hub.pk), "msp": to_global_id("Msp", world.msp.pk)},
        user=world.user(role),
    )
    assert (node["data"]["node"] is not None) == sees_candidate
    assert (node["data"]["msp"]["hub"] is not None) == sees_candidate


@pytest.mark.parametrize("role", ROLES)
def test_suspension_reason_is_shown_to_the_msp_its_regions_ars_and_cnam_only(gql, world, role):
    world.hub.status = HubStatus.SUSPENDED
    world.hub.suspension_reason = "Capacité non tenue"
    world.hub.save()
    result = gql.execute(HUBS, {"filter": {"status": ["SUSPENDED"]}}, user=world.user(role))
    edges = result["data"]["hubs"]["edges"]
    if role in {"coordinator", "ars_agent", "cnam_staff", "admin"}:
        assert edges[0]["node"]["suspensionReason"] == "Capacité non tenue"
    else:
        assert edges == []


def test_hub_filters(gql):
    make_hub(make_msp("Réunion", "97408"), offers=[OfferKind.PEER_FACILITATION])
    make_hub(make_msp("Marne", "51504"), offers=[OfferKind.ADVANCED_CONSULTATION])
    by_kind = gql.execute(HUBS, {"filter": {"offerKind": "PEER_FACILITATION"}})
    assert [e["node"]["msp"]["name"] for e in by_kind["data"]["hubs"]["edges"]] == ["Réunion"]
    by_region = gql.execute(HUBS, {"filter": {"regionCode": "44"}})
    assert [e["node"]["msp"]["name"] for e in by_region["data"]["hubs"]["edges"]] == ["Marne"]
    by_search = gql.execute(HUBS, {"filter": {"search": "reunion"}})
    assert by_search["data"]["hubs"]["totalCount"] == 1


@pytest.mark.parametrize("compiled", [True, False])
def test_an_msp_with_several_sites_in_the_area_is_listed_once(gql, settings, compiled):
    settings.GRAPHQL_EXECUTION = {**settings.GRAPHQL_EXECUTION, "COMPILED_READS": compiled}
    make_hub(make_msp("Trois sites", "51504", sites=["51108", "51507"]))
    make_hub(make_msp("Ailleurs", "97408", sites=["97411"]))
    area = {"departmentCode": "51", "regionCode": "44", "communeCode": "51108"}
    for root, path, names in (
        ("hubs", ("msp", "name"), ("departmentCode", "regionCode")),
        ("msps", ("name",), ("departmentCode", "regionCode", "communeCode")),
    ):
        for name in names:
            query = f"""query($f: {root[:-1].capitalize()}FilterInput) {{ {root}(first: 10, filter: $f) {{ totalCount
                edges {{ node {{ {path[0]}{" { name }" if len(path) == 2 else ""} }} }} }} }}"""
            result = gql.execute(query, {"f": {name: area[name]}})
            assert "errors" not in result, result
            answer = result["data"][root]
            names = [
                e["node"][path[0]]["name"] if len(path) == 2 else e["node"]["name"] for e in answer["edges"]
            ]
            assert answer["totalCount"] == 1 and names == ["Trois sites"], (root, name, answer)


HUB_PAGE = """
query($first: Int!) {
  hubs(first: $first) {
    totalCount
    edges { node {
      id status offerKinds serviceRadiusKm
      msp {
        name finess composition { state doctors }
        sites { address commune { name department { name region { name } } } }
        memberships { role practitioner { fullName profession { label } commune { name } } }
      }
    } }
  }
}
"""


def _count_queries(gql, first):
    with CaptureQueriesContext(connection) as ctx:
        result = gql.execute(HUB_PAGE, {"first": first})
    assert "errors" not in result, result.get("errors")
    assert len(result["data"]["hubs"]["edges"]) == first
    return len(ctx.captured_queries)


@pytest.mark.usefixtures("ordinary_reads")
def test_listing_hubs_costs_the_same_queries_for_10_and_100(gql):
    for i in range(100):
        make_hub(make_msp(f"MSP {i:03d}", "51504", sites=["51108"], team=(("10", 1), ("60", 1))))
    assert _count_queries(gql, 10) == _count_queries(gql, 100)


def test_connections_require_first_or_last_and_cap_at_100(gql):
    no_size = gql.execute("{ msps { totalCount } }")
    assert top_codes(no_size) == ["BAD_USER_INPUT"] and "first" in no_size["errors"][0]["message"]
    too_big = gql.execute("{ msps(first: 101) { totalCount } }")
    assert top_codes(too_big) == ["BAD_USER_INPUT"] and "100" in too_big["errors"][0]["message"]


def test_msps_are_ordered_by_name_then_id_and_paginate(gql):
    for name in ["Bravo", "Alpha", "Charlie", "Alpha"]:
        make_msp(name, "51504")
    first_page = gql.execute(
        "{ msps(first: 2) { edges { node { name } cursor } pageInfo { hasNextPage endCursor } } }"
    )
    page = first_page["data"]["msps"]
    assert [e["node"]["name"] for e in page["edges"]] == ["Alpha", "Alpha"]
    second = gql.execute(
        "query($after: String) { msps(first: 2, after: $after) { edges { node { name } } } }",
        {"after": page["pageInfo"]["endCursor"]},
    )
    assert [e["node"]["name"] for e in second["data"]["msps"]["edges"]] == ["Bravo", "Charlie"]


def test_nearby_hubs_query_count_does_not_grow_with_results_even_with_members(gql):
    query = """query($r: Float) { nearbyHubs(near: {communeCode: "51272"}, radiusKm: $r) {
        hub { msp { name memberCount composition { state } memberships { practitioner { fullName } } sites { commune { name } } } } } }"""
    make_hub(make_msp("Proche", "51272"), radius=60)
    for code in ["51504", "51108", "51507", "51649"]:
        make_hub(make_msp(f"Loin {code}", code), radius=100)

    def run(radius):
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(query, {"r": radius})
        return len(result["data"]["nearbyHubs"]), len(ctx.captured_queries)

    few, many = run(5), run(100)
    assert (few[0], many[0]) == (1, 5)
    assert few[1] == many[1]


@pytest.mark.usefixtures("ordinary_reads")
def test_listing_practitioners_with_their_msps_costs_the_same_queries_for_10_and_60(gql, world):
    query = """query($first: Int!) { practitioners(first: $first) { edges { node {
        fullName rpps email profession { label } commune { name department { region { name } } }
        memberships { role msp { name } } } } } }"""
    for i in range(12):
        make_msp(f"MSP {i}", "51504", team=(("10", 3), ("60", 2)))

    def count(first):
        user = world.user("coordinator")
        from backend.accounts.services import issue_token

        token = issue_token(user).token
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(query, {"first": first}, token=token)
        assert len(result["data"]["practitioners"]["edges"]) == first
        return len(ctx.captured_queries)

    assert count(10) == count(60)


@pytest.mark.usefixtures("ordinary_reads")
def test_listing_msps_costs_the_same_queries_for_5_and_40(gql):
    query = """query($first: Int!) { msps(first: $first) { edges { node {
        name memberCount composition { state } hub { status offerKinds }
        sites { commune { name department { region { name } } } }
        memberships { role practitioner { fullName profession { label } commune { name } } } } } } }"""
    for i in range(40):
        msp = make_msp(f"MSP {i:02d}", "51504", sites=["51108"], team=(("10", 1), ("60", 1)))
        if i % 2:
            make_hub(msp)

    def count(first):
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(query, {"first": first})
        assert len(result["data"]["msps"]["edges"]) == first
        return len(ctx.captured_queries)

    assert count(5) == count(40)


# --- By id: `node` costs the same few queries however many members or sites the object has -----------

NODE_QUERIES = {
    "Msp": """query($id: ID!) { node(id: $id) { ... on Msp { name memberCount composition { state }
        hub { status } mainSite { address } sites { commune { name department { name } } }
        memberships { role practitioner { fullName profession { label } commune { name } } } } } }""",
    "Hub": """query($id: ID!) { node(id: $id) { ... on Hub { status offerKinds msp { name memberCount
        sites { commune { name department { name } } }
        memberships { role practitioner { fullName profession { label } } } } } } }""",
    "Practitioner": """query($id: ID!) { node(id: $id) { ... on Practitioner { fullName
        profession { label } commune { name department { name } } memberships { role msp { name } } } } }""",
}


@pytest.mark.usefixtures("ordinary_reads")
@pytest.mark.parametrize("type_name", NODE_QUERIES)
def test_an_object_by_id_costs_the_same_few_queries_whatever_its_size(gql, type_name):
    from graphql_relay import to_global_id

    small = make_msp("Petite", "51504", team=(("10", 1), ("60", 1)))
    large = make_msp("Grande", "51504", sites=["51108", "51507"], team=(("10", 4), ("60", 5), ("21", 3)))
    for msp in (small, large):
        make_hub(msp)

    def count(msp):
        if type_name == "Msp":
            pk = msp.pk
        elif type_name == "Hub":
            pk = msp.hub.pk
        else:  # a practitioner of the MSP, member of more MSPs in the large case
            pk = msp.memberships.order_by("pk").first().practitioner_id
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(NODE_QUERIES[type_name], {"id": to_global_id(type_name, pk)})
        assert "errors" not in result and result["data"]["node"], result
        return len(ctx.captured_queries)

    if type_name == "Practitioner":  # the large case: the same practitioner in the two MSPs
        from network.models import Membership

        first = small.memberships.order_by("pk").first()
        Membership.objects.create(
            msp=large, practitioner=first.practitioner, role=first.role, start_date=first.start_date
        )
    assert count(small) == count(large) <= 5


@pytest.mark.usefixtures("ordinary_reads")
def test_a_page_loads_only_what_its_selection_shows(gql):
    for i in range(6):
        make_hub(make_msp(f"MSP {i}", "51504", sites=["51108"], team=(("10", 2),)))

    def sql(query):
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(query)
        assert "errors" not in result, result
        return [q["sql"] for q in ctx.captured_queries]

    names = sql("{ hubs(first: 5) { edges { node { msp { name } } } } }")
    members = sql(
        "{ hubs(first: 5) { edges { node { msp { memberships { practitioner { fullName } } } } } } }"
    )
    communes = sql(
        "{ hubs(first: 5) { edges { node { msp { memberships { practitioner { commune { name } } } } } } } }"
    )
    assert not any("network_membership" in q for q in names)
    assert any("network_membership" in q for q in members)
    membership_query = next(q for q in members if 'FROM "network_membership"' in q)
    assert "network_commune" not in membership_query  # members' communes are not joined unless shown
    assert "network_commune" in next(q for q in communes if 'FROM "network_membership"' in q)
    assert len(members) == len(communes)
