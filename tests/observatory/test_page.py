"""The back office's observatory page (issue 15), per role: Cnam staff any territory, an ARS agent their
region only, nobody else; the pictures are SVG drawn by the app (nothing fetched from elsewhere)."""

from datetime import date

import pytest
from django.test import Client

from network.models import Membership
from observatory import pictures
from observatory.services import weak_signals
from tests.factories import ROLES, make_msp
from tests.helpers import at

pytestmark = pytest.mark.django_db

PAGE = "/admin/observatoire/"


def page(user, query=""):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(PAGE + query)


@pytest.fixture
def at_risk(world):
    msp = make_msp("MSP au seul médecin (page)", "51108", team=(("10", 1), ("60", 3)))
    Membership.objects.filter(msp=msp, practitioner__profession_id="10").update(end_date=date(2026, 10, 1))
    make_msp("Projet de MSP (page)", "51272", status="PROJECT", team=())
    weak_signals.refresh(at(2026, 11, 26, 10))
    return msp


@pytest.mark.parametrize("role", ROLES)
def test_the_page_per_role(world, at_risk, role):
    response = page(world.user(role))
    if role in ("anonymous", "practitioner", "coordinator", "other_coordinator"):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 2 and "Progression vers 4" in html
    if role == "other_ars_agent":  # La Réunion by default: nothing of the Marne
        assert "Observatoire des MSP — La Réunion" in html and "MSP au seul médecin" not in html
        assert page(world.user(role), "?level=REGION&code=44").status_code == 403
        assert page(world.user(role), "?level=DEPARTMENT&code=51").status_code == 403
        return
    expected = "Grand Est" if role == "ars_agent" else "France entière"
    assert f"Observatoire des MSP — {expected}" in html
    assert "MSP au seul médecin (page)" in html and "Plus aucun médecin" in html  # the signal, named
    assert 'class="hub"' in html and 'class="service-area"' in html  # the world's hub and its area
    if role == "ars_agent":
        assert page(world.user(role), "?level=NATION").status_code == 403
        assert page(world.user(role), "?level=DEPARTMENT&code=51").status_code == 200


def test_the_page_refuses_unknown_territories_in_french(world):
    response = page(world.user("cnam_staff"), "?level=REGION&code=99")
    assert response.status_code == 400 and "Code de région inconnu" in response.content.decode()


def test_a_staff_account_without_rights_is_refused(world):
    from tests.factories import make_user

    response = page(make_user(is_staff=True))
    assert response.status_code == 403 and "Réservé à l&#x27;équipe de la Cnam" in response.content.decode()


def test_the_chart_draws_the_target_and_every_month():
    svg = pictures.progress_chart([(date(2025, 1, 1), 2400), (date(2026, 11, 1), 2710)], 4000)
    assert svg.count("<circle") == 2 and "Objectif : 4\u202f000 MSP" in svg and ">2\u202f710<" in svg
    assert ">2027<" in svg and ">2023<" in svg  # from the plan's start to its horizon


def test_the_map_has_a_panel_per_overseas_department_present_and_colours_by_coverage():
    communes = [
        pictures.Commune("51", 48.95, 4.36, 1000, True),
        pictures.Commune("89", 48.19, 3.28, 3000, False),
        pictures.Commune("974", -20.88, 55.45, 500, True),
    ]
    places = [pictures.Place("MSP tête de pont", "51", 48.95, 4.36, True, 40)]
    svg = pictures.coverage_map(communes, places, national=True)
    assert 'data-title="France métropolitaine"' in svg and 'data-title="La Réunion"' in svg
    assert 'data-title="Guyane"' not in svg
    assert pictures.COVERAGE_COLOURS[-1] in svg and pictures.COVERAGE_COLOURS[0] in svg  # covered, uncovered
    assert svg.count('class="service-area"') == 1


def test_the_admin_index_links_the_page_for_those_who_may_read_it(world):
    for role, linked in (("cnam_staff", True), ("ars_agent", True)):
        client = Client()
        client.force_login(world.user(role))
        assert ("observatory-link" in client.get("/admin/").content.decode()) is linked
