"""Mentoring in a real browser: the isolated GP of Sainte-Menehould follows her request to Saint-Martin-sur-le-Pré
while its coordinator accepts it, then reads his message in the thread, both live (no reload)."""

import re

import pytest
from django.contrib.auth import get_user_model

from backend.accounts.services import issue_token

from .conftest import check_page, sign_in
from .test_journeys import ISOLATED_GP, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ACCEPT = """mutation($id: ID!) { acceptMentoringRequest(id: $id, hoursPerMonth: 3) {
  mentorship { id } errors { code message } } }"""
POST = """mutation($id: ID!, $body: String!) { postMentorshipMessage(mentorshipId: $id, body: $body) {
  errors { code message } } }"""


def test_a_request_is_accepted_and_answered_live(site, offline_page):
    coordinator = issue_token(
        get_user_model().objects.get(email="coordination.saint-martin@demo.tetedepont.fr")
    )
    browser = offline_page(site.url)
    page = browser.page
    sign_in(browser, site.url, ISOLATED_GP)
    page.get_by_role("link", name="Mon accompagnement").first.click()
    check_page(browser, "mentoring")
    page.get_by_role("link", name="Demander un accompagnement").click()
    check_page(browser, "mentoring-ask")
    page.check("#sujet-ACI_FUNDING", force=True)
    page.fill(
        "#champ-message",
        "Je voudrais comprendre l'accord conventionnel interprofessionnel avant de m'associer.",
    )
    page.select_option("#champ-radius", "80")
    page.get_by_role("button", name="Voir les MSP qui peuvent m'accompagner").click()
    page.wait_for_url(re.compile(r".*/accompagnement/demandes/.*"))
    match = page.locator("ol.tdp-hubs > li", has_text="MSP de Saint-Martin-sur-le-Pré")
    assert "Thèmes couverts" in match.inner_text()  # the API's reasons, in French
    check_page(browser, "mentoring-request")
    match.get_by_role("button", name=re.compile("^Envoyer ma demande")).click()
    page.wait_for_load_state()
    assert "Envoyée, en attente de réponse" in page.locator("#statut-demande").text_content()
    request_id = page.url.rstrip("/").rsplit("/", 1)[1]
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")
    url = page.url

    accepted = site.post(ACCEPT, {"id": request_id}, coordinator.token)
    assert accepted["data"]["acceptMentoringRequest"]["errors"] == []
    mentorship_id = accepted["data"]["acceptMentoringRequest"]["mentorship"]["id"]
    wait_for(page, "() => document.getElementById('statut-demande').textContent.includes('Acceptée')")
    assert page.url == url

    page.get_by_role("link", name="Ouvrir l'accompagnement").click()
    page.wait_for_url(re.compile(rf".*/accompagnement/suivi/{re.escape(mentorship_id)}/"))
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")
    site.post(
        POST,
        {"id": mentorship_id, "body": "Bonjour, je vous propose un premier échange jeudi."},
        coordinator.token,
    )
    wait_for(
        page,
        "() => document.querySelector('[data-live-region]').textContent.includes('premier échange jeudi')",
    )
    page.fill("#champ-body", "Jeudi me convient très bien, merci.")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(re.compile(r".*/accompagnement/suivi/.*"))
    assert "Jeudi me convient très bien" in page.inner_text("main")
    check_page(browser, "mentorship")
    assert browser.outside == []
