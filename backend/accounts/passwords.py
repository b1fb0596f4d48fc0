"""Forgotten and changed passwords.

A reset is Django's own token (`default_token_generator`): it carries a hash of the account's password and last
sign-in, so it works once (a new password changes the hash), and for `PASSWORD_RESET_TIMEOUT` seconds (an hour).
Nothing is stored. Asking for one answers the same whether or not the address has an account, and sends at most
`PASSWORD_RESET_PER_HOUR` e-mails an hour to one address (counted in the outbox: no table of our own). A new
password revokes the account's bearer tokens: whoever held one must sign in again.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from backend.mail.models import OutgoingEmail
from backend.mail.services import queue_templated_email

from .errors import AccountErrorCode
from .models import AuthToken, User, normalize_email

RESET_KIND = "account.password_reset"


def reset_code(user: User) -> str:
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}-{default_token_generator.make_token(user)}"


@transaction.atomic
def request_password_reset(email: str) -> None:
    """E-mail a reset code to the account's address, if there is an active account; silent otherwise."""
    address = normalize_email(email)
    user = User.objects.filter(email=address, is_active=True).first()
    if user is None:
        return
    hour_ago = timezone.now() - timedelta(hours=1)
    if OutgoingEmail.objects.filter(
        to=user.email, kind=RESET_KIND, created_at__gte=hour_ago
    ).count() >= getattr(settings, "PASSWORD_RESET_PER_HOUR", 3):
        return  # a mailbox is not flooded; the person already has a code that works
    queue_templated_email(
        user.email,
        "accounts/password_reset",
        {
            "code": reset_code(user),
            "link": getattr(settings, "PASSWORD_RESET_URL", ""),
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
        kind=RESET_KIND,
    )


def _user_for_code(code: str) -> User | None:
    encoded, _, token = (code or "").strip().partition("-")
    try:
        pk = int(force_str(urlsafe_base64_decode(encoded)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def _set_password(user: User, password: str, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError(
            {field: ValidationError(" ".join(error.messages), code=AccountErrorCode.PASSWORD_TOO_WEAK)}
        ) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    AuthToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def reset_password(code: str, password: str) -> User:
    user = _user_for_code(code)
    if user is None:
        raise ValidationError(
            {"code": ValidationError(
                "Ce code ne fonctionne pas : il a déjà servi, a expiré ou est incomplet. Demandez-en un nouveau.",
                code=AccountErrorCode.INVALID_TOKEN,
            )}
        )  # fmt: skip
    _set_password(user, password, "newPassword")
    return user


@transaction.atomic
def change_password(user: User, new_password: str) -> None:
    """The current password was checked by the caller (through the sign-in throttle)."""
    _set_password(user, new_password, "newPassword")
