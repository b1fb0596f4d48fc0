"""The ARS agent in real browsers (issue 27, journey 6), one context each: the Cnam's agent routes a question of
the Marne to the ARS Grand Est from her request page, and it appears in the ARS agent's inbox while he looks;
he answers the requester, notes for the Cnam, and hands it back; then the region's observatory, its map and
its exports; then his opinion on a hub's suspension, which the Cnam's agent reads on the designations page
(journey 7) before deciding."""

import re

import pytest

from mentoring.accelerator.models import AcceleratorRequest

from .conftest import check_page, sign_in
from .test_journeys import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ARS = "ars.grand-est@demo.tetedepont.fr"
AGENT = "agent.cnam@demo.tetedepont.fr"
SUBJECT = "Signature de l'ACI avant l'ouverture ?"  # the demo's question from the Marne


def test_a_question_reaches_the_ars_inbox_live_and_goes_back(site, offline_page):
    ars = offline_page(site.url)
    page = ars.page
    sign_in(ars, site.url, ARS)
    page.get_by_role("link", name="ARS Grand Est").click()
    page.wait_for_url(f"{site.url}/ars/")
    assert SUBJECT not in page.text_content("[data-live-region]")
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")

    agent = offline_page(site.url)
    sign_in(agent, site.url, AGENT)
    agent.page.goto(f"{site.url}/accelerateur/")
    agent.page.get_by_role("link", name=SUBJECT).click()
    agent.page.wait_for_url(re.compile(r".*/accelerateur/demandes/[^/]+/$"))
    agent.page.fill("#champ-note", "L'ARS Grand Est accompagne les projets avant la signature de l'ACI.")
    agent.page.get_by_role("button", name="Confier à l'ARS").click()
    agent.page.wait_for_load_state()
    assert "Confiée à l'ARS" in agent.page.text_content("[data-live-region]")

    wait_for(page, f"() => document.querySelector('[data-live-region]').textContent.includes({SUBJECT!r})")
    check_page(ars, "ars")
    page.get_by_role("link", name=SUBJECT).click()
    page.wait_for_url(re.compile(r".*/ars/questions/[^/]+/$"))
    check_page(ars, "ars-question")
    page.fill("#champ-body", "Le chargé de mission soins primaires vous appelle cette semaine.")
    page.get_by_role("button", name="Répondre au demandeur").click()
    page.wait_for_load_state()
    assert "vous appelle cette semaine" in page.text_content("[data-live-region]")
    page.fill("#champ-note", "Question de calendrier ACI : mieux traitée par la Cnam.")
    page.get_by_role("button", name="Rendre à la Cnam").click()
    page.wait_for_url(f"{site.url}/ars/")
    assert AcceleratorRequest.objects.get(subject=SUBJECT).state == "IN_PROGRESS"

    page.get_by_role("link", name="Observatoire", exact=True).click()
    page.wait_for_url(f"{site.url}/observatoire/")
    assert page.text_content("h1") == "Observatoire des MSP — Grand Est"
    check_page(ars, "observatory")
    link = page.get_by_role("link", name="Les MSP — Grand Est").get_attribute("href")
    exported = page.request.get(site.url + link)
    assert exported.status == 200 and "attachment" in exported.headers["content-disposition"]

    # Journey 7 with the ARS's part of it: the ARS gives its opinion on suspending a hub of its region; the
    # Cnam's agent reads it beside the hub's composition on the designations page, and suspends it.
    page.goto(f"{site.url}/ars/")
    box = page.locator(
        "section[aria-labelledby=titre-hubs] .tdp-box", has_text="MSP de Saint-Martin-sur-le-Pré"
    )
    box.get_by_text("Défavorable", exact=True).click()
    box.locator("input[name=reason]").fill("Seule MSP tête de pont du secteur : la garder.")
    box.get_by_role("button", name="Donner l'avis de l'ARS").click()
    page.wait_for_load_state()
    assert "Votre avis est transmis à la Cnam." in page.text_content("main")
    agent.page.get_by_role("link", name="Désignations").click()
    agent.page.wait_for_url(f"{site.url}/designations/")
    section = agent.page.locator("section.tdp-box", has_text="MSP de Saint-Martin-sur-le-Pré")
    assert "défavorable à la suspension — « Seule MSP tête de pont du secteur" in section.text_content()
    check_page(agent, "designations")
    section.locator("input[name=reason]").fill("Plus de médecin coordinateur depuis trois mois.")
    section.get_by_role("button", name=re.compile("^Suspendre")).click()
    agent.page.wait_for_load_state()
    assert (
        "Désignation suspendue"
        in agent.page.locator("section.tdp-box", has_text="MSP de Saint-Martin-sur-le-Pré").text_content()
    )
    for browser in (ars, agent):
        assert browser.outside == []
