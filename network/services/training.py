"""MSPs as training places (plan "4 000 MSP", measure 1): whom they take — GP interns, other interns,
students of the service sanitaire, externs —, how many a semester, and the supervisors, current members of the
MSP with an RPPS. Declared by the MSP's coordinators; no kinds withdraws it."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..errors import NetworkErrorCode
from ..models import Membership, Msp, Practitioner, TraineeKind, TrainingPlace

MAX_PLACES = 50
MAX_SUPERVISORS = 20


@transaction.atomic
def declare_training(
    msp: Msp, kinds: list[str], places: int, supervisor_ids: list[int]
) -> TrainingPlace | None:
    """Set what the MSP offers students and interns (all or nothing); with no kinds, it offers none any more."""
    kinds = sorted({kind for kind in kinds if kind in TraineeKind.values})
    if not kinds:
        TrainingPlace.objects.filter(msp=msp).delete()
        return None
    errors = {}
    if not 1 <= (places or 0) <= MAX_PLACES:
        errors["places_per_semester"] = ValidationError(
            f"De 1 à {MAX_PLACES} places par semestre.", code=NetworkErrorCode.INVALID
        )
    supervisor_ids = list(dict.fromkeys(supervisor_ids))
    if not supervisor_ids:
        errors["supervisor_ids"] = ValidationError(
            "Nommez au moins un maître de stage parmi les membres.", code=NetworkErrorCode.REQUIRED
        )
    elif len(supervisor_ids) > MAX_SUPERVISORS:
        errors["supervisor_ids"] = ValidationError(
            f"{MAX_SUPERVISORS} maîtres de stage au plus.", code=NetworkErrorCode.INVALID
        )
    else:
        members = set(Membership.objects.current().filter(msp=msp).values_list("practitioner_id", flat=True))
        supervisors = list(Practitioner.objects.filter(pk__in=supervisor_ids))
        strangers = [p for p in supervisors if p.pk not in members] + [None] * (
            len(supervisor_ids) - len(supervisors)
        )
        if strangers:
            errors["supervisor_ids"] = ValidationError(
                "Un maître de stage est un membre actuel de la MSP.", code=NetworkErrorCode.INVALID
            )
        elif any(not p.rpps for p in supervisors):
            names = ", ".join(f"{p.first_name} {p.last_name}" for p in supervisors if not p.rpps)
            errors["supervisor_ids"] = ValidationError(
                f"Un maître de stage a un numéro RPPS : {names} n'en a pas.", code=NetworkErrorCode.INVALID
            )
    if errors:
        raise ValidationError(errors)
    place, _ = TrainingPlace.objects.update_or_create(
        msp=msp, defaults={"kinds": kinds, "places_per_semester": places}
    )
    place.supervisors.set(supervisors)
    return place
