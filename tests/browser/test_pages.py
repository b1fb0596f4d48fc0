"""GraphiQL and the home page in a real browser on a machine without internet."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_graphiql_renders_and_loads_the_schema_with_no_internet(territories, servers, offline_page):
    server = servers()
    browser = offline_page(server.url)
    page = browser.page
    with page.expect_response(lambda r: r.url.endswith("/graphql") and r.request.method == "POST") as schema:
        page.goto(f"{server.url}/graphql")
    assert schema.value.status == 200 and "__schema" in schema.value.request.post_data  # introspection
    page.wait_for_selector(".graphiql-container .graphiql-query-editor .CodeMirror", timeout=15_000)
    assert page.title() == "Tête de pont — GraphiQL"
    assert browser.outside == []  # nothing asked of a CDN
    path = browser.screenshot("graphiql")
    assert path.stat().st_size > 10_000


def test_the_home_page_says_where_to_go_in_french(territories, servers, offline_page):
    server = servers()
    browser = offline_page(server.url)
    browser.page.goto(f"{server.url}/")
    links = browser.page.locator("a").evaluate_all(
        "links => links.map(a => [a.textContent, a.getAttribute('href')])"
    )
    # The web application's home, with the way to the API and the back office for those who need them.
    assert ["API GraphQL (GraphiQL)", "/graphql"] in links and ["Administration", "/admin/"] in links
    assert ["Trouver de l'aide près de chez moi", "/trouver/"] in links
    assert "maisons de santé" in browser.page.inner_text("body")
    browser.screenshot("home")
