"""What the agents' pages needed from the API (issue 27, journey 5), for every role: statistics per month, per
region and breaches per category; the `mine` filter; the states a request may move to; bulk assignment, all
or none."""

from unittest import mock

import pytest
from graphql_relay import to_global_id

from mentoring.accelerator import services
from mentoring.accelerator.models import AcceleratorRequest, State
from mentoring.accelerator.permissions import STAFF_REPLY
from tests.factories import ROLES
from tests.helpers import at, gid, submit_at, top_codes

pytestmark = pytest.mark.django_db
STAFF = {"cnam_staff", "admin"}

STATS = """{ acceleratorStats(since: "2027-06-01", until: "2027-07-31") {
  byMonth { month received breached medianFirstResponseHours medianResolutionHours }
  byRegion { regionCode regionName count }
  breachesByCategory { category count } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_statistics_per_month_region_and_breaches(gql, world, role):
    june = submit_at(at(2027, 6, 14, 9))  # Marne: Grand Est
    with mock.patch("django.utils.timezone.now", return_value=at(2027, 6, 14, 13)):
        services.reply(june, None, "Réponse", internal=False, rights=STAFF_REPLY, next_state=State.ANSWERED)
    submit_at(at(2027, 7, 12, 9), category="PREMISES", commune_code="89387")  # Sens: Bourgogne-Franche-Comté
    late = submit_at(at(2027, 7, 1, 9), category="PREMISES")
    AcceleratorRequest.objects.filter(pk=late.pk).update(sla_status="BREACHED")
    result = gql.execute(STATS, user=world.user(role))
    if role not in STAFF:
        assert top_codes(result)[0] == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
        return
    stats = result["data"]["acceleratorStats"]
    assert stats["byMonth"] == [
        {"month": "2027-06-01", "received": 1, "breached": 0, "medianFirstResponseHours": 4.0,
         "medianResolutionHours": 4.0},
        {"month": "2027-07-01", "received": 2, "breached": 1, "medianFirstResponseHours": None,
         "medianResolutionHours": None},
    ]  # fmt: skip
    assert stats["byRegion"] == [
        {"regionCode": "44", "regionName": "Grand Est", "count": 2},
        {"regionCode": "27", "regionName": "Bourgogne-Franche-Comté", "count": 1},
    ]
    assert stats["breachesByCategory"] == [{"category": "PREMISES", "count": 1}]


@pytest.mark.parametrize("role", ROLES)
def test_mine_and_next_states(gql, world, role):
    mine = submit_at(at(2027, 7, 12, 9))
    theirs = submit_at(at(2027, 7, 12, 10), requester=world.user("practitioner").practitioner)
    services.assign(mine, None, world.user("cnam_staff"))
    result = gql.execute(
        """query($id: ID!) { acceleratorRequests(first: 10, filter: {mine: true}) { edges { node { subject } } }
           acceleratorRequest(id: $id) { nextStates } }""",
        {"id": gid(theirs)},
        user=world.user(role),
    )
    if role == "anonymous":
        assert top_codes(result)[0] == "UNAUTHENTICATED"
    elif role == "cnam_staff":
        assert len(result["data"]["acceleratorRequests"]["edges"]) == 1
        assert result["data"]["acceleratorRequest"]["nextStates"] == [
            "TRIAGED", "IN_PROGRESS", "WAITING_ON_REQUESTER", "ANSWERED", "CLOSED"
        ]  # fmt: skip
    elif role == "admin":
        assert result["data"]["acceleratorRequests"]["edges"] == []  # nothing is the admin's own
    else:
        assert top_codes(result)[0] == "FORBIDDEN"  # a staff filter
    if role == "practitioner":  # her own request: she reads it, but moving it is staff's
        own = gql.execute(
            "query($id: ID!) { acceleratorRequest(id: $id) { nextStates } }",
            {"id": gid(theirs)},
            user=world.user(role),
        )
        assert own["data"]["acceleratorRequest"]["nextStates"] == []


@pytest.mark.parametrize("role", ROLES)
def test_bulk_assignment_per_role(gql, world, role):
    first, second = submit_at(at(2027, 7, 12, 9)), submit_at(at(2027, 7, 12, 10))
    result = gql.execute(
        """mutation($ids: [ID!]!) { assignAcceleratorRequests(ids: $ids) {
             requests { assignee { fullName } } errors { message } } }""",
        {"ids": [gid(second), gid(first), gid(first)]},
        user=world.user(role),
    )
    assigned = AcceleratorRequest.objects.filter(assignee__isnull=False).count()
    if role not in STAFF:
        assert top_codes(result)[0] == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
        assert assigned == 0
        return
    assert result["data"]["assignAcceleratorRequests"]["errors"] == []
    assert len(result["data"]["assignAcceleratorRequests"]["requests"]) == 2  # once each
    assert assigned == 2


def test_bulk_assignment_is_all_or_none(gql, world):
    first = submit_at(at(2027, 7, 12, 9))
    staff = world.user("cnam_staff")
    unknown = to_global_id("AcceleratorRequest", 999999)
    result = gql.execute(
        "mutation($ids: [ID!]!) { assignAcceleratorRequests(ids: $ids) { errors { field message } } }",
        {"ids": [gid(first), unknown]},
        user=staff,
    )
    assert result["data"]["assignAcceleratorRequests"]["errors"][0]["field"] == "ids"
    assert not AcceleratorRequest.objects.filter(assignee__isnull=False).exists()
    to_a_practitioner = gql.execute(
        "mutation($ids: [ID!]!, $to: ID) { assignAcceleratorRequests(ids: $ids, assigneeId: $to) { errors { message } } }",
        {"ids": [gid(first)], "to": to_global_id("StaffMember", world.user("practitioner").pk)},
        user=staff,
    )
    assert to_a_practitioner["data"]["assignAcceleratorRequests"]["errors"][0]["message"] == (
        "Seul un agent de l'accélérateur peut recevoir une demande."
    )
    assert not AcceleratorRequest.objects.filter(assignee__isnull=False).exists()


SAVE_VIEW = """mutation($name: String!, $filter: AcceleratorFilter!) {
  saveAcceleratorView(name: $name, filter: $filter, orderBy: PRIORITY) { view { id name } errors { message } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_saved_views_per_role(gql, world, role):
    given = {"states": ["NEW", "TRIAGED"], "category": "PREMISES", "unassigned": True, "search": "bail",
             "dueBefore": "2027-07-20T10:00:00+02:00"}  # fmt: skip
    result = gql.execute(SAVE_VIEW, {"name": "Locaux", "filter": given}, user=world.user(role))
    if role not in STAFF:
        assert top_codes(result)[0] == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
        return
    assert result["data"]["saveAcceleratorView"]["errors"] == []
    again = gql.execute(SAVE_VIEW, {"name": "LOCAUX", "filter": {"mine": True}}, user=world.user(role))
    assert again["data"]["saveAcceleratorView"]["errors"] == []  # the same name (any case) replaces it
    views = gql.execute("{ acceleratorSavedViews { name filter orderBy } }", user=world.user(role))
    assert views["data"]["acceleratorSavedViews"] == [
        {"name": "LOCAUX", "filter": {"mine": True}, "orderBy": "PRIORITY"}
    ]
    gql.execute(SAVE_VIEW, {"name": "Autre", "filter": given}, user=world.user(role))
    stored = gql.execute("{ acceleratorSavedViews { name filter } }", user=world.user(role))
    assert stored["data"]["acceleratorSavedViews"][0]["filter"] == given  # as the client wrote it
    # …and it is a filter the queue takes back as it is.
    back = gql.execute(
        "query($f: AcceleratorFilter) { acceleratorRequests(first: 5, filter: $f) { totalCount } }",
        {"f": stored["data"]["acceleratorSavedViews"][0]["filter"]},
        user=world.user(role),
    )
    assert "errors" not in back


def test_a_saved_view_is_its_agents_own(gql, world):
    saved = gql.execute(SAVE_VIEW, {"name": "Mine", "filter": {}}, user=world.user("cnam_staff"))
    view_id = saved["data"]["saveAcceleratorView"]["view"]["id"]
    admin = world.user("admin")
    assert (
        gql.execute("{ acceleratorSavedViews { name } }", user=admin)["data"]["acceleratorSavedViews"] == []
    )
    refused = gql.execute(
        "mutation($id: ID!) { deleteAcceleratorView(id: $id) { ok errors { message } } }",
        {"id": view_id},
        user=admin,
    )
    assert refused["data"]["deleteAcceleratorView"] == {
        "ok": False,
        "errors": [{"message": "Objet introuvable."}],
    }
    for n in range(29):
        gql.execute(SAVE_VIEW, {"name": f"Vue {n}", "filter": {}}, user=world.user("cnam_staff"))
    over = gql.execute(SAVE_VIEW, {"name": "Une de trop", "filter": {}}, user=world.user("cnam_staff"))
    assert over["data"]["saveAcceleratorView"]["errors"][0]["message"].startswith(
        "Au plus 30 vues enregistrées"
    )
