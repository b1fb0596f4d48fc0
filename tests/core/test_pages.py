"""`/` and GraphiQL's switch: on in development, off in production unless GRAPHIQL=1."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("graphiql", [True, False])
def test_graphiql_is_served_only_when_enabled_and_the_home_page_follows(settings, graphiql):
    settings.GRAPHIQL = graphiql
    browser = Client(HTTP_ACCEPT="text/html")
    page = browser.get("/graphql")
    home = browser.get("/").content.decode()
    if graphiql:
        assert page.status_code == 200 and "graphiql/graphiql.min.js" in page.content.decode()
        assert "https://" not in page.content.decode()  # no asset from elsewhere
        assert 'href="/graphql"' in home
    else:
        assert page.status_code == 400
        assert page.json()["errors"][0]["message"] == "Indiquez la requête GraphQL (`query`)."
        assert 'href="/graphql"' not in home and "POST /graphql" in home
    assert "Administration" in home
