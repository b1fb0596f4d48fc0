"""Journeys of issue 26 in a real browser: an isolated GP finds the hubs that can reach Sainte-Menehould, books a
consultation at Givry-en-Argonne, sees it in « Mes rendez-vous » and cancels it; a nurse signs up with the code
from her e-mail; seats change live on another visitor's page as someone books."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from graphql_relay import to_global_id

from backend.accounts.services import issue_token
from backend.mail.models import OutgoingEmail
from mentoring.models import Slot, SupportOffer
from network.identifiers import rpps_with_key

from .conftest import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(page, predicate: str, arg=None, seconds: float = 20) -> None:
    """Playwright's wait_for_function compiles its predicate with eval, which the pages' policy forbids: poll.
    Up to 20 s: with the whole suite on two cores, a live event once took more than 10 s to show."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(predicate, arg):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {predicate}"
        page.wait_for_timeout(100)


ISOLATED_GP = "medecin.isole@demo.tetedepont.fr"


@pytest.mark.parametrize("width", [1366, 375])
def test_an_isolated_gp_finds_a_hub_books_and_cancels(site, offline_page, width):
    browser = offline_page(site.url, width=width, height=900)
    page = browser.page
    page.goto(f"{site.url}/")
    check_page(browser, "home")
    sign_in(browser, site.url, ISOLATED_GP)
    check_page(browser, "home-signed-in")

    page.goto(f"{site.url}/trouver/")
    # Her commune is filled in from her account; at 30 km no hub reaches Sainte-Menehould, at 50 km one does.
    assert page.input_value("#champ-commune") == "51507 — Sainte-Menehould (51800)"
    assert "Aucune MSP tête de pont n'atteint Sainte-Menehould à 30 km" in page.inner_text("main")
    page.select_option("#champ-rayon", "50")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r".*rayon=50.*"))
    hubs = page.locator("ol.tdp-hubs > li")
    assert hubs.count() == 1
    assert "MSP de Saint-Martin-sur-le-Pré" in hubs.first.inner_text()
    assert page.locator("svg.tdp-map[role=img] title").text_content() == "Carte des MSP tête de pont proches"
    check_page(browser, "find")

    hubs.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/hubs/.*"))
    assert page.locator("h1").inner_text() == "MSP de Saint-Martin-sur-le-Pré"
    givry = page.locator(
        "section.tdp-offer", has_text="Consultations avancées au pôle de santé de Givry-en-Argonne"
    )
    first_slot = givry.locator("ul.tdp-slots > li").first
    when = first_slot.locator(".tdp-when").inner_text()
    assert re.match(r"(mardi|vendredi) \d+ \w+ 20\d\d, 9h00–12h00", when), when
    check_page(browser, "hub")

    first_slot.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/reserver/"))
    check_page(browser, "book")
    page.get_by_role("button", name="Réserver ce créneau").click()
    page.wait_for_url(f"{site.url}/rendez-vous/")
    main = page.inner_text("main")
    assert "C'est réservé" in main and "Consultations avancées au pôle de santé de Givry-en-Argonne" in main
    assert "Confirmé" in main or "CONFIRMÉ" in main
    check_page(browser, "bookings")

    page.locator("ul.tdp-bookings > li").first.get_by_role("button", name=re.compile("^Annuler")).click()
    page.wait_for_url(f"{site.url}/rendez-vous/")
    assert "Votre rendez-vous est annulé." in page.inner_text("main")
    assert "Aucun rendez-vous à venir" in page.inner_text("main")

    if width > 1000:  # at 375 px the design system's menu holds the button, behind its menu button
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(f"{site.url}/")
        assert "Vous êtes déconnecté." in page.inner_text("main")
    assert browser.outside == []


def test_booking_with_the_keyboard_only(site, offline_page):
    """Tab to the link, Enter, Tab to the button, Enter: no mouse anywhere."""
    browser = offline_page(site.url)
    page = browser.page
    sign_in(browser, site.url, ISOLATED_GP)
    page.goto(f"{site.url}/trouver/?rayon=50")
    page.locator("ol.tdp-hubs a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/hubs/.*"))
    page.locator("ul.tdp-slots a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/reserver/"))
    for _ in range(40):  # from the top of the page, Tab until the booking button has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Réserver ce créneau":
            break
    else:
        pytest.fail("the booking button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/rendez-vous/")
    assert "C'est réservé" in page.inner_text("main")


def test_without_javascript_she_signs_in_finds_books_and_cancels(site, offline_page):
    """Every action of these journeys is a form that posts and a page that redirects: script only improves."""
    browser = offline_page(site.url, width=375, height=900, javascript=False)
    page = browser.page
    sign_in(browser, site.url, ISOLATED_GP)
    page.goto(f"{site.url}/trouver/")
    page.select_option("#champ-rayon", "50")
    page.get_by_role("button", name="Rechercher").click()
    page.locator("ol.tdp-hubs a").first.click()
    page.wait_for_url(re.compile(r".*/hubs/.*"))
    page.locator("ul.tdp-slots a").first.click()
    page.get_by_role("button", name="Réserver ce créneau").click()
    page.wait_for_url(f"{site.url}/rendez-vous/")
    assert "C'est réservé" in page.inner_text("main")
    page.locator("ul.tdp-bookings > li").first.get_by_role("button", name=re.compile("^Annuler")).click()
    page.wait_for_url(f"{site.url}/rendez-vous/")
    assert "Votre rendez-vous est annulé." in page.inner_text("main")
    # The design system's menu needs its script on a small screen: without it, the same links stand under the header.
    page.get_by_role("navigation", name="Menu (sans JavaScript)").get_by_role(
        "button", name="Se déconnecter"
    ).click()
    page.wait_for_url(f"{site.url}/")
    assert "Vous êtes déconnecté." in page.inner_text("main")
    browser.screenshot("web-no-script-375")  # axe-core is a script: the same pages are checked with script on
    assert browser.outside == []


def test_a_nurse_signs_up_with_the_code_from_her_email(site, offline_page):
    browser = offline_page(site.url, width=375, height=900)
    page = browser.page
    page.goto(f"{site.url}/inscription/")
    check_page(browser, "sign-up")
    page.fill("#champ-firstName", "Lucie")
    page.fill("#champ-lastName", "Marchand")
    page.select_option("#champ-professionCode", label="Infirmier")
    page.check("#mode-PROJECT_HOLDER", force=True)
    # The commune's suggestions arrive as she types (htmx), from the API's `communes`.
    page.locator("#champ-commune").press_sequentially("Givry-en-Arg", delay=40)
    wait_for(page, "() => document.querySelectorAll('#communes-proposees option').length > 0")
    suggestion = page.locator("#communes-proposees option").first.get_attribute("value")
    assert suggestion == "51272 — Givry-en-Argonne (51330)"
    page.fill("#champ-commune", suggestion)
    page.fill("#champ-rpps", "123")
    page.fill("#champ-email", "lucie.marchand@example.fr")
    page.fill("#champ-password", "Argonne-2026-soins")
    page.get_by_role("button", name="Créer mon compte").click()
    # The API's refusal of the RPPS, next to the field, announced to a screen reader.
    error = page.locator("#erreur-rpps")
    assert "RPPS" in error.inner_text()
    assert page.get_attribute("#champ-rpps", "aria-describedby") == "erreur-rpps"
    check_page(browser, "sign-up-refused")
    page.fill("#champ-rpps", rpps_with_key(1_777_000_011))
    page.fill("#champ-password", "Argonne-2026-soins")  # never sent back by the server
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(f"{site.url}/inscription/confirmer/")
    check_page(browser, "confirm")
    message = OutgoingEmail.objects.get(to="lucie.marchand@example.fr", kind="registration.code")
    code = re.search(r"^([A-Za-z0-9_-]{20,})$", message.body, re.MULTILINE).group(1)
    link = re.search(r"(http://127\.0\.0\.1/inscription/confirmer/\?code=\S+)", message.body).group(1)
    page.goto(link.replace("http://127.0.0.1", site.url))
    assert page.input_value("#champ-code") == code
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(f"{site.url}/connexion/")
    assert "Votre compte est créé" in page.inner_text("main")
    page.fill("#champ-email", "lucie.marchand@example.fr")
    page.fill("#champ-password", "Argonne-2026-soins")
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{site.url}/")
    assert "Bonjour Lucie" in page.inner_text("main")
    assert browser.outside == []


def test_seats_change_live_on_another_visitors_page(site, offline_page):
    watcher = offline_page(site.url)
    booker = offline_page(site.url)
    watcher.page.goto(f"{site.url}/trouver/?commune=51504&rayon=10")
    watcher.page.locator("ol.tdp-hubs a").first.click()
    watcher.page.wait_for_url(re.compile(r".*/hubs/.*"))
    hub_url = watcher.page.url
    wait_for(watcher.page, "() => document.documentElement.dataset.live === 'ready'")
    seats = watcher.page.locator("ul.tdp-slots [data-seats-of]").first
    before = seats.inner_text()
    taken, capacity = re.match(r"(\d+) places? sur (\d+)", before).groups()

    sign_in(booker, site.url, ISOLATED_GP)
    booker.page.goto(hub_url)
    booker.page.locator("ul.tdp-slots a").first.click()
    booker.page.get_by_role("button", name="Réserver ce créneau").click()
    booker.page.wait_for_url(f"{site.url}/rendez-vous/")

    expected = f"{int(taken) - 1} place{'s' if int(taken) - 1 > 1 else ''} sur {capacity}"
    wait_for(
        watcher.page,
        "([element, text]) => element.textContent.trim() === text",
        [seats.element_handle(), expected],
    )
    assert watcher.page.url == hub_url  # no reload: the WebSocket brought it


BOOK = """mutation($slot: ID!) { bookSlot(slotId: $slot) { booking { id } errors { code message } } }"""
CANCEL = """mutation($id: ID!) { cancelBooking(id: $id) { errors { code message } } }"""


def test_a_promotion_from_the_waitlist_arrives_live(site, offline_page):
    offer = SupportOffer.objects.get(title="Consultations avancées au pôle de santé de Givry-en-Argonne")
    starts = (timezone.now() + timedelta(days=9)).replace(hour=13, minute=0, second=0, microsecond=0)
    slot = Slot.objects.create(offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=1)
    holder = issue_token(get_user_model().objects.get(email="medecin.saint-paul@demo.tetedepont.fr"))
    booked = site.post(BOOK, {"slot": to_global_id("Slot", slot.pk)}, holder.token)["data"]["bookSlot"]
    assert booked["errors"] == []

    browser = offline_page(site.url)
    page = browser.page
    sign_in(browser, site.url, ISOLATED_GP)
    page.goto(f"{site.url}/creneaux/{to_global_id('Slot', slot.pk)}/reserver/")
    page.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    page.wait_for_url(f"{site.url}/rendez-vous/")
    assert "En liste d'attente" in page.locator("main").text_content()
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")

    assert (
        site.post(CANCEL, {"id": booked["booking"]["id"]}, holder.token)["data"]["cancelBooking"]["errors"]
        == []
    )
    wait_for(
        page,
        "() => !document.querySelector('[data-live-region]').textContent.includes(\"En liste d'attente\")",
    )
    assert "Confirmé" in page.locator("[data-live-region]").text_content()
    assert page.url == f"{site.url}/rendez-vous/"
