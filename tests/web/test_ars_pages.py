"""The ARS agent's region through the pages (issue 27, journey 6): its weak signals, taken in hand and closed
with a note, and the ARS's opinion on its hubs; another region's agent sees none of it."""

import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from network.models import HubOpinion
from observatory.models import SignalKind, WeakSignal
from tests.helpers import gid

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_regions_signals_and_opinions(world):
    signal = WeakSignal.objects.create(
        key=f"test-{world.msp.pk}", kind=SignalKind.MEMBERS_LOST, msp=world.msp, region_id="44",
        department_id=world.msp.sites.first().commune.department_id, reason="Deux médecins partis en 2026.",
        suggested_action="Proposer un accompagnement.", started_at=timezone.now(),
    )  # fmt: skip
    agent = Client()
    agent.force_login(world.users["ars_agent"])
    page = text_of(agent.get("/ars/"))
    assert "Deux médecins partis en 2026." in page and "Départs de professionnels" in page
    assert world.msp.name in page  # its hub, for an opinion

    agent.post("/ars/", {"signal": gid(signal), "action": "acknowledge", "note": "Appel prévu lundi."})
    signal.refresh_from_db()
    assert signal.status == "ACKNOWLEDGED"
    refused = agent.post("/ars/", {"hub": gid(world.hub), "decision": "SUSPENSION", "favourable": "yes", "reason": ""}, follow=True)  # fmt: skip
    assert "fr-alert--error" in refused.content.decode() and not HubOpinion.objects.exists()
    agent.post(
        "/ars/",
        {"hub": gid(world.hub), "decision": "SUSPENSION", "favourable": "no", "reason": "Elle tient."},
    )
    assert HubOpinion.objects.get().reason == "Elle tient."

    other = Client()
    other.force_login(world.users["other_ars_agent"])
    elsewhere = text_of(other.get("/ars/"))
    assert "Deux médecins partis" not in elsewhere and world.msp.name not in elsewhere
    practitioner = Client()
    practitioner.force_login(world.users["practitioner"])
    assert practitioner.get("/ars/").status_code == 403
