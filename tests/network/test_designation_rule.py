"""Designation by the plan's rule (issue 28, item 1): a hub is an operating MSP meeting the composition rule —
2 doctors and 1 auxiliaire médical among its associates — or within its 3-year grace period after departures;
against the ARS's unfavourable opinion, only with a written reason, which is kept and shown."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from network.models import HubDecision, HubDesignation, HubOpinion, HubStatus, Membership, MembershipRole
from tests.factories import make_hub, make_msp, make_practitioner
from tests.helpers import gid

pytestmark = pytest.mark.django_db

APPROVE = """mutation($id: ID!, $reason: String) { approveHub(id: $id, reason: $reason) {
  hub { status approvalReason } errors { field code message } } }"""


def candidate(team, start=date(2020, 1, 1)):
    return make_hub(
        make_msp("MSP candidate (test)", commune="51272", team=team, start=start), status=HubStatus.CANDIDATE
    )


def test_one_doctor_and_two_nurses_that_never_had_two_doctors_are_refused(gql, world):
    hub = candidate(team=(("10", 1), ("60", 2)))
    result = gql.execute(APPROVE, {"id": gid(hub)}, user=world.user("cnam_staff"))
    error = result["data"]["approveHub"]["errors"][0]
    assert error["code"] == "COMPOSITION_BELOW_MINIMUM"
    assert error["message"] == (
        "La MSP ne respecte pas la composition minimale : au moins 2 médecins et 1 auxiliaire médical parmi les "
        "associés (ou, après des départs, 1 médecin et 2 auxiliaires médicaux pendant 3 ans au plus). Elle compte "
        "1 médecin et 2 auxiliaires médicaux parmi ses associés."
    )
    assert HubDesignation.objects.get(pk=hub.pk).status == HubStatus.CANDIDATE


def test_within_its_grace_period_after_a_departure_it_may_be_designated(gql, world):
    hub = candidate(team=(("10", 2), ("60", 2)))
    doctor = Membership.objects.filter(msp=hub.msp, practitioner__profession_id="10").first()
    doctor.end_date = timezone.localdate() - timedelta(days=200)  # a doctor left: 1 doctor, 2 nurses since
    doctor.save()
    result = gql.execute(APPROVE, {"id": gid(hub)}, user=world.user("cnam_staff"))
    assert result["data"]["approveHub"] == {
        "hub": {"status": "APPROVED", "approvalReason": None},
        "errors": [],
    }


def test_once_the_grace_period_is_over_it_may_not(gql, world):
    hub = candidate(team=(("10", 2), ("60", 2)), start=date(2018, 1, 1))
    doctor = Membership.objects.filter(msp=hub.msp, practitioner__profession_id="10").first()
    doctor.end_date = timezone.localdate() - timedelta(days=4 * 365)
    doctor.save()
    error = gql.execute(APPROVE, {"id": gid(hub)}, user=world.user("cnam_staff"))["data"]["approveHub"][
        "errors"
    ][0]
    assert error["code"] == "COMPOSITION_BELOW_MINIMUM" and "délai de grâce échu le" in error["message"]


def test_only_associates_count(gql, world):
    hub = candidate(team=(("10", 1), ("60", 1)))
    Membership.objects.create(msp=hub.msp, practitioner=make_practitioner("10", "51272"), role=MembershipRole.EMPLOYEE,
                              start_date=date(2020, 1, 1))  # fmt: skip
    error = gql.execute(APPROVE, {"id": gid(hub)}, user=world.user("cnam_staff"))["data"]["approveHub"][
        "errors"
    ][0]
    assert error["code"] == "COMPOSITION_BELOW_MINIMUM"  # a salaried doctor is not an associate


def test_against_an_unfavourable_ars_opinion_a_reason_is_required_and_kept(gql, world):
    hub = candidate(team=(("10", 2), ("60", 1)))
    HubOpinion.objects.create(hub=hub, region_id="44", author=world.user("ars_agent"), decision=HubDecision.APPROVAL,
                              favourable=False, reason="Projet de santé pas encore validé.")  # fmt: skip
    refused = gql.execute(APPROVE, {"id": gid(hub)}, user=world.user("cnam_staff"))["data"]["approveHub"]
    assert refused["errors"] == [
        {"field": "reason", "code": "REQUIRED", "message": "L'ARS Grand Est a donné un avis défavorable à cette "
         "désignation : écrivez pourquoi vous désignez la MSP malgré tout."}
    ]  # fmt: skip
    approved = gql.execute(
        APPROVE,
        {"id": gid(hub), "reason": "Projet validé depuis, pièce jointe au dossier."},
        user=world.user("cnam_staff"),
    )["data"]["approveHub"]
    assert approved == {"hub": {"status": "APPROVED", "approvalReason": "Projet validé depuis, pièce jointe au dossier."},
                        "errors": []}  # fmt: skip
    # The reason is the Cnam's, the ARS's and the MSP's coordinators' to read, nobody else's.
    query = "query($id: ID!) { node(id: $id) { ... on Hub { approvalReason } } }"
    for role, sees in (
        ("ars_agent", True),
        ("other_ars_agent", False),
        ("practitioner", False),
        ("cnam_staff", True),
    ):
        node = gql.execute(query, {"id": gid(hub)}, user=world.user(role))["data"]["node"]
        assert (node or {}).get("approvalReason") == (
            "Projet validé depuis, pièce jointe au dossier." if sees else None
        ), role


def test_a_favourable_opinion_needs_no_reason(gql, world):
    hub = candidate(team=(("10", 2), ("60", 1)))
    HubOpinion.objects.create(hub=hub, region_id="44", author=world.user("ars_agent"), decision=HubDecision.APPROVAL,
                              favourable=True, reason="Équipe solide.")  # fmt: skip
    result = gql.execute(APPROVE, {"id": gid(hub)}, user=world.user("cnam_staff"))["data"]["approveHub"]
    assert result["errors"] == []
