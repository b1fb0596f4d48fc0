"""Who is looking at a request, and doing what (live)."""

import graphene

from backend.core.graphql import enum_value
from backend.core.permissions import Permission
from mentoring.graphql.common import MentoringMutation

from .. import services
from .enums import ActivityEnum
from .mutation_base import (
    named_request,
)


class SetAcceleratorPresence(MentoringMutation):
    """Say you are viewing or replying to a request (repeat every 30 s; lapses after a minute); `activity`
    null to leave. Other staff see it in `presence` and live."""

    class Meta:
        permissions = [Permission.ACCELERATOR_STAFF]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        activity = ActivityEnum(description="Viewing or replying; null when leaving.")

    ok = graphene.Boolean(required=True, description="True once recorded.")
    error_defaults = {"ok": False}

    @classmethod
    def perform(cls, root, info, id, activity=None):
        request = named_request(id)
        services.set_presence(request, info.context.user, enum_value(activity))
        return cls(ok=True, errors=[])
