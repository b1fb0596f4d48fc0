"""Designation by the Cnam through the pages (issue 27, journey 7): applications with their MSP's composition,
maturity and the ARS opinions; approve, or suspend with a reason."""

import html
import re

import pytest
from django.test import Client

from network.models import HubDesignation, HubStatus
from tests.factories import make_hub, make_msp
from tests.helpers import gid

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_cnam_staff_decide_on_applications(world):
    candidate = make_hub(
        make_msp("MSP candidate de Givry (test)", commune="51272"), status=HubStatus.CANDIDATE
    )
    staff = Client()
    staff.force_login(world.users["cnam_staff"])
    page = text_of(staff.get("/designations/"))
    assert "MSP candidate de Givry (test)" in page and "Candidature en cours" in page
    assert "Parmi les associés" in page and "Pas d'avis de l'ARS pour le moment." in page
    assert page.index("MSP candidate de Givry (test)") < page.index(world.msp.name)  # applications first

    assert staff.post("/designations/", {"hub": gid(candidate), "action": "approve"}).status_code == 302
    assert HubDesignation.objects.get(pk=candidate.pk).status == HubStatus.APPROVED

    refused = staff.post(
        "/designations/", {"hub": gid(world.hub), "action": "suspend", "reason": ""}, follow=True
    )
    assert HubDesignation.objects.get(pk=world.hub.pk).status == HubStatus.APPROVED
    assert "fr-alert--error" in refused.content.decode()
    staff.post("/designations/", {"hub": gid(world.hub), "action": "suspend", "reason": "Plus de médecin."})
    assert HubDesignation.objects.get(pk=world.hub.pk).status == HubStatus.SUSPENDED
    assert "« Plus de médecin. »" in text_of(staff.get("/designations/"))


def test_the_designation_page_is_the_cnams(world):
    coordinator = Client()
    coordinator.force_login(world.users["coordinator"])
    assert coordinator.get("/designations/").status_code == 403
    # Nor can a coordinator approve through it (the page refuses, and so would the API).
    candidate = make_hub(make_msp("MSP candidate (test)", commune="51272"), status=HubStatus.CANDIDATE)
    coordinator.post("/designations/", {"hub": gid(candidate), "action": "approve"})
    assert HubDesignation.objects.get(pk=candidate.pk).status == HubStatus.CANDIDATE
    assert 'href="/designations/"' not in coordinator.get("/").content.decode()


def test_the_rule_and_the_ars_opinion_on_the_page(world):
    from network.models import HubDecision, HubOpinion

    small = make_hub(
        make_msp("MSP trop petite (test)", commune="51272", team=(("10", 1), ("60", 2))),
        status=HubStatus.CANDIDATE,
    )
    sound = make_hub(make_msp("MSP solide (test)", commune="51272"), status=HubStatus.CANDIDATE)
    HubOpinion.objects.create(hub=sound, region_id="44", author=world.users["ars_agent"], decision=HubDecision.APPROVAL,
                              favourable=False, reason="Attendre la validation du projet de santé.")  # fmt: skip
    staff = Client()
    staff.force_login(world.users["cnam_staff"])
    page = text_of(staff.get("/designations/"))
    assert "Membres : 2 infirmiers" in page or "Membres : 2 infirmier" in page
    refused = text_of(staff.post("/designations/", {"hub": gid(small), "action": "approve"}, follow=True))
    assert "La MSP ne respecte pas la composition minimale" in refused
    assert HubDesignation.objects.get(pk=small.pk).status == HubStatus.CANDIDATE
    needs_reason = text_of(
        staff.post("/designations/", {"hub": gid(sound), "action": "approve"}, follow=True)
    )
    assert "a donné un avis défavorable à cette désignation" in needs_reason
    staff.post(
        "/designations/", {"hub": gid(sound), "action": "approve", "reason": "Projet validé le 2 décembre."}
    )
    assert HubDesignation.objects.get(pk=sound.pk).status == HubStatus.APPROVED
    assert "Désignée malgré l'avis de l'ARS : « Projet validé le 2 décembre. »" in text_of(
        staff.get("/designations/")
    )
