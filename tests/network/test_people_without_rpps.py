"""People without an RPPS in the MSPs (issue 16): non-clinician coordinators, medical assistants,
administrative staff and partners sign up and join in a role that fits; IPA nurses are representable; the
minimum composition counts only doctors and auxiliaires médicaux among the associates."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from network.identifiers import rpps_with_key
from network.models import Membership, MembershipRole, Practitioner
from network.services.composition import CompositionState, composition_of
from network.services.directory import add_member
from tests.factories import make_msp, make_practitioner
from tests.helpers import CONFIRM, ERRORS, code_in, deliver_queued_mail, gid

pytestmark = pytest.mark.django_db

REGISTER = f"""mutation($input: RegisterPractitionerInput!) {{ registerPractitioner(input: $input) {{
    accepted {ERRORS} }} }}"""


def sign_up(gql, mailoutbox, capture, **fields):
    data = {
        "email": "coordinatrice@example.fr", "password": "Argonne-2026-soins", "firstName": "Camille",
        "lastName": "Moreau", "professionCode": "X-COORD", "communeCode": "51272", **fields,
    }  # fmt: skip
    with capture(execute=True):
        result = gql.execute(REGISTER, {"input": data})["data"]["registerPractitioner"]
    if not result["accepted"]:
        return result
    deliver_queued_mail()
    return gql.execute(CONFIRM, {"code": code_in(mailoutbox[-1])})["data"]["confirmRegistration"]


def test_a_non_clinician_coordinator_signs_up_without_an_rpps(
    gql, mailoutbox, django_capture_on_commit_callbacks
):
    confirmed = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks)
    assert confirmed["errors"] == [] and confirmed["practitioner"]["profession"] == {"code": "X-COORD"}
    person = Practitioner.objects.get(user__email="coordinatrice@example.fr")
    assert person.rpps is None
    second = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks, email="assistante@example.fr",
                     professionCode="X-AM", firstName="Inès")  # fmt: skip
    assert second["errors"] == []  # two people without RPPS: no uniqueness clash
    assert Practitioner.objects.filter(rpps__isnull=True).count() == 2


@pytest.mark.parametrize(
    "profession, rpps, error",
    [
        ("10", None, ("rpps", "REQUIRED")),  # a doctor has an RPPS
        ("X-COORD", rpps_with_key(1_777_000_099), ("rpps", "INVALID")),  # a coordinator has none
    ],
)
def test_the_identifier_fits_the_profession(
    gql, mailoutbox, django_capture_on_commit_callbacks, profession, rpps, error
):
    fields = {"professionCode": profession, **({"rpps": rpps} if rpps else {})}
    result = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks, **fields)
    assert result["accepted"] is False
    assert {(e["field"], e["code"]) for e in result["errors"]} == {error}


def test_a_psychologist_has_an_rpps_when_they_have_one(gql, mailoutbox, django_capture_on_commit_callbacks):
    without = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks, professionCode="X-PSY")
    assert without["errors"] == []
    with_one = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks, professionCode="X-PSY",
                       email="psy2@example.fr", rpps=rpps_with_key(1_777_000_123))  # fmt: skip
    assert with_one["errors"] == []


def test_an_advanced_practice_nurse_is_representable(gql):
    ipa = make_practitioner("60", specialty="IPA-PCS")
    result = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on Practitioner { specialty isAdvancedPracticeNurse } } }",
        {"id": gid(ipa)},
    )
    assert result["data"]["node"] == {"specialty": "IPA-PCS", "isAdvancedPracticeNurse": True}
    doctor = make_practitioner("10")
    doctor.specialty = "IPA-PCS"
    with pytest.raises(ValidationError) as refused:
        doctor.full_clean()
    assert "specialty" in refused.value.error_dict


def test_only_health_professionals_are_associates_and_the_others_join_in_another_role():
    msp = make_msp(commune="51504", team=(("10", 2), ("60", 1)))
    assistant = make_practitioner("X-AM")
    with pytest.raises(ValidationError) as refused:
        add_member(msp, assistant, MembershipRole.ASSOCIATE)
    assert "role" in refused.value.error_dict
    add_member(msp, assistant, MembershipRole.EMPLOYEE)
    add_member(msp, make_practitioner("X-COORD"), MembershipRole.COORDINATOR)
    add_member(msp, make_practitioner("X-PSY"), MembershipRole.PARTNER)
    assert Membership.objects.filter(msp=msp).count() == 6


def test_the_composition_counts_only_doctors_and_auxiliaires_medicaux():
    msp = make_msp(commune="51504", team=(("10", 2), ("60", 1)))
    nurse = Membership.objects.get(msp=msp, practitioner__profession_id="60")
    nurse.end_date = date(2026, 1, 1)
    nurse.save()
    # A medical assistant recorded as an associate (before the rule existed) does not make up for the nurse.
    Membership.objects.create(
        msp=msp, practitioner=make_practitioner("X-AM"), role=MembershipRole.ASSOCIATE,
        start_date=date(2025, 6, 1),
    )  # fmt: skip
    memberships = Membership.objects.filter(msp=msp).select_related("practitioner__profession")
    state = composition_of(memberships, date(2026, 6, 1))
    assert (state.doctors, state.auxiliaries) == (2, 0) and state.state != CompositionState.COMPLIANT
