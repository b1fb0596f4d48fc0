"""Personal data: joining an MSP by consent, confirmed MSPs, no enumeration, staff reads recorded.

The security review's attack: sign up, declare an MSP (becoming its coordinator), add anyone as a
member, read their e-mail and RPPS. Each step is now refused or leads nowhere.
"""

import pytest
from graphql_relay import to_global_id

from network.identifiers import rpps_with_key
from network.models import ContactAccess, InvitationStatus, Membership, MembershipRole, Msp
from tests.factories import PASSWORD, ROLES, make_msp, make_practitioner
from tests.helpers import ERRORS, MANAGERS, deliver_queued_mail, error_codes, expect, gid, snapshot, top_codes

pytestmark = pytest.mark.django_db

INVITE = f"""
mutation($msp: ID!, $practitioner: ID, $rpps: String, $role: MembershipRole!, $start: Date) {{
  inviteMspMember(mspId: $msp, practitionerId: $practitioner, rpps: $rpps, role: $role, startDate: $start) {{
    invitation {{ id status role rpps practitioner {{ id }} }} {ERRORS}
  }}
}}
"""
RESPOND = f"""
mutation($id: ID!, $accept: Boolean!) {{
  respondToMspInvitation(id: $id, accept: $accept) {{
    invitation {{ status }} membership {{ role isCurrent msp {{ name }} }} {ERRORS}
  }}
}}
"""
CANCEL = f"mutation($id: ID!) {{ cancelMspInvitation(id: $id) {{ invitation {{ status }} {ERRORS} }} }}"
VERIFY = f"mutation($id: ID!) {{ verifyMsp(id: $id) {{ msp {{ verified }} {ERRORS} }} }}"
MY_INVITATIONS = "{ mspInvitations { id role msp { name } } }"
CONTACT = "query($id: ID!) { node(id: $id) { ... on Practitioner { email rpps } } }"


COORDINATOR = object()


def invite(gql, world, practitioner=None, rpps=None, role="ASSOCIATE", user=COORDINATOR):
    variables = {"msp": gid(world.msp), "role": role}
    if practitioner is not None:
        variables["practitioner"] = gid(practitioner)
    if rpps is not None:
        variables["rpps"] = rpps
    return gql.execute(INVITE, variables, user=world.user("coordinator") if user is COORDINATOR else user)


@pytest.mark.parametrize("role", ROLES)
def test_invite_per_role_makes_no_member(gql, world, role):
    newcomer = make_practitioner("70", "51504", user=True)
    before = snapshot()
    result = invite(gql, world, newcomer, user=world.user(role))
    if expect(result, "inviteMspMember", role, MANAGERS):
        assert result["data"]["inviteMspMember"]["invitation"]["status"] == "PENDING"
    # Whoever asks, nobody became a member without answering.
    assert snapshot() == before


def test_the_invitee_accepts_and_only_then_is_a_member(gql, world):
    newcomer = make_practitioner("70", "51504", user=True)
    coordinator = world.user("coordinator")
    invitation = invite(gql, world, newcomer)["data"]["inviteMspMember"]["invitation"]
    # Pending: the coordinator does not see the invitee's contact details.
    pending = gql.execute(CONTACT, {"id": gid(newcomer)}, user=coordinator)["data"]["node"]
    assert pending == {"email": None, "rpps": None}
    mine = gql.execute(MY_INVITATIONS, user=newcomer.user)["data"]["mspInvitations"]
    assert [i["id"] for i in mine] == [invitation["id"]]
    # Someone else cannot answer for them.
    other = make_practitioner("10", "51504", user=True)
    stolen = gql.execute(RESPOND, {"id": invitation["id"], "accept": True}, user=other.user)
    assert error_codes(stolen, "respondToMspInvitation") == ["NOT_FOUND"]
    accepted = gql.execute(RESPOND, {"id": invitation["id"], "accept": True}, user=newcomer.user)
    payload = accepted["data"]["respondToMspInvitation"]
    assert payload["errors"] == [] and payload["invitation"]["status"] == "ACCEPTED"
    assert payload["membership"]["isCurrent"] is True
    assert (
        gql.execute(CONTACT, {"id": gid(newcomer)}, user=coordinator)["data"]["node"]["rpps"] == newcomer.rpps
    )
    again = gql.execute(RESPOND, {"id": invitation["id"], "accept": False}, user=newcomer.user)
    assert error_codes(again, "respondToMspInvitation") == ["INVITATION_CLOSED"]


def test_a_declined_or_cancelled_invitation_makes_no_member(gql, world):
    first, second = make_practitioner("70", "51504", user=True), make_practitioner("70", "51504", user=True)
    a = invite(gql, world, first)["data"]["inviteMspMember"]["invitation"]
    b = invite(gql, world, second)["data"]["inviteMspMember"]["invitation"]
    declined = gql.execute(RESPOND, {"id": a["id"], "accept": False}, user=first.user)
    assert declined["data"]["respondToMspInvitation"]["invitation"]["status"] == "DECLINED"
    cancelled = gql.execute(CANCEL, {"id": b["id"]}, user=world.user("coordinator"))
    assert cancelled["data"]["cancelMspInvitation"]["invitation"]["status"] == "CANCELLED"
    late = gql.execute(RESPOND, {"id": b["id"], "accept": True}, user=second.user)
    assert error_codes(late, "respondToMspInvitation") == ["INVITATION_CLOSED"]
    assert not Membership.objects.filter(practitioner__in=[first, second]).exists()
    refused = gql.execute(CANCEL, {"id": a["id"]}, user=world.user("other_coordinator"))
    assert error_codes(refused, "cancelMspInvitation") == ["NOT_FOUND"]


def test_inviting_by_rpps_tells_nothing_about_registration(gql, world):
    registered = make_practitioner("70", "51504", user=True)
    unknown = rpps_with_key(1_999_999_999)
    answers = []
    for rpps in (registered.rpps, unknown):
        payload = invite(gql, world, rpps=rpps)["data"]["inviteMspMember"]
        assert payload["errors"] == []
        invitation = payload["invitation"]
        answers.append({k: v for k, v in invitation.items() if k not in {"id", "rpps"}})
    # Before: NOT_FOUND for one, a membership with the practitioner's id for the other.
    assert answers[0] == answers[1] == {"status": "PENDING", "role": "ASSOCIATE", "practitioner": None}
    # The registered holder of the RPPS sees it and may accept.
    mine = gql.execute(MY_INVITATIONS, user=registered.user)["data"]["mspInvitations"]
    assert len(mine) == 1
    # A malformed number is refused as such (it says nothing about anyone).
    bad = invite(gql, world, rpps="12345678901")
    assert error_codes(bad, "inviteMspMember") == ["INVALID_RPPS"]


def test_the_security_review_harvest_gets_nothing(gql, world, mailoutbox, django_capture_on_commit_callbacks):
    """registerPractitioner → createMsp → add anyone: the stranger's contact details stay hidden."""
    from tests.helpers import CONFIRM, code_in

    with django_capture_on_commit_callbacks(execute=True):
        signup = gql.execute(
            """mutation($input: RegisterPractitionerInput!) { registerPractitioner(input: $input) {
            accepted errors { code } } }""",
            {
                "input": {
                    "email": "curieux@test.invalid",
                    "password": PASSWORD,
                    "firstName": "Cu",
                    "lastName": "Rieux",
                    "professionCode": "10",
                    "rpps": rpps_with_key(1_888_888_888),
                    "communeCode": "51504",
                }
            },
        )
    assert signup["data"]["registerPractitioner"]["errors"] == []
    deliver_queued_mail()
    gql.execute(CONFIRM, {"code": code_in(mailoutbox[0])})
    from django.contrib.auth import get_user_model

    attacker = get_user_model().objects.get(email="curieux@test.invalid")
    created = gql.execute(
        """mutation { createMsp(input: {name: "MSP fantôme", status: PROJECT, sites: [{address: "1 rue",
            communeCode: "51504", isMain: true}]}) { msp { id verified } errors { code message } } }""",
        user=attacker,
    )["data"]["createMsp"]
    assert created["errors"] == [] and created["msp"]["verified"] is False
    victims = list(world.msp.memberships.values_list("practitioner", flat=True)[:3])
    for pk in victims:
        result = gql.execute(
            INVITE,
            {
                "msp": created["msp"]["id"],
                "practitioner": to_global_id("Practitioner", pk),
                "role": "ASSOCIATE",
            },
            user=attacker,
        )
        assert result["data"]["inviteMspMember"]["invitation"]["status"] == "PENDING"
        seen = gql.execute(CONTACT, {"id": to_global_id("Practitioner", pk)}, user=attacker)["data"]["node"]
        assert seen == {"email": None, "rpps": None}
    assert not Membership.objects.filter(msp__name="MSP fantôme", practitioner__in=victims).exists()


def test_an_unconfirmed_msp_gives_its_coordinator_no_sight_of_contacts(gql, world):
    member = world.msp.memberships.filter(role=MembershipRole.ASSOCIATE).first().practitioner
    coordinator = world.user("coordinator")
    assert (
        gql.execute(CONTACT, {"id": gid(member)}, user=coordinator)["data"]["node"]["email"] == member.email
    )
    Msp.objects.filter(pk=world.msp.pk).update(verified_at=None)
    assert gql.execute(CONTACT, {"id": gid(member)}, user=coordinator)["data"]["node"] == {
        "email": None,
        "rpps": None,
    }


@pytest.mark.parametrize("role", ROLES)
def test_verify_msp_per_role(gql, world, role):
    msp = make_msp("MSP déclarée")
    Msp.objects.filter(pk=msp.pk).update(verified_at=None)
    result = gql.execute(VERIFY, {"id": gid(msp)}, user=world.user(role))
    if expect(result, "verifyMsp", role, {"cnam_staff", "admin"}):
        assert result["data"]["verifyMsp"]["msp"]["verified"] is True
        again = gql.execute(VERIFY, {"id": gid(msp)}, user=world.user(role))
        assert error_codes(again, "verifyMsp") == ["ALREADY_VERIFIED"]
    else:
        assert Msp.objects.get(pk=msp.pk).verified_at is None


def test_staff_reads_of_contact_details_are_recorded(gql, world):
    staff = world.user("cnam_staff")
    member = world.msp.memberships.first().practitioner
    result = gql.execute(CONTACT, {"id": gid(member)}, user=staff)
    assert result["data"]["node"]["email"] == member.email
    record = ContactAccess.objects.get()
    assert (record.viewer, record.practitioner) == (staff, member)  # e-mail and RPPS: one read
    # A list: one record per practitioner shown.
    gql.execute(
        "{ practitioners(first: 5) { edges { node { email } } } }",
        user=staff,
    )
    assert ContactAccess.objects.filter(viewer=staff).count() == 1 + 5
    # Reads that are not staff privilege are not recorded: oneself, one's own MSP's coordinator.
    gql.execute(CONTACT, {"id": gid(member)}, user=world.user("coordinator"))
    assert ContactAccess.objects.exclude(viewer=staff).count() == 0


def test_admins_review_contact_reads_in_the_admin(client, world):
    from network.models import ContactAccess as Record

    Record.objects.create(
        viewer=world.user("cnam_staff"), viewer_email="x@test.invalid", practitioner=make_practitioner()
    )
    client.force_login(world.user("admin"))
    assert client.get("/admin/network/contactaccess/").status_code == 200
    staff = world.user("cnam_staff")
    staff.is_staff = True  # may open the admin, and view the directory there
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/network/practitioner/").status_code == 200
    assert client.get("/admin/network/contactaccess/").status_code == 403


def test_inviting_oneself_needs_no_other_consent(gql, world):
    coordinator = world.user("coordinator")
    result = invite(gql, world, coordinator.practitioner, role="ASSOCIATE", user=coordinator)
    assert result["data"]["inviteMspMember"]["invitation"]["status"] == InvitationStatus.ACCEPTED
    assert (
        Membership.objects.current()
        .filter(msp=world.msp, practitioner=coordinator.practitioner, role=MembershipRole.ASSOCIATE)
        .exists()
    )


def test_pending_invitations_are_bounded_per_msp(gql, world, monkeypatch):
    from network.services import invitations

    monkeypatch.setattr(invitations, "MAX_PENDING_INVITATIONS", 2)
    for _ in range(2):
        assert invite(gql, world, make_practitioner("70", "51504"))["data"]["inviteMspMember"]["errors"] == []
    refused = invite(gql, world, make_practitioner("70", "51504"))
    assert error_codes(refused, "inviteMspMember") == ["TOO_MANY_PENDING_INVITATIONS"]
    assert "sans réponse" in refused["data"]["inviteMspMember"]["errors"][0]["message"]


def test_only_those_who_see_an_invitation_can_try_to_cancel_it(gql, world):
    invited = make_practitioner("70", "51504", user=True)
    invitation = invite(gql, world, invited)["data"]["inviteMspMember"]["invitation"]
    # A coordinator of another MSP learns nothing: the invitation is not found for them.
    stranger = gql.execute(CANCEL, {"id": invitation["id"]}, user=world.user("other_coordinator"))
    assert error_codes(stranger, "cancelMspInvitation") == ["NOT_FOUND"]
    # The invitee sees it but may not cancel it for the MSP.
    invitee = gql.execute(CANCEL, {"id": invitation["id"]}, user=invited.user)
    assert top_codes(invitee) == ["FORBIDDEN"]


# --- Invitations cannot flood a mailbox nor carry a sender's text in a subject (issue 24) ----------------


def test_one_address_gets_at_most_three_invitation_e_mails_a_day(gql, world):
    from backend.mail.models import OutgoingEmail
    from network.models import MspInvitation

    invited = make_practitioner("70", "51504", user=True)
    for attempt in range(5):  # the red team's invite-and-cancel loop
        invitation = invite(gql, world, invited)["data"]["inviteMspMember"]["invitation"]
        if attempt < 4:
            gql.execute(CANCEL, {"id": invitation["id"]}, user=world.user("coordinator"))
    assert OutgoingEmail.objects.filter(to=invited.email, kind="msp.invitation").count() == 3  # before: 5
    # The last invitation exists all the same, without an e-mail: the invitee finds it on the platform.
    pending = MspInvitation.objects.filter(practitioner=invited, status=InvitationStatus.PENDING)
    assert pending.count() == 1


def test_each_person_sends_at_most_fifty_invitations_a_day(gql, world, monkeypatch):
    from network.services import invitations

    monkeypatch.setattr(invitations, "MAX_INVITATIONS_PER_DAY", 3)
    for _ in range(3):
        assert invite(gql, world, make_practitioner("70", "51504"))["data"]["inviteMspMember"]["errors"] == []
    refused = invite(gql, world, make_practitioner("70", "51504"))
    assert error_codes(refused, "inviteMspMember") == ["TOO_MANY_INVITATIONS"]
    assert "depuis 24 heures" in refused["data"]["inviteMspMember"]["errors"][0]["message"]


def test_an_invitation_s_subject_carries_nothing_its_sender_chose(gql, world):
    from backend.mail.models import OutgoingEmail

    world.msp.name = "Votre compte sera suspendu - connectez-vous sur http://evil.example/login"
    world.msp.save(update_fields=["name"])
    invited = make_practitioner("70", "51504", user=True)
    assert invite(gql, world, invited)["data"]["inviteMspMember"]["errors"] == []
    email = OutgoingEmail.objects.get(to=invited.email, kind="msp.invitation")
    assert email.subject == "Invitation à rejoindre une MSP sur Tête de pont"
    assert f"« {world.msp.name} »" in email.body  # named in the body, quoted as what it is
