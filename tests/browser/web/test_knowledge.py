"""The knowledge base in real browsers (issue 28, item 7), on the demo of the queue's test (`test_queue.py`
calls it once an agent has answered a question): the agent publishes the answer as an article — refused while
it carries a telephone number — and a project holder writing a similar question sees it suggested as she types,
opens it, and the statistics count that read."""

import re

from .conftest import check_page, sign_in
from .test_journeys import wait_for

HOLDER = "porteur.projet@demo.tetedepont.fr"


def an_answer_published_and_suggested(site, offline_page, agent) -> None:
    """`agent` is on the page of a request with a public answer."""
    page = agent.page
    page.get_by_role("link", name="Publier la réponse dans la base de connaissances").click()
    page.wait_for_url(re.compile(r".*/base-de-connaissances/publier/\?demande=.+"))
    drafted = page.input_value("#champ-answer")
    assert drafted.startswith("Oui : une convention")  # the last public answer, to edit
    page.fill("#champ-title", "Faut-il une convention avec l'hôpital pour des consultations avancées ?")
    page.fill("#champ-answer", drafted + " Renseignements au 06 12 34 56 78.")
    page.get_by_role("button", name="Publier l'article").click()
    page.wait_for_load_state()
    assert "un numéro de téléphone" in page.text_content("#erreur-answer")
    check_page(agent, "article-form")
    page.fill("#champ-answer", drafted)
    page.get_by_role("button", name="Publier l'article").click()
    page.wait_for_url(re.compile(r".*/base-de-connaissances/[^/]+/$"))
    assert "Validé par" in page.text_content("main")
    check_page(agent, "article")

    holder = offline_page(site.url, width=375, height=900)
    sign_in(holder, site.url, HOLDER)
    holder.page.goto(f"{site.url}/questions/poser/")
    holder.page.fill("#champ-subject", "Consultations avancées à l'hôpital")
    holder.page.locator("#champ-body").press_sequentially("Une convention est-elle nécessaire ?", delay=20)
    wait_for(holder.page, "() => document.querySelector('#articles-suggeres a') !== null")
    link = holder.page.locator("#articles-suggeres a").first
    assert link.text_content().startswith("Faut-il une convention avec l'hôpital")
    check_page(holder, "question-suggestions")
    holder.page.goto(f"{site.url}{link.get_attribute('href')}")  # the link opens a new tab: the same address
    assert "sur le modèle de l" in holder.page.text_content("main")

    visitor = offline_page(site.url)
    visitor.page.goto(f"{site.url}/base-de-connaissances/?q=conventions+hopital")
    assert visitor.page.locator("main h3 a").first.text_content().startswith("Faut-il une convention")
    check_page(visitor, "knowledge")

    page.goto(f"{site.url}/accelerateur/statistiques/")
    assert "Articles ouverts depuis les suggestions faites pendant la rédaction d'une question : 1" in (
        " ".join(page.text_content("#titre-articles + p").split())
    )
    for browser in (holder, visitor):
        assert browser.outside == []
