"""The observatory's figures, computed in PostgreSQL for one territory (nation, region or department).

An MSP belongs to the territory of its main site; a mentoring request to that of the requester's commune;
an accelerator question to its department. Counts only: no names, nothing personal.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from backend.core.db import heavy_alias
from mentoring.accelerator import selectors as accelerator
from mentoring.models import (
    Booking,
    BookingRole,
    BookingStatus,
    CoordinationSession,
    MentoringRequest,
    RequestStatus,
    SupportOffer,
)
from network.models import (
    Commune,
    Department,
    HubDesignation,
    HubStatus,
    Membership,
    Msp,
    MspSite,
    MspStatus,
    Region,
    Zoning,
)
from network.services import milestones

from . import pictures
from .models import Snapshot

NATIONAL_TARGET = 4000  # MSPs by 2027: the plan "4 000 maisons de santé pluriprofessionnelles"
PLAN_2023 = {"operating": 2251, "project": 300}  # the plan's key figures for 2023 (seeds/)
MONTHS = 12


class Level:
    NATION = "NATION"
    REGION = "REGION"
    DEPARTMENT = "DEPARTMENT"


@dataclass(frozen=True)
class Scope:
    level: str
    code: str | None
    name: str

    def msp_ids(self):
        """The MSPs of the territory, as a subquery (None for the nation: no filter)."""
        if self.level == Level.NATION:
            return None
        where = (
            {"commune__department__region_id": self.code}
            if self.level == Level.REGION
            else {"commune__department_id": self.code}
        )
        return MspSite.objects.filter(is_main=True, **where).values("msp_id")

    def region_code(self) -> str | None:
        """The region the territory lies in (None for the nation)."""
        if self.level == Level.DEPARTMENT:
            return Department.objects.filter(pk=self.code).values_list("region_id", flat=True).first()
        return self.code

    def signals(self, queryset):
        """Weak signals (observatory.models.WeakSignal) of the territory."""
        if self.level == Level.REGION:
            return queryset.filter(region_id=self.code)
        if self.level == Level.DEPARTMENT:
            return queryset.filter(department_id=self.code)
        return queryset

    def commune_sql(self) -> tuple[str, list]:
        """The raw SQL condition on communes `c` joined to their department `d`, and its parameters."""
        if self.level == Level.REGION:
            return "d.region_id = %s", [self.code]
        if self.level == Level.DEPARTMENT:
            return "c.department_id = %s", [self.code]
        return "TRUE", []

    def communes(self, prefix: str) -> Q:
        """Rows whose commune (through `prefix`, e.g. "commune__") is in the territory."""
        if self.level == Level.NATION:
            return Q()
        if self.level == Level.REGION:
            return Q(**{f"{prefix}department__region_id": self.code})
        return Q(**{f"{prefix}department_id": self.code})


def scope_of(level: str, code: str | None) -> Scope:
    """The territory named by a level and an INSEE code; a French error for an unknown one."""
    if level == Level.NATION:
        return Scope(Level.NATION, None, "France entière")
    model, label = (Region, "région") if level == Level.REGION else (Department, "département")
    found = model.objects.filter(pk=(code or "").strip().upper()).first()
    if found is None:
        raise ValidationError(
            {"code": ValidationError(f"Code de {label} inconnu : « {code or ''} ».", code="INVALID")}
        )
    return Scope(level, found.pk, found.name)


def remembered(kind: str, scope: Scope, compute):
    """What `compute()` gives for the territory, kept `OBSERVATORY_CACHE_SECONDS` in this process's cache:
    public figures are for steering, a few minutes old is fine, and asking again must not cost again."""
    seconds = settings.OBSERVATORY_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    key = f"observatory:{kind}:{scope.level}:{scope.code or ''}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found


@dataclass
class Figures:
    scope: Scope
    msps_operating: int
    msps_project: int
    msps_closed: int
    members_by_profession: list[tuple[str, str, int]]
    hubs_approved: int
    hubs_candidate: int
    offers_by_kind: list[tuple[str, int]]
    hours_capacity: Decimal
    hours_given_by_month: list[tuple[date, Decimal]] = field(default_factory=list)
    bookings_held: int = 0
    mentoring_submitted: int = 0
    mentoring_accepted: int = 0
    mentoring_median_answer_hours: float | None = None
    accelerator: accelerator.Stats | None = None
    training_msps: int = 0  # MSPs taking students or interns (measure 1)
    training_places: int = 0  # their places a semester
    projects_by_stage: list[tuple[str, int]] = field(
        default_factory=list
    )  # MSPs in project, by furthest step


def _in(queryset, scope: Scope, path: str):
    ids = scope.msp_ids()
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def figures(scope: Scope, today: date | None = None) -> Figures:
    today = today or timezone.localdate()
    msps = _in(Msp.objects.all(), scope, "pk").aggregate(
        operating=Count("pk", filter=Q(status=MspStatus.OPERATING)),
        project=Count("pk", filter=Q(status=MspStatus.PROJECT)),
        closed=Count("pk", filter=Q(status=MspStatus.CLOSED)),
        training_msps=Count("training", filter=Q(status=MspStatus.OPERATING)),
        training_places=Sum("training__places_per_semester", filter=Q(status=MspStatus.OPERATING)),
    )
    stages = defaultdict(list)
    for msp_id, kind in _in(Msp.objects.filter(status=MspStatus.PROJECT), scope, "pk").values_list(
        "pk", "milestones__kind"
    ):
        stages[msp_id].append(kind)
    by_stage = Counter(milestones.stage_of(kinds) for kinds in stages.values())
    members = (
        _in(Membership.objects.current(), scope, "msp_id")
        .filter(msp__status=MspStatus.OPERATING)
        .values("practitioner__profession_id", "practitioner__profession__label")
        .annotate(n=Count("practitioner_id", distinct=True))
        .order_by("-n", "practitioner__profession__label")
    )
    hubs = _in(HubDesignation.objects.all(), scope, "msp_id")
    hub_counts = hubs.aggregate(
        approved=Count("pk", filter=Q(status=HubStatus.APPROVED)),
        candidate=Count("pk", filter=Q(status=HubStatus.CANDIDATE)),
        capacity=Sum("monthly_coordination_hours", filter=Q(status=HubStatus.APPROVED)),
    )
    offers = (
        _in(SupportOffer.objects.filter(is_active=True, hub__status=HubStatus.APPROVED), scope, "hub__msp_id")
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )
    index = today.year * 12 + today.month - 1 - (MONTHS - 1)  # the month MONTHS - 1 before this one
    first_month = date(index // 12, index % 12 + 1, 1)
    given = {
        row["month"]: Decimal(row["minutes"]) / 60
        for row in _in(
            CoordinationSession.objects.filter(date__gte=first_month), scope, "mentorship__hub__msp_id"
        )
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(minutes=Sum("duration_minutes"))
    }
    months, month = [], first_month
    while month <= today:
        months.append((month, given.get(month, Decimal(0)).quantize(Decimal("0.01"))))
        month = (month + timedelta(days=32)).replace(day=1)
    bookings = _in(
        Booking.objects.filter(
            status=BookingStatus.CONFIRMED, role=BookingRole.ATTENDEE, starts_at__lt=timezone.now()
        ),
        scope,
        "slot__offer__hub__msp_id",
    ).count()
    requests = MentoringRequest.objects.filter(scope.communes("commune__")).aggregate(
        submitted=Count("pk", filter=Q(sent_at__isnull=False)),
        accepted=Count("pk", filter=Q(status=RequestStatus.ACCEPTED)),
    )
    median_answer = _median_answer_hours(scope)
    stats = accelerator.stats(
        today - timedelta(days=365),
        today,
        region_code=scope.code if scope.level == Level.REGION else None,
        department_code=scope.code if scope.level == Level.DEPARTMENT else None,
    )
    return Figures(
        scope=scope,
        msps_operating=msps["operating"],
        msps_project=msps["project"],
        msps_closed=msps["closed"],
        projects_by_stage=[
            (stage, by_stage[stage]) for stage in [milestones.IDEA, *milestones.ORDER] if by_stage[stage]
        ],
        training_msps=msps["training_msps"],
        training_places=msps["training_places"] or 0,
        members_by_profession=[
            (row["practitioner__profession_id"], row["practitioner__profession__label"], row["n"])
            for row in members
        ],
        hubs_approved=hub_counts["approved"],
        hubs_candidate=hub_counts["candidate"],
        offers_by_kind=[(row["kind"], row["n"]) for row in offers],
        hours_capacity=hub_counts["capacity"] or Decimal(0),
        hours_given_by_month=months,
        bookings_held=bookings,
        mentoring_submitted=requests["submitted"],
        mentoring_accepted=requests["accepted"],
        mentoring_median_answer_hours=median_answer,
        accelerator=stats,
    )


# A request's time to answer: from its first sending to a hub to the first answer of a hub after it (accepted,
# declined, or details asked), in hours; the median over the territory's answered requests.
MEDIAN_ANSWER_SQL = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered - sent) / 3600.0)
FROM (
    SELECT min(e.created_at) FILTER (WHERE e.kind = 'SENT') AS sent,
           min(e.created_at) FILTER (WHERE e.kind IN ('ACCEPTED', 'DECLINED', 'INFO_REQUESTED')) AS answered
    FROM mentoring_mentoringrequestevent e
    JOIN mentoring_mentoringrequest r ON r.id = e.request_id
    JOIN network_commune c ON c.code = r.commune_id
    JOIN network_department d ON d.code = c.department_id
    WHERE {where}
    GROUP BY e.request_id
) times
WHERE answered >= sent
"""


def _median_answer_hours(scope: Scope) -> float | None:
    where, params = scope.commune_sql()
    with connections[router.db_for_read(MentoringRequest) or "default"].cursor() as cursor:
        cursor.execute(MEDIAN_ANSWER_SQL.format(where=where), params)
        (hours,) = cursor.fetchone()
    return round(hours, 1) if hours is not None else None


# Communes within reach of an approved hub: a site of an operating MSP holding an approved designation no
# farther than the hub's own service radius (great circle). Hub sites are few (hundreds): each one takes
# the communes of its bounding box (on the coordinates index), then the exact distance; a commune is
# covered when any site reaches it.
COVERAGE_SQL = """
WITH hub_sites AS (
    SELECT s.latitude AS lat, s.longitude AS lon, h.service_radius_km AS radius,
           h.service_radius_km / 111.195 AS dlat,
           least(180.0, h.service_radius_km / (111.195 * greatest(cos(radians(s.latitude)), 0.01))) AS dlon
    FROM network_mspsite s
    JOIN network_hubdesignation h ON h.msp_id = s.msp_id AND h.status = 'APPROVED'
    JOIN network_msp m ON m.id = s.msp_id AND m.status = 'OPERATING'
), reached AS (
    SELECT DISTINCT c.code
    FROM hub_sites s
    JOIN network_commune c
      ON c.latitude BETWEEN s.lat - s.dlat AND s.lat + s.dlat
     AND c.longitude BETWEEN s.lon - s.dlon AND s.lon + s.dlon
    WHERE 6371.0088 * acos(least(1.0, greatest(-1.0,
            sin(radians(c.latitude)) * sin(radians(s.lat))
            + cos(radians(c.latitude)) * cos(radians(s.lat)) * cos(radians(s.lon - c.longitude))))) <= s.radius
)
SELECT c.code, c.name, c.population, c.zoning, r.code IS NOT NULL AS covered, c.department_id, c.latitude,
       c.longitude
FROM network_commune c
JOIN network_department d ON d.code = c.department_id
LEFT JOIN reached r ON r.code = c.code
WHERE {where}
"""


@dataclass
class Coverage:
    population: int
    covered: int
    uncovered_priority: list[
        tuple[str, str, int]
    ]  # ZIP communes without a hub within reach, most populous first

    @property
    def share(self) -> float | None:
        return round(self.covered / self.population, 4) if self.population else None


def commune_rows(scope: Scope) -> list[tuple]:
    """The territory's communes: (code, name, population, zoning, covered, department, latitude, longitude),
    covered when an approved hub reaches them."""
    where, params = scope.commune_sql()
    with connections[router.db_for_read(Commune) or "default"].cursor() as cursor:  # the replica, when heavy
        cursor.execute(COVERAGE_SQL.format(where=where), params)
        return cursor.fetchall()


def coverage(scope: Scope, rows: list[tuple] | None = None) -> Coverage:
    """How much of the territory's population lives within reach of an approved hub, and which communes of
    its priority zones (ZIP) none reaches."""
    rows = commune_rows(scope) if rows is None else rows
    population = sum(row[2] for row in rows)
    covered = sum(row[2] for row in rows if row[4])
    uncovered = sorted(
        (
            (code, name, people)
            for code, name, people, zoning, reached, *_ in rows
            if zoning == Zoning.ZIP and not reached
        ),
        key=lambda row: (-row[2], row[0]),
    )
    return Coverage(population=population, covered=covered, uncovered_priority=uncovered)


def places(scope: Scope) -> list[tuple]:
    """The territory's MSPs (operating and in project) at their main site: (name, department, latitude,
    longitude, operating, service radius of an approved hub or None)."""
    sites = MspSite.objects.filter(is_main=True, msp__status__in=[MspStatus.OPERATING, MspStatus.PROJECT])
    if scope.level != Level.NATION:
        sites = sites.filter(scope.communes("commune__"))
    rows = sites.values_list(
        "msp__name", "commune__department_id", "latitude", "longitude", "msp__status", "msp__hub__status",
        "msp__hub__service_radius_km",
    )  # fmt: skip
    return [
        (name, department, latitude, longitude, status == MspStatus.OPERATING,
         radius if hub == HubStatus.APPROVED and status == MspStatus.OPERATING else None)
        for name, department, latitude, longitude, status, hub, radius in rows
    ]  # fmt: skip


def drawings(
    scope: Scope, counted: Figures | None = None, rows: list[tuple] | None = None
) -> tuple[str, str]:
    """The territory's two pictures as SVG: MSPs in operation month by month (its snapshots, then this month),
    towards the national target for the nation; and the map of its MSPs and hubs, communes coloured by
    coverage."""
    counted = counted or figures(scope)
    rows = rows if rows is not None else commune_rows(scope)
    national = scope.level == Level.NATION
    month = timezone.localdate().replace(day=1)
    history = (
        Snapshot.objects.using(heavy_alias())
        .filter(level=scope.level, code=scope.code or "", month__lt=month)
        .order_by("month")
    )
    points = [(snapshot.month, snapshot.figures["msps_operating"]) for snapshot in history]
    points.append((month, counted.msps_operating))
    chart = pictures.progress_chart(
        points,
        NATIONAL_TARGET if national else None,
        (date(2023, 1, 1), PLAN_2023["operating"], "2023 : 2 251 MSP (point de départ du plan)")
        if national
        else None,
    )
    drawn = pictures.coverage_map(
        [pictures.Commune(row[5], row[6], row[7], row[2], row[4]) for row in rows],
        [pictures.Place(*place) for place in places(scope)],
        national,
    )
    return chart, drawn
