"""The hub coordinator's dashboard through the pages (issue 27, journey 1): requests waiting for an answer with
the business days waited, unstaffed rota turns, this month's time against capacity, seats taken."""

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import formats, timezone

from mentoring.models import MentoringRequestEvent, OfferKind, RequestEventKind
from mentoring.services import requests as request_service
from tests.factories import make_practitioner
from tests.helpers import gid, offer_for, slot_for

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_dashboard_shows_what_waits_for_the_hub(world, gql):
    mentee = make_practitioner("10", "51272", user=True)
    data = request_service.RequestData(
        topics=["HEALTH_PROJECT"], message="Par où commencer ?", commune_code="51272"
    )
    request = request_service.open_for_hub(mentee, data, world.hub)
    MentoringRequestEvent.objects.filter(request=request, kind=RequestEventKind.SENT).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    rota = offer_for(world.hub, kind=OfferKind.ADVANCED_CONSULTATION, title="Consultations à Givry")
    unstaffed = slot_for(rota, capacity=4, days=3)
    later = slot_for(rota, capacity=4, days=20)  # beyond the 14 days shown

    coordinator = Client()
    coordinator.force_login(world.users["coordinator"])
    page = text_of(coordinator.get("/coordination/"))
    assert "Demandes en attente de votre réponse (1)" in page
    assert mentee.full_name in page and "Écrire le projet de santé" in page
    waited = int(re.search(r"Attend depuis (\d+) jours? ouvrés?", page).group(1))
    assert 5 <= waited <= 8  # ten calendar days hold at least five business days, at most eight
    assert "au-delà de 3 jours ouvrés" in page
    assert "Consultations à Givry" in page and "0 place prise sur 4" in page
    assert re.search(r"Tours de consultations sans médecin.*Consultations à Givry", page)
    assert "sur une capacité de 20 h par mois" in page
    assert formats.date_format(timezone.localtime(unstaffed.starts_at), "l j F") in page
    assert formats.date_format(timezone.localtime(later.starts_at), "l j F") not in page  # beyond 14 days

    # The API's fields behind it: null unless the request waits for the hub.
    query = (
        "query($id: ID!) { node(id: $id) { ... on MentoringRequest { businessDaysWaiting waitingSince } } }"
    )
    answer = gql.execute(query, {"id": gid(request)}, user=world.users["coordinator"])["data"]["node"]
    # Asked after the page: ten calendar days ago at this time of day is exactly on a business-day boundary, so
    # the moments between the two may carry the count over it (never back).
    assert answer["businessDaysWaiting"] in (waited, waited + 1) and answer["waitingSince"]
    request_service.withdraw_request(request, "")
    assert (
        gql.execute(query, {"id": gid(request)}, user=mentee.user)["data"]["node"]["businessDaysWaiting"]
        is None
    )


def test_the_dashboard_is_for_coordinators_of_an_approved_hub(world):
    practitioner = Client()
    practitioner.force_login(world.users["practitioner"])
    refused = practitioner.get("/coordination/")
    assert refused.status_code == 403 and "coordinateurs d'une MSP tête de pont" in text_of(refused)
    assert 'href="/coordination/"' not in practitioner.get("/").content.decode()
    assert Client().get("/coordination/")["Location"] == "/connexion/?next=/coordination/"
    coordinator = Client()
    coordinator.force_login(world.users["coordinator"])
    assert 'href="/coordination/"' in coordinator.get("/").content.decode()


def test_answering_a_request_then_ending_the_mentorship(world):
    mentee = make_practitioner("10", "51272", user=True)
    data = request_service.RequestData(topics=["SISA_LEGAL"], message="Les statuts ?", commune_code="51272")
    request = request_service.open_for_hub(mentee, data, world.hub)
    coordinator = Client()
    coordinator.force_login(world.users["coordinator"])
    page_url = f"/coordination/demandes/{gid(request)}/"
    assert f'href="{page_url}"' in coordinator.get("/coordination/").content.decode()
    page = text_of(coordinator.get(page_url))
    assert "Les statuts ?" in page and "Accepter la demande" in page
    refused = coordinator.post(page_url, {"action": "decline", "reason": ""})
    assert refused.status_code == 400 and 'id="erreur-reason"' in refused.content.decode()
    asked = coordinator.post(page_url, {"action": "ask", "question": "Combien d'associés ?"})
    assert asked.status_code == 302
    request_service.provide_info(request, "Quatre.")
    too_much = coordinator.post(page_url, {"action": "accept", "hoursPerMonth": "500"})
    assert too_much.status_code == 400  # beyond the hub's monthly capacity: the API's French refusal
    accepted = coordinator.post(page_url, {"action": "accept", "hoursPerMonth": "3"})
    assert accepted.status_code == 302
    thread_url = re.search(
        r'href="(/accompagnement/suivi/[^"]+)"', coordinator.get(page_url).content.decode()
    ).group(1)
    thread = text_of(coordinator.get(thread_url))
    assert f"Accompagnement de {mentee.full_name}" in thread and "Terminer l'accompagnement" in thread
    assert "Donner mon appréciation" not in thread
    assert coordinator.post(thread_url, {"action": "message", "body": "Bienvenue !"}).status_code == 302
    ended = coordinator.post(thread_url, {"action": "end", "outcome": "HEALTH_PROJECT_WRITTEN"})
    assert ended.status_code == 302
    after = text_of(coordinator.get(thread_url))
    assert "Projet de santé écrit" in after and "Terminer l'accompagnement" not in after
    mentee_client = Client()
    mentee_client.force_login(mentee.user)
    assert "Donner mon appréciation" in text_of(mentee_client.get(thread_url))
    # Another hub's coordinator cannot open the request.
    other = Client()
    other.force_login(world.users["other_coordinator"])
    assert other.get(page_url).status_code == 404
