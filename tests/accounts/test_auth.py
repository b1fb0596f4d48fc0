import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import AuthToken, FailedLogin, hash_token
from backend.accounts.services import issue_token, user_for_token
from tests.conftest import PASSWORD, make_practitioner, make_user, top_codes

pytestmark = pytest.mark.django_db

TOKEN_AUTH = """
mutation($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) { token expiresAt user { email } errors { field code message } }
}
"""
ME = "{ me { email isCnamStaff isAdmin practitioner { fullName rpps } coordinatedMsps { name } } }"
REVOKE = "mutation($token: String) { revokeToken(token: $token) { revoked errors { code message } } }"


def test_token_auth_returns_a_token_that_authenticates(gql):
    practitioner = make_practitioner(user=True)
    result = gql.execute(TOKEN_AUTH, {"email": practitioner.user.email.upper(), "password": PASSWORD})
    payload = result["data"]["tokenAuth"]
    assert payload["errors"] == []
    assert payload["user"]["email"] == practitioner.user.email
    # Stored hashed, never in clear.
    assert AuthToken.objects.filter(key_hash=hash_token(payload["token"])).exists()
    assert not AuthToken.objects.filter(key_hash=payload["token"]).exists()

    me = gql.execute(ME, token=payload["token"])
    assert me["data"]["me"]["email"] == practitioner.user.email
    assert me["data"]["me"]["practitioner"]["rpps"] == practitioner.rpps  # one sees one's own RPPS


def test_anonymous_me_is_null(gql):
    assert gql.execute(ME)["data"]["me"] is None


def test_wrong_password_is_refused_with_a_code_and_recorded(gql):
    user = make_user()
    result = gql.execute(TOKEN_AUTH, {"email": user.email, "password": "mauvais"})
    payload = result["data"]["tokenAuth"]
    assert payload["token"] is None
    assert payload["errors"] == [
        {"field": None, "code": "INVALID_CREDENTIALS", "message": "Adresse e-mail ou mot de passe incorrect."}
    ]
    assert FailedLogin.objects.filter(email=user.email).count() == 1
    assert not AuthToken.objects.exists()


def test_repeated_failures_are_throttled_even_with_the_right_password(gql):
    user = make_user()
    for _ in range(5):
        gql.execute(TOKEN_AUTH, {"email": user.email, "password": "mauvais"})
    result = gql.execute(TOKEN_AUTH, {"email": user.email, "password": PASSWORD})
    assert [e["code"] for e in result["data"]["tokenAuth"]["errors"]] == ["TOO_MANY_ATTEMPTS"]
    assert not AuthToken.objects.exists()
    # The window passes: the right password works again and clears the record.
    FailedLogin.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    result = gql.execute(TOKEN_AUTH, {"email": user.email, "password": PASSWORD})
    assert result["data"]["tokenAuth"]["token"]
    assert not FailedLogin.objects.filter(email=user.email).exists()


def test_inactive_users_cannot_sign_in_nor_use_their_tokens(gql):
    user = make_user()
    token = issue_token(user).token
    user.is_active = False
    user.save()
    assert user_for_token(token) is None
    result = gql.execute(TOKEN_AUTH, {"email": user.email, "password": PASSWORD})
    assert result["data"]["tokenAuth"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_expired_token_is_refused_with_401(gql):
    issued = issue_token(make_user())
    AuthToken.objects.filter(pk=issued.record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    result = gql.execute(ME, token=issued.token)
    assert result["_status"] == 401
    assert top_codes(result) == ["UNAUTHENTICATED"]


def test_unknown_token_is_refused_with_401(gql):
    result = gql.execute(ME, token="pas-un-jeton")
    assert result["_status"] == 401
    assert top_codes(result) == ["UNAUTHENTICATED"]


def test_revoke_current_token(gql):
    issued = issue_token(make_user())
    result = gql.execute(REVOKE, token=issued.token)
    assert result["data"]["revokeToken"] == {"revoked": True, "errors": []}
    assert gql.execute(ME, token=issued.token)["_status"] == 401


def test_revoke_another_token_of_mine_but_not_someone_elses(gql):
    user, other = make_user(), make_user()
    mine, second, theirs = issue_token(user), issue_token(user), issue_token(other)
    result = gql.execute(REVOKE, {"token": second.token}, token=mine.token)
    assert result["data"]["revokeToken"]["revoked"] is True
    refused = gql.execute(REVOKE, {"token": theirs.token}, token=mine.token)
    assert refused["data"]["revokeToken"] == {
        "revoked": False,
        "errors": [{"code": "TOKEN_NOT_FOUND", "message": "Jeton inconnu ou déjà révoqué."}],
    }
    assert user_for_token(theirs.token) == other


def test_revoke_requires_authentication(gql):
    result = gql.execute(REVOKE, {"token": "x"})
    assert top_codes(result) == ["UNAUTHENTICATED"]


def test_token_expiry_follows_the_setting(settings):
    settings.AUTH_TOKEN_TTL_HOURS = 2
    issued = issue_token(make_user())
    assert timedelta(hours=1, minutes=59) < issued.expires_at - timezone.now() <= timedelta(hours=2)


def test_browser_session_works_with_csrf_and_is_refused_without():
    user = make_user()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    page = browser.get("/graphql", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"graphiql" in page.content.lower()
    csrf = browser.cookies["csrftoken"].value
    body = json.dumps({"query": "{ me { email } }"})
    refused = browser.post("/graphql", body, content_type="application/json")
    assert refused.status_code == 403
    ok = browser.post("/graphql", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert ok.json()["data"]["me"]["email"] == user.email


def test_anonymous_api_clients_need_no_csrf_token():
    client = Client(enforce_csrf_checks=True)
    result = client.post(
        "/graphql", json.dumps({"query": "{ professions { code } }"}), content_type="application/json"
    )
    assert result.status_code == 200
    assert len(result.json()["data"]["professions"]) == 19
