"""Authentication services: issue, resolve and revoke bearer tokens; throttle failed logins."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils import timezone

from .errors import AccountErrorCode
from .models import AuthToken, FailedLogin, User, hash_token


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    record: AuthToken

    @property
    def expires_at(self) -> datetime:
        return self.record.expires_at


def _too_many_failures(email: str, ip_address: str | None) -> bool:
    conf = settings.LOGIN_THROTTLE
    since = timezone.now() - timedelta(minutes=conf["window_minutes"])
    recent = FailedLogin.objects.filter(created_at__gte=since)
    if recent.filter(email=email).count() >= conf["max_failures"]:
        return True
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= conf["max_failures_per_ip"]


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
    """Check the credentials and return a new token, or raise ValidationError with a code.

    Call it outside a transaction that rolls back on error: the failed attempt
    it records must stay, or the throttle would never trip.
    """
    email = (email or "").strip().lower()
    if _too_many_failures(email, ip_address):
        raise ValidationError(
            "Trop de tentatives de connexion échouées. Réessayez dans quelques minutes.",
            code=AccountErrorCode.TOO_MANY_ATTEMPTS,
        )
    user = authenticate(username=email, password=password)
    if user is None:
        FailedLogin.objects.create(email=email, ip_address=ip_address)
        raise ValidationError(
            "Adresse e-mail ou mot de passe incorrect.", code=AccountErrorCode.INVALID_CREDENTIALS
        )
    FailedLogin.objects.filter(email=email).delete()
    return issue_token(user)


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
    """Delete expired or revoked tokens and old failed-login records (run from a periodic job)."""
    now = now or timezone.now()
    deleted, _ = AuthToken.objects.filter(expires_at__lt=now - timedelta(days=30)).delete()
    FailedLogin.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return deleted
