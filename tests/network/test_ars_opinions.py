"""The opinion of a region's ARS on designating or suspending a hub, read by the Cnam before it decides
(issue 15), and the candidate hubs of its region that the ARS sees to give it."""

import pytest

from network.models import HubOpinion, HubStatus
from tests.factories import ROLES, make_hub, make_msp
from tests.helpers import ERRORS, error_codes, gid, top_codes

pytestmark = pytest.mark.django_db

OPINION = f"""mutation($hub: ID!, $decision: HubDecision!, $favourable: Boolean!, $reason: String!) {{
    giveArsOpinionOnHub(hubId: $hub, decision: $decision, favourable: $favourable, reason: $reason) {{
        hub {{ arsOpinions {{ decision favourable reason regionName }} }} {ERRORS} }} }}"""
OPINIONS = "query($id: ID!) { node(id: $id) { ... on Hub { status arsOpinions { favourable reason } } } }"
REASON = "Coordination fragilisée depuis le départ de deux médecins."


def give(gql, user, hub, decision="SUSPENSION", favourable=True, reason=REASON):
    variables = {"hub": gid(hub), "decision": decision, "favourable": favourable, "reason": reason}
    return gql.execute(OPINION, variables, user=user)


@pytest.mark.parametrize("role", ROLES)
def test_giving_an_opinion_per_role(gql, world, role):
    result = give(gql, world.user(role), world.hub)  # Saint-Martin-sur-le-Pré: Grand Est, approved
    if role == "ars_agent":
        payload = result["data"]["giveArsOpinionOnHub"]
        assert payload["errors"] == []
        assert payload["hub"]["arsOpinions"] == [
            {"decision": "SUSPENSION", "favourable": True, "reason": REASON, "regionName": "Grand Est"}
        ]
    elif role == "anonymous":
        assert top_codes(result) == ["UNAUTHENTICATED"]
    elif role == "other_ars_agent":  # La Réunion's ARS learns nothing of a Grand Est hub
        assert error_codes(result, "giveArsOpinionOnHub") == ["NOT_FOUND"]
    else:  # practitioners, coordinators, Cnam staff (who decide), administrators (no ARS of their own)
        assert "FORBIDDEN" in (top_codes(result) or error_codes(result, "giveArsOpinionOnHub"))
    assert HubOpinion.objects.count() == (1 if role == "ars_agent" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_opinions(gql, world, role):
    give(gql, world.user("ars_agent"), world.hub)
    result = gql.execute(OPINIONS, {"id": gid(world.hub)}, user=world.user(role))
    opinions = result["data"]["node"]["arsOpinions"]
    readers = {"ars_agent", "cnam_staff", "admin"}
    assert opinions == ([{"favourable": True, "reason": REASON}] if role in readers else [])


def test_the_ars_sees_the_candidate_hubs_of_its_region_to_give_its_opinion(gql, world):
    candidate = make_hub(make_msp("MSP candidate (Marne)", commune="51272"), status=HubStatus.CANDIDATE)
    agent, other = world.user("ars_agent"), world.user("other_ars_agent")
    seen = gql.execute(OPINIONS, {"id": gid(candidate)}, user=agent)
    assert seen["data"]["node"]["status"] == "CANDIDATE"
    for outsider in (other, world.user("practitioner")):  # `node` answers null for what one may not see
        assert gql.execute(OPINIONS, {"id": gid(candidate)}, user=outsider)["data"]["node"] is None
    favourable = give(gql, agent, candidate, decision="APPROVAL", reason="Équipe solide, besoin avéré.")
    assert favourable["data"]["giveArsOpinionOnHub"]["errors"] == []
    refused = give(gql, other, candidate, decision="APPROVAL")
    assert error_codes(refused, "giveArsOpinionOnHub") == ["NOT_FOUND"]


def test_an_opinion_fits_the_hubs_status_and_has_a_reason(gql, world):
    agent = world.user("ars_agent")
    approved = give(gql, agent, world.hub, decision="APPROVAL")
    assert error_codes(approved, "giveArsOpinionOnHub") == ["INVALID_HUB_TRANSITION"]
    candidate = make_hub(make_msp("MSP candidate 2 (Marne)", commune="51272"), status=HubStatus.CANDIDATE)
    suspend = give(gql, agent, candidate, decision="SUSPENSION")
    assert error_codes(suspend, "giveArsOpinionOnHub") == ["INVALID_HUB_TRANSITION"]
    (error,) = give(gql, agent, world.hub, reason="   ")["data"]["giveArsOpinionOnHub"]["errors"]
    assert (error["code"], error["field"]) == ("REQUIRED", "reason") and error["message"].startswith(
        "Le motif"
    )
    assert not HubOpinion.objects.exists()


def test_the_cnam_reads_the_opinions_on_the_hubs_page_of_the_back_office(client, gql, world):
    give(gql, world.user("ars_agent"), world.hub, favourable=False, reason="Pas d'objection, au contraire.")
    staff = world.user("cnam_staff")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    page = client.get(f"/admin/network/hubdesignation/{world.hub.pk}/change/")
    assert page.status_code == 200
    assert "Pas d&#x27;objection, au contraire." in page.content.decode() or (
        "Pas d'objection, au contraire." in page.content.decode()
    )


def test_the_database_refuses_an_opinion_without_its_reason(world):
    from django.db import IntegrityError, transaction

    agent = world.user("ars_agent")
    with pytest.raises(IntegrityError), transaction.atomic():
        HubOpinion.objects.create(
            hub=world.hub, region_id="44", author=agent, decision="SUSPENSION", favourable=True, reason=" \n"
        )


def test_the_back_office_shows_the_evidence_and_asks_why_before_designating_against_the_ars(
    client, gql, world
):
    candidate = make_hub(make_msp("MSP candidate (Marne)", commune="51272"), status=HubStatus.CANDIDATE)
    give(
        gql,
        world.user("ars_agent"),
        candidate,
        decision="APPROVAL",
        favourable=False,
        reason="Équipe trop récente.",
    )
    staff = world.user("cnam_staff")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    change = client.get(f"/admin/network/hubdesignation/{candidate.pk}/change/").content.decode()
    assert "Éléments de la décision" in change and "Associés : " in change and "défavorable" in change
    action = {"action": "approve", "_selected_action": [candidate.pk]}
    asked = client.post("/admin/network/hubdesignation/", action)
    assert asked.status_code == 200 and "Pourquoi désigner malgré cet avis" in asked.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == HubStatus.CANDIDATE  # nothing done before the reason
    client.post("/admin/network/hubdesignation/", {**action, "apply": "1", "reason": "  "})
    candidate.refresh_from_db()
    assert candidate.status == HubStatus.CANDIDATE  # an empty reason is none
    client.post("/admin/network/hubdesignation/", {**action, "apply": "1", "reason": "Seule MSP du secteur."})
    candidate.refresh_from_db()
    assert candidate.status == HubStatus.APPROVED and candidate.approval_reason == "Seule MSP du secteur."
    assert candidate.approved_by == staff
