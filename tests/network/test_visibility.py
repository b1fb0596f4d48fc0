"""Who sees practitioners' e-mail and RPPS, and what the public directory shows."""

import pytest
from graphql_relay import to_global_id

from network.models import MembershipRole
from tests.factories import ROLES, make_msp, make_practitioner

pytestmark = pytest.mark.django_db

PRACTITIONERS = """
query($filter: PractitionerFilterInput) {
  practitioners(first: 100, filter: $filter) { totalCount edges { node { id fullName rpps email profession { code } } } }
}
"""


@pytest.mark.parametrize("role", ROLES)
def test_contact_details_of_an_msp_member(gql, world, role):
    member = world.msp.memberships.filter(role=MembershipRole.ASSOCIATE).first().practitioner
    result = gql.execute(
        PRACTITIONERS, {"filter": {"mspId": to_global_id("Msp", world.msp.pk)}}, user=world.user(role)
    )
    node = next(
        e["node"]
        for e in result["data"]["practitioners"]["edges"]
        if e["node"]["id"] == to_global_id("Practitioner", member.pk)
    )
    assert node["fullName"] == member.full_name  # names are public
    sees = role in {"coordinator", "cnam_staff", "admin"}
    assert node["rpps"] == (member.rpps if sees else None)
    assert node["email"] == (member.email if sees else None)


@pytest.mark.parametrize("role", ["practitioner", "other_coordinator", "coordinator"])  # roles with a record
def test_own_contact_details(gql, world, role):
    user = world.user(role)
    me = user.practitioner
    result = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on Practitioner { rpps email } } }",
        {"id": to_global_id("Practitioner", me.pk)},
        user=user,
    )
    assert result["data"]["node"] == {"rpps": me.rpps, "email": me.email}


def test_a_former_members_contact_is_hidden_from_the_coordinator(gql, world):
    from datetime import date

    membership = world.msp.memberships.filter(role=MembershipRole.ASSOCIATE).first()
    membership.end_date = date.today()
    membership.save()
    result = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on Practitioner { rpps } } }",
        {"id": to_global_id("Practitioner", membership.practitioner_id)},
        user=world.user("coordinator"),
    )
    assert result["data"]["node"]["rpps"] is None


def test_practitioner_filters(gql):
    make_practitioner("70", "97408", last_name="Payet")
    make_practitioner("10", "97411", last_name="Hoarau")
    make_practitioner("10", "51504", last_name="Hoarau")
    by_department = gql.execute(PRACTITIONERS, {"filter": {"departmentCode": "974", "professionCode": "10"}})
    assert by_department["data"]["practitioners"]["totalCount"] == 1
    by_name = gql.execute(PRACTITIONERS, {"filter": {"search": "hoarau"}})
    assert by_name["data"]["practitioners"]["totalCount"] == 2


def test_public_directory_of_msps_for_anonymous(gql):
    msp = make_msp("MSP Sakisoigne (test)", "97408", team=(("10", 2), ("60", 1)))
    result = gql.execute(
        """{ msps(first: 10, filter: {search: "sakisoigne", regionCode: "04"}) { edges { node {
              name status memberCount mainSite { commune { name timeZone department { code } } }
              memberships { role practitioner { fullName rpps } } } } } }"""
    )
    node = result["data"]["msps"]["edges"][0]["node"]
    assert node["name"] == msp.name and node["memberCount"] == 3
    assert node["mainSite"]["commune"] == {
        "name": "La Possession",
        "timeZone": "Indian/Reunion",
        "department": {"code": "974"},
    }
    assert all(m["practitioner"]["rpps"] is None for m in node["memberships"])


def test_communes_search(gql):
    def names(search, **kw):
        result = gql.execute(
            "query($s: String!, $d: String) { communes(first: 5, search: $s, departmentCode: $d) { edges { node { code name zoning timeZone } } } }",
            {"s": search, "d": kw.get("department")},
        )
        return [(e["node"]["code"], e["node"]["name"]) for e in result["data"]["communes"]["edges"]]

    assert ("51504", "Saint-Martin-sur-le-Pré") in names("saint martin sur le pre")
    assert names("SAINT-MARTIN-SUR-LE-PRÉ") == [("51504", "Saint-Martin-sur-le-Pré")]
    assert names("51504") == [("51504", "Saint-Martin-sur-le-Pré")]  # INSEE code
    assert ("51272", "Givry-en-Argonne") in names("51330")  # postal code
    assert names("2A004") == [("2A004", "Ajaccio")]
    assert names("saint denis", department="974") == [("97411", "Saint-Denis")]
    assert names("saint denis")[:2] == [
        ("97411", "Saint-Denis"),
        ("93066", "Saint-Denis"),
    ]  # most populated first
    empty = gql.execute('{ communes(first: 5, search: "  ") { totalCount } }')
    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_professions_and_regions(gql):
    result = gql.execute("{ professions { code label category } regions { code name } }")
    professions = {p["code"]: p for p in result["data"]["professions"]}
    assert len(professions) == 19 + 6  # TRE_G15, and the trades without it (coordinator, medical assistant…)
    assert professions["10"] == {"code": "10", "label": "Médecin", "category": "MEDICAL"}
    assert professions["X-COORD"]["category"] == "SUPPORT" and professions["X-PSY"]["category"] == "PARTNER"
    assert professions["21"]["category"] == "PHARMACIST"
    assert professions["60"]["category"] == "AUXILIARY"
    assert len(result["data"]["regions"]) == 18


READS = """
query {
  me { email isCnamStaff isAdmin coordinatedMsps { name } practitioner { id } }
  msps(first: 10) { totalCount }
  hubs(first: 10, filter: {status: [APPROVED]}) { totalCount }
  communes(first: 1, search: "givry en argonne") { edges { node { code } } }
  professions { code }
  nearbyHubs(near: {communeCode: "51108"}, radiusKm: 30) { hub { msp { name } } }
}
"""


@pytest.mark.parametrize("role", ROLES)
def test_read_queries_per_role(gql, world, role):
    user = world.user(role)
    data = gql.execute(READS, user=user)["data"]
    # The public directory is the same for everyone.
    assert data["msps"]["totalCount"] == 2
    assert data["hubs"]["totalCount"] == 1
    assert data["communes"]["edges"] == [{"node": {"code": "51272"}}]
    assert len(data["professions"]) == 25
    assert [h["hub"]["msp"]["name"] for h in data["nearbyHubs"]] == [world.msp.name]
    me = data["me"]
    if role == "anonymous":
        assert me is None
        return
    assert me["email"] == user.email
    assert me["isCnamStaff"] == (role in {"cnam_staff", "admin"})
    assert me["isAdmin"] == (role == "admin")
    expected_msps = {"coordinator": [world.msp.name], "other_coordinator": [world.other_msp.name]}.get(
        role, []
    )
    assert [m["name"] for m in me["coordinatedMsps"]] == expected_msps
    assert (me["practitioner"] is not None) == (role in {"practitioner", "coordinator", "other_coordinator"})


def test_cnam_staff_back_office_can_browse_and_approve_hubs(client, world):
    from network.models import HubStatus

    world.hub.status = HubStatus.CANDIDATE
    world.hub.save()
    staff = world.user("cnam_staff")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/network/msp/").status_code == 200
    assert client.get(f"/admin/network/msp/{world.msp.pk}/change/").status_code == 200
    response = client.post(
        "/admin/network/hubdesignation/",
        {"action": "approve", "_selected_action": [world.hub.pk]},
        follow=True,
    )
    assert response.status_code == 200
    world.hub.refresh_from_db()
    assert world.hub.status == HubStatus.APPROVED and world.hub.approved_by == staff
    # Staff cannot edit MSPs in the back office.
    assert client.post(f"/admin/network/msp/{world.msp.pk}/change/", {"name": "x"}).status_code == 403
