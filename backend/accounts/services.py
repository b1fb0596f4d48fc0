"""Authentication services: issue, resolve and revoke bearer tokens; throttle failed logins."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from backend.core.addresses import client_ip  # noqa: F401 (the login throttle's address; one rule for all doors)

from .errors import AccountErrorCode
from .models import AuthToken, FailedLogin, NotificationPreferences, User, hash_token, normalize_email


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    record: AuthToken

    @property
    def expires_at(self) -> datetime:
        return self.record.expires_at


def _address_wait(ip_address: str | None, now) -> int:
    """Seconds this address must still wait: past its allowance, each failure doubles the pause (≤ 60 s).

    A whole network behind one proxy is slowed down, never locked out for the window.
    """
    if not ip_address:
        return 0
    conf = settings.LOGIN_THROTTLE
    since = now - timedelta(minutes=conf["window_minutes"])
    failures = FailedLogin.objects.filter(ip_address=ip_address, created_at__gte=since)
    count = failures.count()
    if count < conf["max_failures_per_ip"]:
        return 0
    last = failures.order_by("-created_at").values_list("created_at", flat=True).first()
    pause = min(2 ** (count - conf["max_failures_per_ip"]), conf.get("max_backoff_seconds", 60))
    remaining = (last + timedelta(seconds=pause) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def _account_failures(key: str, now) -> int:
    conf = settings.LOGIN_THROTTLE
    since = now - timedelta(minutes=conf["window_minutes"])
    return FailedLogin.objects.filter(email=key, created_at__gte=since).count()


def issue_token(user: User) -> IssuedToken:
    raw = secrets.token_urlsafe(32)
    record = AuthToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + timedelta(hours=settings.AUTH_TOKEN_TTL_HOURS),
    )
    return IssuedToken(token=raw, record=record)


def login_with_password(email: str, password: str, ip_address: str | None = None) -> IssuedToken:
    """Check the credentials (`checked_credentials`) and return a new token."""
    return issue_token(checked_credentials(email, password, ip_address))


def checked_credentials(email: str, password: str, ip_address: str | None = None) -> User:
    """The account, if the credentials are right and the throttle allows checking them; else ValidationError
    with a code. One count and one lock for every way in: the API's `tokenAuth` and the back office's sign-in
    form (backend/accounts/forms.py) go through here.

    The account's key is the e-mail normalised exactly as accounts are stored and looked up
    (`normalize_email`), so no other spelling reaches the account around its count. One attempt per
    key is checked at a time (a PostgreSQL advisory lock, tried without waiting so no thread queues
    behind it): an attempt made while another is being checked is refused and counted as a failure,
    so N simultaneous guesses count N and at most the allowance is ever checked against the password.

    Call it outside a transaction that rolls back on error: the failed attempt it records must stay.
    """
    key = normalize_email(email)
    conf = settings.LOGIN_THROTTLE
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 7))", [f"login:{key}"])
            turn = cursor.fetchone()[0]
        now = timezone.now()
        if not turn:
            FailedLogin.objects.create(email=key, ip_address=ip_address)
            refusal = ValidationError(
                "Une autre tentative de connexion à ce compte est en cours. Réessayez dans un instant.",
                code=AccountErrorCode.TOO_MANY_ATTEMPTS,
            )
        elif _account_failures(key, now) >= conf["max_failures"]:
            refusal = ValidationError(
                "Trop de tentatives de connexion échouées. Réessayez dans quelques minutes.",
                code=AccountErrorCode.TOO_MANY_ATTEMPTS,
            )
        elif wait := _address_wait(ip_address, now):
            refusal = ValidationError(
                f"Trop de tentatives de connexion échouées depuis votre réseau. Réessayez dans {wait} s.",
                code=AccountErrorCode.TOO_MANY_ATTEMPTS,
            )
        else:
            refusal = None
            user = authenticate(username=key, password=password)
            if user is None:
                FailedLogin.objects.create(email=key, ip_address=ip_address)
                refusal = ValidationError(
                    "Adresse e-mail ou mot de passe incorrect.", code=AccountErrorCode.INVALID_CREDENTIALS
                )
            else:
                FailedLogin.objects.filter(email=key).delete()
    if refusal is not None:
        raise refusal
    return user


def user_for_token(raw: str, touch: bool = True) -> User | None:
    """The active user behind a raw bearer token, or None if it is unknown, expired or revoked.

    `touch=False` for checks that repeat on an open connection (each realtime event): no write.
    """
    if not raw:
        return None
    token = AuthToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None:
        return None
    if not touch:
        return token.user
    now = timezone.now()
    # Coarse last-use stamp: at most one write a minute per token.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def users_for_tokens(raws) -> dict[str, User]:
    """`user_for_token(raw, touch=False)` for many tokens in one query: the active users behind valid ones."""
    by_hash = {hash_token(raw): raw for raw in raws if raw}
    if not by_hash:
        return {}

    hashes = RawSQL("SELECT unnest(%s::text[])", (list(by_hash),))  # one parameter, however many tokens
    tokens = AuthToken.objects.active().select_related("user").filter(key_hash__in=hashes)
    return {by_hash[token.key_hash]: token.user for token in tokens}


def revoke_token(user: User, raw: str) -> AuthToken:
    token = AuthToken.objects.filter(
        user=user, key_hash=hash_token(raw or ""), revoked_at__isnull=True
    ).first()
    if token is None:
        raise ValidationError("Jeton inconnu ou déjà révoqué.", code=AccountErrorCode.TOKEN_NOT_FOUND)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def purge_expired(now=None) -> int:
    """Delete tokens expired or revoked a month ago and old failed-login records (a daily job)."""
    now = now or timezone.now()
    month_ago = now - timedelta(days=30)
    deleted, _ = AuthToken.objects.filter(Q(expires_at__lt=month_ago) | Q(revoked_at__lt=month_ago)).delete()
    FailedLogin.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return deleted


@transaction.atomic
def update_notification_preferences(user: User, **choices: bool) -> NotificationPreferences:
    """Change some of a user's notification preferences (`reminders`, `digest`); the others stay."""
    preferences, _ = NotificationPreferences.objects.select_for_update().get_or_create(user=user)
    for name, value in choices.items():
        if value is not None:
            setattr(preferences, name, bool(value))
    preferences.save()
    return preferences
