"""Mentoring requests, matching, mentorships and the ledger over GraphQL, per role; their live events."""

from datetime import date
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone
from graphql_relay import to_global_id

from mentoring.models import (
    CoordinationSession,
    MentoringRequest,
    MentoringTopic,
    Mentorship,
    RequestStatus,
)
from mentoring.services import coordination
from mentoring.services import requests as service
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.factories import ROLES, make_coordinator, make_hub, make_msp, make_practitioner
from tests.helpers import ERRORS, error_codes, gid, top_codes

pytestmark = pytest.mark.django_db

PRACTITIONERS = {"practitioner", "coordinator", "other_coordinator"}
HUB_MANAGERS = {"coordinator", "admin"}


def request_of(world, send=True):
    requester = world.user("practitioner").practitioner
    request = service.submit_request(
        requester,
        service.RequestData(
            topics=[MentoringTopic.HEALTH_PROJECT],
            message="Comment rédiger notre projet de santé ?",
            commune_code="51108",
        ),
    )
    return service.send_request(request, world.hub) if send else request


def refused(result, mutation, role, not_found_roles):
    """The error a role gets when it may not act: NOT_FOUND for those who may not even see the object."""
    if role == "anonymous":
        return top_codes(result) == ["UNAUTHENTICATED"]
    if role in not_found_roles:
        return error_codes(result, mutation) == ["NOT_FOUND"]
    return top_codes(result) == ["FORBIDDEN"]


def act(gql, world, role, mutation, text, variables, allowed, not_found=()):
    result = gql.execute(text, variables, user=world.user(role))
    if role in allowed:
        assert "errors" not in result, result.get("errors")
        assert result["data"][mutation]["errors"] == [], result["data"][mutation]
        return result["data"][mutation]
    assert refused(result, mutation, role, not_found), result
    return None


SUBMIT = f"""mutation($input: MentoringRequestInput!) {{ submitMentoringRequest(input: $input) {{
    request {{ status topics commune {{ code }} radiusKm isPriority requester {{ id }} }} {ERRORS} }} }}"""
SEND = f"mutation($id: ID!, $hub: ID) {{ sendMentoringRequest(id: $id, hubId: $hub) {{ request {{ status hub {{ id }} }} {ERRORS} }} }}"
ACCEPT = f"""mutation($id: ID!, $hours: Float!) {{ acceptMentoringRequest(id: $id, hoursPerMonth: $hours) {{
    request {{ status }} mentorship {{ hoursPerMonth status mentee {{ id }} }} {ERRORS} }} }}"""
DECLINE = f'mutation($id: ID!) {{ declineMentoringRequest(id: $id, reason: "Complet") {{ request {{ status }} {ERRORS} }} }}'
ASK = f'mutation($id: ID!) {{ askMentoringRequestInfo(id: $id, question: "Quel calendrier ?") {{ request {{ status }} {ERRORS} }} }}'
PROVIDE = f'mutation($id: ID!) {{ provideMentoringRequestInfo(id: $id, message: "Ouverture en 2027.") {{ request {{ status }} {ERRORS} }} }}'
WITHDRAW = f"mutation($id: ID!) {{ withdrawMentoringRequest(id: $id) {{ request {{ status }} {ERRORS} }} }}"
LOG = f"""mutation($m: ID!, $d: Date!) {{ logCoordinationSession(mentorshipId: $m, date: $d, durationMinutes: 90,
    topic: SISA_LEGAL, notes: "Relecture des statuts") {{ session {{ durationMinutes topic notes }}
    mentorship {{ usage(months: 1) {{ hoursAllotted hoursGiven }} }} {ERRORS} }} }}"""
END = f"""mutation($m: ID!) {{ endMentorship(id: $m, outcome: HEALTH_PROJECT_WRITTEN) {{
    mentorship {{ status endedOn outcome }} {ERRORS} }} }}"""


@pytest.mark.parametrize("role", ROLES)
def test_submit_per_role(gql, world, role):
    payload = act(
        gql, world, role, "submitMentoringRequest", SUBMIT,
        {"input": {"topics": ["HEALTH_PROJECT", "PREMISES"], "message": "Projet de maison de santé",
                   "communeCode": "51108", "radiusKm": 40}},
        PRACTITIONERS,
    )  # fmt: skip
    if payload:
        assert payload["request"]["status"] == "OPEN"
        assert payload["request"]["topics"] == ["HEALTH_PROJECT", "PREMISES"]
        assert payload["request"]["requester"]["id"] == to_global_id(
            "Practitioner", world.user(role).practitioner.pk
        )
    assert MentoringRequest.objects.count() == (1 if role in PRACTITIONERS else 0)


def test_submit_reports_each_bad_field_in_french(gql, world):
    result = gql.execute(
        SUBMIT,
        {"input": {"topics": [], "message": " ", "communeCode": "123", "radiusKm": 0}},
        user=world.user("practitioner"),
    )
    errors = result["data"]["submitMentoringRequest"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("topics", "REQUIRED"), ("message", "REQUIRED"), ("communeCode", "INVALID_COMMUNE_CODE"),
        ("radiusKm", "INVALID"),
    }  # fmt: skip
    assert all(e["message"] for e in errors)


@pytest.mark.parametrize("role", ROLES)
def test_send_per_role(gql, world, role):
    request = request_of(world, send=False)
    payload = act(
        gql, world, role, "sendMentoringRequest", SEND, {"id": gid(request), "hub": gid(world.hub)},
        {"practitioner"}, not_found={"coordinator", "other_coordinator"},
    )  # fmt: skip
    if payload:
        assert payload["request"] == {"status": "SENT", "hub": {"id": gid(world.hub)}}


@pytest.mark.parametrize("mutation, text, status", [
    ("acceptMentoringRequest", ACCEPT, "ACCEPTED"),
    ("declineMentoringRequest", DECLINE, "DECLINED"),
    ("askMentoringRequestInfo", ASK, "INFO_REQUESTED"),
])  # fmt: skip
@pytest.mark.parametrize("role", ROLES)
def test_hub_answers_per_role(gql, world, role, mutation, text, status):
    request = request_of(world)
    payload = act(
        gql, world, role, mutation, text, {"id": gid(request), "hours": 4},
        HUB_MANAGERS, not_found={"other_coordinator"},
    )  # fmt: skip
    request.refresh_from_db()
    assert request.status == (status if payload else RequestStatus.SENT)
    if payload and mutation == "acceptMentoringRequest":
        assert payload["mentorship"]["hoursPerMonth"] == 4.0
        assert payload["mentorship"]["mentee"]["id"] == gid(request.requester)


def test_accepting_beyond_the_hubs_capacity_is_refused(gql, world):
    request = request_of(world)  # the hub gives 20 h a month
    result = gql.execute(ACCEPT, {"id": gid(request), "hours": 25}, user=world.user("coordinator"))
    assert error_codes(result, "acceptMentoringRequest") == ["HUB_CAPACITY_EXCEEDED"]
    assert result["data"]["acceptMentoringRequest"]["errors"][0]["field"] == "hoursPerMonth"
    assert not Mentorship.objects.exists()


@pytest.mark.parametrize("mutation, text", [
    ("provideMentoringRequestInfo", PROVIDE), ("withdrawMentoringRequest", WITHDRAW),
])  # fmt: skip
@pytest.mark.parametrize("role", ROLES)
def test_requester_steps_per_role(gql, world, role, mutation, text):
    request = request_of(world)
    service.ask_for_info(request, "Quel calendrier ?")
    act(
        gql, world, role, mutation, text, {"id": gid(request)},
        {"practitioner"}, not_found={"coordinator", "other_coordinator"},
    )  # fmt: skip
    request.refresh_from_db()
    expected = {"provideMentoringRequestInfo": "SENT", "withdrawMentoringRequest": "WITHDRAWN"}[mutation]
    assert request.status == (expected if role == "practitioner" else RequestStatus.INFO_REQUESTED)


LIST = """{ mentoringRequests(first: 10) { totalCount edges { node { status message events { kind message } } } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_request(gql, world, role):
    request_of(world)
    result = gql.execute(LIST, user=world.user(role))
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
        return
    seen = result["data"]["mentoringRequests"]["totalCount"]
    assert seen == (0 if role in {"other_coordinator", "ars_agent", "other_ars_agent"} else 1)


MATCH = """query($id: ID!) { matchHubs(requestId: $id) { hub { id } distanceKm remainingHours topicsCovered
    topicsMissing professionFit reasons } }"""


@pytest.mark.parametrize("role", ROLES)
def test_match_hubs_per_role(gql, world, role):
    request = request_of(world, send=False)
    result = gql.execute(MATCH, {"id": gid(request)}, user=world.user(role))
    if role in {"practitioner", "cnam_staff", "admin"}:
        (match,) = result["data"]["matchHubs"]
        assert match["hub"]["id"] == gid(world.hub)
        assert match["remainingHours"] == 20.0 and match["topicsMissing"] == ["HEALTH_PROJECT"]
        assert match["reasons"][0].startswith("À 3 km de Châlons-en-Champagne")
    else:
        expected = {
            "anonymous": "UNAUTHENTICATED",
            "other_coordinator": "NOT_FOUND",
            "coordinator": "NOT_FOUND",
            "ars_agent": "FORBIDDEN",  # matching mentees to hubs is not the ARS's
            "other_ars_agent": "FORBIDDEN",
        }
        assert top_codes(result) == [expected[role]]


def test_a_coordinator_who_received_the_request_does_not_see_its_other_candidates(gql, world):
    request = request_of(world)
    result = gql.execute(MATCH, {"id": gid(request)}, user=world.user("coordinator"))
    assert top_codes(result) == ["FORBIDDEN"]


@pytest.fixture
def mentorship(world):
    return service.accept_request(request_of(world), 6)


@pytest.mark.parametrize("role", ROLES)
def test_log_session_per_role(gql, world, role, mentorship):
    today = timezone.localdate().isoformat()
    payload = act(
        gql, world, role, "logCoordinationSession", LOG, {"m": gid(mentorship), "d": today}, HUB_MANAGERS
    )
    if payload:
        assert payload["session"] == {
            "durationMinutes": 90,
            "topic": "SISA_LEGAL",
            "notes": "Relecture des statuts",
        }
        assert payload["mentorship"]["usage"] == [{"hoursAllotted": 6.0, "hoursGiven": 1.5}]
    assert CoordinationSession.objects.count() == (1 if payload else 0)


@pytest.mark.parametrize("role", ROLES)
def test_end_mentorship_per_role(gql, world, role, mentorship):
    payload = act(gql, world, role, "endMentorship", END, {"m": gid(mentorship)}, HUB_MANAGERS)
    if payload:
        assert payload["mentorship"]["status"] == "ENDED"


MENTORSHIPS = """{ mentorships(first: 10) { edges { node { hoursPerMonth request { status }
    sessions { durationMinutes notes } } } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_mentorship_and_its_notes(gql, world, role, mentorship):
    from mentoring.services.coordination import log_session

    log_session(mentorship, timezone.localdate(), 60, notes="Le projet manque d'un kinésithérapeute.")
    result = gql.execute(MENTORSHIPS, user=world.user(role))
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
        return
    edges = result["data"]["mentorships"]["edges"]
    if role in {"other_coordinator", "ars_agent", "other_ars_agent"}:
        assert edges == []
        return
    (node,) = [e["node"] for e in edges]
    assert node["request"] == {"status": "ACCEPTED"} and node["hoursPerMonth"] == 6.0
    notes = node["sessions"][0]["notes"]
    assert notes == (None if role == "practitioner" else "Le projet manque d'un kinésithérapeute.")


HUB_TIME = """query($h: ID!, $m: Date) { hubCoordinationTime(hubId: $h, month: $m) { month capacityHours
    hoursAllotted hoursGiven hoursRemaining mentorships { hoursAllotted hoursGiven mentorship { id } } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_hub_coordination_time_per_role(gql, world, role, mentorship):
    from mentoring.services.coordination import log_session

    log_session(mentorship, timezone.localdate(), 45)
    result = gql.execute(HUB_TIME, {"h": gid(world.hub)}, user=world.user(role))
    if role in {"coordinator", "cnam_staff", "admin"}:
        month = result["data"]["hubCoordinationTime"]
        assert month["month"] == timezone.localdate().replace(day=1).isoformat()
        assert (month["capacityHours"], month["hoursAllotted"], month["hoursGiven"], month["hoursRemaining"]) == (
            20.0, 6.0, 0.75, 14.0,
        )  # fmt: skip
        assert month["mentorships"] == [
            {"hoursAllotted": 6.0, "hoursGiven": 0.75, "mentorship": {"id": gid(mentorship)}}
        ]
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]


def test_another_hub_cannot_be_sent_a_request_outside_its_reach(gql, world):
    far = make_hub(make_msp("MSP de Sens (hub)", "89387"), radius=30)
    make_coordinator(far.msp)
    request = request_of(world, send=False)
    result = gql.execute(SEND, {"id": gid(request), "hub": gid(far)}, user=world.user("practitioner"))
    assert error_codes(result, "sendMentoringRequest") == ["HUB_NOT_ELIGIBLE"]
    result = gql.execute(SEND, {"id": gid(request)}, user=world.user("practitioner"))
    assert result["data"]["sendMentoringRequest"]["request"]["hub"] == {"id": gid(world.hub)}


def test_a_mentorship_starts_on_the_day_given(world):
    mentorship = service.accept_request(request_of(world), Decimal("2.5"), date(2027, 1, 4))
    assert (mentorship.starts_on, mentorship.hours_per_month) == (date(2027, 1, 4), Decimal("2.50"))


# --- Live -------------------------------------------------------------------------------------------


EVENTS = "subscription($h: ID) { mentoringRequestEvents(hubId: $h) { kind message hub { id } request { status } } }"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
async def test_request_events_reach_the_requester_and_the_hubs_coordinators_only(territories):
    from backend.accounts.services import issue_token
    from tests.helpers import TIMEOUT, ready_socket, settle, subscribe

    def setup():
        hub = make_hub(make_msp("MSP (ws)", "51504"))
        coordinator = make_coordinator(hub.msp)
        other_hub = make_hub(make_msp("MSP autre (ws)", "51108"))
        other = make_coordinator(other_hub.msp)
        requester = make_practitioner("10", "51108", user=True)
        tokens = [issue_token(p.user).token for p in (requester, coordinator, other)]
        return hub, other_hub, requester, tokens

    (
        hub,
        other_hub,
        requester,
        (requester_token, coordinator_token, other_token),
    ) = await database_sync_to_async(setup)()
    mine, inbox, elsewhere = [
        await ready_socket(t) for t in (requester_token, coordinator_token, other_token)
    ]
    await subscribe(mine, "1", EVENTS)
    await subscribe(inbox, "1", EVENTS, {"h": gid(hub)})
    await subscribe(elsewhere, "1", EVENTS, {"h": gid(other_hub)})
    await settle()

    @transaction.atomic  # the three events go out together at commit, each read in the final state
    def submit_and_send():
        request = service.submit_request(
            requester,
            service.RequestData(
                topics=["ACI_FUNDING"], message="Quel montant pour l'ACI ?", commune_code="51108"
            ),
        )
        service.send_request(request, hub)
        service.decline_request(request, "Nous ne maîtrisons pas l'ACI.")

    await database_sync_to_async(submit_and_send)()
    seen = [
        (await mine.receive_json_from(TIMEOUT))["payload"]["data"]["mentoringRequestEvents"] for _ in range(3)
    ]
    assert [(e["kind"], e["request"]["status"]) for e in seen] == [
        ("SUBMITTED", "DECLINED"), ("SENT", "DECLINED"), ("DECLINED", "DECLINED"),
    ]  # fmt: skip
    assert seen[2]["message"] == "Nous ne maîtrisons pas l'ACI."
    at_hub = [
        (await inbox.receive_json_from(TIMEOUT))["payload"]["data"]["mentoringRequestEvents"]
        for _ in range(2)
    ]
    assert [e["kind"] for e in at_hub] == ["SENT", "DECLINED"]
    assert await elsewhere.receive_nothing(0.3)

    await subscribe(elsewhere, "2", EVENTS, {"h": gid(hub)})  # not their hub
    message = await elsewhere.receive_json_from(TIMEOUT)
    assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "FORBIDDEN"


def test_cnam_staff_read_requests_and_mentorships_in_the_admin_without_changing_them(world, client):
    mentorship = service.accept_request(request_of(world), 3)
    staff = world.user("cnam_staff")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    page = client.get("/admin/mentoring/mentoringrequest/")
    assert page.status_code == 200 and "Châlons-en-Champagne" in page.content.decode()
    assert client.get(f"/admin/mentoring/mentorship/{mentorship.pk}/change/").status_code == 200
    assert client.get("/admin/mentoring/mentoringrequest/add/").status_code == 403
    response = client.post(f"/admin/mentoring/mentorship/{mentorship.pk}/change/", {"hours_per_month": "30"})
    assert response.status_code == 403
    mentorship.refresh_from_db()
    assert mentorship.hours_per_month == Decimal(3)


FEEDBACK = f"""mutation($m: ID!) {{ giveMentorshipFeedback(id: $m, rating: 4, comment: "Très utile pour la Sisa.") {{
    mentorship {{ feedbackRating feedbackComment }} {ERRORS} }} }}"""
IMPACT = """query($hub: ID!) { hubImpact(hubId: $hub) { mentees mentorshipsActive hoursGiven
    outcomes { outcome count } feedbackCount averageRating } }"""


def test_ending_needs_an_outcome_and_other_needs_its_note(gql, world, mentorship):
    coordinator = world.user("coordinator")
    other = gql.execute(
        f"""mutation($m: ID!) {{ endMentorship(id: $m, outcome: OTHER) {{ {ERRORS} }} }}""",
        {"m": gid(mentorship)},
        user=coordinator,
    )
    (error,) = other["data"]["endMentorship"]["errors"]
    assert (error["code"], error["field"]) == ("REQUIRED", "outcomeNote")
    missing = gql.execute(
        f"mutation($m: ID!) {{ endMentorship(id: $m) {{ {ERRORS} }} }}", {"m": gid(mentorship)}
    )
    assert missing["errors"]  # the outcome is a required argument
    ended = gql.execute(END, {"m": gid(mentorship)}, user=coordinator)["data"]["endMentorship"]["mentorship"]
    assert ended["outcome"] == "HEALTH_PROJECT_WRITTEN"


@pytest.mark.parametrize("role", ROLES)
def test_feedback_only_by_the_mentee_once_ended(gql, world, role, mentorship):
    early = gql.execute(FEEDBACK, {"m": gid(mentorship)}, user=world.user("practitioner"))
    assert error_codes(early, "giveMentorshipFeedback") == ["INVALID_TRANSITION"]
    coordination.end_mentorship(mentorship, outcome="MSP_OPENED")
    result = gql.execute(FEEDBACK, {"m": gid(mentorship)}, user=world.user(role))
    if role == "practitioner":  # the mentee
        assert result["data"]["giveMentorshipFeedback"]["mentorship"] == {
            "feedbackRating": 4,
            "feedbackComment": "Très utile pour la Sisa.",
        }
    elif role in ("coordinator", "other_coordinator"):  # practitioners, not the mentee
        assert error_codes(result, "giveMentorshipFeedback") == ["NOT_FOUND"]
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]
    rating = Mentorship.objects.get(pk=mentorship.pk).feedback_rating
    assert rating == (4 if role == "practitioner" else None)


@pytest.mark.parametrize("role", ROLES)
def test_the_hubs_impact_per_role(gql, world, role, mentorship):
    coordination.log_session(mentorship, timezone.localdate(), 90)
    coordination.end_mentorship(mentorship, outcome="MSP_OPENED")
    coordination.give_feedback(mentorship, 5, "Merci !")
    result = gql.execute(IMPACT, {"hub": gid(world.hub)}, user=world.user(role))
    if role in ("coordinator", "cnam_staff", "admin"):
        assert result["data"]["hubImpact"] == {
            "mentees": 1, "mentorshipsActive": 0, "hoursGiven": 1.5,
            "outcomes": [{"outcome": "MSP_OPENED", "count": 1}], "feedbackCount": 1, "averageRating": 5.0,
        }  # fmt: skip
    else:
        assert top_codes(result) == ["UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"]


POST = f"""mutation($m: ID!, $body: String!) {{ postMentorshipMessage(mentorshipId: $m, body: $body) {{
    message {{ body fromHub authorName }} {ERRORS} }} }}"""
THREAD = """query($id: ID!) { node(id: $id) { ... on Mentorship { messages { body fromHub } } } }"""


@pytest.mark.parametrize("role", ROLES)
def test_the_thread_is_the_mentee_s_and_the_hub_s(gql, world, role, mentorship):
    from django.core import mail

    from mentoring.services import reminders
    from tests.helpers import deliver_queued_mail

    mail.outbox.clear()
    result = gql.execute(
        POST, {"m": gid(mentorship), "body": "Bonjour, où en sont les statuts ?"}, user=world.user(role)
    )
    if role in ("practitioner", "coordinator", "admin"):
        message = result["data"]["postMentorshipMessage"]["message"]
        assert message["fromHub"] is (role != "practitioner") and message["body"].startswith("Bonjour")
        reminders.send_message_digests()  # the quarter-hour digest tells the other side
        deliver_queued_mail()
        (notice,) = [m for m in mail.outbox if m.subject.startswith("Nouveau message")]
        expected = mentorship.mentee if role != "practitioner" else world.user("coordinator").practitioner
        assert (
            notice.to == [expected.email] and "statuts" not in notice.body
        )  # the text stays on the platform
    elif role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    elif role == "other_coordinator":
        assert error_codes(result, "postMentorshipMessage") == ["NOT_FOUND"]
    else:  # ARS agents, Cnam staff: not a party to the mentorship
        assert top_codes(result) == ["FORBIDDEN"]
    thread = gql.execute(THREAD, {"id": gid(mentorship)}, user=world.user(role))["data"]["node"]
    posted = role in ("practitioner", "coordinator", "admin")
    if role in ("practitioner", "coordinator", "admin"):
        assert [m["body"] for m in thread["messages"]] == ["Bonjour, où en sont les statuts ?"] * posted
    elif thread is not None:  # Cnam staff see the mentorship, never its private exchanges
        assert thread["messages"] == []


def test_the_thread_closes_with_the_mentorship(gql, world, mentorship):
    coordination.end_mentorship(mentorship, outcome="ABANDONED")
    result = gql.execute(
        POST, {"m": gid(mentorship), "body": "Encore une question"}, user=world.user("practitioner")
    )
    assert error_codes(result, "postMentorshipMessage") == ["MENTORSHIP_ENDED"]
    empty = gql.execute(POST, {"m": gid(mentorship), "body": "  "}, user=world.user("practitioner"))
    assert error_codes(empty, "postMentorshipMessage") in (["MENTORSHIP_ENDED"], ["REQUIRED"])


MESSAGES = "subscription($m: ID!) { mentorshipMessages(mentorshipId: $m) { body fromHub } }"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
async def test_the_thread_is_live_for_its_two_sides_only(territories):
    from backend.accounts.services import issue_token
    from tests.helpers import TIMEOUT, ready_socket, settle, subscribe

    def scene():
        hub = make_hub(make_msp(commune="51504"))
        coordinator = make_coordinator(hub.msp)
        mentee = make_practitioner(user=True)
        request = service.submit_request(
            mentee,
            service.RequestData(
                topics=[MentoringTopic.HEALTH_PROJECT], message="Aide ?", commune_code="51108"
            ),
        )
        service.send_request(request, hub)
        mentorship = service.accept_request(request, 4)
        stranger = make_practitioner(user=True)
        return mentorship, coordinator.user, [issue_token(u).token for u in (mentee.user, stranger.user)]

    mentorship, coordinator, (mentee_token, stranger_token) = await database_sync_to_async(scene)()
    mentee, stranger = await ready_socket(mentee_token), await ready_socket(stranger_token)
    await subscribe(mentee, "1", MESSAGES, {"m": gid(mentorship)})
    await subscribe(stranger, "1", MESSAGES, {"m": gid(mentorship)})
    refused = await stranger.receive_json_from(TIMEOUT)
    assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "NOT_FOUND"
    await settle()
    await database_sync_to_async(coordination.post_message)(
        mentorship, coordinator, "Rendez-vous mardi ?", from_hub=True
    )
    event = await mentee.receive_json_from(TIMEOUT)
    assert event["payload"]["data"]["mentorshipMessages"] == {"body": "Rendez-vous mardi ?", "fromHub": True}


async def test_the_thread_through_real_servers_in_production_mode(servers, territories):
    """DEBUG=0, two server processes behind one port, Redis: the mentee, signed in, receives the hub's
    message posted over HTTP; a stranger is refused the thread."""
    import asyncio
    import os

    from asgiref.sync import sync_to_async

    from backend.accounts.services import issue_token
    from tests.helpers import first_event, subscribed

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (set by .ci/run): several processes share events only through Redis")

    def scene():
        hub = make_hub(make_msp(commune="51504"))
        coordinator = make_coordinator(hub.msp)
        mentee = make_practitioner(user=True)
        request = service.submit_request(
            mentee,
            service.RequestData(
                topics=[MentoringTopic.HEALTH_PROJECT], message="Aide ?", commune_code="51108"
            ),
        )
        service.send_request(request, hub)
        mentorship = service.accept_request(request, 4)
        users = (mentee.user, coordinator.user, make_practitioner(user=True).user)
        return gid(mentorship), [issue_token(u).token for u in users]

    mentorship_id, (mentee, coordinator, stranger) = await sync_to_async(scene)()
    server = await sync_to_async(servers)(
        redis_url, workers=2, DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1"
    )
    listener = await subscribed(first_event(server.ws_url, MESSAGES, {"m": mentorship_id}, mentee))
    with pytest.raises(Exception) as refused:
        await asyncio.wait_for(first_event(server.ws_url, MESSAGES, {"m": mentorship_id}, stranger), 15)
    assert "NOT_FOUND" in str(refused.value)
    result = await sync_to_async(server.post)(
        POST, {"m": mentorship_id, "body": "Rendez-vous mardi ?"}, coordinator
    )
    assert result["data"]["postMentorshipMessage"]["errors"] == []
    _, event = await asyncio.wait_for(listener, 20)
    assert event["mentorshipMessages"] == {"body": "Rendez-vous mardi ?", "fromHub": True}


def test_a_chatty_thread_sends_one_e_mail_per_quarter_hour_not_one_per_message(world, mentorship):
    """Before (issue 24): every message e-mailed the other side at once."""
    from backend.mail.models import OutgoingEmail
    from mentoring.services import reminders

    mentee, coordinator = mentorship.mentee, world.user("coordinator")
    for i in range(10):
        coordination.post_message(mentorship, mentee.user, f"Question {i}", from_hub=False)
    coordination.post_message(mentorship, coordinator, "Réponse", from_hub=True)
    assert not OutgoingEmail.objects.filter(kind="mentorship.message").exists()  # nothing until the digest
    assert reminders.send_message_digests() == 2  # one thread, two sides to tell
    to_hub = OutgoingEmail.objects.get(kind="mentorship.message", to=coordinator.practitioner.email)
    to_mentee = OutgoingEmail.objects.get(kind="mentorship.message", to=mentee.email)
    assert "10 nouveaux messages" in to_hub.body and "un nouveau message" in to_mentee.body
    assert "Question" not in to_hub.body  # the text stays on the platform
    assert reminders.send_message_digests() == 0  # told once
    coordination.post_message(mentorship, mentee.user, "Encore une", from_hub=False)
    assert reminders.send_message_digests() == 1
    assert OutgoingEmail.objects.filter(kind="mentorship.message").count() == 3


def test_the_digest_job_is_scheduled_every_quarter_hour():
    from procrastinate.contrib.django import app

    app.perform_import_paths()  # what a worker does when it starts
    periodic = {task.periodic_id: task for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["message-digests"].cron == "*/15 * * * *"
    assert periodic["message-digests"].task.name.endswith("send_message_digests")
