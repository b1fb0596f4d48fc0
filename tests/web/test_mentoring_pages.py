"""Asking for mentoring through the pages: the need, the hubs the API matches with its reasons, sending, the
hub's answer, the thread, the rating; someone else's request is not found."""

import html
import re

import pytest
from django.test import Client

from mentoring.models import MentoringRequest, RequestStatus
from tests.helpers import gid

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


ACCEPT = """mutation($id: ID!) { acceptMentoringRequest(id: $id, hoursPerMonth: 3) {
  mentorship { id } errors { code message } } }"""
END = """mutation($id: ID!) { endMentorship(id: $id, outcome: HEALTH_PROJECT_WRITTEN) { errors { code } } }"""


def test_asking_sending_and_following_a_mentoring_request(world, gql):
    mentee = client_for(world.users["practitioner"])
    refused = mentee.post(
        "/accompagnement/demander/", {"message": "", "communeCode": "51504", "radius": "50"}
    )
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    assert not MentoringRequest.objects.exists()

    asked = mentee.post(
        "/accompagnement/demander/",
        {"topics": ["HEALTH_PROJECT"], "message": "Nous montons une MSP à Saint-Martin : par où commencer ?",
         "communeCode": "51504", "radius": "50"},
    )  # fmt: skip
    assert asked.status_code == 302
    request = MentoringRequest.objects.get()
    page = text_of(mentee.get(asked["Location"]))
    assert world.msp.name in page and "Envoyer ma demande" in page
    assert "Thèmes couverts" in page or "km" in page  # the API's reasons, in French

    sent = mentee.post(f"{asked['Location']}envoyer/", {"hub": gid(world.hub)})
    assert sent.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT
    assert "Envoyée, en attente de réponse" in text_of(mentee.get(asked["Location"]))

    # The hub's coordinator accepts (their screens are issue 27's): the mentee's page then leads to the thread.
    accepted = gql.execute(ACCEPT, {"id": gid(request)}, user=world.users["coordinator"])
    mentorship_id = accepted["data"]["acceptMentoringRequest"]["mentorship"]["id"]
    page = text_of(mentee.get(asked["Location"]))
    assert "Acceptée" in page and f"/accompagnement/suivi/{mentorship_id}/" in page

    thread = f"/accompagnement/suivi/{mentorship_id}/"
    assert mentee.post(thread, {"action": "message", "body": ""}).status_code == 400
    assert (
        mentee.post(
            thread, {"action": "message", "body": "Merci ! Quand pouvons-nous échanger ?"}
        ).status_code
        == 302
    )
    assert "Merci ! Quand pouvons-nous échanger ?" in text_of(mentee.get(thread))

    gql.execute(END, {"id": mentorship_id}, user=world.users["coordinator"])
    ended = text_of(mentee.get(thread))
    assert "Projet de santé écrit" in ended and "Donner mon appréciation" in ended
    assert (
        mentee.post(thread, {"action": "feedback", "rating": "5", "comment": "Très utile."}).status_code
        == 302
    )
    assert "Votre appréciation : 5 sur 5." in text_of(mentee.get(thread))

    # The coordinator of another MSP opens neither the request nor the thread.
    other = client_for(world.users["other_coordinator"])
    assert other.get(asked["Location"]).status_code == 404
    assert other.get(thread).status_code == 404
    assert mentee.get("/accompagnement/").status_code == 200
