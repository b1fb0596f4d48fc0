"""The hub coordinator's dashboard in a real browser (issue 27, journey 1): a request sent to Saint-Martin-sur-le-Pré
appears among those waiting while the coordinator looks at it, without reloading."""

import re

import pytest
from django.contrib.auth import get_user_model
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from network.models import HubDesignation

from .conftest import check_page, sign_in
from .test_journeys import ISOLATED_GP, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT = """mutation($input: MentoringRequestInput!) { submitMentoringRequest(input: $input) {
  request { id } errors { code message } } }"""
SEND = """mutation($id: ID!, $hub: ID) { sendMentoringRequest(id: $id, hubId: $hub) { errors { code message } } }"""


def a_new_request_appears_on_the_dashboard_live(site, offline_page):
    """Run by test_hub_running.py on its demo (a demo loaded per test costs 20 s)."""
    browser = offline_page(site.url)
    page = browser.page
    sign_in(browser, site.url, "coordination.saint-martin@demo.tetedepont.fr")
    page.get_by_role("link", name="Ma MSP tête de pont").click()
    page.wait_for_url(f"{site.url}/coordination/")
    check_page(browser, "coordination")
    before = int(re.search(r"\((\d+)\)", page.inner_text("#titre-demandes")).group(1))
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")

    mentee = issue_token(get_user_model().objects.get(email=ISOLATED_GP))
    asked = site.post(SUBMIT, {"input": {"topics": ["ACI_FUNDING"], "message": "Comment lire l'ACI ?",
                                         "communeCode": "51507", "radiusKm": 80}}, mentee.token)  # fmt: skip
    request_id = asked["data"]["submitMentoringRequest"]["request"]["id"]
    hub = HubDesignation.objects.get(msp__name="MSP de Saint-Martin-sur-le-Pré")
    sent = site.post(SEND, {"id": request_id, "hub": to_global_id("Hub", hub.pk)}, mentee.token)
    assert sent["data"]["sendMentoringRequest"]["errors"] == []
    wait_for(page, f"() => document.getElementById('titre-demandes').textContent.includes('({before + 1})')")
    assert page.url == f"{site.url}/coordination/"
    assert browser.outside == []
