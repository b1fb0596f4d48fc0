"""Running a hub in real browsers (issue 27, journeys 2 and 4), one context per person: the coordinator of
Saint-Martin-sur-le-Pré watches the dashboard while a GP books one of its slots from her own browser (the seats
taken change live); then opens a weekly series across Christmas and reads that it was skipped; opens a slot
and the rota grid; a member of the hub answers his turns on his own page. Then a peer session of Sakisoigne,
held and coming."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from mentoring.models import Slot
from network.models import HubDesignation

from .conftest import check_page, sign_in
from .test_coordination import a_new_request_appears_on_the_dashboard_live
from .test_journeys import ISOLATED_GP, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

COORDINATOR = "coordination.saint-martin@demo.tetedepont.fr"
MEMBER = "medecin.saint-martin@demo.tetedepont.fr"
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def next_christmas() -> date:
    today = timezone.localdate()
    christmas = date(today.year, 12, 25)
    return christmas if christmas - today > timedelta(days=3) else date(today.year + 1, 12, 25)


def test_the_dashboard_live_a_series_across_christmas_the_rota_and_turns(site, offline_page):
    a_new_request_appears_on_the_dashboard_live(site, offline_page)  # journey 1, on the same demo
    coordinator = offline_page(site.url)
    page = coordinator.page
    sign_in(coordinator, site.url, COORDINATOR)
    page.get_by_role("link", name="Ma MSP tête de pont").click()
    page.wait_for_url(f"{site.url}/coordination/")
    hub = HubDesignation.objects.get(msp__name="MSP de Saint-Martin-sur-le-Pré")
    now = timezone.now()
    slot = (
        Slot.objects.filter(offer__hub=hub, status="OPEN", starts_at__gt=now + timedelta(days=2),
                            starts_at__lt=now + timedelta(days=14), offer__kind="ADVANCED_CONSULTATION")
        .order_by("starts_at")
        .first()
    )  # fmt: skip
    link = page.locator(f'a[href="/coordination/creneaux/{to_gid(slot)}/"]').first
    row = link.locator("xpath=ancestor::li[1]")
    before = row.text_content()
    wait_for(page, "() => document.documentElement.dataset.live === 'ready'")

    gp = offline_page(site.url, width=375, height=900)
    sign_in(gp, site.url, ISOLATED_GP)
    gp.page.goto(f"{site.url}/creneaux/{to_gid(slot)}/reserver/")
    gp.page.get_by_role("button", name="Réserver ce créneau").click()
    gp.page.wait_for_url(f"{site.url}/rendez-vous/")
    wait_for(
        page,
        "([href, before]) => { const a = document.querySelector(`a[href='${href}']`);"
        " return a && a.closest('li').textContent !== before; }",
        [f"/coordination/creneaux/{to_gid(slot)}/", before],
    )
    assert page.url == f"{site.url}/coordination/"  # the seats taken changed without reloading

    page.get_by_role("link", name="Offres et réglages").click()
    page.wait_for_url(re.compile(r".*/coordination/ma-tete-de-pont/.*"))
    check_page(coordinator, "hub-settings")
    page.locator("a", has_text="Ouvrir des créneaux réguliers").first.click()
    page.wait_for_url(re.compile(r".*/serie/$"))
    check_page(coordinator, "hub-series")
    christmas = next_christmas()
    for code in ("TU", "FR"):  # the form's defaults
        page.click(f"label[for=jour-{code}]")
    page.click(f"label[for=jour-{DAYS[christmas.weekday()]}]")
    page.fill("#champ-startTime", "14:00")
    page.fill("#champ-startsOn", (christmas - timedelta(days=7)).isoformat())
    page.fill("#champ-until", (christmas + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Ouvrir les créneaux").click()
    page.wait_for_load_state()
    assert re.search(
        r"\d créneaux? ouverts?", page.text_content("main")
    )  # Christmas (and New Year's Day, if the same weekday) left out
    assert "Noël" in page.text_content("#titre-feries + ul")
    check_page(coordinator, "hub-series-created")

    page.locator(".tdp-slots a").first.click()
    page.wait_for_url(re.compile(r".*/coordination/creneaux/[^/]+/$"))
    assert "Toute la série" in page.text_content("main")
    check_page(coordinator, "hub-slot")
    page.goto(f"{site.url}/coordination/tours/")
    check_page(coordinator, "hub-rota")
    assert page.locator(".tdp-rota td").count() == 28  # four weeks of seven days

    member = offline_page(site.url)
    sign_in(member, site.url, MEMBER)
    member.page.get_by_role("link", name="Mes tours").click()
    member.page.wait_for_url(f"{site.url}/mes-tours/")
    check_page(member, "turns")
    confirm = member.page.get_by_role("button", name=re.compile("^Je le tiendrai"))
    if confirm.count():
        confirm.first.click()
        member.page.wait_for_load_state()
        assert "Tour confirmé" in member.page.text_content("main")

    # Journey 4, the Project ECHO way: Sakisoigne's peer session held a fortnight ago (agenda, anonymised cases,
    # attendance, documents), then the next one's agenda set by its coordinator.
    peer = offline_page(site.url)
    sign_in(peer, site.url, "coordination.sakisoigne@demo.tetedepont.fr")
    sessions = Slot.objects.filter(offer__kind="PEER_FACILITATION", offer__hub__msp__name="MSP Sakisoigne")
    held = sessions.filter(starts_at__lt=now).order_by("-starts_at").first()
    peer.page.goto(f"{site.url}/seances/{to_gid(held)}/")
    assert held.cases.count() and held.cases.first().title in peer.page.text_content(
        "#titre-cas + article h3"
    )
    check_page(peer, "session-held")
    coming = sessions.filter(starts_at__gt=now).order_by("starts_at").first()
    peer.page.goto(f"{site.url}/seances/{to_gid(coming)}/")
    peer.page.fill("#champ-agenda", "1. Tour de table\n2. Un cas de diabète de type 1 à l'école")
    peer.page.get_by_role("button", name="Enregistrer l'ordre du jour").click()
    peer.page.wait_for_load_state()
    assert "diabète de type 1 à l'école" in peer.page.text_content("#titre-ordre + div")
    check_page(peer, "session-coming")
    for browser in (coordinator, gp, member, peer):
        assert browser.outside == []


def to_gid(obj) -> str:
    from graphql_relay import to_global_id

    return to_global_id(type(obj).__name__, obj.pk)
