"""My account through the pages, and the API's forgotten and changed passwords behind them: a code e-mailed
once an address asks (the same answer for an address without an account), working once and for an hour, never
more than 3 e-mails an hour; a changed password revokes the bearer tokens and keeps the browser signed in."""

import html
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from backend.accounts.models import AuthToken, NotificationPreferences
from backend.accounts.services import issue_token
from mentoring.models import Booking, BookingStatus
from tests.factories import PASSWORD, make_practitioner
from tests.helpers import deliver_queued_mail, gid, offer_for, slot_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Sainte-Menehould-2027"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def reset_code(message) -> str:
    return re.search(r"^(\S+-\S+)$", message.body, re.MULTILINE).group(1)


def test_a_forgotten_password_is_replaced_with_the_code_from_the_email(world, mailoutbox):
    user = world.users["practitioner"]
    token = issue_token(user)
    client = Client()
    unknown = client.post("/mot-de-passe-oublie/", {"email": "personne@example.fr"})
    known = client.post("/mot-de-passe-oublie/", {"email": user.email.upper()})
    assert unknown.status_code == known.status_code == 302  # nothing tells which address has an account
    assert unknown["Location"] == known["Location"] == "/mot-de-passe/nouveau/"
    deliver_queued_mail()
    (message,) = mailoutbox
    assert message.to == [user.email] and "valable 60 minutes" in message.body
    code = reset_code(message)

    wrong = client.post("/mot-de-passe/nouveau/", {"code": code[:-3] + "abc", "newPassword": NEW_PASSWORD})
    assert wrong.status_code == 400 and 'id="erreur-code"' in wrong.content.decode()
    weak = client.post("/mot-de-passe/nouveau/", {"code": code, "newPassword": "court"})
    assert weak.status_code == 400 and 'id="erreur-newPassword"' in weak.content.decode()
    done = client.post("/mot-de-passe/nouveau/", {"code": code, "newPassword": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/connexion/"
    again = client.post("/mot-de-passe/nouveau/", {"code": code, "newPassword": "Encore-un-autre-2027"})
    assert again.status_code == 400  # once only
    signed = Client().post("/connexion/", {"email": user.email, "password": NEW_PASSWORD})
    assert signed.status_code == 302
    assert AuthToken.objects.get(pk=token.record.pk).revoked_at is not None


def test_reset_emails_to_one_address_are_capped(world, mailoutbox):
    user = world.users["practitioner"]
    for _ in range(6):
        Client().post("/mot-de-passe-oublie/", {"email": user.email})
    deliver_queued_mail()
    assert len(mailoutbox) == 3


def test_changing_my_password_keeps_me_signed_in_and_revokes_my_tokens(world):
    user = world.users["practitioner"]
    token = issue_token(user)
    client = Client()
    client.post("/connexion/", {"email": user.email, "password": PASSWORD})
    wrong = client.post(
        "/compte/", {"action": "password", "currentPassword": "pas-le-bon", "newPassword": NEW_PASSWORD}
    )
    assert wrong.status_code == 400 and 'id="erreur-currentPassword"' in wrong.content.decode()
    done = client.post(
        "/compte/", {"action": "password", "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert client.get("/compte/").status_code == 200  # still signed in
    assert get_user_model().objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert AuthToken.objects.get(pk=token.record.pk).revoked_at is not None


def test_notification_preferences_and_my_calendars_secret_address(world):
    user = world.users["practitioner"]
    client = Client()
    client.force_login(user)
    page = text_of(client.get("/compte/"))
    assert "Mes e-mails" in page and "Mon agenda" in page
    assert client.post("/compte/", {"action": "preferences", "digest": "on"}).status_code == 302
    preferences = NotificationPreferences.objects.get(user=user)
    assert preferences.reminders is False and preferences.digest is True

    shown = client.post("/compte/", {"action": "calendar"}).content.decode()
    first = re.search(
        r'<code id="adresse-agenda">(http://testserver/calendar/[^<]+\.ics)</code>', shown
    ).group(1)
    assert Client().get(first.replace("http://testserver", "")).status_code == 200
    assert first not in client.get("/compte/").content.decode()  # shown once
    client.post("/compte/", {"action": "calendar"})
    assert (
        Client().get(first.replace("http://testserver", "")).status_code == 404
    )  # the old one stops working


def test_my_data_then_closing_my_account(world, gql):
    user = world.users["practitioner"]
    offer = offer_for(world.hub)
    slot = slot_for(offer, capacity=1)
    client = Client()
    client.post("/connexion/", {"email": user.email, "password": PASSWORD})
    client.post(f"/creneaux/{gid(slot)}/reserver/", {"action": "book"})
    waiting = make_practitioner(user=True)
    waiting_client = Client()
    waiting_client.force_login(waiting.user)
    waiting_client.post(f"/creneaux/{gid(slot)}/reserver/", {"action": "waitlist"})

    download = client.get("/compte/mes-donnees.json")
    assert download["Content-Disposition"].startswith("attachment")
    data = json.loads(download.content)
    assert data["compte"]["email"] == user.email
    assert data["professionnel"]["rpps"] == user.practitioner.rpps
    assert [b["slot__offer__title"] for b in data["rendez_vous"]] == [offer.title]
    assert "qui_a_consulte_vos_coordonnees" in data
    # Only one's own: another account's download says nothing of this one.
    assert user.email not in waiting_client.get("/compte/mes-donnees.json").content.decode()

    page = text_of(client.get("/compte/fermer/"))
    assert "Ce qui est conservé, et pourquoi" in page and "répertoire des professionnels de santé" in page
    wrong = client.post("/compte/fermer/", {"password": "pas-le-bon"})
    assert wrong.status_code == 400 and 'id="erreur-password"' in wrong.content.decode()
    assert get_user_model().objects.get(pk=user.pk).is_active

    closed = client.post("/compte/fermer/", {"password": PASSWORD})
    assert closed.status_code == 302 and closed["Location"] == "/"
    account = get_user_model().objects.get(pk=user.pk)
    assert not account.is_active and user.email not in account.email and not account.has_usable_password()
    practitioner = type(user.practitioner).objects.get(pk=user.practitioner.pk)
    assert (
        practitioner.user_id is None and practitioner.email == ""
    )  # the directory entry stays, without contact
    # Her seat went to the next in line, by the booking rules.
    assert Booking.objects.get(slot=slot, practitioner=practitioner).status == BookingStatus.CANCELLED
    assert Booking.objects.get(slot=slot, practitioner=waiting).status == BookingStatus.CONFIRMED
    assert client.get("/rendez-vous/").status_code == 302  # signed out
    assert Client().post("/connexion/", {"email": user.email, "password": PASSWORD}).status_code == 400
