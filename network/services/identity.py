"""Whose RPPS is proved: a sign-up's RPPS is a claim until Pro Santé Connect proves it or the Cnam checks it.

What an unproved claim cannot do (before: a stranger who signed up with a colleague's RPPS accepted the
coordinator invitation addressed to that RPPS and read 25 members' e-mails):
- accept an invitation addressed to that RPPS (services/invitations.py: respond);
- become coordinator of an MSP others have joined (same);
- see any member's contact details (permissions.Viewer.verified_coordinated_msp_ids).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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
    practitioner.rpps_verified_at = timezone.now()
    practitioner.rpps_verified_by = user
    practitioner.rpps_verified_via = via
    practitioner.save(
        update_fields=["rpps_verified_at", "rpps_verified_by", "rpps_verified_via", "updated_at"]
    )
    return practitioner
