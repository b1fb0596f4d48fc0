"""Sign-in with Pro Santé Connect (issue 24, part 1), against a real OpenID Connect provider on loopback
(tests/network/oidc_provider.py): the RPPS the provider vouches for is marked verified, an unproved claim on it
gives way; a forged ID token, a wrong audience, an expired token, a wrong nonce and a replayed code are refused."""

import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client

from network.models import IdentityProof, Practitioner
from tests.factories import make_practitioner
from tests.helpers import deliver_queued_mail
from tests.network.oidc_provider import Provider

pytestmark = pytest.mark.django_db


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def to_provider_and_back(client: Client):
    """The browser's trip: our redirect to the provider, its approval, the redirect back with the code."""
    start = client.get("/auth/pro-sante-connect/")
    assert start.status_code == 302
    try:
        urllib.request.build_opener(NoRedirect).open(start["Location"], timeout=10)
    except urllib.error.HTTPError as redirect:
        back = urlparse(redirect.headers["Location"])
    return f"{back.path}?{back.query}"


@pytest.fixture
def provider(settings, world):
    holder = world.user("practitioner").practitioner
    Practitioner.objects.filter(pk=holder.pk).update(rpps_verified_at=None)
    running = Provider({"SubjectNameID": "8" + holder.rpps, "email": holder.user.email,
                        "given_name": holder.first_name, "family_name": holder.last_name})  # fmt: skip
    settings.PRO_SANTE_CONNECT = {"ISSUER": running.url, "CLIENT_ID": running.client_id,
                                  "CLIENT_SECRET": running.client_secret, "SCOPE": "openid scope_all"}  # fmt: skip
    yield running
    running.stop()


def test_without_configuration_the_routes_do_not_exist_and_nothing_shows_it(settings):
    settings.PRO_SANTE_CONNECT = {"ISSUER": "", "CLIENT_ID": ""}
    assert Client().get("/auth/pro-sante-connect/").status_code == 404
    assert Client().get("/auth/pro-sante-connect/callback?code=x&state=y").status_code == 404
    assert "Pro Santé Connect" not in Client().get("/").content.decode()


def test_configured_the_home_page_offers_it(provider):
    assert (
        'href="/auth/pro-sante-connect/">Se connecter avec Pro Santé Connect'
        in Client().get("/").content.decode()
    )


def test_the_holder_signs_in_and_the_rpps_is_verified(provider, world):
    client = Client()
    redirect = client.get("/auth/pro-sante-connect/")
    query = urlparse(redirect["Location"]).query
    assert "code_challenge_method=S256" in query and "nonce=" in query and "state=" in query
    answer = client.get(to_provider_and_back(client))
    assert answer.status_code == 302 and answer["Location"] == "/"
    holder = world.user("practitioner").practitioner
    holder.refresh_from_db()
    assert client.session["_auth_user_id"] == str(holder.user_id)
    assert (holder.rpps_verified, holder.rpps_verified_via) == (True, IdentityProof.PRO_SANTE_CONNECT)


def test_an_unproved_claim_on_that_rpps_gives_way_and_its_owner_is_told(provider, world):
    """The red team's stranger had signed up with the holder's RPPS and their own mailbox; the holder signs in."""
    stranger = make_practitioner("10", "51272", user=True, rpps_verified_at=None)
    holder_rpps = stranger.rpps
    provider.person = {"SubjectNameID": "8" + holder_rpps, "email": "vraie.titulaire@example.fr"}
    client = Client()
    answer = client.get(to_provider_and_back(client))
    assert answer.status_code == 302
    stranger.refresh_from_db()
    assert stranger.user.email == "vraie.titulaire@example.fr" and stranger.rpps_verified
    assert client.session["_auth_user_id"] == str(stranger.user_id)
    deliver_queued_mail()
    (notice,) = [m for m in mail.outbox if "RPPS" in m.subject]
    assert notice.to[0].startswith("compte") and "Pro Santé Connect" in notice.body


@pytest.mark.parametrize(
    "misbehaviour",
    [
        {"forge": True},  # signed with a key the provider does not publish
        {"audience": "une-autre-application"},
        {"expired": True},
        {"nonce": "pas-celui-envoye"},
    ],
)
def test_an_id_token_that_does_not_check_out_is_refused(provider, world, misbehaviour):
    for name, value in misbehaviour.items():
        setattr(provider, name, value)
    client = Client()
    answer = client.get(to_provider_and_back(client))
    assert answer.status_code == 403 and "Connexion refusée" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    holder = world.user("practitioner").practitioner
    holder.refresh_from_db()
    assert holder.rpps_verified is False


def test_a_replayed_code_is_refused(provider, world):
    client = Client()
    back = to_provider_and_back(client)
    assert client.get(back).status_code == 302
    code = dict(part.split("=", 1) for part in urlparse(back).query.split("&"))["code"]
    # Signed out, the same browser starts again (a fresh state), and the old code is sent with it.
    client.logout()
    fresh = client.get("/auth/pro-sante-connect/")
    state = dict(part.split("=", 1) for part in urlparse(fresh["Location"]).query.split("&"))["state"]
    replay = client.get(f"/auth/pro-sante-connect/callback?code={code}&state={state}")
    assert replay.status_code == 403 and "_auth_user_id" not in client.session
    assert provider.replays == 1  # refused by the provider, as a replayed code must be


def test_an_rpps_nobody_registered_is_told_to_sign_up_first(provider):
    provider.person = {"SubjectNameID": "810000000000", "email": "inconnu@example.fr"}
    client = Client()
    answer = client.get(to_provider_and_back(client))
    assert answer.status_code == 403 and "inscrivez-vous" in answer.content.decode()


def test_the_holder_may_sign_up_after_a_stranger_and_the_proof_keeps_theirs(provider, gql, world):
    """Before (issue 24): the stranger's sign-up took the RPPS, and the real holder got RPPS_ALREADY_REGISTERED."""
    from network.identifiers import rpps_with_key
    from tests.network.test_identity import sign_up_with

    rpps = rpps_with_key(1_777_000_077)
    stranger = sign_up_with(gql, rpps, "usurpateur@example.fr")
    holder = Practitioner.objects.get(pk=sign_up_with(gql, rpps, "vraie.titulaire@example.fr", only=True).pk)
    assert {stranger.pk, holder.pk} == set(
        Practitioner.objects.filter(rpps=rpps).values_list("pk", flat=True)
    )
    provider.person = {"SubjectNameID": "8" + rpps, "email": "vraie.titulaire@example.fr"}
    client = Client()
    assert client.get(to_provider_and_back(client)).status_code == 302
    holder.refresh_from_db()
    stranger.refresh_from_db()
    assert client.session["_auth_user_id"] == str(holder.user_id)
    assert holder.rpps == rpps and holder.rpps_verified
    assert stranger.rpps is None  # the claim is dropped…
    deliver_queued_mail()
    assert any(
        m.to == ["usurpateur@example.fr"] and "RPPS" in m.subject for m in mail.outbox
    )  # …and its owner told


def test_the_cnam_s_check_keeps_one_claim_and_drops_the_others(gql, world):
    from network.identifiers import rpps_with_key
    from network.services import identity
    from tests.network.test_identity import sign_up_with

    rpps = rpps_with_key(1_777_000_078)
    first = sign_up_with(gql, rpps, "premier@example.fr")
    second = Practitioner.objects.get(pk=sign_up_with(gql, rpps, "second@example.fr", only=True).pk)
    identity.verify_rpps(second, world.user("cnam_staff"))
    first.refresh_from_db()
    assert first.rpps is None and Practitioner.objects.get(rpps=rpps) == second
