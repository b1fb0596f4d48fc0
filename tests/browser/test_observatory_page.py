"""The observatory page in a real browser (issue 15): the ARS Grand Est agent and the Cnam agent sign in to
the back office of a real Daphne, on the demo with the whole territory file, and see the key figures, the
progress chart and the map drawn by the app, with nothing fetched from elsewhere. Screenshots kept in
test-artifacts/."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_server(chromium, demo, servers):
    return servers()


def sign_in(browser, server, email):
    page = browser.page
    page.goto(f"{server.url}/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "tetedepont-demo")
    page.click("input[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")
    return page


@pytest.mark.parametrize(
    "email, territory, screenshot",
    [
        ("ars.grand-est@demo.tetedepont.fr", "Grand Est", "observatory-ars-grand-est"),
        ("agent.cnam@demo.tetedepont.fr", "France entière", "observatory-cnam-nation"),
    ],
)
def test_the_observatory_page_in_a_browser(demo_server, offline_page, email, territory, screenshot):
    browser = offline_page(demo_server.url, width=1366, height=900)
    page = sign_in(browser, demo_server, email)
    page.click("#observatory-link a")  # from the back office's index
    page.wait_for_selector("#key-figures")
    assert page.title().startswith(f"Observatoire des MSP — {territory}")
    figures = page.inner_text("#key-figures").replace("\u202f", " ").replace("\xa0", " ")
    assert "MSP en fonctionnement" in figures and "de l'objectif national (4 000)" in figures
    map_box = page.locator("svg.observatory-map").bounding_box()
    chart_box = page.locator("svg.observatory-chart").bounding_box()
    assert map_box["width"] > 500 and map_box["height"] > 500 and chart_box["width"] > 400
    assert page.locator("svg.observatory-map rect.hub").count() >= 1  # Saint-Martin-sur-le-Pré at least
    assert page.locator("svg.observatory-map .service-area").count() >= 1
    panels = page.locator("svg.observatory-map g.panel").evaluate_all("els => els.map(e => e.dataset.title)")
    if territory == "France entière":
        assert panels[0] == "France métropolitaine" and "La Réunion" in panels
    signals = page.inner_text("#signals")
    assert "Demande d'accompagnement n°" in signals and "MSP de Saint-Martin-sur-le-Pré" in signals
    browser.screenshot(screenshot)
    assert browser.outside == []  # nothing fetched from elsewhere: the page works offline
    # Choosing a territory shows it at once (the page's script, allowed by the policy's nonce).
    choice = page.locator("#territory-choice option").nth(1)
    level, code = choice.get_attribute("data-level"), choice.get_attribute("value")
    with page.expect_navigation():
        page.select_option("#territory-choice", index=1)
    assert f"level={level}" in page.url and f"code={code}" in page.url
    if territory == "Grand Est":  # an agent's own region only
        response = page.goto(f"{demo_server.url}/admin/observatoire/?level=REGION&code=04")
        assert response.status == 403 and "sa région" in page.inner_text("#content")
