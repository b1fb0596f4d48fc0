"""The monthly snapshot of every territory's figures (a periodic job, or the
`take_observatory_snapshot` command), from which `observatoryTrend` draws progress curves."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from network.models import Department, Region

from .. import selectors
from ..models import Snapshot

# What a snapshot keeps of the figures (all counts: nothing personal).
KEPT = (
    "msps_operating",
    "msps_project",
    "msps_closed",
    "hubs_approved",
    "hubs_candidate",
    "bookings_held",
    "mentoring_submitted",
    "mentoring_accepted",
)


def compact(figures: selectors.Figures, month: date) -> dict:
    kept = {name: getattr(figures, name) for name in KEPT}
    kept["members"] = sum(n for _, _, n in figures.members_by_profession)
    kept["hours_offered"] = float(figures.hours_capacity)
    kept["hours_given"] = float(next((h for m, h in figures.hours_given_by_month if m == month), 0))
    kept["accelerator_questions"] = figures.accelerator.total
    return kept


def territories() -> list[selectors.Scope]:
    scopes = [selectors.scope_of(selectors.Level.NATION, None)]
    scopes += [selectors.Scope(selectors.Level.REGION, r.pk, r.name) for r in Region.objects.order_by("pk")]
    scopes += [
        selectors.Scope(selectors.Level.DEPARTMENT, d.pk, d.name) for d in Department.objects.order_by("pk")
    ]
    return scopes


@transaction.atomic
def take_snapshots(today: date | None = None) -> int:
    """This month's figures of the nation, every region and every department, as they stand today (the
    month's row replaced if it was already taken). Returns how many territories were recorded."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    scopes = territories()
    for scope in scopes:
        Snapshot.objects.update_or_create(
            month=month,
            level=scope.level,
            code=scope.code or "",
            defaults={"figures": compact(selectors.figures(scope, today), month)},
        )
    return len(scopes)
