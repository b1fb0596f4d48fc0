"""Practitioners' sign-up: `register_practitioner` creates nothing but a pending registration and e-mails its
code (the answer never tells whether the address or RPPS is known); `confirm_registration` creates the
account and the practitioner record. Permission checks belong to the caller.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import hash_token, normalize_email
from backend.mail.services import may_send_unsolicited

from .. import notifications
from ..errors import NetworkErrorCode
from ..models import (
    PendingRegistration,
    PracticeMode,
    Practitioner,
)
from .directory import full_clean, get_commune, get_profession


@dataclass
class PractitionerRegistration:
    email: str
    password: str
    first_name: str
    last_name: str
    profession_code: str
    rpps: str  # empty for professions without RPPS (network.models.RppsPolicy)
    commune_code: str
    practice_mode: str = PracticeMode.ISOLATED
    specialty: str = ""


REGISTRATION_TTL = timedelta(hours=48)


def _registration_errors(data: PractitionerRegistration, email: str) -> dict[str, list[ValidationError]]:
    """What is wrong with the sign-up itself; never whether its address or RPPS is someone else's."""
    User = get_user_model()
    errors: dict[str, list[ValidationError]] = {}
    try:
        EmailValidator()(email)
    except ValidationError as exc:
        errors["email"] = [ValidationError(m, code=NetworkErrorCode.INVALID) for m in exc.messages]
    candidate = User(email=email, first_name=data.first_name, last_name=data.last_name)
    try:
        validate_password(data.password, user=candidate)
    except ValidationError as exc:
        errors["password"] = [
            ValidationError(m, code=NetworkErrorCode.PASSWORD_TOO_WEAK) for m in exc.messages
        ]
    for check in (lambda: get_commune(data.commune_code), lambda: get_profession(data.profession_code)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if not errors:
        try:  # field validators (RPPS check digit, names…), without the uniqueness checks
            _new_practitioner(data, email).full_clean(exclude=["user"], validate_unique=False)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    return errors


def _new_practitioner(data: PractitionerRegistration, email: str) -> Practitioner:
    return Practitioner(
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        profession_id=data.profession_code,
        specialty=data.specialty.strip(),
        rpps=(data.rpps or "").strip() or None,  # none for those without one (coordinators, partners…)
        commune_id=data.commune_code,
        practice_mode=data.practice_mode,
        email=email,
    )


@transaction.atomic
def register_practitioner(data: PractitionerRegistration) -> None:
    """Take a sign-up and send an e-mail to its address; the account exists once the address confirms it.

    The answer is the same whether or not the address or the RPPS number is already registered:
    only the owner of the address learns it, from the e-mail.
    """
    email = normalize_email(data.email)
    errors = _registration_errors(data, email)
    if errors:
        raise ValidationError(errors)
    # Hashed whether or not the address has an account, so that both answers take the same time (the hash
    # is most of it: 14 ms against 245 ms told who had an account).
    password = make_password(data.password)
    if not may_send_unsolicited(email):  # 3 e-mails a day to one address at most; the answer stays the same
        return
    User = get_user_model()
    if User.objects.filter(email=email).exists():
        notifications.send_account_exists(email)
        return
    raw = secrets.token_urlsafe(24)
    PendingRegistration.objects.create(
        email=email,
        password=password,
        data={
            "first_name": data.first_name,
            "last_name": data.last_name,
            "profession_code": data.profession_code,
            "specialty": data.specialty,
            "rpps": data.rpps,
            "commune_code": data.commune_code,
            "practice_mode": data.practice_mode,
        },
        token_hash=hash_token(raw),
        expires_at=timezone.now() + REGISTRATION_TTL,
    )
    notifications.send_registration_code(email, raw)


@transaction.atomic
def confirm_registration(code: str) -> Practitioner:
    """The address is proved: create the account and the practitioner record of the sign-up."""
    pending = (
        PendingRegistration.objects.select_for_update()
        .filter(token_hash=hash_token(code or ""), expires_at__gt=timezone.now())
        .first()
    )
    if pending is None:
        raise ValidationError(
            {
                "code": ValidationError(
                    "Code de confirmation inconnu ou expiré. Inscrivez-vous à nouveau.",
                    code=NetworkErrorCode.INVALID_TOKEN,
                )
            }
        )
    User = get_user_model()
    data = PractitionerRegistration(email=pending.email, password="", **pending.data)
    # Whoever confirms owns the address: they may learn what stands in the way.
    if User.objects.filter(email=pending.email).exists():
        pending.delete()
        raise ValidationError(
            {
                "email": ValidationError(
                    "Un compte existe déjà avec cette adresse e-mail : connectez-vous.",
                    code=NetworkErrorCode.EMAIL_TAKEN,
                )
            }
        )
    # A proved holder of the RPPS refuses the sign-up; an unproved claim does not (the holder may come after a
    # stranger): the proof, later, keeps one and drops the others (services/identity.py).
    if data.rpps and Practitioner.objects.filter(rpps=data.rpps, rpps_verified_at__isnull=False).exists():
        raise ValidationError(
            {
                "rpps": ValidationError(
                    "Ce numéro RPPS est déjà inscrit. Contactez l'assistance si vous pensez qu'il s'agit "
                    "d'une erreur.",
                    code=NetworkErrorCode.RPPS_ALREADY_REGISTERED,
                )
            }
        )
    practitioner = _new_practitioner(data, pending.email)
    user = User(email=pending.email, first_name=data.first_name, last_name=data.last_name)
    user.password = pending.password
    user.save()
    practitioner.user = user
    full_clean(practitioner)
    practitioner.save()
    PendingRegistration.objects.filter(email=pending.email).delete()
    return practitioner
