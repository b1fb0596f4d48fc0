"""The ARS agent's region through the pages (issue 27, journey 6): its weak signals, taken in hand and closed
with a note, and the ARS's opinion on its hubs; another region's agent sees none of it."""

import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from mentoring.accelerator import services
from mentoring.accelerator.permissions import STAFF_REPLY
from network.models import HubOpinion
from observatory.models import SignalKind, WeakSignal
from tests.factories import make_practitioner
from tests.helpers import gid, question

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


def routed_question(world, subject="Études de faisabilité", commune_code="51108"):
    """A question from the Marne (Grand Est) the Cnam routed to the ARS, with a Cnam internal note."""
    item = services.submit(make_practitioner(user=True), question(subject=subject, commune_code=commune_code))
    staff = world.users["cnam_staff"]
    services.reply(item, staff, "Note interne : dossier sensible.", internal=True, rights=STAFF_REPLY)
    return services.route_to_ars(item, staff, "L'ARS Grand Est finance les études de faisabilité.")


def test_the_ars_inbox_reply_note_and_hand_back(world):
    item = routed_question(world)
    agent = Client()
    agent.force_login(world.users["ars_agent"])
    page = text_of(agent.get("/ars/"))
    assert "Questions confiées à l'ARS (1)" in page and "Études de faisabilité" in page
    url = f"/ars/questions/{gid(item)}/"
    question_page = text_of(agent.get(url))
    assert "L'ARS Grand Est finance les études" in question_page
    assert "dossier sensible" not in question_page  # the Cnam's internal note, never the ARS's to read

    assert (
        agent.post(url, {"action": "note", "body": "Voir le chargé de mission soins primaires."}).status_code
        == 302
    )
    assert (
        agent.post(url, {"action": "reply", "body": "Déposez le dossier avant le 31 mars."}).status_code
        == 302
    )
    thread = text_of(agent.get(url))
    assert "Note ARS et Cnam — jamais montrée au demandeur" in thread and "Déposez le dossier" in thread
    empty = agent.post(url, {"action": "hand-back", "note": ""})
    assert empty.status_code == 400 and 'id="erreur-note"' in empty.content.decode()
    handed = agent.post(url, {"action": "hand-back", "note": "Hors du champ de l'ARS."})
    assert handed.status_code == 302 and handed["Location"] == "/ars/"
    item.refresh_from_db()
    assert item.state == "IN_PROGRESS"
    assert "Questions confiées à l'ARS (0)" in text_of(agent.get("/ars/"))


def test_another_regions_agent_sees_no_question(world):
    item = routed_question(world)
    other = Client()
    other.force_login(world.users["other_ars_agent"])  # La Réunion
    assert "Études de faisabilité" not in text_of(other.get("/ars/"))
    assert other.get(f"/ars/questions/{gid(item)}/").status_code == 404
    other.post(f"/ars/questions/{gid(item)}/", {"action": "reply", "body": "Intrusion"})
    assert not item.messages.filter(body="Intrusion").exists()
    for role in ("practitioner", "coordinator", "cnam_staff"):
        client = Client()
        client.force_login(world.users[role])
        assert client.get(f"/ars/questions/{gid(item)}/").status_code == 403, role


@pytest.mark.parametrize(
    "role", ["anonymous", "practitioner", "ars_agent", "other_ars_agent", "cnam_staff", "admin"]
)
def test_the_observatory_page_per_role(world, role):
    client = Client()
    if world.users[role]:
        client.force_login(world.users[role])
    page = client.get("/observatoire/")
    assert page.status_code == 200
    raw = page.content.decode()
    text = text_of(page)
    expected = {"ars_agent": "Grand Est", "other_ars_agent": "La Réunion"}.get(role, "France entière")
    assert f"Observatoire des MSP — {expected}" in text  # an ARS agent starts on their region
    assert 'aria-labelledby="progress-title"' in raw and 'aria-labelledby="map-title"' in raw
    exports = re.findall(r'href="(/exports/[^"]+)"', raw)
    if role in ("cnam_staff", "admin"):
        assert "/exports/msps.csv?level=NATION" in exports
    elif role == "ars_agent":
        assert "/exports/msps.csv?level=REGION&amp;code=44" in raw
        marne = text_of(client.get("/observatoire/", {"territoire": "departement-51"}))
        assert "Observatoire des MSP — Marne" in marne and "Exports (CSV)" in marne  # a department of theirs
        elsewhere = client.get("/observatoire/", {"territoire": "region-04"}).content.decode()
        assert "/exports/" not in elsewhere  # another region's figures are public, its exports are not
    elif role == "other_ars_agent":
        assert "/exports/msps.csv?level=REGION&amp;code=04" in raw  # La Réunion's
    else:
        assert exports == []
    unknown = text_of(client.get("/observatoire/", {"territoire": "region-99"}))
    assert "Observatoire des MSP —" in unknown  # an unknown territory falls back to the default
