"""Read entry points of the observatory: aggregated figures, open to anyone."""

import graphene
from django.core.exceptions import ValidationError

from backend.core.db import heavy_alias, heavy_reads
from backend.core.graphql import Field, bad_input, enum_value
from backend.core.permissions import Permission

from .. import selectors
from ..models import Snapshot
from .types import Observatory, ObservatoryPoint, ObservatoryScopeInput


class ObservatoryQueryFields(graphene.ObjectType):
    observatory = Field(
        Observatory,
        required=True,
        scope=ObservatoryScopeInput(required=True, description="The territory."),
        description="Figures of the MSP network for a territory: MSPs against the national target, members by "
        "profession, hubs and offers, coordination hours, bookings, mentoring requests, accelerator questions.",
        permissions=[Permission.ANYONE],
    )

    observatory_trend = Field(
        graphene.List(graphene.NonNull(ObservatoryPoint)),
        required=True,
        scope=ObservatoryScopeInput(required=True, description="The territory."),
        since=graphene.Date(required=True, description="First month (any day of it)."),
        until=graphene.Date(required=True, description="Last month (any day of it)."),
        description="The territory's monthly snapshots from one month to another, oldest first, to draw progress "
        "towards 4,000 (a month without a snapshot is absent).",
        permissions=[Permission.ANYONE],
    )

    def resolve_observatory(root, info, scope):
        territory = _territory(scope)
        with heavy_reads():
            return Observatory.of(
                selectors.remembered("figures", territory, lambda: selectors.figures(territory))
            )

    def resolve_observatory_trend(root, info, scope, since, until):
        territory = _territory(scope)
        if until < since:
            raise bad_input("La fin de la période doit suivre son début.")
        if (until.year - since.year) * 12 + until.month - since.month >= 240:
            raise bad_input("Demandez au plus vingt ans à la fois.")
        snapshots = (
            Snapshot.objects.using(heavy_alias())
            .filter(
                level=territory.level,
                code=territory.code or "",
                month__gte=since.replace(day=1),
                month__lte=until.replace(day=1),
            )
            .order_by("month")
        )
        return [ObservatoryPoint.of(snapshot) for snapshot in snapshots]


def _territory(scope):
    try:
        return selectors.scope_of(enum_value(scope["level"]), scope.get("code"))
    except ValidationError as error:
        raise bad_input(error.message_dict["code"][0]) from None
