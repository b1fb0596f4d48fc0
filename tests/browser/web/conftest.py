"""The web application in a real browser against a real Daphne in production mode (DEBUG=0), on the demo with the
whole territory file. Every page a test visits is checked by axe-core (no serious or critical violation) and
must not scroll sideways; screenshots at 375 and 1,366 px are kept in test-artifacts/."""

import pathlib

import axe_playwright_python
import pytest

from tests.daphne import PRODUCTION_SECRET_KEY

AXE = (pathlib.Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "tetedepont-demo"


@pytest.fixture
def site(chromium, demo, servers):
    """A production server (DEBUG=0, rate limits on their defaults except for this one client address), on the
    demo; nothing loaded where chromium is missing and the test skips."""
    return servers(
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",  # plain HTTP on loopback: the cookies could not be Secure
        REGISTRATION_CONFIRM_URL="http://127.0.0.1/inscription/confirmer/",
    )


def accessibility_violations(page) -> list:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(AXE)
    violations = page.evaluate(
        "async (rules) => (await axe.run(document, {runOnly: rules})).violations"
        ".map(v => ({id: v.id, impact: v.impact, where: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))",
        AXE_RULES,
    )
    return [v for v in violations if v["impact"] in {"serious", "critical"}]


WIDTHS = (375, 1366)  # a phone, a laptop


def ids_no_selector_finds(page) -> list:
    """The element ids that `#id` cannot name: htmx (hx-preserve, the focus kept across a swap) looks elements up
    that way, and fails on the whole swap for one (an id holding a relay id's `=` once stopped the live queue)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[id]')].map(e => e.getAttribute('id')).filter(id => {
            try { document.querySelector('#' + id); return false; } catch (error) { return true; }
        })"""
    )


def check_page(browser, name: str) -> None:
    """French, axe-core, usable ids, and at each width of `WIDTHS`: no sideways scrolling and a screenshot under
    `name`."""
    page = browser.page
    assert page.evaluate("document.documentElement.lang") == "fr", page.url
    assert accessibility_violations(page) == [], page.url
    assert ids_no_selector_finds(page) == [], page.url
    size = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": size["height"]})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (
            page.url,
            width,
            "scrolls sideways",
        )
        browser.screenshot(f"web-{name}-{width}")
    page.set_viewport_size(size)


def sign_in(browser, base_url: str, email: str) -> None:
    page = browser.page
    page.goto(f"{base_url}/connexion/")
    page.fill("#champ-email", email)
    page.fill("#champ-password", PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base_url}/")
