"""An MSP project's path from the idea to the opening (plan "4 000 MSP", measure 2): the steps it reached, each
with its date and who recorded it; its stage is the furthest step reached. Recorded by the project's
coordinators; read by its members, the hubs that mentor them, the region's ARS and the Cnam
(`network.permissions.can_read_milestones`)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..errors import NetworkErrorCode
from ..models import MilestoneKind, Msp, ProjectMilestone

ORDER = list(MilestoneKind.values)  # the steps in their order
IDEA = "IDEA"  # a project with no step yet


def stage_of(kinds) -> str:
    """The furthest step among `kinds` (IDEA without any)."""
    reached = [ORDER.index(kind) for kind in kinds if kind in ORDER]
    return ORDER[max(reached)] if reached else IDEA


@transaction.atomic
def record(msp: Msp, actor, kind: str, reached_on, note: str = "") -> ProjectMilestone:
    """Record a step of the project (again: corrects its date or note)."""
    errors = {}
    if kind not in ORDER:
        errors["kind"] = ValidationError("Étape inconnue.", code=NetworkErrorCode.INVALID)
    if reached_on is None or reached_on > timezone.localdate():
        errors["reached_on"] = ValidationError(
            "La date d'une étape atteinte n'est pas dans le futur.", code=NetworkErrorCode.INVALID_DATE_RANGE
        )
    if kind == MilestoneKind.SISA_CREATED and not msp.siret:
        errors["kind"] = ValidationError(
            "Renseignez d'abord le SIRET de la Sisa de la MSP.", code=NetworkErrorCode.INVALID_SIRET
        )
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = ValidationError("500 caractères au plus.", code=NetworkErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)
    milestone, _ = ProjectMilestone.objects.update_or_create(
        msp=msp, kind=kind, defaults={"reached_on": reached_on, "note": note, "recorded_by": actor}
    )
    return milestone
