"""French public holidays of a place, as the `holidays` package knows them: metropolitan France's, with
Alsace-Moselle's two extra days (Good Friday, 26 December) and each overseas department's own (20 December in
La Réunion, 27 April in Mayotte…)."""

from datetime import date
from functools import lru_cache

import holidays

# The package's French subdivisions for departments whose holidays differ from metropolitan France's.
SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@lru_cache(maxsize=256)
def _of(subdivision: str | None, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("FR", subdiv=subdivision, years=year, language="fr"))


def public_holidays(department_code: str | None, years) -> dict[date, str]:
    """The public holidays of the department (INSEE code) in those years: date → French name."""
    subdivision = SUBDIVISIONS.get(department_code or "")
    found: dict[date, str] = {}
    for year in years:
        found.update(_of(subdivision, year))
    return found
