"""Every network mutation, per role (allowed and refused, nothing changed on refusal), and its business rules."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from graphql_relay import to_global_id

from network.identifiers import finess_with_key, rpps_with_key
from network.models import HubDesignation, HubStatus, Membership, MembershipRole, MspStatus
from tests.factories import ROLES, make_coordinator, make_hub, make_msp, make_practitioner
from tests.helpers import (
    CONFIRM,
    ERRORS,
    MANAGERS,
    code_in,
    deliver_queued_mail,
    error_codes,
    expect,
    gid,
    snapshot,
)

pytestmark = pytest.mark.django_db


# --- createMsp ---------------------------------------------------------------------------------

CREATE_MSP = f"""
mutation($input: CreateMspInput!) {{
  createMsp(input: $input) {{
    msp {{ id name status finess sites {{ isMain commune {{ code }} latitude }} memberships {{ role practitioner {{ id }} }} }}
    {ERRORS}
  }}
}}
"""


def msp_input(**overrides):
    data = {
        "name": "Projet de MSP de Givry",
        "themes": ["Accès aux soins"],
        "sites": [{"address": "1 place de la Mairie", "communeCode": "51272"}],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_create_msp_per_role(gql, world, role):
    before = snapshot()
    result = gql.execute(CREATE_MSP, {"input": msp_input()}, user=world.user(role))
    if expect(result, "createMsp", role, {"practitioner", "other_coordinator", "coordinator", "admin"}):
        msp = result["data"]["createMsp"]["msp"]
        assert msp["status"] == "PROJECT" and msp["finess"] is None
        assert msp["sites"] == [
            {"isMain": True, "commune": {"code": "51272"}, "latitude": pytest.approx(48.94934)}
        ]
        if role != "admin":  # the founding practitioner becomes coordinator
            founder = world.user(role).practitioner
            assert msp["memberships"] == [{"role": "COORDINATOR", "practitioner": {"id": gid(founder)}}]
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"finess": "2A0000155"}, "finess", "INVALID_FINESS"),
        ({"siret": "12345678901234"}, "siret", "INVALID_SIRET"),
        ({"status": "OPERATING"}, "finess", "FINESS_REQUIRED"),
        ({"status": "CLOSED"}, "status", "INVALID"),
        ({"sites": []}, "sites", "REQUIRED"),
        ({"sites": [{"address": "a", "communeCode": "99999"}]}, "sites", "UNKNOWN_COMMUNE"),
        ({"sites": [{"address": "a", "communeCode": "2C004"}]}, "sites", "INVALID_COMMUNE_CODE"),
        (
            {
                "sites": [
                    {"address": "a", "communeCode": "51272", "isMain": True},
                    {"address": "b", "communeCode": "51504", "isMain": True},
                ]
            },
            "sites",
            "MAIN_SITE_REQUIRED",
        ),
        ({"name": "  "}, "name", "REQUIRED"),
    ],
)
def test_create_msp_validation(gql, world, overrides, field, code):
    before = snapshot()
    result = gql.execute(CREATE_MSP, {"input": msp_input(**overrides)}, user=world.user("practitioner"))
    errors = result["data"]["createMsp"]["errors"]
    assert (errors[0]["field"], errors[0]["code"]) == (field, code)
    assert errors[0]["message"]  # a French sentence for the user
    assert result["data"]["createMsp"]["msp"] is None
    assert snapshot() == before


def test_create_operating_msp_with_finess_and_duplicate_finess(gql, world):
    finess = finess_with_key("51", 777)
    ok = gql.execute(
        CREATE_MSP, {"input": msp_input(status="OPERATING", finess=finess)}, user=world.user("practitioner")
    )
    assert ok["data"]["createMsp"]["msp"]["finess"] == finess
    dup = gql.execute(
        CREATE_MSP, {"input": msp_input(status="OPERATING", finess=finess)}, user=world.user("practitioner")
    )
    assert error_codes(dup, "createMsp") == ["UNIQUE"]


# --- updateMsp --------------------------------------------------------------------------------

UPDATE_MSP = f"""
mutation($id: ID!, $input: UpdateMspInput!) {{
  updateMsp(id: $id, input: $input) {{ msp {{ name status finess sites {{ id name isMain commune {{ code }} }} hub {{ status }} }} {ERRORS} }}
}}
"""


@pytest.mark.parametrize("role", ROLES)
def test_update_msp_per_role(gql, world, role):
    before = snapshot()
    result = gql.execute(
        UPDATE_MSP, {"id": gid(world.msp), "input": {"name": "Nouveau nom"}}, user=world.user(role)
    )
    if expect(result, "updateMsp", role, MANAGERS):
        assert result["data"]["updateMsp"]["msp"]["name"] == "Nouveau nom"
    else:
        assert snapshot() == before


def test_update_msp_replaces_sites_and_keeps_listed_ones(gql, world):
    main = world.msp.sites.get(is_main=True)
    result = gql.execute(
        UPDATE_MSP,
        {
            "id": gid(world.msp),
            "input": {
                "sites": [
                    {
                        "id": gid(main),
                        "address": "2 rue de l'Église",
                        "communeCode": "51504",
                        "isMain": False,
                    },
                    {"name": "Antenne", "address": "Pôle de santé", "communeCode": "51272", "isMain": True},
                ]
            },
        },
        user=world.user("coordinator"),
    )
    sites = result["data"]["updateMsp"]["msp"]["sites"]
    assert [(s["name"], s["isMain"], s["commune"]["code"]) for s in sites] == [
        ("Antenne", True, "51272"),
        ("", False, "51504"),
    ]
    assert sites[1]["id"] == gid(main)


def test_update_msp_rules(gql, world):
    coordinator = world.user("coordinator")
    cleared = gql.execute(UPDATE_MSP, {"id": gid(world.msp), "input": {"finess": None}}, user=coordinator)
    assert error_codes(cleared, "updateMsp") == ["FINESS_REQUIRED"]
    other_site = world.other_msp.sites.get()
    foreign = gql.execute(
        UPDATE_MSP,
        {
            "id": gid(world.msp),
            "input": {"sites": [{"id": gid(other_site), "address": "x", "communeCode": "89387"}]},
        },
        user=coordinator,
    )
    assert error_codes(foreign, "updateMsp") == ["NOT_FOUND"]
    assert world.other_msp.sites.get() == other_site
    unknown = gql.execute(
        UPDATE_MSP, {"id": to_global_id("Msp", 999999), "input": {"name": "x"}}, user=coordinator
    )
    assert error_codes(unknown, "updateMsp") == ["NOT_FOUND"]


def test_closing_an_msp_suspends_its_hub(gql, world):
    result = gql.execute(
        UPDATE_MSP, {"id": gid(world.msp), "input": {"status": "CLOSED"}}, user=world.user("coordinator")
    )
    assert result["data"]["updateMsp"]["msp"]["hub"]["status"] == "SUSPENDED"
    world.hub.refresh_from_db()
    assert world.hub.suspension_reason


# --- endMspMembership (joining is by invitation: tests/network/test_consent.py) --------------------

END_MEMBERSHIP = f"""
mutation($id: ID!, $end: Date, $reason: String) {{
  endMspMembership(id: $id, endDate: $end, reason: $reason) {{ membership {{ endDate isCurrent }} {ERRORS} }}
}}
"""


@pytest.mark.parametrize("role", ROLES)
def test_end_membership_per_role(gql, world, role):
    membership = world.msp.memberships.filter(role=MembershipRole.ASSOCIATE).first()
    before = snapshot()
    result = gql.execute(
        END_MEMBERSHIP, {"id": gid(membership), "reason": "Départ à la retraite"}, user=world.user(role)
    )
    if expect(result, "endMspMembership", role, MANAGERS):
        assert result["data"]["endMspMembership"]["membership"] == {
            "endDate": date.today().isoformat(),
            "isCurrent": False,
        }
    else:
        assert snapshot() == before


def test_ended_membership_stays_in_history_and_a_member_may_leave(gql, world):
    leaver = make_practitioner("60", "51504", user=True)
    membership = Membership.objects.create(
        msp=world.msp, practitioner=leaver, role=MembershipRole.ASSOCIATE, start_date=date(2021, 1, 1)
    )
    result = gql.execute(END_MEMBERSHIP, {"id": gid(membership)}, user=leaver.user)
    assert result["data"]["endMspMembership"]["errors"] == []
    history = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on Msp { current: memberships { id } all: memberships(includeEnded: true) { id endDate } } } }",
        {"id": gid(world.msp)},
    )["data"]["node"]
    assert gid(membership) not in {m["id"] for m in history["current"]}
    assert {"id": gid(membership), "endDate": date.today().isoformat()} in history["all"]
    again = gql.execute(END_MEMBERSHIP, {"id": gid(membership)}, user=world.user("coordinator"))
    assert error_codes(again, "endMspMembership") == ["MEMBERSHIP_ALREADY_ENDED"]


def test_end_membership_rules(gql, world):
    coordinator = world.user("coordinator")
    own = Membership.objects.get(practitioner=coordinator.practitioner, msp=world.msp)
    last = gql.execute(END_MEMBERSHIP, {"id": gid(own)}, user=coordinator)
    assert error_codes(last, "endMspMembership") == ["LAST_COORDINATOR"]
    assert Membership.objects.get(pk=own.pk).end_date is None
    # With a second coordinator, the first may step down.
    make_coordinator(world.msp)
    assert (
        gql.execute(END_MEMBERSHIP, {"id": gid(own)}, user=coordinator)["data"]["endMspMembership"]["errors"]
        == []
    )
    associate = world.msp.memberships.filter(role=MembershipRole.ASSOCIATE).first()
    before_start = gql.execute(
        END_MEMBERSHIP,
        {"id": gid(associate), "end": (associate.start_date - timedelta(days=1)).isoformat()},
        user=world.user("admin"),
    )
    assert error_codes(before_start, "endMspMembership") == ["INVALID_DATE_RANGE"]


# --- Hubs ----------------------------------------------------------------------------------

APPLY = f"""
mutation($msp: ID!, $input: HubApplicationInput!) {{
  applyForHub(mspId: $msp, input: $input) {{ hub {{ status serviceRadiusKm monthlyCoordinationHours offerKinds }} {ERRORS} }}
}}
"""
APPROVE = f"mutation($id: ID!) {{ approveHub(id: $id) {{ hub {{ status approvedAt }} {ERRORS} }} }}"
SUSPEND = f"mutation($id: ID!, $reason: String!) {{ suspendHub(id: $id, reason: $reason) {{ hub {{ status suspensionReason }} {ERRORS} }} }}"

APPLICATION = {
    "serviceRadiusKm": 35,
    "monthlyCoordinationHours": 12.5,
    "offerKinds": ["PEER_FACILITATION", "COORDINATION_TIME"],
}


@pytest.mark.parametrize("role", ROLES)
def test_apply_for_hub_per_role(gql, world, role):
    world.hub.delete()
    before = snapshot()
    result = gql.execute(APPLY, {"msp": gid(world.msp), "input": APPLICATION}, user=world.user(role))
    if expect(result, "applyForHub", role, MANAGERS):
        assert result["data"]["applyForHub"]["hub"] == {
            "status": "CANDIDATE",
            "serviceRadiusKm": 35,
            "monthlyCoordinationHours": 12.5,
            "offerKinds": ["COORDINATION_TIME", "PEER_FACILITATION"],
        }
    else:
        assert snapshot() == before


def test_apply_for_hub_rules(gql, world):
    coordinator = world.user("coordinator")
    # An approved hub changes capacity and stays approved.
    update = gql.execute(APPLY, {"msp": gid(world.msp), "input": APPLICATION}, user=coordinator)
    assert update["data"]["applyForHub"]["hub"]["status"] == "APPROVED"
    # A suspended hub re-applies as a candidate.
    world.hub.refresh_from_db()
    world.hub.status = HubStatus.SUSPENDED
    world.hub.save()
    again = gql.execute(APPLY, {"msp": gid(world.msp), "input": APPLICATION}, user=coordinator)
    assert again["data"]["applyForHub"]["hub"]["status"] == "CANDIDATE"
    bad = gql.execute(
        APPLY,
        {"msp": gid(world.msp), "input": {**APPLICATION, "serviceRadiusKm": 500, "offerKinds": []}},
        user=coordinator,
    )
    assert {(e["field"], e["code"]) for e in bad["data"]["applyForHub"]["errors"]} == {
        ("serviceRadiusKm", "INVALID"),
        ("offerKinds", "REQUIRED"),
    }


def test_an_msp_in_project_cannot_apply(gql, world):
    project = make_msp("Projet", "51272", status=MspStatus.PROJECT)
    coordinator = make_coordinator(project).user
    result = gql.execute(APPLY, {"msp": gid(project), "input": APPLICATION}, user=coordinator)
    assert error_codes(result, "applyForHub") == ["MSP_NOT_OPERATING"]
    assert not HubDesignation.objects.filter(msp=project).exists()


STAFF = {"cnam_staff", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_approve_hub_per_role(gql, world, role):
    world.hub.status = HubStatus.CANDIDATE
    world.hub.save()
    before = snapshot()
    result = gql.execute(APPROVE, {"id": gid(world.hub)}, user=world.user(role))
    if expect(result, "approveHub", role, STAFF):
        assert result["data"]["approveHub"]["hub"]["status"] == "APPROVED"
        world.hub.refresh_from_db()
        assert world.hub.approved_by == world.user(role) and world.hub.approved_at
    else:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_suspend_hub_per_role(gql, world, role):
    before = snapshot()
    result = gql.execute(
        SUSPEND, {"id": gid(world.hub), "reason": "Capacité non tenue"}, user=world.user(role)
    )
    if expect(result, "suspendHub", role, STAFF):
        assert result["data"]["suspendHub"]["hub"] == {
            "status": "SUSPENDED",
            "suspensionReason": "Capacité non tenue",
        }
    else:
        assert snapshot() == before


def test_hub_transitions(gql, world):
    staff = world.user("cnam_staff")
    assert error_codes(gql.execute(APPROVE, {"id": gid(world.hub)}, user=staff), "approveHub") == [
        "INVALID_HUB_TRANSITION"
    ]
    no_reason = gql.execute(SUSPEND, {"id": gid(world.hub), "reason": " "}, user=staff)
    assert error_codes(no_reason, "suspendHub") == ["REQUIRED"]
    gql.execute(SUSPEND, {"id": gid(world.hub), "reason": "Contrôle"}, user=staff)
    assert error_codes(
        gql.execute(SUSPEND, {"id": gid(world.hub), "reason": "x"}, user=staff), "suspendHub"
    ) == ["INVALID_HUB_TRANSITION"]
    approved = gql.execute(APPROVE, {"id": gid(world.hub)}, user=staff)
    assert approved["data"]["approveHub"]["hub"]["status"] == "APPROVED"
    closed = make_hub(make_msp("Fermée", "51504", status=MspStatus.CLOSED), status=HubStatus.CANDIDATE)
    assert error_codes(gql.execute(APPROVE, {"id": gid(closed)}, user=staff), "approveHub") == [
        "MSP_NOT_OPERATING"
    ]


# --- registerPractitioner ---------------------------------------------------------------------

REGISTER = f"""
mutation($input: RegisterPractitionerInput!) {{ registerPractitioner(input: $input) {{ accepted {ERRORS} }} }}
"""


def registration(**overrides):
    data = {
        "email": "nouvelle.infirmiere@example.fr",
        "password": "Argonne-2026-soins",
        "firstName": "Lucie",
        "lastName": "Marchand",
        "professionCode": "60",
        "rpps": rpps_with_key(1_777_000_001),
        "communeCode": "51272",
        "practiceMode": "PROJECT_HOLDER",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_register_practitioner_is_open_to_all(
    gql, world, role, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = gql.execute(REGISTER, {"input": registration()}, user=world.user(role))
    assert result["data"]["registerPractitioner"] == {"accepted": True, "errors": []}
    # Nothing exists before the address is confirmed.
    assert not get_user_model().objects.filter(email="nouvelle.infirmiere@example.fr").exists()
    deliver_queued_mail()
    (message,) = mailoutbox
    assert message.to == ["nouvelle.infirmiere@example.fr"]
    confirmed = gql.execute(CONFIRM, {"code": code_in(message)})
    assert confirmed["data"]["confirmRegistration"] == {
        "practitioner": {
            "fullName": "Lucie Marchand",
            "profession": {"code": "60"},
            "commune": {"name": "Givry-en-Argonne"},
            "practiceMode": "PROJECT_HOLDER",
        },
        "errors": [],
    }
    login = gql.execute(
        'mutation { tokenAuth(email: "nouvelle.infirmiere@example.fr", password: "Argonne-2026-soins") { token } }'
    )
    assert login["data"]["tokenAuth"]["token"]
    again = gql.execute(CONFIRM, {"code": code_in(message)})
    assert error_codes(again, "confirmRegistration") == ["INVALID_TOKEN"]


def test_registration_reports_what_is_wrong_with_it_and_creates_nothing(gql, world):
    before = snapshot()
    result = gql.execute(
        REGISTER, {"input": registration(password="123", communeCode="99999", professionCode="99")}
    )
    codes = {(e["field"], e["code"]) for e in result["data"]["registerPractitioner"]["errors"]}
    assert codes >= {
        ("password", "PASSWORD_TOO_WEAK"),
        ("communeCode", "UNKNOWN_COMMUNE"),
        ("professionCode", "UNKNOWN_PROFESSION"),
    }
    assert result["data"]["registerPractitioner"]["accepted"] is False
    assert snapshot() == before


def test_registration_never_tells_whether_an_address_or_rpps_is_taken(
    gql, world, mailoutbox, django_capture_on_commit_callbacks
):
    taken = world.user("practitioner")
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for overrides in (
            {},
            {"email": taken.email},
            {"rpps": taken.practitioner.rpps, "email": "x@example.fr"},
        ):
            answers.append(gql.execute(REGISTER, {"input": registration(**overrides)})["data"])
    # Before: EMAIL_TAKEN and RPPS_ALREADY_REGISTERED told anyone who was registered.
    assert (
        answers[0] == answers[1] == answers[2] == {"registerPractitioner": {"accepted": True, "errors": []}}
    )
    # Only the owner of the address learns it: the registered address gets a notice, not a code.
    deliver_queued_mail()
    notice = next(m for m in mailoutbox if m.to == [taken.email])
    assert "déjà un" in notice.body
    assert not re.search(r"^[A-Za-z0-9_-]{20,}$", notice.body, re.MULTILINE)
    # Confirming a sign-up whose RPPS is taken: the address's owner is told, nothing is created.
    claim = next(m for m in mailoutbox if m.to == ["x@example.fr"])
    refused = gql.execute(CONFIRM, {"code": code_in(claim)})
    assert error_codes(refused, "confirmRegistration") == ["RPPS_ALREADY_REGISTERED"]
    assert not get_user_model().objects.filter(email="x@example.fr").exists()


def test_registration_rejects_an_invalid_rpps(gql):
    result = gql.execute(REGISTER, {"input": registration(rpps="10003879624")})
    assert error_codes(result, "registerPractitioner") == ["INVALID_RPPS"]
    assert not get_user_model().objects.filter(email="nouvelle.infirmiere@example.fr").exists()


# --- Sign-up cannot be turned against an address (issue 24) ---------------------------------------------


def test_sign_up_takes_the_same_work_whether_the_address_has_an_account_or_not(gql, world):
    """Before: the password was hashed for a new address only (14 ms against 245 ms told who had an account)."""
    from unittest import mock

    from django.contrib.auth.hashers import make_password

    from network.services import registration as service

    taken = world.user("practitioner").email
    for email in ("nouvelle.adresse@example.fr", taken):
        with mock.patch.object(service, "make_password", wraps=make_password) as hashing:
            answer = gql.execute(REGISTER, {"input": registration(email=email)})
        assert answer["data"]["registerPractitioner"] == {"accepted": True, "errors": []}
        assert hashing.call_count == 1, email


def test_at_most_three_e_mails_a_day_reach_one_address_however_many_sign_ups(gql, world):
    from backend.mail.models import OutgoingEmail

    taken = world.user("practitioner").email
    for email in ("cible@example.fr", taken):
        answers = [gql.execute(REGISTER, {"input": registration(email=email)})["data"] for _ in range(10)]
        assert all(a == {"registerPractitioner": {"accepted": True, "errors": []}} for a in answers)
        assert OutgoingEmail.objects.filter(to=email).count() == 3  # before: 10 in 2.7 s
    # The same address written otherwise counts as the same mailbox.
    gql.execute(REGISTER, {"input": registration(email="CIBLE@Example.fr")})
    assert OutgoingEmail.objects.filter(to__iexact="cible@example.fr").count() == 3
