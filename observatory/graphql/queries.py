"""Read entry points of the observatory: aggregated figures, open to anyone."""

import graphene
from django.core.exceptions import ValidationError

from backend.core.graphql import Field, bad_input, enum_value
from backend.core.permissions import Permission

from .. import selectors
from .types import Observatory, ObservatoryScopeInput


class ObservatoryQueryFields(graphene.ObjectType):
    observatory = Field(
        Observatory,
        required=True,
        scope=ObservatoryScopeInput(required=True, description="The territory."),
        description="Figures of the MSP network for a territory: MSPs against the national target, members by "
        "profession, hubs and offers, coordination hours, bookings, mentoring requests, accelerator questions.",
        permissions=[Permission.ANYONE],
    )

    def resolve_observatory(root, info, scope):
        try:
            territory = selectors.scope_of(enum_value(scope["level"]), scope.get("code"))
        except ValidationError as error:
            raise bad_input(error.message_dict["code"][0]) from None
        return Observatory.of(selectors.figures(territory))
