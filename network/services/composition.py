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


def _associates(day: str) -> str:
    """SQL: the MSP `{t}`'s associates current on `day` (an SQL date), with their profession's code."""
    return (
        "FROM network_membership m JOIN network_practitioner pr ON pr.id = m.practitioner_id "
        f"WHERE m.msp_id = {{t}}.id AND m.role = '{MembershipRole.ASSOCIATE}' "
        f"AND m.start_date <= {day} AND (m.end_date IS NULL OR m.end_date > {day})"
    )


# The auxiliaries' professions, read once per statement (not joined to each member).
_AUXILIARY_CODES = (
    f"SELECT a.code FROM network_profession a WHERE a.category = '{ProfessionCategory.AUXILIARY}' "
    f"AND a.code <> '{Profession.DOCTOR}'"
)
_DOCTORS = f"count(DISTINCT m.practitioner_id) FILTER (WHERE pr.profession_id = '{Profession.DOCTOR}')"
_AUXILIARIES = f"count(DISTINCT m.practitioner_id) FILTER (WHERE pr.profession_id IN ({_AUXILIARY_CODES}))"

_MEETS_TODAY = f"(n.doctors >= {MIN_DOCTORS} AND n.auxiliaries >= {MIN_AUXILIARIES})"

# `composition_of` in SQL, for the compiled reads (backend/core/compiled.py): one row with the `Composition`'s
# fields for the MSP `{t}` on `{today}`. The same walk: today's counts; then, only for an MSP below the minimum
# today, the days associates arrived or left up to today, each meeting the rule or not; below since the first
# day after the last one that met it.
# tests/network/test_composition.py holds the two to the same answers on generated histories.
COMPOSITION_SQL = f"""
SELECT s.state, s.state = '{CompositionState.COMPLIANT}' AS meets_minimum, s.doctors, s.auxiliaries,
  CASE WHEN s.state <> '{CompositionState.COMPLIANT}' THEN s.below_since END AS below_minimum_since,
  CASE WHEN s.state IN ('{CompositionState.GRACE_PERIOD}', '{CompositionState.GRACE_EXPIRED}')
    THEN s.ends END AS grace_period_ends_on
FROM (
  SELECT CASE
      WHEN {_MEETS_TODAY} THEN '{CompositionState.COMPLIANT}'
      WHEN h.ever_met AND h.below_since IS NOT NULL AND n.doctors >= {GRACE_DOCTORS}
        AND n.auxiliaries >= {GRACE_AUXILIARIES} THEN CASE WHEN {{today}} < h.ends
          THEN '{CompositionState.GRACE_PERIOD}' ELSE '{CompositionState.GRACE_EXPIRED}' END
      ELSE '{CompositionState.BELOW_MINIMUM}' END AS state,
    n.doctors, n.auxiliaries, h.below_since, h.ends
  FROM (SELECT {_DOCTORS} AS doctors, {_AUXILIARIES} AS auxiliaries {_associates("{today}")}) n
  LEFT JOIN LATERAL (
    WITH days AS (
      SELECT x.day, (SELECT {_DOCTORS} >= {MIN_DOCTORS} AND {_AUXILIARIES} >= {MIN_AUXILIARIES}
                     {_associates("x.day")}) AS meets
      FROM (SELECT m.start_date AS day FROM network_membership m
              WHERE m.msp_id = {{t}}.id AND m.role = '{MembershipRole.ASSOCIATE}'
            UNION SELECT m.end_date FROM network_membership m
              WHERE m.msp_id = {{t}}.id AND m.role = '{MembershipRole.ASSOCIATE}' AND m.end_date IS NOT NULL) x
      WHERE x.day <= {{today}} AND NOT {_MEETS_TODAY}
    )
    SELECT g.ever_met, g.below_since, (g.below_since + interval '{GRACE_YEARS} years')::date AS ends
    FROM (SELECT COALESCE(bool_or(d.meets), false) AS ever_met, min(d.day) FILTER (WHERE d.day > COALESCE(
      (SELECT max(e.day) FROM days e WHERE e.meets), '-infinity'::date)) AS below_since FROM days d) g
    WHERE NOT {_MEETS_TODAY}  -- an MSP that meets the rule today has no history to walk: not even begun
  ) h ON true
) s
"""
