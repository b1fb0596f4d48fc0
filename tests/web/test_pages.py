"""The web pages without a browser (Django's test client): forms that post and redirect, the API's answers and
French errors where the form shows them, the session as the viewer. The same journeys in a real browser against
a real Daphne are in tests/browser/web/."""

import html
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from mentoring.models import Booking, BookingStatus, Mentorship, MentorshipStatus
from network.identifiers import rpps_with_key
from network.models import HubStatus
from tests.factories import PASSWORD, make_hub, make_msp, make_practitioner
from tests.helpers import code_in, deliver_queued_mail, gid, offer_for, slot_for

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def test_signing_in_opens_a_session_and_a_wrong_password_is_refused_in_french(world):
    user = world.users["practitioner"]
    client = Client()
    wrong = client.post(
        "/connexion/", {"email": user.email, "password": "pas-le-bon", "next": "/rendez-vous/"}
    )
    assert wrong.status_code == 400
    assert "Adresse e-mail ou mot de passe incorrect." in text_of(wrong)
    assert "sessionid" not in client.cookies or not client.cookies["sessionid"].value

    right = client.post("/connexion/", {"email": user.email, "password": PASSWORD, "next": "/rendez-vous/"})
    assert right.status_code == 302 and right["Location"] == "/rendez-vous/"
    assert client.get("/rendez-vous/").status_code == 200
    # A next address on another site is not followed.
    other = Client().post(
        "/connexion/", {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert other["Location"] == "/"

    signed_out = client.post("/deconnexion/")
    assert signed_out.status_code == 302
    assert client.get("/rendez-vous/")["Location"] == "/connexion/?next=/rendez-vous/"


def test_the_sign_in_page_counts_failures_with_token_auth(world, gql):
    user = world.users["practitioner"]
    for _ in range(5):
        Client().post("/connexion/", {"email": user.email, "password": "pas-le-bon"})
    locked = Client().post("/connexion/", {"email": user.email, "password": PASSWORD})
    assert locked.status_code == 400
    assert "Trop de tentatives de connexion échouées" in text_of(locked)
    token = gql.execute(
        "mutation($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) { token errors { code } } }",
        {"e": user.email, "p": PASSWORD},
    )
    assert token["data"]["tokenAuth"]["errors"] == [{"code": "TOO_MANY_ATTEMPTS"}]


def test_a_session_cannot_be_opened_through_the_json_api(world):
    """Against login CSRF: another site could post `signIn` to /graphql and sign a visitor into its account."""
    user = world.users["practitioner"]
    client = Client()
    answer = client.post(
        "/graphql",
        {"query": "mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { errors { code message } } }",
         "variables": {"e": user.email, "p": PASSWORD}},
        content_type="application/json",
    )  # fmt: skip
    assert answer.json()["data"]["signIn"]["errors"][0]["code"] == "INVALID"
    assert not client.cookies.get("sessionid")


def test_forms_refuse_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    user = world.users["practitioner"]
    assert client.post("/connexion/", {"email": user.email, "password": PASSWORD}).status_code == 403
    client.force_login(user)
    assert client.post("/deconnexion/").status_code == 403


def test_pages_for_signed_in_users_send_visitors_to_sign_in_and_back(world):
    for path in ["/rendez-vous/"]:
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"] == f"/connexion/?next={path}"
    # Signed in, but not a practitioner: the API's refusal, in French, and no link to the page in the menu.
    staff = signed_in(world.users["cnam_staff"])
    refused = staff.get("/rendez-vous/")
    assert refused.status_code == 403 and "Accès réservé" in text_of(refused)
    assert 'href="/rendez-vous/"' not in staff.get("/").content.decode()
    assert 'href="/rendez-vous/"' in signed_in(world.users["practitioner"]).get("/").content.decode()


def test_booking_without_javascript_then_cancelling(world):
    practitioner = world.users["practitioner"]
    offer = offer_for(world.hub, booking_question="Quel est votre projet ?")
    slot = slot_for(offer, capacity=1)
    client = signed_in(practitioner)

    hub_page = text_of(client.get(f"/hubs/{gid(world.hub)}/"))
    assert offer.title in hub_page and f"/creneaux/{gid(slot)}/reserver/" in hub_page
    assert "1 place sur 1" in hub_page

    form = client.get(f"/creneaux/{gid(slot)}/reserver/")
    key = re.search(r'name="key" value="([0-9a-f]+)"', form.content.decode()).group(1)
    assert "Quel est votre projet ?" in text_of(form)
    booked = client.post(
        f"/creneaux/{gid(slot)}/reserver/", {"key": key, "answer": "Une MSP à Givry.", "action": "book"}
    )
    assert booked.status_code == 302 and booked["Location"] == "/rendez-vous/"
    # The same form posted again (a double click, a retry) books nothing more: the API's idempotency key.
    again = client.post(
        f"/creneaux/{gid(slot)}/reserver/", {"key": key, "answer": "Une MSP à Givry.", "action": "book"}
    )
    assert again.status_code == 302
    booking = Booking.objects.get(slot=slot, practitioner=practitioner.practitioner)
    assert booking.status == BookingStatus.CONFIRMED and booking.answer == "Une MSP à Givry."

    page = text_of(client.get("/rendez-vous/"))
    assert "C'est réservé" in page and offer.title in page and "Confirmé" in page

    # Into my calendar: the API's iCalendar file of the booking, with the UID of the e-mailed invitations.
    ics = client.get(f"/rendez-vous/{gid(booking)}/agenda.ics")
    assert (
        ics["Content-Type"].startswith("text/calendar")
        and f"UID:booking-{booking.pk}@" in ics.content.decode()
    )
    assert Client().get(f"/rendez-vous/{gid(booking)}/agenda.ics").status_code == 302  # signed-in users only
    other = signed_in(world.users["other_coordinator"]).get(f"/rendez-vous/{gid(booking)}/agenda.ics")
    assert other.status_code == 404

    # Another slot of the same offer: the booking moves there in one step.
    later = slot_for(offer, capacity=1, days=5)
    choices = text_of(client.get(f"/rendez-vous/{gid(booking)}/deplacer/"))
    assert "1 place sur 1" in choices
    moved = client.post(f"/rendez-vous/{gid(booking)}/deplacer/", {"slot": gid(later)})
    assert moved.status_code == 302
    booking = Booking.objects.get(practitioner=practitioner.practitioner, status=BookingStatus.CONFIRMED)
    assert booking.slot == later
    full = client.post(f"/rendez-vous/{gid(booking)}/deplacer/", {"slot": gid(later)})
    assert full.status_code == 400 and 'role="alert"' in full.content.decode()

    cancelled = client.post(f"/rendez-vous/{gid(booking)}/annuler/")
    assert cancelled.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "Votre rendez-vous est annulé." in text_of(client.get("/rendez-vous/"))


def test_a_full_slot_offers_the_waitlist_and_a_refusal_says_why(world):
    offer = offer_for(world.hub)
    slot = slot_for(offer, capacity=1)
    first = make_practitioner(user=True).user
    signed_in(first).post(f"/creneaux/{gid(slot)}/reserver/", {"action": "book"})
    client = signed_in(world.users["practitioner"])
    form = text_of(client.get(f"/creneaux/{gid(slot)}/reserver/"))
    assert "Complet" in form and "M'inscrire sur la liste d'attente" in form
    # Booking a full slot anyway (an old page): the API's French refusal at the top of the form.
    refused = client.post(f"/creneaux/{gid(slot)}/reserver/", {"action": "book"})
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    waiting = client.post(f"/creneaux/{gid(slot)}/reserver/", {"action": "waitlist"})
    assert waiting.status_code == 302
    assert "En liste d'attente" in text_of(client.get("/rendez-vous/"))
    # Cancelling someone else's booking is refused by the API, whatever the page posts.
    theirs = Booking.objects.get(slot=slot, practitioner=first.practitioner)
    client.post(f"/rendez-vous/{gid(theirs)}/annuler/")
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.CONFIRMED


def test_a_hub_the_visitor_may_not_see_is_not_found(world):
    candidate = make_hub(make_msp("MSP candidate (test)", commune="51272"), status=HubStatus.CANDIDATE)
    response = Client().get(f"/hubs/{gid(candidate)}/")
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)
    assert Client().get("/hubs/nimporte-quoi/").status_code == 404


def test_finding_hubs_near_a_commune_draws_them_and_lists_them(world):
    page = text_of(Client().get("/trouver/", {"commune": "51504", "rayon": "20"}))
    assert 'role="img"' in page and "<svg" in page and "<desc" in page
    assert world.msp.name in page and f"/hubs/{gid(world.hub)}/" in page
    assert "1 MSP tête de pont peut vous accompagner depuis Saint-Martin-sur-le-Pré" in page
    # Givry-en-Argonne is beyond the world hub's 40 km: said plainly, with what to do instead.
    far = text_of(Client().get("/trouver/", {"commune": "51272", "rayon": "50"}))
    assert "Aucune MSP tête de pont n'atteint Givry-en-Argonne à 50 km" in far and "accélérateur" in far
    unknown = Client().get("/trouver/", {"commune": "Zzyzx"})
    assert unknown.status_code == 400 and "Aucune commune ne correspond" in text_of(unknown)


def test_a_signed_in_practitioner_starts_from_their_commune(world):
    page = text_of(signed_in(world.users["practitioner"]).get("/trouver/"))
    assert "51272 — Givry-en-Argonne" in page


def test_the_commune_suggestions_come_as_options():
    response = Client().get("/communes/suggestions/", {"commune": "Givry-en-Arg"})
    assert '<option value="51272 — Givry-en-Argonne (51330)">' in response.content.decode()
    assert Client().get("/communes/suggestions/", {"commune": "G"}).content.decode().strip() == ""


def test_sign_up_shows_the_apis_errors_next_to_their_fields_then_confirms_with_the_code(world, mailoutbox):
    client = Client()
    form = {
        "firstName": "Lucie",
        "lastName": "Marchand",
        "professionCode": "60",
        "rpps": "12345",
        "commune": "51272 — Givry-en-Argonne (51330)",
        "practiceMode": "PROJECT_HOLDER",
        "email": "lucie.marchand@example.fr",
        "password": "Argonne-2026-soins",
    }
    refused = client.post("/inscription/", form)
    assert refused.status_code == 400
    page = refused.content.decode()
    error = re.search(r'<p class="fr-error-text" id="erreur-rpps">([^<]+)</p>', page)
    assert error and "RPPS" in error.group(1)
    assert 'aria-describedby="erreur-rpps"' in page and 'aria-invalid="true"' in page
    assert "Argonne-2026-soins" not in page  # a password is never sent back
    assert not get_user_model().objects.filter(email="lucie.marchand@example.fr").exists()

    form["rpps"] = rpps_with_key(1_777_000_009)
    sent = client.post("/inscription/", form)
    assert sent.status_code == 302 and sent["Location"] == "/inscription/confirmer/"
    assert "lucie.marchand@example.fr" in text_of(client.get("/inscription/confirmer/"))
    deliver_queued_mail()
    (message,) = mailoutbox
    code = code_in(message)
    # The e-mail's link fills the code in; confirming takes a click (a mail scanner's visit confirms nothing).
    assert f'value="{code}"' in client.get("/inscription/confirmer/", {"code": code}).content.decode()
    assert not get_user_model().objects.filter(email="lucie.marchand@example.fr").exists()
    confirmed = client.post("/inscription/confirmer/", {"code": code})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/connexion/"
    user = get_user_model().objects.get(email="lucie.marchand@example.fr")
    assert user.practitioner.commune.code == "51272" and user.practitioner.practice_mode == "PROJECT_HOLDER"
    wrong = client.post("/inscription/confirmer/", {"code": code})
    assert wrong.status_code == 400 and 'id="erreur-code"' in wrong.content.decode()


def test_an_ambiguous_commune_is_asked_again_with_the_choices(world):
    response = Client().post("/inscription/", {"commune": "Saint", "email": "x@example.fr"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="erreur-communeCode"' in page and 'name="communeCode"' in page


def test_the_sign_in_page_offers_pro_sante_connect_where_it_is_configured(settings):
    assert "/auth/pro-sante-connect/" not in Client().get("/connexion/").content.decode()
    settings.PRO_SANTE_CONNECT = {
        **settings.PRO_SANTE_CONNECT,
        "ISSUER": "https://psc.example",
        "CLIENT_ID": "tdp",
    }
    page = text_of(Client().get("/connexion/"))
    assert 'href="/auth/pro-sante-connect/"' in page and "Se connecter avec Pro Santé Connect" in page


def test_signed_in_the_hubs_with_time_left_this_month(world, gql):
    client = signed_in(world.users["practitioner"])
    page = text_of(client.get("/trouver/", {"commune": "51504", "rayon": "20"}))
    assert "Encore 20 h de coordination à donner ce mois-ci, sur 20 h." in page
    Mentorship.objects.create(
        hub=world.hub, mentee=make_practitioner(), starts_on=date.today(), hours_per_month=20,
        status=MentorshipStatus.ACTIVE,
    )  # fmt: skip
    page = text_of(client.get("/trouver/", {"commune": "51504", "rayon": "20"}))
    assert "Plus de temps de coordination à donner ce mois-ci." in page
    only_with_time = text_of(client.get("/trouver/", {"commune": "51504", "rayon": "20", "temps": "1"}))
    assert world.msp.name not in only_with_time and "Aucune MSP tête de pont" in only_with_time
    # The API's field behind it: signed-in users, the hubs they may see, 100 at most.
    query = "query($ids: [ID!]!) { hubCapacities(hubIds: $ids) { hoursLeft } }"
    assert (
        gql.execute(query, {"ids": [gid(world.hub)]})["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )
    many = gql.execute(query, {"ids": [gid(world.hub)] * 101}, user=world.users["practitioner"])
    assert many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Seulement celles qui ont encore du temps" not in Client().get("/trouver/").content.decode()
