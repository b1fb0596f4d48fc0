"""What the weak signals' detection finds (`Finding`), and where (`places_of`): shared by
observatory/services/detection.py and msp_signals.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from network.models import Department, MspSite
from network.services.business_hours import ZONE


@dataclass
class Finding:
    """A situation found by the scan: one signal per `key` (its kind, what it concerns, its episode)."""

    key: str
    kind: str
    msp_id: int
    started_at: datetime
    reason: str
    hub_id: int | None = None
    action: str = ""
    suggested_hub_ids: list[int] = field(default_factory=list)
    near: tuple[float, float] | None = (
        None  # where to look for hubs with capacity, when the action names some
    )
    department_id: str | None = None  # where it is, for an MSP without a site yet (a project)
    action_prefix: str = ""


@dataclass(frozen=True)
class Place:
    latitude: float | None
    longitude: float | None
    department_id: str
    region_id: str


def places_of(findings) -> dict[int, Place]:
    """Each MSP's main site (or first site): where it is, and its department and region; for a project
    without a site, the department its finding names."""
    findings = list(findings)
    msp_ids = {f.msp_id for f in findings}
    places: dict[int, Place] = {}
    rows = (
        MspSite.objects.filter(msp_id__in=set(msp_ids))
        .order_by("msp_id", "-is_main", "pk")
        .values_list(
            "msp_id", "latitude", "longitude", "commune__department_id", "commune__department__region_id"
        )
    )
    for msp_id, latitude, longitude, department, region in rows:
        places.setdefault(msp_id, Place(latitude, longitude, department, region))
    missing = {f.department_id: f.msp_id for f in findings if f.msp_id not in places and f.department_id}
    for department in Department.objects.filter(pk__in=missing):
        places[missing[department.pk]] = Place(None, None, department.pk, department.region_id)
    return places


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZONE)


def day_text(value: date) -> str:
    return value.strftime("%d/%m/%Y")
