"""Tags of the accelerator (issue 17): staff create, rename and merge them, set them on requests (audited), and
filter the queue by them; nobody else sees them."""

import pytest

from mentoring.accelerator import services
from mentoring.accelerator.models import AcceleratorTag
from tests.factories import ROLES
from tests.helpers import ERRORS, error_codes, gid, question, top_codes

pytestmark = pytest.mark.django_db

CREATE = (
    f"""mutation($name: String!) {{ createAcceleratorTag(name: $name) {{ tag {{ id name }} {ERRORS} }} }}"""
)
TAG = f"""mutation($id: ID!, $tags: [ID!]!) {{ tagAcceleratorRequest(id: $id, tagIds: $tags) {{
    request {{ tags {{ name }} }} {ERRORS} }} }}"""
QUEUE = """query($tags: [ID!]) { acceleratorRequests(first: 10, filter: {tagIds: $tags}) {
    edges { node { subject tags { name } } } } }"""


def tag_gid(tag):
    from graphql_relay import to_global_id

    return to_global_id("AcceleratorTag", tag.pk)


@pytest.fixture
def requests(world):
    requester = world.user("practitioner").practitioner
    return (
        services.submit(requester, question(subject="Statuts de la SISA")),
        services.submit(requester, question(subject="Bail des locaux")),
    )


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_tag_per_role(gql, world, role):
    result = gql.execute(CREATE, {"name": "Sisa"}, user=world.user(role))
    if role in ("cnam_staff", "admin"):
        assert result["data"]["createAcceleratorTag"]["tag"]["name"] == "Sisa"
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
    assert AcceleratorTag.objects.count() == (1 if role in ("cnam_staff", "admin") else 0)


def test_names_are_unique_whatever_their_case_and_never_empty(gql, world):
    staff = world.user("cnam_staff")
    gql.execute(CREATE, {"name": "Bail"}, user=staff)
    twice = gql.execute(CREATE, {"name": "  BAIL "}, user=staff)
    (error,) = twice["data"]["createAcceleratorTag"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "name") and "déjà" in error["message"]
    assert error_codes(gql.execute(CREATE, {"name": " "}, user=staff), "createAcceleratorTag") == ["REQUIRED"]


@pytest.mark.parametrize("role", ROLES)
def test_tags_on_requests_and_the_queue_filtered_by_them(gql, world, requests, role):
    sisa, lease = requests
    legal, premises = services.tags.create_tag("Juridique"), services.tags.create_tag("Locaux")
    tagged = gql.execute(TAG, {"id": gid(sisa), "tags": [tag_gid(legal)]}, user=world.user(role))
    staff = role in ("cnam_staff", "admin")
    if staff:
        assert tagged["data"]["tagAcceleratorRequest"]["request"]["tags"] == [{"name": "Juridique"}]
        services.tags.set_tags(lease, None, [premises])
        filtered = gql.execute(QUEUE, {"tags": [tag_gid(legal)]}, user=world.user(role))
        assert [e["node"]["subject"] for e in filtered["data"]["acceleratorRequests"]["edges"]] == [
            "Statuts de la SISA"
        ]
        assert sisa.changes.filter(field="tags", to_value="Juridique").exists()  # audited
    else:
        assert top_codes(tagged) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
        services.tags.set_tags(sisa, None, [legal])
        if role == "practitioner":  # the requester sees their question, never its tags
            seen = gql.execute(QUEUE, {}, user=world.user(role))["data"]["acceleratorRequests"]["edges"]
            assert {e["node"]["subject"] for e in seen} == {"Statuts de la SISA", "Bail des locaux"}
            assert all(e["node"]["tags"] == [] for e in seen)


def test_renaming_and_merging(gql, world, requests):
    sisa, lease = requests
    staff = world.user("cnam_staff")
    first, second = services.tags.create_tag("SISA"), services.tags.create_tag("Statuts")
    services.tags.set_tags(sisa, None, [first, second])
    services.tags.set_tags(lease, None, [first])
    renamed = gql.execute(
        f"""mutation($id: ID!) {{ renameAcceleratorTag(id: $id, name: "Sisa et statuts") {{ tag {{ name }} {ERRORS} }} }}""",
        {"id": tag_gid(second)},
        user=staff,
    )
    assert renamed["data"]["renameAcceleratorTag"]["tag"] == {"name": "Sisa et statuts"}
    merged = gql.execute(
        f"""mutation($s: ID!, $t: ID!) {{ mergeAcceleratorTags(sourceId: $s, targetId: $t) {{
            tag {{ name requestCount }} {ERRORS} }} }}""",
        {"s": tag_gid(first), "t": tag_gid(second)},
        user=staff,
    )
    assert merged["data"]["mergeAcceleratorTags"]["tag"] == {"name": "Sisa et statuts", "requestCount": 2}
    assert list(AcceleratorTag.objects.values_list("name", flat=True)) == ["Sisa et statuts"]
    listed = gql.execute("{ acceleratorTags { name requestCount } }", user=staff)
    assert listed["data"]["acceleratorTags"] == [{"name": "Sisa et statuts", "requestCount": 2}]


@pytest.mark.parametrize("role", ROLES)
def test_listing_renaming_and_merging_per_role(gql, world, role):
    first, second = services.tags.create_tag("Bail"), services.tags.create_tag("Locaux")
    user = world.user(role)
    listed = gql.execute("{ acceleratorTags { name } }", user=user)
    renamed = gql.execute(
        f"""mutation($id: ID!) {{ renameAcceleratorTag(id: $id, name: "Baux") {{ tag {{ name }} {ERRORS} }} }}""",
        {"id": tag_gid(first)},
        user=user,
    )
    merged = gql.execute(
        f"""mutation($s: ID!, $t: ID!) {{ mergeAcceleratorTags(sourceId: $s, targetId: $t) {{ {ERRORS} }} }}""",
        {"s": tag_gid(second), "t": tag_gid(first)},
        user=user,
    )
    names = sorted(AcceleratorTag.objects.values_list("name", flat=True))
    if role in ("cnam_staff", "admin"):
        assert [t["name"] for t in listed["data"]["acceleratorTags"]] == ["Bail", "Locaux"]
        assert renamed["data"]["renameAcceleratorTag"]["errors"] == []
        assert merged["data"]["mergeAcceleratorTags"]["errors"] == [] and names == ["Baux"]
    else:
        expected = ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
        assert top_codes(listed) == top_codes(renamed) == top_codes(merged) == expected
        assert names == ["Bail", "Locaux"]


def test_the_tag_filter_is_bounded(gql, world):
    ids = [tag_gid(AcceleratorTag(pk=n)) for n in range(1, 22)]
    result = gql.execute(QUEUE, {"tags": ids}, user=world.user("cnam_staff"))
    assert top_codes(result) == ["BAD_USER_INPUT"] and "20 étiquettes" in result["errors"][0]["message"]


STAFF_FILTERS = {
    "tagIds": "{tagIds: [$tag]}",
    "assigneeId": "{assigneeId: $staff}",
    "unassigned": "{unassigned: true, category: $category}",
    "escalated": "{escalated: false, category: $category}",
}
VARIABLE = {"tagIds": "tag", "assigneeId": "staff", "unassigned": "category", "escalated": "category"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", STAFF_FILTERS)
def test_staff_only_facts_cannot_be_filtered_on_by_others(gql, world, role, name):
    """Before (issue 24): a requester's own questions filtered by tag or assignee told them what the request
    itself hides."""
    from graphql_relay import to_global_id

    staff = world.user("cnam_staff")
    mine = services.submit(world.user("practitioner").practitioner, question(subject="Statuts"))
    tag = services.tags.create_tag("Sensible")
    services.tags.set_tags(mine, staff, [tag])
    declared = {"tag": "$tag: ID!", "staff": "$staff: ID!", "category": "$category: AcceleratorCategory"}
    query = (
        f"query({declared[VARIABLE[name]]}) {{ acceleratorRequests(first: 5, filter: "
        + STAFF_FILTERS[name]
        + ") { totalCount } }"
    )
    values = {"tag": gid(tag), "staff": to_global_id("StaffMember", staff.pk), "category": None}
    variables = {VARIABLE[name]: values[VARIABLE[name]]}
    result = gql.execute(query, variables, user=world.user(role))
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    elif role in ("cnam_staff", "admin"):
        assert "errors" not in result
    else:
        assert top_codes(result) == ["FORBIDDEN"]
        assert name in result["errors"][0]["message"] and "réservés" in result["errors"][0]["message"]
        assert result["data"]["acceleratorRequests"] is None
