"""The Cnam agent's queue in real browsers (issue 27, journey 5), one context per person: a question a project
holder sends from her own browser appears in the agent's queue without reloading; the agent opens it, sees a
colleague arrive on it, writes an internal note and a public answer, and the project holder reads the answer —
never the note — arrive live on her page; the answer published as an article is suggested to the next question."""

import re

import pytest

from .conftest import check_page, sign_in
from .test_accelerator import a_question_with_a_document_and_the_answer_live
from .test_journeys import wait_for
from .test_knowledge import an_answer_published_and_suggested

pytestmark = pytest.mark.django_db(transaction=True)

AGENT = "agent.cnam@demo.tetedepont.fr"
COLLEAGUE = "admin@demo.tetedepont.fr"  # administrators hold the accelerator's permission too
HOLDER = "porteur.projet@demo.tetedepont.fr"


def count_in(page) -> int:
    return int(re.search(r": (\d+) demande", page.text_content("#titre-file")).group(1))


def test_the_queue_live_and_a_request_worked_with_a_colleague(site, offline_page, tmp_path):
    a_question_with_a_document_and_the_answer_live(
        site, offline_page, tmp_path
    )  # the holder's side, same demo
    agent = offline_page(site.url)
    page = agent.page
    sign_in(agent, site.url, AGENT)
    page.get_by_role("link", name="File de l'accélérateur").click()
    page.wait_for_url(f"{site.url}/accelerateur/")
    check_page(agent, "queue")
    before = count_in(page)
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")

    holder = offline_page(site.url, width=375, height=900)
    sign_in(holder, site.url, HOLDER)
    holder.page.goto(f"{site.url}/questions/poser/")
    holder.page.fill("#champ-subject", "Convention avec l'hôpital de Sens")
    holder.page.select_option("#champ-category", "OTHER")
    holder.page.fill("#champ-body", "Faut-il une convention pour les consultations avancées à l'hôpital ?")
    holder.page.get_by_role("button", name="Envoyer ma question").click()
    holder.page.wait_for_url(re.compile(r".*/questions/[^/]+/$"))
    wait_for(holder.page, "() => document.documentElement.dataset.live === 'ready'")

    wait_for(
        page, f"() => document.getElementById('titre-file').textContent.includes(': {before + 1} demande')"
    )
    assert page.url == f"{site.url}/accelerateur/"  # the queue changed under the agent's eyes
    page.fill("#champ-q", "convention hôpital")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r".*/accelerateur/\?.*q=convention"))
    assert page.locator(".tdp-highlight mark").count() >= 2  # the words found, marked
    page.get_by_role("link", name="Convention avec l'hôpital de Sens").click()
    page.wait_for_url(re.compile(r".*/accelerateur/demandes/[^/]+/$"))
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")

    colleague = offline_page(site.url)
    sign_in(colleague, site.url, COLLEAGUE)
    colleague.page.goto(page.url)
    wait_for(
        page, "() => document.getElementById('presence').textContent.includes('la consulte')", seconds=15
    )
    check_page(agent, "agent-request")

    page.click("label[for=visibilite-interne]")
    page.fill("#champ-body", "Voir avec l'ARS si une convention type existe.")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()
    assert "Note interne — jamais montrée au demandeur" in page.text_content("[data-live-region]")
    page.click("label[for=visibilite-publique]")
    page.fill("#champ-body", "Oui : une convention entre la MSP et l'hôpital, sur le modèle de l'ARS.")
    page.select_option("#champ-nextState", "ANSWERED")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()
    assert "Répondue" in page.text_content("[data-live-region]")

    wait_for(
        holder.page,
        "() => document.querySelector('[data-live-region]').textContent.includes('sur le modèle de l')",
    )
    assert "Voir avec l'ARS" not in holder.page.content()  # the internal note, never

    an_answer_published_and_suggested(site, offline_page, agent)  # the knowledge base, from this answer

    page.goto(f"{site.url}/accelerateur/statistiques/")
    check_page(agent, "queue-statistics")
    assert page.locator("svg[role=img]").count() >= 2
    for browser in (agent, holder, colleague):
        assert browser.outside == []
