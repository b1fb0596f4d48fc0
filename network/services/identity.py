"""Whose RPPS is proved: a sign-up's RPPS is a claim until Pro Santé Connect proves it or the Cnam checks it.

What an unproved claim cannot do (before: a stranger who signed up with a colleague's RPPS accepted the
coordinator invitation addressed to that RPPS and read 25 members' e-mails):
- accept an invitation addressed to that RPPS (services/invitations.py: respond);
- become coordinator of an MSP others have joined (same);
- see any member's contact details (permissions.Viewer.verified_coordinated_msp_ids).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import normalize_email

from .. import notifications
from ..errors import NetworkErrorCode
from ..models import IdentityProof, Practitioner

NOT_VERIFIED = (
    "Votre identité de professionnel (RPPS) n'est pas encore vérifiée : connectez-vous avec Pro Santé Connect "
    "(e-CPS ou carte CPS) ou demandez sa vérification à l'équipe de la Cnam."
)


def refuse_unverified(practitioner: Practitioner, field: str | None = None) -> None:
    """A French refusal when the practitioner's identity is not proved."""
    if not practitioner.rpps_verified:
        error = ValidationError(NOT_VERIFIED, code=NetworkErrorCode.RPPS_NOT_VERIFIED)
        raise ValidationError({field: error}) if field else error


@transaction.atomic
def verify_rpps(practitioner: Practitioner, user, via: str = IdentityProof.CNAM) -> Practitioner:
    """Record that the practitioner's identity is proved, by whom and how (the Cnam by hand, or Pro Santé
    Connect at sign-in)."""
    practitioner = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if practitioner.rpps_verified:
        raise ValidationError(
            "L'identité de ce professionnel est déjà vérifiée.", code=NetworkErrorCode.ALREADY_VERIFIED
        )
    _prove(practitioner, user, via)
    return practitioner


def _prove(practitioner: Practitioner, user, via: str) -> None:
    """Mark the identity proved and drop every other claim on the same RPPS, each claimant told by e-mail."""
    if practitioner.rpps:
        others = (
            Practitioner.objects.select_for_update(of=("self",))
            .filter(rpps=practitioner.rpps)
            .exclude(pk=practitioner.pk)
        )
        if others.filter(rpps_verified_at__isnull=False).exists():
            raise ValidationError(
                "Ce numéro RPPS est déjà celui d'un autre professionnel vérifié : écrivez à l'équipe de la Cnam.",
                code=NetworkErrorCode.RPPS_ALREADY_REGISTERED,
            )
        for claim in others.select_related("user"):
            if claim.user_id is not None:
                notifications.send_claim_dropped(claim.user.email)
        others.update(rpps=None, updated_at=timezone.now())
    practitioner.rpps_verified_at = timezone.now()
    practitioner.rpps_verified_by = user
    practitioner.rpps_verified_via = via
    practitioner.save()


def rpps_of(claims: dict) -> str | None:
    """The RPPS in Pro Santé Connect's claims: `SubjectNameID` is the national identifier, « 8 » followed by the
    RPPS (11 digits)."""
    national = str(claims.get("SubjectNameID") or claims.get("preferred_username") or "").strip()
    if len(national) == 12 and national.startswith("8") and national.isdigit():
        return national[1:]
    return national if len(national) == 11 and national.isdigit() else None


@transaction.atomic
def sign_in_with_pro_sante_connect(claims: dict, current_user=None):
    """The account a Pro Santé Connect sign-in opens, its practitioner's RPPS marked verified.

    The practitioner is the one with the RPPS the provider vouches for. If it has an account that is the same
    person (signed in now, or the same address), that account is used; if another account only claimed that
    RPPS without proof, the proved holder wins: the claim is dropped and its owner told by e-mail, and the
    holder gets an account of their own (the provider's address)."""
    rpps = rpps_of(claims)
    if rpps is None:
        raise ValidationError(
            "Pro Santé Connect n'a pas transmis de numéro RPPS.", code=NetworkErrorCode.INVALID_RPPS
        )
    email = normalize_email(claims.get("email") or "")
    signed_in = current_user is not None and getattr(current_user, "is_authenticated", False)

    def is_theirs(candidate) -> bool:  # the account signed in now, or the one of the provider's address
        account = candidate.user
        return account is not None and (
            (signed_in and current_user.pk == account.pk) or account.email == email
        )

    claims_on_rpps = (
        Practitioner.objects.select_for_update(of=("self",)).select_related("user").filter(rpps=rpps)
    )
    # The proved holder; else the claim of the person signing in; else the oldest record.
    practitioner = min(
        claims_on_rpps, key=lambda c: (not c.rpps_verified, not is_theirs(c), c.created_at), default=None
    )
    if practitioner is None:
        raise ValidationError(
            "Aucun professionnel n'est inscrit sur Tête de pont avec ce numéro RPPS : inscrivez-vous, puis "
            "connectez-vous avec Pro Santé Connect.",
            code=NetworkErrorCode.NOT_FOUND,
        )
    account = practitioner.user
    if account is not None and not practitioner.rpps_verified and not is_theirs(practitioner):
        notifications.send_claim_dropped(account.email)  # another person's unproved claim gives way
        account = None
    if account is None:
        practitioner.user = account = _account_for(email, practitioner)
    if practitioner.rpps_verified:
        practitioner.save()
    else:
        _prove(practitioner, None, IdentityProof.PRO_SANTE_CONNECT)  # and the other claims on the RPPS drop
    return account


def _account_for(email: str, practitioner: Practitioner):
    """The account of the address the provider gave, made if need be (no password: Pro Santé Connect signs in)."""
    User = get_user_model()
    if not email:
        raise ValidationError(
            "Pro Santé Connect n'a pas transmis d'adresse e-mail : renseignez-la dans votre compte Pro Santé "
            "Connect, puis réessayez.",
            code=NetworkErrorCode.INVALID,
        )
    account = User.objects.filter(email=email).first()
    if account is not None and Practitioner.objects.filter(user=account).exclude(pk=practitioner.pk).exists():
        raise ValidationError(
            "Cette adresse e-mail est celle d'un autre professionnel sur Tête de pont : écrivez à l'équipe de la Cnam.",
            code=NetworkErrorCode.EMAIL_TAKEN,
        )
    if account is None:
        account = User.objects.create_user(
            email=email, password=None, first_name=practitioner.first_name, last_name=practitioner.last_name
        )
    return account
