"""The minimum composition of an MSP (CSP L4041-4) and its grace period.

A Sisa needs at least 2 doctors and 1 auxiliaire médical among its associates.
After departures, an MSP may run with one doctor and at least two auxiliaires
médicaux for up to 3 years (plan "4 000 MSP", measure 5).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models

from ..models import Membership, MembershipRole, Profession, ProfessionCategory

MIN_DOCTORS = 2
MIN_AUXILIARIES = 1
GRACE_DOCTORS = 1
GRACE_AUXILIARIES = 2
GRACE_YEARS = 3


class CompositionState(models.TextChoices):
    COMPLIANT = "COMPLIANT", "Composition minimale respectée"
    GRACE_PERIOD = "GRACE_PERIOD", "En dessous du minimum, dans le délai de grâce de 3 ans"
    GRACE_EXPIRED = "GRACE_EXPIRED", "Délai de grâce dépassé"
    BELOW_MINIMUM = "BELOW_MINIMUM", "En dessous de la composition minimale"


@dataclass(frozen=True)
class Composition:
    state: CompositionState
    doctors: int
    auxiliaries: int
    below_minimum_since: date | None
    grace_period_ends_on: date | None
    ever_met: bool = True  # whether it ever met the rule (False: never, since its first associate)

    @property
    def meets_minimum(self) -> bool:
        return self.state == CompositionState.COMPLIANT


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _counts(associates: list[Membership], on: date) -> tuple[int, int]:
    doctors, auxiliaries = set(), set()
    for m in associates:
        if m.is_current(on):
            profession = m.practitioner.profession
            if profession.code == Profession.DOCTOR:
                doctors.add(m.practitioner_id)
            elif profession.category == ProfessionCategory.AUXILIARY:
                auxiliaries.add(m.practitioner_id)
    return len(doctors), len(auxiliaries)


def _meets(counts: tuple[int, int]) -> bool:
    return counts[0] >= MIN_DOCTORS and counts[1] >= MIN_AUXILIARIES


def composition_of(memberships: Iterable[Membership], today: date | None = None) -> Composition:
    """Composition from the MSP's memberships (with practitioner and profession loaded)."""
    today = today or date.today()
    associates = [m for m in memberships if m.role == MembershipRole.ASSOCIATE]
    now = _counts(associates, today)
    if _meets(now):
        return Composition(CompositionState.COMPLIANT, *now, None, None)

    # Walk the history of associate arrivals and departures to find since when it is below.
    points = sorted({m.start_date for m in associates} | {m.end_date for m in associates if m.end_date})
    below_since, ever_met = None, False
    for day in (p for p in points if p <= today):
        if _meets(_counts(associates, day)):
            ever_met, below_since = True, None
        elif below_since is None:
            below_since = day

    doctors, auxiliaries = now
    if ever_met and below_since and doctors >= GRACE_DOCTORS and auxiliaries >= GRACE_AUXILIARIES:
        ends = _add_years(below_since, GRACE_YEARS)
        state = CompositionState.GRACE_PERIOD if today < ends else CompositionState.GRACE_EXPIRED
        return Composition(state, doctors, auxiliaries, below_since, ends)
    return Composition(CompositionState.BELOW_MINIMUM, doctors, auxiliaries, below_since, None, ever_met)
