"""Identity that can be trusted (issue 24, part 1 without Pro Santé Connect yet): an RPPS typed at sign-up is a
claim; until it is proved (the Cnam checks it by hand; Pro Santé Connect is to come) it opens no invitation
addressed to that RPPS, no coordination of an MSP others have joined, and no member's contact details.

The red team's takeover: a coordinator invites a colleague by RPPS as COORDINATOR; anyone signs up with that RPPS
and their own mailbox, confirms, accepts, and reads the members' e-mails and RPPS."""

import pytest
from django.core import mail

from network.identifiers import rpps_with_key
from network.models import IdentityProof, MembershipRole, MspInvitation, Practitioner
from tests.factories import ROLES, make_msp, make_practitioner
from tests.helpers import CONFIRM, ERRORS, code_in, deliver_queued_mail, error_codes, expect, gid

pytestmark = pytest.mark.django_db

INVITE = f"""mutation($msp: ID!, $rpps: String, $practitioner: ID, $role: MembershipRole!) {{
    inviteMspMember(mspId: $msp, rpps: $rpps, practitionerId: $practitioner, role: $role) {{
    invitation {{ id }} {ERRORS} }} }}"""
MY_INVITATIONS = "{ mspInvitations { id role msp { name } } }"
RESPOND = f"""mutation($id: ID!) {{ respondToMspInvitation(id: $id, accept: true) {{
    membership {{ role }} {ERRORS} }} }}"""
CONTACTS = (
    """query($id: ID!) { node(id: $id) { ... on Msp { memberships { practitioner { email rpps } } } } }"""
)
VERIFY = f"""mutation($id: ID!) {{ verifyPractitionerRpps(id: $id) {{ practitioner {{ rppsVerified }} {ERRORS} }} }}"""
REGISTER = f"""mutation($input: RegisterPractitionerInput!) {{ registerPractitioner(input: $input) {{ accepted {ERRORS} }} }}"""


def sign_up_with(gql, rpps, email="usurpateur@example.fr", only=False):
    """A sign-up with this RPPS and this mailbox, confirmed; the practitioner it made (`only`: the one of that
    address, when the RPPS has other claims)."""
    mail.outbox.clear()
    data = {"email": email, "password": "Argonne-2026-soins", "firstName": "Paul", "lastName": "Usurpe",
            "professionCode": "10", "rpps": rpps, "communeCode": "51272", "practiceMode": "ISOLATED"}  # fmt: skip
    assert gql.execute(REGISTER, {"input": data})["data"]["registerPractitioner"]["accepted"] is True
    deliver_queued_mail()
    confirmed = gql.execute(CONFIRM, {"code": code_in(mail.outbox[-1])})
    assert confirmed["data"]["confirmRegistration"]["errors"] == []
    return (
        Practitioner.objects.get(rpps=rpps, user__email=email)
        if only
        else Practitioner.objects.get(rpps=rpps)
    )


def test_a_stranger_with_a_colleague_s_rpps_cannot_take_the_coordinator_invitation(gql, world):
    colleague_rpps = rpps_with_key(1_777_000_001)
    coordinator = world.user("coordinator")
    sent = gql.execute(
        INVITE, {"msp": gid(world.msp), "rpps": colleague_rpps, "role": "COORDINATOR"}, user=coordinator
    )
    assert sent["data"]["inviteMspMember"]["errors"] == []
    stranger = sign_up_with(gql, colleague_rpps)
    assert stranger.rpps_verified is False
    (invitation,) = gql.execute(MY_INVITATIONS, user=stranger.user)["data"]["mspInvitations"]
    refused = gql.execute(RESPOND, {"id": invitation["id"]}, user=stranger.user)
    assert error_codes(refused, "respondToMspInvitation") == ["RPPS_NOT_VERIFIED"]  # before: accepted
    assert "Pro Santé Connect" in refused["data"]["respondToMspInvitation"]["errors"][0]["message"]
    assert not stranger.memberships.exists()
    assert MspInvitation.objects.get(pk=MspInvitation.objects.get(rpps=colleague_rpps).pk).status == "PENDING"
    # And the members' contacts stay out of reach.
    members = gql.execute(CONTACTS, {"id": gid(world.msp)}, user=stranger.user)["data"]["node"]["memberships"]
    assert all(m["practitioner"]["email"] is None for m in members)


def test_once_the_cnam_checked_the_identity_the_invitation_opens(gql, world):
    rpps = rpps_with_key(1_777_000_002)
    gql.execute(
        INVITE, {"msp": gid(world.msp), "rpps": rpps, "role": "ASSOCIATE"}, user=world.user("coordinator")
    )
    newcomer = sign_up_with(gql, rpps, "vraie.titulaire@example.fr")
    verified = gql.execute(VERIFY, {"id": gid(newcomer)}, user=world.user("cnam_staff"))
    assert verified["data"]["verifyPractitionerRpps"] == {
        "practitioner": {"rppsVerified": True},
        "errors": [],
    }
    newcomer.refresh_from_db()
    assert (newcomer.rpps_verified_by, newcomer.rpps_verified_via) == (
        world.user("cnam_staff"),
        IdentityProof.CNAM,
    )
    (invitation,) = gql.execute(MY_INVITATIONS, user=newcomer.user)["data"]["mspInvitations"]
    accepted = gql.execute(RESPOND, {"id": invitation["id"]}, user=newcomer.user)
    assert accepted["data"]["respondToMspInvitation"] == {"membership": {"role": "ASSOCIATE"}, "errors": []}


def test_an_unverified_account_coordinates_no_msp_others_have_joined(gql, world):
    claimant = make_practitioner("10", "51504", user=True, rpps_verified_at=None)
    coordinator = world.user("coordinator")
    by_record = {"msp": gid(world.msp), "practitioner": gid(claimant), "role": "COORDINATOR"}
    gql.execute(INVITE, by_record, user=coordinator)
    (invitation,) = gql.execute(MY_INVITATIONS, user=claimant.user)["data"]["mspInvitations"]
    refused = gql.execute(RESPOND, {"id": invitation["id"]}, user=claimant.user)
    assert error_codes(refused, "respondToMspInvitation") == ["RPPS_NOT_VERIFIED"]
    # An invitation to its record as an associate is fine: it was addressed to that person, not to a number.
    gql.execute(INVITE, {**by_record, "role": "ASSOCIATE"}, user=coordinator)
    associate = next(
        i
        for i in gql.execute(MY_INVITATIONS, user=claimant.user)["data"]["mspInvitations"]
        if i["role"] == "ASSOCIATE"
    )
    assert (
        gql.execute(RESPOND, {"id": associate["id"]}, user=claimant.user)["data"]["respondToMspInvitation"][
            "errors"
        ]
        == []
    )
    # And coordinating an MSP nobody else has joined (their own project) needs no proof yet.
    alone = make_msp("MSP en projet seule", "51504", team=())
    own = make_practitioner("10", "51504", user=True, rpps_verified_at=None)
    from network.services.invitations import invite_member, respond

    invitation = invite_member(alone, MembershipRole.COORDINATOR, None, practitioner=own)
    assert respond(invitation, own, accept=True).status == "ACCEPTED"


def test_an_unverified_coordinator_sees_no_member_s_contact_details(gql, world):
    coordinator = world.user("coordinator").practitioner
    seen = gql.execute(CONTACTS, {"id": gid(world.msp)}, user=coordinator.user)["data"]["node"]["memberships"]
    assert any(m["practitioner"]["email"] for m in seen)  # verified, of a confirmed MSP: they see them
    Practitioner.objects.filter(pk=coordinator.pk).update(rpps_verified_at=None)
    unseen = gql.execute(CONTACTS, {"id": gid(world.msp)}, user=coordinator.user)["data"]["node"][
        "memberships"
    ]
    others = [m for m in unseen if m["practitioner"]["email"] != coordinator.email]
    assert others and all(
        m["practitioner"]["email"] is None and m["practitioner"]["rpps"] is None for m in others
    )


@pytest.mark.parametrize("role", ROLES)
def test_verify_practitioner_rpps_per_role(gql, world, role):
    claimant = make_practitioner("10", "51504", user=True, rpps_verified_at=None)
    result = gql.execute(VERIFY, {"id": gid(claimant)}, user=world.user(role))
    if expect(result, "verifyPractitionerRpps", role, {"cnam_staff", "admin"}):
        claimant.refresh_from_db()
        assert claimant.rpps_verified_by == world.user(role)
        again = gql.execute(VERIFY, {"id": gid(claimant)}, user=world.user(role))
        assert error_codes(again, "verifyPractitionerRpps") == ["ALREADY_VERIFIED"]
    else:
        claimant.refresh_from_db()
        assert claimant.rpps_verified_at is None
