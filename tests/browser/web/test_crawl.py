"""Every page of the web application that each demo role can reach by following links answers 200, says
lang="fr", asks nothing of another server, logs no script error and has no serious or critical accessibility
violation (axe-core). A page nobody wrote a test for is checked all the same."""

import base64
import binascii
from urllib.parse import urldefrag, urlsplit

import pytest

from .conftest import accessibility_violations, ids_no_selector_finds, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = [
    None,  # a visitor
    "medecin.isole@demo.tetedepont.fr",
    "porteur.projet@demo.tetedepont.fr",
    "medecin.saint-paul@demo.tetedepont.fr",
    "coordination.saint-martin@demo.tetedepont.fr",
    "agent.cnam@demo.tetedepont.fr",
    "ars.grand-est@demo.tetedepont.fr",
]
PRACTITIONERS = ROLES[1:5]
# Not pages of the web application: the API, the back office and files have tests of their own.
OUTSIDE_THE_APP = (
    "/graphql",
    "/admin",
    "/healthz",
    "/static/",
    "/exports/",
    "/accelerator/",
    "/calendar/",
    "/auth/",
)
FILES = (".ics", ".json")  # downloads (a calendar file, my data): fetched, not opened as pages
MAX_PAGES = 60  # per role: the demo's pages are fewer; a loop of generated links would stop here
# Pages of one route (a request's page, a slot's…) share their template: two of each are opened, not all.
PER_ROUTE = 2


def _is_identifier(segment: str) -> bool:
    """A database id, or a global ID (base64 of "Type:pk") as the pages put them in their addresses."""
    if segment.isdigit():
        return True
    try:
        decoded = base64.b64decode(segment + "=" * (-len(segment) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    kind, _, pk = decoded.partition(":")
    return kind.isalpha() and pk.isdigit()


def route_of(target: str) -> str:
    """The page's route: identifiers in the path and the query's values left out."""
    path, _, query = target.partition("?")
    route = "/".join("<id>" if _is_identifier(segment) else segment for segment in path.split("/"))
    return route + (
        "?" + "&".join(sorted(pair.partition("=")[0] for pair in query.split("&"))) if query else ""
    )


def crawl(browser, base_url: str, start: str = "/") -> dict[str, int]:
    page = browser.page
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
    seen: dict[str, int] = {}
    opened_per_route: dict[str, int] = {}
    files: set[str] = set()
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or opened_per_route.get(route_of(path), 0) >= PER_ROUTE:
            continue
        opened_per_route[route_of(path)] = opened_per_route.get(route_of(path), 0) + 1
        response = page.goto(base_url + path)
        seen[path] = response.status
        assert response.status == 200, (path, response.status)
        assert page.evaluate("document.documentElement.lang") == "fr", path
        assert accessibility_violations(page) == [], path
        assert ids_no_selector_finds(page) == [], path
        for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
            href = urldefrag(href).url
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != base_url:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.path.endswith(FILES):
                files.add(parts.path)
            elif not target.startswith(OUTSIDE_THE_APP) and target not in seen:
                queue.append(target)
    assert script_errors == []
    for path in files:
        response = page.request.get(base_url + path)
        assert response.status == 200 and "attachment" in response.headers["content-disposition"], path
    return seen


def test_every_reachable_page_answers_in_french_accessibly_and_alone(site, offline_page):
    """Each demo role in a browser of its own, on one demo (loading it once per role would cost a minute)."""
    for email in ROLES:
        browser = offline_page(site.url)
        if email:
            sign_in(browser, site.url, email)
        seen = crawl(browser, site.url)
        assert "/" in seen and "/trouver/" in seen, email
        if email == "ars.grand-est@demo.tetedepont.fr":
            assert {"/ars/", "/observatoire/"} <= set(seen)  # the region's signals, questions, hubs, figures
        if email == "agent.cnam@demo.tetedepont.fr":
            assert "/designations/" in seen  # Cnam staff decide on hub applications
            assert {"/accelerateur/", "/accelerateur/statistiques/", "/accelerateur/reponses-types/"} <= set(
                seen
            )  # and work the queue, with their canned answers and tags
            assert any(path.startswith("/accelerateur/demandes/") for path in seen)
        if email and email.startswith("coordination."):
            assert {"/coordination/", "/mes-tours/", "/observatoire/"} <= set(
                seen
            )  # the hub's dashboard, turns
            assert any(path.startswith("/coordination/ma-tete-de-pont/") for path in seen)  # its offers
            assert any(path.startswith("/coordination/tours/") for path in seen)  # its rota
            assert any(path.startswith("/coordination/creneaux/") for path in seen)  # a slot run
        if email in PRACTITIONERS:
            assert {"/rendez-vous/", "/accompagnement/", "/questions/", "/mon-projet/", "/compte/"} <= set(
                seen
            ), email
        elif email:
            assert "/rendez-vous/" not in seen and "/compte/" in seen, (
                email
            )  # not a practitioner: no appointments
        else:
            assert {"/connexion/", "/inscription/", "/mot-de-passe-oublie/"} <= set(seen)
        assert browser.outside == [], email
        browser.close()
