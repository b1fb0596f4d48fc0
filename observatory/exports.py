"""CSV exports of the observatory, streamed: rows are read from PostgreSQL in chunks and written as they
come, so a national export never holds the whole list in memory.

Files are UTF-8 with a BOM (spreadsheets open them with accents), `;` as separator (French locale).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from backend.core.csv_stream import csv_lines
from backend.core.db import heavy_alias
from network.models import Department, HubDesignation, Membership, Msp, MspSite, MspStatus

from .models import SignalStatus, WeakSignal
from .selectors import Level, Scope

CHUNK = 2000


def _csv(header: list[str], rows) -> Iterator[str]:
    return csv_lines(header, rows)


def _scoped(queryset, scope: Scope, path: str):
    ids = scope.msp_ids()
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def msps(scope: Scope) -> Iterator[str]:
    """Every MSP of the territory: identifiers, status, place, hub status, current members."""
    today = timezone.localdate()
    main = MspSite.objects.filter(msp=OuterRef("pk"), is_main=True)
    current = Q(memberships__start_date__lte=today) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gt=today)
    )
    rows = (
        _scoped(Msp.objects.using(heavy_alias()), scope, "pk")
        .annotate(
            commune_code=Subquery(main.values("commune_id")[:1]),
            commune_name=Subquery(main.values("commune__name")[:1]),
            department=Subquery(main.values("commune__department_id")[:1]),
            members=Count("memberships", filter=current),
            hub_status=Subquery(HubDesignation.objects.filter(msp=OuterRef("pk")).values("status")[:1]),
        )
        .order_by("pk")
        .values_list(
            "finess",
            "name",
            "status",
            "opening_date",
            "department",
            "commune_code",
            "commune_name",
            "members",
            "hub_status",
        )
    )
    header = [
        "finess",
        "nom",
        "statut",
        "ouverture",
        "departement",
        "commune_insee",
        "commune",
        "membres",
        "tete_de_pont",
    ]
    return _csv(header, rows.iterator(chunk_size=CHUNK))


def hubs(scope: Scope) -> Iterator[str]:
    """Every hub designation of the territory: its MSP, status, capacity and offers."""
    rows = (
        _scoped(HubDesignation.objects.using(heavy_alias()), scope, "msp_id")
        .order_by("pk")
        .values_list(
            "msp__finess",
            "msp__name",
            "status",
            "service_radius_km",
            "monthly_coordination_hours",
            "offer_kinds",
            "approved_at",
            "suspended_at",
        )
    )
    header = [
        "finess",
        "msp",
        "statut",
        "rayon_km",
        "heures_mensuelles",
        "accompagnements",
        "designee_le",
        "suspendue_le",
    ]

    def formatted():
        for finess, name, status, radius, hours, kinds, approved, suspended in rows.iterator(
            chunk_size=CHUNK
        ):
            yield finess, name, status, radius, hours, " ".join(kinds or []), approved, suspended

    return _csv(header, formatted())


def departments(scope: Scope) -> Iterator[str]:
    """The figures by department of the territory: MSPs by status, approved hubs, current members."""
    today = timezone.localdate()
    alias = (
        heavy_alias()
    )  # these querysets run as the file streams, after the view: the database is fixed here
    departments = Department.objects.using(alias)
    if scope.level == Level.REGION:
        departments = departments.filter(region_id=scope.code)
    elif scope.level == Level.DEPARTMENT:
        departments = departments.filter(pk=scope.code)
    by_department: dict[str, dict] = {}
    main = MspSite.objects.using(alias).filter(is_main=True)
    for department, status, n in main.values_list("commune__department_id", "msp__status").annotate(
        n=Count("msp")
    ):
        by_department.setdefault(department, {})[status] = n
    hubs_by = dict(
        main.filter(msp__hub__status="APPROVED")
        .values_list("commune__department_id")
        .annotate(n=Count("msp"))
    )
    members_by = dict(
        Membership.objects.using(alias)
        .current(today)
        .filter(msp__status=MspStatus.OPERATING, msp__sites__is_main=True)
        .values_list("msp__sites__commune__department_id")
        .annotate(n=Count("practitioner_id", distinct=True))
    )
    header = [
        "departement",
        "nom",
        "region",
        "msp_en_fonctionnement",
        "msp_en_projet",
        "msp_fermees",
        "tetes_de_pont",
        "membres",
    ]

    def rows():
        for department in departments.order_by("pk").iterator():
            counts = by_department.get(department.pk, {})
            yield (
                department.pk, department.name, department.region_id, counts.get(MspStatus.OPERATING, 0),
                counts.get(MspStatus.PROJECT, 0), counts.get(MspStatus.CLOSED, 0), hubs_by.get(department.pk, 0),
                members_by.get(department.pk, 0),
            )  # fmt: skip

    return _csv(header, rows())


def signals(scope: Scope) -> Iterator[str]:
    """The weak signals of the territory still open or acknowledged: kind, MSP, hub, since when, why, what to
    do (named MSPs: for the Cnam and the region's ARS only, as the view checks)."""
    rows = (
        scope.signals(WeakSignal.objects.using(heavy_alias()))
        .exclude(status=SignalStatus.CLOSED)
        .order_by("-started_at", "pk")
        .values_list(
            "pk",
            "kind",
            "status",
            "msp__finess",
            "msp__name",
            "hub__msp__name",
            "region_id",
            "department_id",
            "started_at",
            "reason",
            "suggested_action",
        )
    )
    header = [
        "signal",
        "genre",
        "statut",
        "finess",
        "msp",
        "tete_de_pont",
        "region",
        "departement",
        "depuis",
        "motif",
        "action_suggeree",
    ]
    return _csv(header, rows.iterator(chunk_size=CHUNK))


EXPORTS = {"msps": msps, "hubs": hubs, "signaux": signals, "departements": departments}
