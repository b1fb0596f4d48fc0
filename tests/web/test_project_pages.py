"""A project holder's MSP through the pages: declared with its main site, a colleague invited by RPPS accepts from
her own page, the composition is told against the rule in plain French."""

import html
import re

import pytest
from django.test import Client

from network.models import Msp
from tests.factories import make_practitioner

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_declaring_an_msp_inviting_a_colleague_who_accepts(world):
    holder = client_for(world.users["practitioner"])
    refused = holder.post(
        "/mon-projet/declarer/", {"name": "", "address": "1 rue de l'Église", "commune": "51272"}
    )
    assert refused.status_code == 400 and 'id="erreur-name"' in refused.content.decode()

    declared = holder.post(
        "/mon-projet/declarer/",
        {"name": "MSP de Givry (projet)", "address": "1 rue de l'Église", "commune": "51272"},
    )
    assert declared.status_code == 302
    msp = Msp.objects.get(name="MSP de Givry (projet)")
    page = text_of(holder.get(declared["Location"]))
    assert "il manque 2 médecins et 1 auxiliaire médical" in page
    assert "Les MSP tête de pont proches de Givry-en-Argonne" in page

    nurse = make_practitioner("60", "51272", user=True)
    bad = holder.post(declared["Location"], {"rpps": "123", "role": "ASSOCIATE"})
    assert bad.status_code == 400 and 'id="erreur-rpps"' in bad.content.decode()
    invited = holder.post(declared["Location"], {"rpps": nurse.rpps, "role": "ASSOCIATE"})
    assert invited.status_code == 302
    assert "Invitations en attente" in text_of(holder.get(declared["Location"]))

    colleague = client_for(nurse.user)
    mine = text_of(colleague.get("/mon-projet/"))
    assert "MSP de Givry (projet) vous invite comme associé" in mine
    invitation_id = re.search(
        r'action="/invitations/([^/]+)/"', colleague.get("/mon-projet/").content.decode()
    ).group(1)
    accepted = colleague.post(f"/invitations/{invitation_id}/", {"accept": "yes"})
    assert accepted.status_code == 302
    assert "Vous avez rejoint MSP de Givry (projet)." in text_of(colleague.get("/mon-projet/"))
    assert msp.memberships.filter(practitioner=nurse).exists()
    assert nurse.full_name in text_of(holder.get(declared["Location"]))

    # The project's page is its coordinators' only.
    assert colleague.get(declared["Location"]).status_code in {403, 404}
