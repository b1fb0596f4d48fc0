import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backend.accounts.models import AuthToken, FailedLogin, hash_token
from backend.accounts.services import issue_token, user_for_token
from tests.factories import PASSWORD, make_practitioner, make_user
from tests.helpers import top_codes

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
    assert len(result.json()["data"]["professions"]) == 25


# --- The throttle holds (security review) -------------------------------------------------------


def test_another_spelling_of_a_locked_email_does_not_reach_the_account(gql):
    user = make_user(email="coordination.saint-martin@test.invalid")
    for _ in range(5):
        gql.execute(TOKEN_AUTH, {"email": user.email, "password": "mauvais"})
    # PostgreSQL's UPPER('ſ') is 'S': a case-insensitive look-up found the account under a key
    # the throttle had never counted, and the right password logged in.
    for spelling in ["coordination.ſaint-martin@test.invalid", " COORDINATION.Saint-Martin@test.invalid "]:
        result = gql.execute(TOKEN_AUTH, {"email": spelling, "password": PASSWORD})
        assert result["data"]["tokenAuth"]["token"] is None, spelling
    assert not AuthToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_guesses_are_each_counted(territories):
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connections

    from backend.accounts.services import login_with_password

    user = make_user()
    barrier, codes = threading.Barrier(25), []

    def guess():  # as tokenAuth calls it: in no outer transaction
        barrier.wait()
        try:
            login_with_password(user.email, "mauvais", "198.51.100.7")
        except ValidationError as exc:
            codes.append(exc.error_list[0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Before: the 24 wrong guesses were all checked against the password, and counted after. Now at most the
    # allowance is: none at all when the guesses refused for the lock are counted before the one holding it
    # looks (seen on a loaded machine), which is the rule working, not a failure.
    assert codes.count("INVALID_CREDENTIALS") <= 5
    assert codes.count("INVALID_CREDENTIALS") + codes.count("TOO_MANY_ATTEMPTS") == 25
    # Each guess was counted: recorded, or refused because the allowance was already spent.
    assert FailedLogin.objects.filter(email=user.email).count() >= 5
    # And the account stays locked for the window, even with the right password.
    with pytest.raises(ValidationError):
        login_with_password(user.email, PASSWORD, "198.51.100.7")


def test_one_address_is_slowed_down_not_locked_out(gql, settings):
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "max_failures_per_ip": 3}
    users = [make_user() for _ in range(5)]
    for user in users[:3]:
        gql.execute(TOKEN_AUTH, {"email": user.email, "password": "mauvais"})
    paused = gql.execute(TOKEN_AUTH, {"email": users[3].email, "password": PASSWORD})
    error = paused["data"]["tokenAuth"]["errors"][0]
    assert error["code"] == "TOO_MANY_ATTEMPTS" and "Réessayez dans 1 s" in error["message"]
    # Once the short pause has passed (not the 15-minute window), a colleague on the same network signs in.
    FailedLogin.objects.update(created_at=timezone.now() - timedelta(seconds=2))
    assert gql.execute(TOKEN_AUTH, {"email": users[3].email, "password": PASSWORD})["data"]["tokenAuth"][
        "token"
    ]
    # Each further failure doubles the pause.
    gql.execute(TOKEN_AUTH, {"email": users[4].email, "password": "mauvais"})
    again = gql.execute(TOKEN_AUTH, {"email": users[4].email, "password": PASSWORD})
    assert "Réessayez dans 2 s" in again["data"]["tokenAuth"]["errors"][0]["message"]


def test_the_address_comes_from_a_trusted_proxy_only(gql, settings):
    user = make_user()
    spoofed = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    gql.execute(TOKEN_AUTH, {"email": user.email, "password": "mauvais"}, headers=spoofed)
    assert FailedLogin.objects.get().ip_address == "127.0.0.1"  # no trusted proxy: the header is ignored
    FailedLogin.objects.all().delete()
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    chain = {"HTTP_X_FORWARDED_FOR": "192.0.2.66, 203.0.113.9"}  # the client wrote the first one itself
    gql.execute(TOKEN_AUTH, {"email": user.email, "password": "mauvais"}, headers=chain)
    assert FailedLogin.objects.get().ip_address == "203.0.113.9"


def _admin_login(client, email, password):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


@pytest.mark.django_db
def test_the_back_office_sign_in_is_throttled_like_the_api():
    """Before (issue 24): 12 wrong passwords on /admin/login/ were all evaluated, none recorded, and the right
    one then signed in."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.create_superuser("admin.throttle@test.invalid", PASSWORD)
    client = Client()
    for _ in range(12):
        refused = _admin_login(client, admin.email, "mauvais")
        assert refused.status_code == 200  # the form again, with its error
    assert FailedLogin.objects.filter(email=admin.email).count() >= 5
    locked = _admin_login(client, admin.email, PASSWORD)
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert "Trop de tentatives" in locked.content.decode()


@pytest.mark.django_db
def test_one_count_for_the_api_and_the_back_office(gql):
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.create_superuser("admin.shared@test.invalid", PASSWORD)
    for _ in range(5):
        gql.execute(
            "mutation($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) { token } }",
            {"e": admin.email, "p": "mauvais"},
        )
    client = Client()
    assert _admin_login(client, admin.email, PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session  # the API's failures lock the back office too
    FailedLogin.objects.all().delete()
    signed_in = _admin_login(client, admin.email, PASSWORD)
    assert signed_in.status_code == 302 and client.session["_auth_user_id"] == str(admin.pk)
    # A wrong password on the back office counts for the API.
    for _ in range(5):
        _admin_login(Client(), admin.email, "mauvais")
    result = gql.execute(
        "mutation($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) { token errors { code } } }",
        {"e": admin.email, "p": PASSWORD},
    )
    assert result["data"]["tokenAuth"]["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
