"""The Cnam accelerator: business hours, service levels with pauses, transitions and audit trail, internal
notes kept from the requester, routing to a hub end to end, merge, per-role API, live events."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.core.exceptions import ValidationError
from graphql_relay import to_global_id

from mentoring.accelerator import services
from mentoring.accelerator.models import AcceleratorRequest, CannedAnswer, Level, SlaStatus, State
from mentoring.accelerator.permissions import STAFF_REPLY
from mentoring.models import MentoringRequest, RequestStatus
from network.models import Commune, Zoning
from network.services.business_hours import add_business_seconds, business_seconds
from tests.factories import ROLES, make_coordinator, make_hub, make_msp, make_practitioner
from tests.helpers import (
    ERRORS,
    at,
    deliver_queued_mail,
    error_codes,
    expect,
    gid,
    question,
    submit_at,
    top_codes,
)

pytestmark = pytest.mark.django_db


HOUR = 3600
STAFF = {"cnam_staff", "admin"}
PRACTITIONERS = {"practitioner", "coordinator", "other_coordinator"}


def codes(exc):
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


# --- Business hours ----------------------------------------------------------------------------------


def test_business_hours_skip_nights_weekends_and_public_holidays():
    assert business_seconds(at(2027, 7, 9, 17), at(2027, 7, 12, 10)) == 2 * HOUR  # Friday → Monday
    assert business_seconds(at(2027, 7, 13, 17), at(2027, 7, 15, 10)) == 2 * HOUR  # 14 July, Wednesday
    assert business_seconds(at(2026, 4, 30, 17), at(2026, 5, 4, 10)) == 2 * HOUR  # 1 May, a Friday
    assert business_seconds(at(2027, 7, 12, 7), at(2027, 7, 12, 20)) == 9 * HOUR
    assert add_business_seconds(at(2027, 7, 9, 17), 4 * HOUR) == at(2027, 7, 12, 12)
    assert add_business_seconds(at(2027, 7, 13, 16), 3 * HOUR) == at(2027, 7, 15, 10)
    assert add_business_seconds(at(2027, 7, 10, 11), 0) == at(2027, 7, 12, 9)  # Saturday: next opening


def test_business_seconds_by_arithmetic_agree_with_counting_day_by_day():
    import random

    from network.services.business_hours import ZONE, is_business_day

    def counted(start, end):  # the plain definition: every day's overlap with 9:00-18:00
        total, day = 0, start.astimezone(ZONE).date()
        while day <= end.astimezone(ZONE).date():
            if is_business_day(day):
                opens, closes = (
                    datetime(*day.timetuple()[:3], 9, tzinfo=ZONE),
                    datetime(*day.timetuple()[:3], 18, tzinfo=ZONE),
                )
                total += max(int((min(end, closes) - max(start, opens)).total_seconds()), 0)
            day += timedelta(days=1)
        return total

    rng = random.Random(7)
    for _ in range(300):
        start = at(2025, 1, 1) + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(60 * 24 * 60))
        assert business_seconds(start, end) == counted(start, end), (start, end)


# --- Priority and service levels ---------------------------------------------------------------------


def test_priority_from_urgency_and_impact_and_a_zip_commune_raises_impact():
    request = submit_at(at(2027, 7, 12, 9))
    assert request.priority == "P3"  # medium × medium
    request = submit_at(at(2027, 7, 12, 9), urgency=Level.HIGH)
    assert request.priority == "P2"
    Commune.objects.filter(code="51649").update(zoning=Zoning.ZIP)
    request = submit_at(at(2027, 7, 12, 9), commune_code="51649")
    assert request.priority == "P2"  # impact raised to high by the priority zone
    staff = make_practitioner(user=True).user
    request = services.triage(request, staff, impact=Level.LOW)
    assert (request.priority, request.state) == ("P3", State.TRIAGED)


def test_the_audit_trail_names_priorities_as_the_api_does(gql, world):
    staff = world.user("cnam_staff")
    request = services.triage(submit_at(at(2027, 7, 12, 9)), staff, impact=Level.HIGH)  # P3 → P2
    result = gql.execute(
        "query($id: ID!) { acceleratorRequest(id: $id) { priority changes { field fromValue toValue } } }",
        {"id": gid(request)},
        user=staff,
    )["data"]["acceleratorRequest"]
    assert result["priority"] == "HIGH"
    assert {"field": "priority", "fromValue": "NORMAL", "toValue": "HIGH"} in result["changes"]


def test_a_weekend_delays_the_due_time():
    request = submit_at(at(2027, 7, 9, 16), urgency=Level.HIGH)
    request = services.triage(request, None, impact=Level.HIGH)  # P1: 4 business hours to a first response
    assert request.priority == "P1"
    assert request.first_response_due_at == at(2027, 7, 12, 11)  # 2 h on Friday, 2 h on Monday


def test_the_clock_pauses_while_waiting_on_the_requester_across_14_july():
    request = submit_at(at(2027, 7, 12, 9))  # P3: 16 h to first response, 80 h to resolution
    first, _ = services.clocks(request, at(2027, 7, 13, 13))
    assert (first.elapsed_seconds, first.at_risk, first.breached) == (13 * HOUR, True, False)
    with mock.patch("django.utils.timezone.now", return_value=at(2027, 7, 13, 13)):
        request = services.set_state(request, None, State.WAITING_ON_REQUESTER)
    first, resolution = services.clocks(request, at(2027, 7, 14, 12))
    assert (first.paused, first.due_at, first.elapsed_seconds) == (True, None, 13 * HOUR)
    assert (resolution.paused, resolution.left_seconds) == (True, 67 * HOUR)
    with mock.patch("django.utils.timezone.now", return_value=at(2027, 7, 15, 10)):
        request = services.set_state(request, None, State.IN_PROGRESS)
    assert request.paused_seconds == 6 * HOUR  # Tuesday 13-18, then Thursday 9-10 (14 July is off)
    first, _ = services.clocks(request, at(2027, 7, 15, 12))
    assert (first.elapsed_seconds, first.left_seconds) == (15 * HOUR, HOUR)
    assert request.first_response_due_at == at(2027, 7, 15, 13)
    first, _ = services.clocks(request, at(2027, 7, 15, 14))
    assert first.breached and services.sla_status(request, at(2027, 7, 15, 14)) == SlaStatus.BREACHED


def test_only_a_public_reply_stops_the_first_response_clock():
    request = submit_at(at(2027, 7, 12, 9))
    with mock.patch("django.utils.timezone.now", return_value=at(2027, 7, 12, 11)):
        services.reply(request, None, "Vérifier l'article 4.", internal=True, rights=STAFF_REPLY)
    request.refresh_from_db()
    assert request.first_response_at is None
    with mock.patch("django.utils.timezone.now", return_value=at(2027, 7, 12, 14)):
        services.reply(request, None, "Non, un gérant suffit.", internal=False, rights=STAFF_REPLY)
    request.refresh_from_db()
    assert (request.first_response_seconds, request.state) == (5 * HOUR, State.IN_PROGRESS)
    first, _ = services.clocks(request, at(2027, 7, 20, 9))
    assert first.done and not first.breached


def test_at_risk_and_breached_transitions_are_recorded_by_the_watch():
    request = submit_at(at(2027, 7, 12, 9))
    assert services.check_service_levels(at(2027, 7, 12, 10)) == 0
    assert services.check_service_levels(at(2027, 7, 13, 14)) == 1
    request.refresh_from_db()
    assert request.sla_status == SlaStatus.AT_RISK
    services.check_service_levels(at(2027, 7, 13, 17, 30))
    request.refresh_from_db()
    assert request.sla_status == SlaStatus.BREACHED
    assert [(c.field, c.from_value, c.to_value) for c in request.changes.filter(field="sla")] == [
        ("sla", "ON_TRACK", "AT_RISK"), ("sla", "AT_RISK", "BREACHED"),
    ]  # fmt: skip


# --- Transitions, audit trail, merge, routing --------------------------------------------------------


def test_transitions_are_checked_and_recorded_with_who_and_why(world):
    staff = world.user("cnam_staff")
    request = submit_at(at(2027, 7, 12, 9))
    with pytest.raises(ValidationError) as caught:
        services.close(request, staff)
    assert codes(caught.value) == {"REQUIRED"}
    with pytest.raises(ValidationError) as caught:
        services.set_state(request, staff, State.ROUTED_TO_HUB)
    assert codes(caught.value) == {"INVALID_TRANSITION"}
    services.close(request, staff, "Question posée deux fois par téléphone.")
    with pytest.raises(ValidationError) as caught:
        services.set_state(request, staff, State.WAITING_ON_REQUESTER)
    assert codes(caught.value) == {"INVALID_TRANSITION"}
    services.reopen(request, staff, "Le demandeur relance.")
    request.refresh_from_db()
    assert [(c.actor, c.field, c.from_value, c.to_value, c.reason) for c in request.changes.all()] == [
        (None, "state", "", "NEW", ""),
        (staff, "state", "NEW", "CLOSED", "Question posée deux fois par téléphone."),
        (staff, "state", "CLOSED", "IN_PROGRESS", "Le demandeur relance."),
    ]
    assert request.resolved_at is None  # reopened: the resolution clock runs again


def test_merge_a_duplicate_tells_its_requester(world, django_capture_on_commit_callbacks):
    staff = world.user("cnam_staff")
    main = submit_at(at(2027, 7, 12, 9))
    duplicate = submit_at(at(2027, 7, 12, 10))
    with django_capture_on_commit_callbacks(execute=True):
        services.merge(duplicate, staff, main, "Même question")
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into) == (State.MERGED, main)
    deliver_queued_mail()
    assert mail.outbox[-1].to == [duplicate.requester.email]
    assert f"#{main.pk}" in mail.outbox[-1].body
    with pytest.raises(ValidationError) as caught:
        services.merge(main, staff, duplicate)
    assert codes(caught.value) == {"INVALID"}


def test_routing_to_a_hub_end_to_end(world, gql):
    staff, coordinator = world.user("cnam_staff"), world.user("coordinator")
    requester = world.user("practitioner")
    from mentoring.models import SupportOffer

    SupportOffer.objects.create(
        hub=world.hub, kind="COORDINATION_TIME", title="Temps de coordination", location_kind="REMOTE",
        mentoring_topics=["SISA_LEGAL"],
    )  # fmt: skip
    request = submit_at(at(2027, 7, 12, 9), requester=requester.practitioner)
    assert [m.hub for m in services.suggested_hubs(request)] == [world.hub]

    result = gql.execute(
        f"""mutation($id: ID!, $hub: ID!) {{ routeAcceleratorRequestToHub(id: $id, hubId: $hub,
            note: "Sisa créée en 2019 à Saint-Martin") {{ request {{ state routedHub {{ id }} }} {ERRORS} }} }}""",
        {"id": gid(request), "hub": gid(world.hub)},
        user=staff,
    )
    assert result["data"]["routeAcceleratorRequestToHub"]["request"]["state"] == "ROUTED_TO_HUB"
    linked = MentoringRequest.objects.get()
    assert (linked.hub, linked.status, linked.requester) == (
        world.hub,
        RequestStatus.SENT,
        requester.practitioner,
    )
    assert "Sisa créée en 2019" in linked.message

    thread = """query($id: ID!) { acceleratorRequest(id: $id) { state messages { body fromRequester }
        routedRequest { status hub { id } } } }"""
    seen = gql.execute(thread, {"id": gid(request)}, user=coordinator)["data"]["acceleratorRequest"]
    assert seen["routedRequest"] == {"status": "SENT", "hub": {"id": gid(world.hub)}}
    reply = f"""mutation($id: ID!) {{ replyToAcceleratorRequest(id: $id, body: "Un seul gérant suffit.") {{
        request {{ state }} {ERRORS} }} }}"""
    assert gql.execute(reply, {"id": gid(request)}, user=coordinator)["data"]["replyToAcceleratorRequest"][
        "request"
    ] == {"state": "ANSWERED"}
    mine = gql.execute(thread, {"id": gid(request)}, user=requester)["data"]["acceleratorRequest"]
    assert mine["state"] == "ANSWERED" and mine["routedRequest"]["status"] == "SENT"
    assert [m["body"] for m in mine["messages"]][-1] == "Un seul gérant suffit."
    other = gql.execute(thread, {"id": gid(request)}, user=world.user("other_coordinator"))
    assert top_codes(other) == ["NOT_FOUND"]


# --- Internal notes never reach the requester ---------------------------------------------------------


NOTE = "Demandeur déjà connu : relancé trois fois."


def test_an_internal_note_never_reaches_the_requester_by_any_api(
    world, gql, django_capture_on_commit_callbacks
):
    requester, staff = world.user("practitioner"), world.user("cnam_staff")
    request = submit_at(at(2027, 7, 12, 9), requester=requester.practitioner)
    deliver_queued_mail()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = gql.execute(
            f'mutation($id: ID!) {{ replyToAcceleratorRequest(id: $id, body: "{NOTE}", internal: true) {{ {ERRORS} }} }}',
            {"id": gid(request)},
            user=staff,
        )
    assert result["data"]["replyToAcceleratorRequest"]["errors"] == []
    deliver_queued_mail()
    assert mail.outbox == []  # no e-mail for a note

    for query in (
        "query($id: ID!) { acceleratorRequest(id: $id) { messages { body } changes { reason } } }",
        "{ acceleratorRequests(first: 10) { edges { node { messages { body visibility } } } } }",
        "query($id: ID!) { node(id: $id) { ... on AcceleratorRequest { messages { body } } } }",
    ):
        text = str(gql.execute(query, {"id": gid(request)}, user=requester))
        assert NOTE not in text and "INTERNAL" not in text
    staff_view = gql.execute(
        "query($id: ID!) { acceleratorRequest(id: $id) { messages { body visibility } } }",
        {"id": gid(request)},
        user=staff,
    )
    assert staff_view["data"]["acceleratorRequest"]["messages"] == [{"body": NOTE, "visibility": "INTERNAL"}]
    # A requester cannot write one either.
    result = gql.execute(
        'mutation($id: ID!) { replyToAcceleratorRequest(id: $id, body: "x", internal: true) { message { id } } }',
        {"id": gid(request)},
        user=requester,
    )
    assert top_codes(result) == ["FORBIDDEN"]


EVENTS = "subscription($id: ID!) { acceleratorRequestEvents(id: $id) { kind message { body visibility } } }"
QUEUE = "subscription { acceleratorQueueEvents { kind request { subject } } }"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
async def test_live_events_carry_internal_notes_to_staff_only(territories):
    from django.contrib.auth.models import Group

    from backend.accounts.services import issue_token
    from network.permissions import CNAM_STAFF_GROUP
    from tests.factories import make_user
    from tests.helpers import TIMEOUT, ready_socket, settle, subscribe

    def setup():
        requester = make_practitioner(user=True)
        staff = make_user()
        staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
        request = services.submit(requester, question())
        return request, staff, issue_token(requester.user).token, issue_token(staff).token

    request, staff, requester_token, staff_token = await database_sync_to_async(setup)()
    mine, theirs = await ready_socket(requester_token), await ready_socket(staff_token)
    await subscribe(mine, "1", EVENTS, {"id": gid(request)})
    await subscribe(theirs, "1", EVENTS, {"id": gid(request)})
    await subscribe(theirs, "2", QUEUE)
    await subscribe(mine, "2", QUEUE)
    refused = await mine.receive_json_from(TIMEOUT)
    assert refused["type"] == "error" and refused["id"] == "2"
    await settle()

    await database_sync_to_async(services.reply)(request, staff, NOTE, internal=True, rights=STAFF_REPLY)
    await database_sync_to_async(services.reply)(
        request, staff, "Un gérant suffit.", internal=False, rights=STAFF_REPLY
    )
    staff_seen = [await theirs.receive_json_from(TIMEOUT) for _ in range(4)]
    by_id = {}
    for message in staff_seen:
        by_id.setdefault(message["id"], []).append(message["payload"]["data"])
    assert [e["acceleratorRequestEvents"]["message"]["visibility"] for e in by_id["1"]] == [
        "INTERNAL",
        "PUBLIC",
    ]
    assert [e["acceleratorQueueEvents"]["kind"] for e in by_id["2"]] == ["MESSAGE", "MESSAGE"]
    received = await mine.receive_json_from(TIMEOUT)
    assert received["payload"]["data"]["acceleratorRequestEvents"]["message"] == {
        "body": "Un gérant suffit.", "visibility": "PUBLIC",
    }  # fmt: skip
    assert await mine.receive_nothing(0.3)


# --- Per role ------------------------------------------------------------------------------------------


SUBMIT = f"""mutation($input: QuestionInput!) {{ submitAcceleratorRequest(input: $input) {{
    request {{ state priority department {{ code }} firstResponse {{ targetHours dueAt }} }} {ERRORS} }} }}"""


@pytest.mark.parametrize("role", ROLES)
def test_submit_per_role(gql, world, role):
    result = gql.execute(
        SUBMIT,
        {
            "input": {
                "subject": "ACI",
                "body": "Quand signer l'ACI ?",
                "category": "ACI_FUNDING",
                "communeCode": "51108",
            }
        },
        user=world.user(role),
    )
    if expect(result, "submitAcceleratorRequest", role, PRACTITIONERS):
        request = result["data"]["submitAcceleratorRequest"]["request"]
        assert (request["state"], request["priority"], request["department"]["code"]) == (
            "NEW",
            "NORMAL",
            "51",
        )
        assert request["firstResponse"]["targetHours"] == 16.0


def test_submit_reports_bad_fields(gql, world):
    result = gql.execute(
        SUBMIT, {"input": {"subject": " ", "body": "", "category": "OTHER"}}, user=world.user("practitioner")
    )
    assert {(e["field"], e["code"]) for e in result["data"]["submitAcceleratorRequest"]["errors"]} == {
        ("subject", "REQUIRED"), ("body", "REQUIRED"), ("communeCode", "REQUIRED"),
    }  # fmt: skip


STAFF_MUTATIONS = [
    ("triageAcceleratorRequest", "triageAcceleratorRequest(id: $id, impact: HIGH) { request { priority } ERR }"),
    ("assignAcceleratorRequest", "assignAcceleratorRequest(id: $id) { request { assignee { fullName } } ERR }"),
    ("routeAcceleratorRequestToArs",
     'routeAcceleratorRequestToArs(id: $id, note: "Contactez la délégation départementale.") { request { state } ERR }'),
    ("setAcceleratorRequestState", "setAcceleratorRequestState(id: $id, state: WAITING_ON_REQUESTER) { request { state } ERR }"),
    ("closeAcceleratorRequest", 'closeAcceleratorRequest(id: $id, reason: "Sans objet") { request { state } ERR }'),
    ("setAcceleratorPresence", "setAcceleratorPresence(id: $id, activity: VIEWING) { ok ERR }"),
]  # fmt: skip


@pytest.mark.parametrize("mutation, text", STAFF_MUTATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_staff_mutations_per_role(gql, world, role, mutation, text):
    request = submit_at(at(2027, 7, 12, 9), requester=world.user("practitioner").practitioner)
    query = "mutation($id: ID!) { " + text.replace("ERR", ERRORS) + " }"
    before = AcceleratorRequest.objects.get().state
    if expect(gql.execute(query, {"id": gid(request)}, user=world.user(role)), mutation, role, STAFF):
        return
    assert AcceleratorRequest.objects.get().state == before


@pytest.mark.parametrize("role", ROLES)
def test_merge_reopen_and_canned_answers_per_role(gql, world, role):
    main = submit_at(at(2027, 7, 12, 9))
    duplicate = submit_at(at(2027, 7, 12, 10))
    result = gql.execute(
        f"mutation($id: ID!, $into: ID!) {{ mergeAcceleratorRequest(id: $id, intoId: $into) {{ request {{ state }} {ERRORS} }} }}",
        {"id": gid(duplicate), "into": gid(main)},
        user=world.user(role),
    )
    expect(result, "mergeAcceleratorRequest", role, STAFF)
    services.close(main, None, "Test")
    result = gql.execute(
        f'mutation($id: ID!) {{ reopenAcceleratorRequest(id: $id, reason: "Relance") {{ request {{ state }} {ERRORS} }} }}',
        {"id": gid(main)},
        user=world.user(role),
    )
    expect(result, "reopenAcceleratorRequest", role, STAFF)
    result = gql.execute(
        f'mutation {{ saveCannedAnswer(title: "Sisa", body: "La Sisa est…", category: SISA_LEGAL) {{ answer {{ title }} {ERRORS} }} }}',
        user=world.user(role),
    )
    if expect(result, "saveCannedAnswer", role, STAFF):
        listed = gql.execute("{ cannedAnswers(category: SISA_LEGAL) { title } }", user=world.user(role))
        assert listed["data"]["cannedAnswers"] == [{"title": "Sisa"}]
    else:
        assert not CannedAnswer.objects.exists()
        listed = gql.execute("{ cannedAnswers { title } }", user=world.user(role))
        assert top_codes(listed) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_requests(gql, world, role):
    submit_at(at(2027, 7, 12, 9), requester=world.user("practitioner").practitioner)
    submit_at(at(2027, 7, 12, 9))
    result = gql.execute("{ acceleratorRequests(first: 10) { totalCount } }", user=world.user(role))
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
        return
    expected = {
        "practitioner": 1,
        "coordinator": 0,
        "other_coordinator": 0,
        "ars_agent": 0,  # nothing routed to the ARS
        "other_ars_agent": 0,
        "cnam_staff": 2,
        "admin": 2,
    }[role]
    assert result["data"]["acceleratorRequests"]["totalCount"] == expected


@pytest.mark.parametrize("role", ROLES)
def test_stats_and_staff_list_per_role(gql, world, role):
    request = submit_at(at(2027, 7, 12, 9))
    with mock.patch("django.utils.timezone.now", return_value=at(2027, 7, 12, 12)):
        services.reply(
            request, None, "Réponse", internal=False, rights=STAFF_REPLY, next_state=State.ANSWERED
        )
    submit_at(at(2027, 7, 13, 9), category="PREMISES")
    result = gql.execute(
        """{ acceleratorStats(since: "2027-07-01", until: "2027-07-31") { total byState { state count }
            byCategory { category count } medianFirstResponseHours medianResolutionHours breachRate }
            acceleratorStaff { fullName } }""",
        user=world.user(role),
    )
    if role not in STAFF:
        assert top_codes(result)[0] == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
        return
    stats = result["data"]["acceleratorStats"]
    assert stats["total"] == 2
    assert sorted((s["state"], s["count"]) for s in stats["byState"]) == [("ANSWERED", 1), ("NEW", 1)]
    assert sorted((c["category"], c["count"]) for c in stats["byCategory"]) == [
        ("PREMISES", 1),
        ("SISA_LEGAL", 1),
    ]
    assert (stats["medianFirstResponseHours"], stats["medianResolutionHours"]) == (3.0, 3.0)
    assert len(result["data"]["acceleratorStaff"]) == 2  # the Cnam agent and the administrator


def test_queue_filters_and_sla_order(gql, world):
    staff = world.user("cnam_staff")
    late = submit_at(at(2027, 7, 12, 9))
    urgent = submit_at(at(2027, 7, 12, 15), urgency=Level.HIGH)
    services.assign(urgent, staff, staff)
    query = """query($f: AcceleratorFilter, $o: AcceleratorOrder) { acceleratorRequests(first: 10, filter: $f,
        orderBy: $o) { edges { node { id } } } }"""

    def ids(**variables):
        result = gql.execute(query, variables, user=staff)
        return [e["node"]["id"] for e in result["data"]["acceleratorRequests"]["edges"]]

    # P3 from 9:00 is due Tuesday 16:00; P2 from 15:00 (8 h) is due Tuesday 14:00.
    assert ids(o="SLA_DUE") == [gid(urgent), gid(late)]
    assert ids(o="NEWEST") == [gid(urgent), gid(late)]
    assert ids(f={"unassigned": True}) == [gid(late)]
    assert ids(f={"assigneeId": to_global_id("StaffMember", staff.pk)}) == [gid(urgent)]
    assert ids(f={"priority": "HIGH", "regionCode": "44"}) == [gid(urgent)]
    assert ids(f={"states": ["CLOSED"]}) == []


def test_presence_shows_other_staff_on_a_request(gql, world):
    request = submit_at(at(2027, 7, 12, 9), requester=world.user("practitioner").practitioner)
    viewing = "mutation($id: ID!) { setAcceleratorPresence(id: $id, activity: REPLYING) { ok } }"
    assert gql.execute(viewing, {"id": gid(request)}, user=world.user("admin"))["data"][
        "setAcceleratorPresence"
    ]["ok"]
    query = (
        "query($id: ID!) { acceleratorRequest(id: $id) { presence { activity staffMember { fullName } } } }"
    )
    seen = gql.execute(query, {"id": gid(request)}, user=world.user("cnam_staff"))["data"][
        "acceleratorRequest"
    ]
    assert [p["activity"] for p in seen["presence"]] == ["REPLYING"]
    own = gql.execute(query, {"id": gid(request)}, user=world.user("admin"))["data"]["acceleratorRequest"]
    assert own["presence"] == []  # not oneself
    mine = gql.execute(query, {"id": gid(request)}, user=world.user("practitioner"))["data"][
        "acceleratorRequest"
    ]
    assert mine["presence"] == []


def test_requester_reply_resumes_a_paused_request(gql, world):
    requester = world.user("practitioner")
    request = submit_at(at(2027, 7, 12, 9), requester=requester.practitioner)
    services.set_state(request, world.user("cnam_staff"), State.WAITING_ON_REQUESTER)
    result = gql.execute(
        f'mutation($id: ID!) {{ replyToAcceleratorRequest(id: $id, body: "Voici les statuts.") {{ request {{ state }} {ERRORS} }} }}',
        {"id": gid(request)},
        user=requester,
    )
    assert result["data"]["replyToAcceleratorRequest"]["request"] == {"state": "IN_PROGRESS"}
    request.refresh_from_db()
    assert request.first_response_at is None and request.paused_since is None
    assert error_codes(
        gql.execute(
            f'mutation($id: ID!) {{ replyToAcceleratorRequest(id: $id, body: " ") {{ request {{ state }} {ERRORS} }} }}',
            {"id": gid(request)},
            user=requester,
        ),
        "replyToAcceleratorRequest",
    ) == ["REQUIRED"]


def test_a_hub_coordinator_who_is_not_routed_to_cannot_reply(gql, world):
    request = submit_at(at(2027, 7, 12, 9))
    hub = make_hub(make_msp("MSP (acc)", "51108"))
    coordinator = make_coordinator(hub.msp)
    result = gql.execute(
        f'mutation($id: ID!) {{ replyToAcceleratorRequest(id: $id, body: "Bonjour") {{ {ERRORS} }} }}',
        {"id": gid(request)},
        user=coordinator.user,
    )
    assert error_codes(result, "replyToAcceleratorRequest") == ["NOT_FOUND"]


def test_the_watch_command_runs_once(world):
    from io import StringIO

    from django.core.management import call_command

    request = submit_at(at(2020, 1, 6, 9))  # long overdue
    out = StringIO()
    call_command("watch_service_levels", once=True, stdout=out)
    request.refresh_from_db()
    assert request.sla_status == SlaStatus.BREACHED and "1 demande(s)" in out.getvalue()


def test_the_back_office_lists_the_queue_and_bulk_assigns(world, client):
    staff = world.user("cnam_staff")
    staff.is_staff = True
    staff.save()
    requests = [submit_at(at(2027, 7, 12, 9)), submit_at(at(2027, 7, 12, 10))]
    client.force_login(staff)
    page = client.get("/admin/mentoring/acceleratorrequest/?state__exact=NEW")
    assert page.status_code == 200 and "Statuts de la Sisa" in page.content.decode()
    response = client.post(
        "/admin/mentoring/acceleratorrequest/",
        {"action": "assign_to_me", "_selected_action": [r.pk for r in requests]},
    )
    assert response.status_code == 302
    assert {r.assignee for r in AcceleratorRequest.objects.all()} == {staff}
    assert AcceleratorRequest.objects.first().changes.filter(field="assignee").count() == 1


def test_the_queue_costs_the_same_queries_for_3_and_12_requests(gql, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = world.user("cnam_staff")
    query = """{ acceleratorRequests(first: 50, orderBy: SLA_DUE) { totalCount edges { node { id subject state
        priority slaStatus category assignee { fullName } department { name } requester { fullName }
        firstResponse { dueAt leftHours atRisk breached } resolution { dueAt leftHours } } } } }"""

    def count():
        with CaptureQueriesContext(connection) as ctx:
            result = gql.execute(query, user=staff)
        assert "errors" not in result, result["errors"]
        return len(ctx.captured_queries), result["data"]["acceleratorRequests"]["totalCount"]

    for _ in range(3):
        services.assign(submit_at(at(2027, 7, 12, 9)), staff, staff)
    few, total = count()
    assert total == 3
    for _ in range(9):
        submit_at(at(2027, 7, 12, 9))
    many, total = count()
    assert (total, many) == (12, few)


@pytest.mark.parametrize("role", ROLES)
def test_reading_and_replying_to_one_request_per_role(gql, world, role):
    request = submit_at(at(2027, 7, 12, 9), requester=world.user("practitioner").practitioner)
    services.reply(request, world.user("cnam_staff"), NOTE, internal=True, rights=STAFF_REPLY)
    read = gql.execute(
        "query($id: ID!) { acceleratorRequest(id: $id) { subject messages { body } changes { field } } }",
        {"id": gid(request)},
        user=world.user(role),
    )
    reply = gql.execute(
        f'mutation($id: ID!) {{ replyToAcceleratorRequest(id: $id, body: "Précision") {{ {ERRORS} }} }}',
        {"id": gid(request)},
        user=world.user(role),
    )
    if role == "anonymous":
        assert top_codes(read) == top_codes(reply) == ["UNAUTHENTICATED"]
    elif role in {"coordinator", "other_coordinator"}:  # not routed to their hub: they may not see it
        assert top_codes(read) == ["NOT_FOUND"]
        assert error_codes(reply, "replyToAcceleratorRequest") == ["NOT_FOUND"]
    elif role in {
        "ars_agent",
        "other_ars_agent",
    }:  # not routed to the ARS; replies are the requester's and staff's
        assert top_codes(read) == ["NOT_FOUND"]
        assert top_codes(reply) == ["FORBIDDEN"]
    else:
        seen = read["data"]["acceleratorRequest"]
        assert seen["subject"] == "Statuts de la Sisa"
        staff = role in STAFF
        assert [m["body"] for m in seen["messages"]] == ([NOTE] if staff else [])
        assert bool(seen["changes"]) is staff
        assert reply["data"]["replyToAcceleratorRequest"]["errors"] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
async def test_request_events_are_refused_to_those_who_may_not_see_the_request(territories):
    from backend.accounts.services import issue_token
    from tests.helpers import TIMEOUT, ready_socket, subscribe

    def setup():
        request = services.submit(make_practitioner(user=True), question())
        coordinator = make_coordinator(make_hub(make_msp("MSP (acc ws)", "51108")).msp)
        return request, issue_token(coordinator.user).token

    request, token = await database_sync_to_async(setup)()
    for socket in (await ready_socket(token), await ready_socket()):
        await subscribe(socket, "1", EVENTS, {"id": gid(request)})
        message = await socket.receive_json_from(TIMEOUT)
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_question_on_behalf_of_an_msp_needs_a_current_membership(gql, world):
    from network.models import Membership

    coordinator = world.user("coordinator")
    query = f"""mutation($input: QuestionInput!) {{ submitAcceleratorRequest(input: $input) {{
        request {{ msp {{ name }} }} {ERRORS} }} }}"""
    base = {"subject": "Locaux", "body": "Quel bail ?", "category": "PREMISES", "departmentCode": "51"}
    ok = gql.execute(query, {"input": {**base, "mspId": gid(world.msp)}}, user=coordinator)
    assert ok["data"]["submitAcceleratorRequest"]["request"]["msp"]["name"] == world.msp.name
    refused = gql.execute(query, {"input": {**base, "mspId": gid(world.other_msp)}}, user=coordinator)
    assert error_codes(refused, "submitAcceleratorRequest") == ["NOT_A_MEMBER"]
    Membership.objects.filter(practitioner=coordinator.practitioner).update(end_date="2021-01-01")
    ended = gql.execute(query, {"input": {**base, "mspId": gid(world.msp)}}, user=coordinator)
    assert error_codes(ended, "submitAcceleratorRequest") == ["NOT_A_MEMBER"]


@pytest.mark.parametrize("role", ROLES)
def test_route_to_hub_per_role(gql, world, role):
    request = submit_at(at(2027, 7, 12, 9), requester=world.user("practitioner").practitioner)
    result = gql.execute(
        f"""mutation($id: ID!, $hub: ID!) {{ routeAcceleratorRequestToHub(id: $id, hubId: $hub) {{
            request {{ state }} {ERRORS} }} }}""",
        {"id": gid(request), "hub": gid(world.hub)},
        user=world.user(role),
    )
    routed = expect(result, "routeAcceleratorRequestToHub", role, STAFF)
    assert MentoringRequest.objects.filter(hub=world.hub).count() == (1 if routed else 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
async def test_the_queue_stream_is_for_staff_only(territories):
    from backend.accounts.services import issue_token
    from tests.helpers import TIMEOUT, ready_socket, subscribe

    def token():
        return issue_token(make_coordinator(make_hub(make_msp("MSP (file)", "51108")).msp).user).token

    for socket in (await ready_socket(await database_sync_to_async(token)()), await ready_socket()):
        await subscribe(socket, "q", QUEUE)
        message = await socket.receive_json_from(TIMEOUT)
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_canned_answer_needs_a_title_and_a_text(gql, world):
    result = gql.execute(
        f'mutation {{ saveCannedAnswer(title: " ", body: "") {{ answer {{ title }} {ERRORS} }} }}',
        user=world.user("cnam_staff"),
    )
    errors = result["data"]["saveCannedAnswer"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {("title", "REQUIRED"), ("body", "REQUIRED")}
    assert not CannedAnswer.objects.exists()


def test_a_merge_tells_each_requester_only_about_their_own_question(
    world, gql, django_capture_on_commit_callbacks
):
    """Before (issue 24): A read B's subject in the thread and by e-mail when staff merged A's into B's."""
    staff = world.user("cnam_staff")
    other = make_practitioner(user=True)
    secret = services.submit(other, question(subject="Conflit avec mon associé sur la SISA"))
    mine = services.submit(world.user("practitioner").practitioner, question(subject="Statuts de la SISA"))
    with django_capture_on_commit_callbacks(execute=True):
        services.merge(mine, staff, secret, "Même question")
    deliver_queued_mail()
    assert mail.outbox[-1].to == [mine.requester.email]
    assert "Conflit" not in mail.outbox[-1].body and "Conflit" not in mail.outbox[-1].subject
    thread = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on AcceleratorRequest { mergedInto { subject }"
        " messages { body } } } }",
        {"id": gid(mine)},
        user=world.user("practitioner"),
    )["data"]["node"]
    assert thread["mergedInto"] is None  # not theirs to read
    assert all("Conflit" not in m["body"] for m in thread["messages"])
    assert any(f"#{secret.pk}" in m["body"] for m in thread["messages"])
    # Two questions of the same requester: the subject helps them and is theirs.
    requester = world.user("practitioner").practitioner
    kept = services.submit(requester, question(subject="Bail des locaux"))
    again = services.submit(requester, question(subject="Bail, encore"))
    services.merge(again, staff, kept)
    assert "votre demande" in again.messages.order_by("pk").last().body
    assert "« Bail des locaux »" in again.messages.order_by("pk").last().body


def test_the_rights_to_reply_are_decided_once_and_the_service_holds_to_them(world):
    """`reply_rights` decides who writes (issue 25); the service takes its answer rather than deciding again."""
    from mentoring.accelerator.permissions import ReplyRights, reply_rights
    from network.permissions import Viewer

    requester = world.user("practitioner")
    request = services.submit(requester.practitioner, question())
    assert reply_rights(Viewer(requester), request) == ReplyRights(requester=True)
    assert reply_rights(Viewer(world.user("cnam_staff")), request) == ReplyRights(staff=True)
    assert not reply_rights(Viewer(world.user("coordinator")), request).may_reply
    with pytest.raises(ValidationError):
        services.reply(
            request, world.user("coordinator"), "Je m'en mêle.", internal=False, rights=ReplyRights()
        )
    with pytest.raises(ValidationError):
        services.reply(request, requester, "Note.", internal=True, rights=ReplyRights(requester=True))
    assert not request.messages.filter(body__in=["Je m'en mêle.", "Note."]).exists()
