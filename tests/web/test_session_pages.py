"""Peer facilitation sessions through the pages (issue 27, journey 4): the agenda set before, anonymised cases
submitted by participants (one carrying a phone number refused beside its field), documents published after,
attendance taken; what each person sees and may do is the API's."""

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mentoring.models import Booking, BookingRole, BookingStatus, OfferKind, PeerCase, Slot
from tests.factories import make_practitioner
from tests.helpers import gid, offer_for

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_in(world, days):
    offer = offer_for(world.hub, kind=OfferKind.PEER_FACILITATION, title="Groupe d'échange de pratiques")
    starts = timezone.now() + timedelta(days=days)
    return Slot.objects.create(offer=offer, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=8)


def seat(slot, practitioner):
    return Booking.objects.create(slot=slot, practitioner=practitioner, status=BookingStatus.CONFIRMED,
                                  starts_at=slot.starts_at, ends_at=slot.ends_at)  # fmt: skip


def test_agenda_and_cases_before_materials_and_attendance_after(world):
    slot = session_in(world, days=5)
    url = f"/seances/{gid(slot)}/"
    participant = world.users["practitioner"].practitioner
    seat(slot, participant)
    coordinator = signed_in(world.users["coordinator"])
    assert "Enregistrer l'ordre du jour" in text_of(coordinator.get(url))
    coordinator.post(
        url, {"action": "agenda", "agenda": "1. Tour de table\n2. Deux cas de plaies chroniques"}
    )
    slot.refresh_from_db()
    assert slot.agenda.startswith("1. Tour de table")

    mine = signed_in(world.users["practitioner"])
    page = text_of(mine.get(url))
    assert "Deux cas de plaies chroniques" in page and "Anonymisez-le" in page
    assert "Enregistrer l'ordre du jour" not in page  # the participant does not set it
    refused = mine.post(
        url, {"action": "case", "title": "Ulcère", "body": "Patient joignable au 06 12 34 56 78."}
    )
    assert refused.status_code == 400 and 'id="erreur-body"' in refused.content.decode()
    assert not PeerCase.objects.exists()
    mine.post(
        url, {"action": "case", "title": "Ulcère veineux", "body": "Femme de 78 ans, ulcère depuis 6 mois."}
    )
    assert "Ulcère veineux" in text_of(coordinator.get(url))  # the coordinators read the cases
    stranger = signed_in(world.users["other_coordinator"])
    assert "Ulcère veineux" not in text_of(stranger.get(url))  # not a participant: no case shown
    stranger.post(url, {"action": "agenda", "agenda": "Intrusion"})
    slot.refresh_from_db()
    assert "Intrusion" not in slot.agenda

    Slot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    Booking.objects.filter(slot=slot).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    after = text_of(coordinator.get(url))
    assert (
        "Publier" in after
        and "Enregistrer l'ordre du jour" not in after
        and "Soumettre" not in text_of(mine.get(url))
    )
    bad = coordinator.post(
        url, {"action": "material", "title": "Support", "url": "http://exemple.fr/support.pdf"}
    )
    assert bad.status_code == 400 and 'id="erreur-url"' in bad.content.decode()
    coordinator.post(
        url, {"action": "material", "title": "Support de la séance", "url": "https://exemple.fr/support.pdf"}
    )
    assert "Support de la séance" in text_of(mine.get(url))  # participants read the documents
    booking = Booking.objects.get(slot=slot, practitioner=participant)
    coordinator.post(url, {"action": "ATTENDED", "booking": gid(booking)})
    booking.refresh_from_db()
    assert booking.attendance == "ATTENDED"


def test_the_facilitator_leads_the_session(world):
    slot = session_in(world, days=5)
    facilitator = make_practitioner(user=True)
    Booking.objects.create(slot=slot, practitioner=facilitator, role=BookingRole.STAFF, status=BookingStatus.CONFIRMED,
                           turn_response="ACCEPTED", starts_at=slot.starts_at, ends_at=slot.ends_at)  # fmt: skip
    client = signed_in(facilitator.user)
    url = f"/seances/{gid(slot)}/"
    assert "Enregistrer l'ordre du jour" in text_of(client.get(url))
    client.post(url, {"action": "agenda", "agenda": "Cas de diabète déséquilibré"})
    slot.refresh_from_db()
    assert slot.agenda == "Cas de diabète déséquilibré"


def test_only_peer_sessions_have_this_page(world):
    other = offer_for(world.hub, kind=OfferKind.ADVANCED_CONSULTATION)
    starts = timezone.now() + timedelta(days=3)
    slot = Slot.objects.create(offer=other, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=2)
    assert signed_in(world.users["coordinator"]).get(f"/seances/{gid(slot)}/").status_code == 404
    assert Client().get(f"/seances/{gid(slot)}/").status_code == 302
