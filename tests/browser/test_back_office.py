"""The back office as a Cnam agent sees it, in a real browser at 1,366 px: French everywhere, people by name,
the agent filter limited to the accelerator's agents, the queue's service levels readable without
scrolling sideways. Screenshots kept in test-artifacts/."""

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {
    "admin-index": "/admin/",
    "admin-accelerator-queue": "/admin/mentoring/acceleratorrequest/",
    "admin-hubs": "/admin/network/hubdesignation/",
    "admin-msps": "/admin/network/msp/",
    "admin-slots": "/admin/mentoring/slot/",
    "admin-bookings": "/admin/mentoring/booking/",
    "admin-mentoring-requests": "/admin/mentoring/mentoringrequest/",
    "admin-practitioners": "/admin/network/practitioner/",
}
# English the admin must not show (Django's own words are translated by LANGUAGE_CODE=fr; these are ours).
ENGLISH = re.compile(
    r"\b(Merged into|Paused since|Routed hub|Created at|Updated at|Starts at|Ends at|Confirmed at|Cancelled at|"
    r"Logged by|Approved by|Verified by|Invited by|Key hash|Token hash|Mentee|Requester|Assignee)\b"
)


@pytest.fixture
def agent_browser(offline_page, demo, servers):
    server = servers()
    browser = offline_page(server.url, width=1366, height=800)
    page = browser.page
    page.goto(f"{server.url}/admin/login/")
    page.fill("#id_username", "agent.cnam@demo.tetedepont.fr")
    page.fill("#id_password", "tetedepont-demo")
    page.click("input[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")
    return server, browser


def test_the_main_pages_speak_french_and_show_people_by_name(agent_browser):
    server, browser = agent_browser
    page = browser.page
    for name, path in PAGES.items():
        response = page.goto(f"{server.url}{path}")
        assert response.status == 200, (path, response.status)
        text = page.inner_text("body")
        assert not ENGLISH.search(text), (path, ENGLISH.search(text).group(0))
        assert "Créneaus" not in text
        assert not re.search(r"\(\d{2}\)", text), (path, "a profession code where a name belongs")
        assert "@demo.tetedepont.fr" not in page.inner_text("#content-main") or name == "admin-index", path
        browser.screenshot(name)
    assert browser.outside == []


def test_the_queue_fits_1366_px_and_filters_by_agents_only(agent_browser):
    server, browser = agent_browser
    page = browser.page
    page.goto(f"{server.url}/admin/mentoring/acceleratorrequest/")
    # No sideways scrolling, neither of the page nor of the list inside it.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.evaluate(
        "[...document.querySelectorAll('#changelist .results, #result_list')]"
        ".every(e => e.scrollWidth <= e.clientWidth + 1)"
    )
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert any("délais" in h.lower() for h in headers)
    assert page.locator("#result_list tbody tr").count() == 5
    agents = (
        page.locator("#changelist-filter details", has_text="Par agent").locator("li a").all_inner_texts()
    )
    assert agents == ["Tout", "Personne", "Chloé Agent"]  # not the practitioners' accounts
    page.locator("#changelist-filter a", has_text="Personne").click()
    page.wait_for_url("**/?agent=none")
    assert page.locator("#result_list tbody tr").count() == 4  # all but the one Chloé Agent has
    page.goto(f"{server.url}/admin/mentoring/acceleratorrequest/")
    page.locator("#result_list tbody tr a").first.click()
    text = page.inner_text("#content-main")
    assert "fusionnée dans" in text.lower() and "en pause depuis" in text.lower()
    # The thread and the audit trail, inline: an agent needs them to work the request.
    assert "MESSAGES DE L'ACCÉLÉRATEUR" in text.upper() and "HISTORIQUE DE L'ACCÉLÉRATEUR" in text.upper()
    assert "Nouvelle" in text and "Qualifiée" in text and "NEW" not in text  # the trail in French words
    browser.screenshot("admin-accelerator-request")
