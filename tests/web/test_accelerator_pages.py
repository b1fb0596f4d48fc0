"""Asking the Cnam's accelerator through the pages: a question with a document, the public replies (never the
staff's internal notes), a reply, the rating once closed; the API's refusals of a file beside the file field."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mentoring.accelerator.models import AcceleratorRequest

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPLY = """mutation($id: ID!, $body: String!, $internal: Boolean!) {
  replyToAcceleratorRequest(id: $id, body: $body, internal: $internal) { errors { code message } } }"""
STATE = """mutation($id: ID!) { setAcceleratorRequestState(id: $id, state: ANSWERED) { errors { code message } } }"""
CLOSE = """mutation($id: ID!) { closeAcceleratorRequest(id: $id, reason: "Réponse donnée.") { errors { code message } } }"""


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def test_a_question_with_a_document_its_public_replies_and_the_rating(world, gql):
    asker = Client()
    asker.force_login(world.users["practitioner"])
    form = text_of(asker.get("/questions/poser/"))
    assert "5 fichiers au plus, 10 Mo chacun et 25 Mo en tout" in form  # the limits, before choosing
    assert 'value="51272 — Givry-en-Argonne"' in form  # the commune of the practitioner, filled in

    disguised = SimpleUploadedFile("statuts.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    refused = asker.post(
        "/questions/poser/",
        {"subject": "Statuts", "body": "Faut-il un médecin gérant ?", "category": "SISA_LEGAL",
         "commune": "51272", "files": [disguised]},
    )  # fmt: skip
    assert refused.status_code == 400 and not AcceleratorRequest.objects.exists()

    sent = asker.post(
        "/questions/poser/",
        {"subject": "Statuts de la Sisa", "body": "Faut-il un médecin gérant ?", "category": "SISA_LEGAL",
         "urgency": "HIGH", "commune": "51272", "files": [SimpleUploadedFile("statuts.pdf", PDF)]},
    )  # fmt: skip
    assert sent.status_code == 302
    request = AcceleratorRequest.objects.get()
    assert request.urgency == "HIGH" and request.commune_id is not None
    page = text_of(asker.get(sent["Location"]))
    assert "Statuts de la Sisa" in page and "statuts.pdf" in page and "Reçue" in page

    question_id = sent["Location"].rstrip("/").rsplit("/", 1)[1]
    staff = world.users["cnam_staff"]
    gql.execute(
        REPLY, {"id": question_id, "body": "Note interne : voir le juriste.", "internal": True}, user=staff
    )
    gql.execute(REPLY, {"id": question_id, "body": "Non : un associé suffit.", "internal": False}, user=staff)
    page = text_of(asker.get(sent["Location"]))
    assert "Non : un associé suffit." in page and "voir le juriste" not in page

    answered = gql.execute(STATE, {"id": question_id}, user=staff)
    assert answered["data"]["setAcceleratorRequestState"]["errors"] == []
    assert "votre question est rouverte" in text_of(asker.get(sent["Location"]))
    replied = asker.post(sent["Location"], {"action": "reply", "body": "Merci, et pour le bail ?"})
    assert replied.status_code == 302
    assert "Merci, et pour le bail ?" in text_of(asker.get(sent["Location"]))
    request.refresh_from_db()
    assert request.state == "IN_PROGRESS"  # her reply reopened it

    assert (
        gql.execute(CLOSE, {"id": question_id}, user=staff)["data"]["closeAcceleratorRequest"]["errors"] == []
    )
    closed = text_of(asker.get(sent["Location"]))
    assert "Clôturée" in closed and "La réponse vous a-t-elle aidé ?" in closed
    assert asker.post(sent["Location"], {"action": "rate", "rating": "4"}).status_code == 302
    assert "Votre appréciation : 4 sur 5." in text_of(asker.get(sent["Location"]))
    assert "Statuts de la Sisa" in text_of(asker.get("/questions/"))

    stranger = Client()
    stranger.force_login(world.users["coordinator"])
    assert stranger.get(sent["Location"]).status_code == 404
