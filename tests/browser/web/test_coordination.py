"""The hub coordinator's dashboard in a real browser (issue 27, journey 1): a request sent to Saint-Martin-sur-le-Pré
appears among those waiting while the coordinator looks at it, without reloading."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from mentoring.models import LIVE_REQUEST_STATUSES
from mentoring.services.requests import MAX_LIVE_REQUESTS
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

    hub = HubDesignation.objects.get(msp__name="MSP de Saint-Martin-sur-le-Pré")

    def send_a_request(email=ISOLATED_GP):
        mentee = issue_token(get_user_model().objects.get(email=email))
        asked = site.post(SUBMIT, {"input": {"topics": ["ACI_FUNDING"], "message": "Comment lire l'ACI ?",
                                             "communeCode": "51507", "radiusKm": 80}}, mentee.token)  # fmt: skip
        request_id = asked["data"]["submitMentoringRequest"]["request"]["id"]
        sent = site.post(SEND, {"id": request_id, "hub": to_global_id("Hub", hub.pk)}, mentee.token)
        assert sent["data"]["sendMentoringRequest"]["errors"] == []

    def shows(count):
        wait_for(page, f"() => document.getElementById('titre-demandes').textContent.includes('({count})')")

    send_a_request()
    shows(before + 1)
    assert page.url == f"{site.url}/coordination/"

    # A request sent while the page is still fetching its list again after the one before: held here, that
    # fetch answers only once the second event has come. The second is shown too (it once went into a copy
    # of the list no longer on the page, and the dashboard stayed one behind).
    held = []

    def hold(route):
        if route.request.headers.get("hx-request") and not held:
            held.append((route, route.fetch()))
        else:
            route.fallback()

    page.route(f"{site.url}/coordination/", hold)
    live = Count(
        "practitioner__mentoring_requests",
        filter=Q(practitioner__mentoring_requests__status__in=LIVE_REQUEST_STATUSES),
    )
    requesters = (
        get_user_model()
        .objects.filter(practitioner__isnull=False)
        .exclude(practitioner__memberships__msp=hub.msp_id)
        .annotate(live=live)
    )
    # who can still send one (a requester has at most MAX_LIVE_REQUESTS under way)
    others = [user.email for user in requesters for _ in range(MAX_LIVE_REQUESTS - user.live)]
    send_a_request(others[0])
    deadline = time.monotonic() + 20
    while not held:
        assert time.monotonic() < deadline, "the dashboard did not fetch its list again"
        page.wait_for_timeout(50)
    send_a_request(others[1])
    page.wait_for_timeout(1500)  # the second event reaches the page while the first fetch is held
    page.unroute(f"{site.url}/coordination/", hold)
    route, response = held[0]
    route.fulfill(response=response)
    shows(before + 3)
    assert browser.outside == []
