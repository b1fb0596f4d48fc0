"""The ARS as a user of the accelerator (issue 15): a question routed to the ARS lands in its region's inbox;
the region's agents read it (not the Cnam's internal notes), reply to the requester, write notes the Cnam
reads and the requester never does, and hand it back to the Cnam; all of it live."""

import pytest
from channels.db import database_sync_to_async
from django.core import mail

from mentoring.accelerator import services
from mentoring.accelerator.models import AcceleratorMessage, State, Visibility
from mentoring.accelerator.permissions import STAFF_REPLY
from tests.daphne import PRODUCTION_SECRET_KEY
from tests.factories import ROLES, make_ars_agent, make_practitioner
from tests.helpers import ERRORS, at, deliver_queued_mail, error_codes, gid, question, submit_at, top_codes

pytestmark = pytest.mark.django_db

CNAM_NOTE = "Note interne Cnam : dossier sensible."
ARS_NOTE = "Note ARS : projet de santé déjà examiné en comité."
AGENTS = {"ars_agent", "admin"}  # the region's ARS (administrators act for any)


def routed(world):
    """A Marne question (Grand Est) with a Cnam internal note, routed to the ARS by Cnam staff."""
    request = submit_at(at(2027, 7, 12, 9), requester=world.user("practitioner").practitioner)
    services.reply(request, world.user("cnam_staff"), CNAM_NOTE, internal=True, rights=STAFF_REPLY)
    return services.route_to_ars(request, world.user("cnam_staff"), "L'ARS instruit les projets de santé.")


INBOX = "query($r: String) { arsInbox(first: 10, regionCode: $r) { totalCount edges { node { subject } } } }"
READ = """query($id: ID!) { acceleratorRequest(id: $id) { state messages { body visibility } } }"""
REPLY = f"""mutation($id: ID!, $body: String!, $note: Boolean) {{
    replyToAcceleratorRequestAsArs(id: $id, body: $body, note: $note) {{
        message {{ visibility body }} request {{ state }} {ERRORS} }} }}"""
HAND_BACK = f"""mutation($id: ID!) {{ handAcceleratorRequestBackToCnam(id: $id, note: "Relève de l'Assurance maladie.")
    {{ request {{ state }} {ERRORS} }} }}"""


def test_routing_sets_the_region_of_the_inbox(world):
    request = routed(world)
    assert request.state == State.ROUTED_TO_ARS and request.ars_region_id == "44"  # the Marne is in Grand Est


@pytest.mark.parametrize("role", ROLES)
def test_the_inbox_per_role(gql, world, role):
    routed(world)
    submit_at(at(2027, 7, 12, 10))  # not routed: in nobody's ARS inbox
    result = gql.execute(INBOX, user=world.user(role))
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    elif role in {"practitioner", "coordinator", "other_coordinator"}:
        assert top_codes(result) == ["FORBIDDEN"]
    else:
        expected = {"ars_agent": 1, "other_ars_agent": 0, "cnam_staff": 1, "admin": 1}[role]
        assert result["data"]["arsInbox"]["totalCount"] == expected, result


def test_an_agent_sees_only_the_inbox_of_their_region_and_staff_choose_one(gql, world):
    routed(world)
    refused = gql.execute(INBOX, {"r": "04"}, user=world.user("ars_agent"))
    assert top_codes(refused) == ["FORBIDDEN"] and "sa région" in refused["errors"][0]["message"]
    own = gql.execute(INBOX, {"r": "44"}, user=world.user("ars_agent"))
    assert own["data"]["arsInbox"]["totalCount"] == 1
    staff = world.user("cnam_staff")
    assert gql.execute(INBOX, {"r": "04"}, user=staff)["data"]["arsInbox"]["totalCount"] == 0
    assert gql.execute(INBOX, {"r": "44"}, user=staff)["data"]["arsInbox"]["totalCount"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_which_messages_of_a_routed_question(gql, world, role):
    request = routed(world)
    services.reply_as_ars(request, world.user("ars_agent"), ARS_NOTE, note=True)
    result = gql.execute(READ, {"id": gid(request)}, user=world.user(role))
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
        return
    if role in {"coordinator", "other_coordinator", "other_ars_agent"}:
        assert top_codes(result) == ["NOT_FOUND"]
        return
    visibilities = {m["visibility"] for m in result["data"]["acceleratorRequest"]["messages"]}
    expected = {
        "practitioner": {"PUBLIC"},  # the requester: never a note, the Cnam's or the ARS's
        "ars_agent": {"PUBLIC", "ARS_NOTE"},  # not the Cnam's internal notes
        "cnam_staff": {"PUBLIC", "INTERNAL", "ARS_NOTE"},
        "admin": {"PUBLIC", "INTERNAL", "ARS_NOTE"},
    }[role]
    assert visibilities == expected


@pytest.mark.parametrize("role", ROLES)
def test_replying_as_the_ars_per_role(gql, world, role):
    request = routed(world)
    mail.outbox.clear()
    result = gql.execute(
        REPLY, {"id": gid(request), "body": "Contactez la délégation de la Marne."}, user=world.user(role)
    )
    payload = result["data"]["replyToAcceleratorRequestAsArs"] if result.get("data") else None
    if role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    elif role in AGENTS:
        assert payload["errors"] == [] and payload["message"]["visibility"] == "PUBLIC"
        assert payload["request"]["state"] == "ROUTED_TO_ARS"
        deliver_queued_mail()
        (sent,) = [m for m in mail.outbox if m.subject.startswith("Réponse de l'ARS")]
        assert sent.to == [request.requester.email] and "délégation de la Marne" in sent.body
    elif role == "other_ars_agent":
        assert error_codes(result, "replyToAcceleratorRequestAsArs") == ["NOT_FOUND"]
    else:  # practitioners, coordinators, Cnam staff: not an ARS
        assert top_codes(result) == ["FORBIDDEN"]
    written = AcceleratorMessage.objects.filter(request=request, body__startswith="Contactez").count()
    assert written == (1 if role in AGENTS else 0)


@pytest.mark.parametrize("role", ROLES)
def test_handing_back_to_the_cnam_per_role(gql, world, role):
    request = routed(world)
    result = gql.execute(HAND_BACK, {"id": gid(request)}, user=world.user(role))
    request.refresh_from_db()
    if role in AGENTS:
        assert result["data"]["handAcceleratorRequestBackToCnam"]["errors"] == []
        assert request.state == State.IN_PROGRESS and request.resolved_at is None  # its clock runs again
        note = request.messages.get(body="Relève de l'Assurance maladie.")
        assert note.visibility == Visibility.ARS_NOTE
    else:
        assert request.state == State.ROUTED_TO_ARS
        if role == "anonymous":
            assert top_codes(result) == ["UNAUTHENTICATED"]
        elif role == "other_ars_agent":
            assert error_codes(result, "handAcceleratorRequestBackToCnam") == ["NOT_FOUND"]
        else:
            assert top_codes(result) == ["FORBIDDEN"]


def test_after_the_hand_back_the_ars_reads_it_and_notes_but_replies_no_more(gql, world):
    request = routed(world)
    agent = world.user("ars_agent")
    assert (
        gql.execute(HAND_BACK, {"id": gid(request)}, user=agent)["data"]["handAcceleratorRequestBackToCnam"][
            "errors"
        ]
        == []
    )
    assert gql.execute(INBOX, user=agent)["data"]["arsInbox"]["totalCount"] == 0  # left the inbox
    assert (
        gql.execute(READ, {"id": gid(request)}, user=agent)["data"]["acceleratorRequest"]["state"]
        == "IN_PROGRESS"
    )
    again = gql.execute(HAND_BACK, {"id": gid(request)}, user=agent)
    assert error_codes(again, "handAcceleratorRequestBackToCnam") == ["INVALID_TRANSITION"]
    late = gql.execute(REPLY, {"id": gid(request), "body": "Encore une chose."}, user=agent)
    assert error_codes(late, "replyToAcceleratorRequestAsArs") == ["INVALID_TRANSITION"]
    note = gql.execute(REPLY, {"id": gid(request), "body": "Pour mémoire.", "note": True}, user=agent)
    assert note["data"]["replyToAcceleratorRequestAsArs"]["message"]["visibility"] == "ARS_NOTE"


def test_a_question_never_routed_to_the_ars_is_not_an_agents(gql, world):
    request = submit_at(at(2027, 7, 12, 9))
    result = gql.execute(REPLY, {"id": gid(request), "body": "x", "note": True}, user=world.user("ars_agent"))
    assert error_codes(result, "replyToAcceleratorRequestAsArs") == ["NOT_FOUND"]
    with pytest.raises(Exception) as refused:
        services.reply_as_ars(request, world.user("ars_agent"), "x", note=True)
    assert "INVALID_TRANSITION" in str(refused.value.error_list[0].code)


def test_empty_texts_are_refused_in_french(gql, world):
    request = routed(world)
    result = gql.execute(REPLY, {"id": gid(request), "body": "  "}, user=world.user("ars_agent"))
    (error,) = result["data"]["replyToAcceleratorRequestAsArs"]["errors"]
    assert error["code"] == "REQUIRED" and error["message"].startswith("Le message")


INBOX_EVENTS = """subscription($r: String) { arsInboxEvents(regionCode: $r) {
    kind request { subject } message { body visibility } } }"""
REQUEST_EVENTS = (
    "subscription($id: ID!) { acceleratorRequestEvents(id: $id) { kind message { body visibility } } }"
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("disconnect_sockets")
async def test_the_inbox_is_live_for_the_regions_agents_without_the_cnams_internal_notes(territories):
    from django.contrib.auth.models import Group

    from backend.accounts.services import issue_token
    from network.permissions import CNAM_STAFF_GROUP
    from tests.factories import make_user
    from tests.helpers import TIMEOUT, ready_socket, settle, subscribe

    def setup():
        requester = make_practitioner(user=True)
        staff = make_user()
        staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
        agent, other = make_ars_agent("44"), make_ars_agent("04")
        request = services.submit(requester, question())  # Châlons (51108), Grand Est
        return request, staff, agent, [issue_token(u).token for u in (agent, other, requester.user, staff)]

    (
        request,
        staff,
        agent,
        (agent_token, other_token, requester_token, staff_token),
    ) = await database_sync_to_async(setup)()
    inbox, other, requester, cnam = (
        await ready_socket(agent_token),
        await ready_socket(other_token),
        await ready_socket(requester_token),
        await ready_socket(staff_token),
    )
    await subscribe(inbox, "1", INBOX_EVENTS)
    await subscribe(other, "1", INBOX_EVENTS, {"r": "44"})  # another region's agent asks for Grand Est
    refused = await other.receive_json_from(TIMEOUT)
    assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] in {
        "FORBIDDEN",
        "NOT_FOUND",
    }
    await subscribe(requester, "1", REQUEST_EVENTS, {"id": gid(request)})
    await subscribe(cnam, "1", INBOX_EVENTS, {"r": "44"})
    await settle()

    await database_sync_to_async(services.route_to_ars)(request, staff, "L'ARS instruit ce point.")
    await database_sync_to_async(services.reply)(request, staff, CNAM_NOTE, internal=True, rights=STAFF_REPLY)
    await database_sync_to_async(services.reply_as_ars)(request, agent, ARS_NOTE, note=True)

    routed_event = (await inbox.receive_json_from(TIMEOUT))["payload"]["data"]["arsInboxEvents"]
    assert routed_event["kind"] == "ROUTED" and routed_event["request"]["subject"] == "Statuts de la Sisa"
    note_event = (await inbox.receive_json_from(TIMEOUT))["payload"]["data"]["arsInboxEvents"]
    assert note_event["message"] == {"body": ARS_NOTE, "visibility": "ARS_NOTE"}  # the Cnam's note skipped
    assert await inbox.receive_nothing(0.3)
    staff_seen = [
        (await cnam.receive_json_from(TIMEOUT))["payload"]["data"]["arsInboxEvents"] for _ in range(3)
    ]
    assert [e["message"]["visibility"] for e in staff_seen] == ["PUBLIC", "INTERNAL", "ARS_NOTE"]
    # The requester sees the ARS's routing message, never a note.
    public = (await requester.receive_json_from(TIMEOUT))["payload"]["data"]["acceleratorRequestEvents"]
    assert public["message"]["visibility"] == "PUBLIC"
    assert await requester.receive_nothing(0.3)


def test_questions_routed_before_the_inbox_existed_join_their_regions_inbox(world):
    """The migration's data step: a request whose audit trail shows it went to the ARS gets its region."""
    import importlib

    from django.apps import apps

    from mentoring.accelerator.models import AcceleratorRequest

    migration = importlib.import_module("mentoring.migrations.0010_accelerator_ars_inbox")
    request = routed(world)
    untouched = submit_at(at(2027, 7, 12, 10))
    AcceleratorRequest.objects.update(ars_region=None)  # as before the migration
    migration.ars_of_routed_requests(apps, None)
    request.refresh_from_db()
    untouched.refresh_from_db()
    assert request.ars_region_id == "44" and untouched.ars_region_id is None


async def test_the_inbox_is_live_through_real_servers_in_production_mode(servers, territories):
    """DEBUG=0, two server processes behind one port, Redis: the Grand Est agent's inbox and Cnam staff
    following Grand Est receive the routing done over HTTP; La Réunion's agent is refused Grand Est, and a
    practitioner the inbox altogether."""
    import asyncio
    import os

    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import Group

    from backend.accounts.services import issue_token
    from network.permissions import CNAM_STAFF_GROUP
    from tests.factories import make_user
    from tests.helpers import first_event, subscribed

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (set by .ci/run): several processes share events only through Redis")

    def scene():
        request = services.submit(make_practitioner(user=True), question())  # Châlons (51108), Grand Est
        staff = make_user(is_staff=True)
        staff.groups.add(Group.objects.get(name=CNAM_STAFF_GROUP))
        users = (make_ars_agent("44"), make_ars_agent("04"), staff, make_practitioner(user=True).user)
        return gid(request), [issue_token(u).token for u in users]

    request_id, (agent, other, staff, practitioner) = await sync_to_async(scene)()
    server = await sync_to_async(servers)(
        redis_url, workers=2, DEBUG="0", SECRET_KEY=PRODUCTION_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1"
    )
    listeners = [
        await subscribed(first_event(server.ws_url, INBOX_EVENTS, variables, token))
        for variables, token in (({}, agent), ({"r": "44"}, staff))
    ]
    for variables, token in (({"r": "44"}, other), ({}, practitioner)):
        with pytest.raises(Exception) as refused:
            await asyncio.wait_for(first_event(server.ws_url, INBOX_EVENTS, variables, token), 15)
        assert any(code in str(refused.value) for code in ("FORBIDDEN", "NOT_FOUND")), refused.value

    route = f"""mutation($id: ID!) {{ routeAcceleratorRequestToArs(id: $id,
        note: "L'ARS Grand Est instruit ce point.") {{ {ERRORS} }} }}"""
    result = await sync_to_async(server.post)(route, {"id": request_id}, staff)
    assert result == {"data": {"routeAcceleratorRequestToArs": {"errors": []}}}
    events = await asyncio.wait_for(asyncio.gather(*listeners), 20)
    for _, event in events:
        assert event["arsInboxEvents"]["kind"] == "ROUTED"
        assert event["arsInboxEvents"]["request"]["subject"] == "Statuts de la Sisa"
