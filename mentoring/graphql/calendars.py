"""Calendar feeds over GraphQL: a secret iCalendar address for one's bookings and turns, or a hub's slots."""

import graphene
from django.urls import reverse

from backend.core.graphql import Forbidden, get_object
from backend.core.permissions import Permission
from network.models import HubDesignation

from ..services.calendar import rotate_feed
from .common import MentoringMutation, practitioner_of, require_hub_manager


class RotateCalendarFeed(MentoringMutation):
    """A new secret iCalendar address for one's own calendar (bookings and rota turns) or, with `hubId`, a
    hub's (its coordinators). The previous address stops working. Keep it private: anyone with it can read
    the calendar."""

    class Meta:
        permissions = [Permission.PRACTITIONER, Permission.HUB_COORDINATOR]

    class Arguments:
        hub_id = graphene.ID(description="Global ID of the hub; omit for one's own calendar.")

    url = graphene.String(description="The new address (shown once; rotate again to get another).")

    @classmethod
    def perform(cls, root, info, hub_id=None):
        if hub_id:
            hub = get_object(hub_id, HubDesignation, "Hub", "hubId")
            require_hub_manager(info, hub.msp_id)
            token = rotate_feed(hub=hub)
        else:
            practitioner = practitioner_of(info)
            if practitioner is None:  # an administrator without a practitioner record
                raise Forbidden("Seul un professionnel inscrit a un agenda.")
            token = rotate_feed(practitioner=practitioner)
        path = reverse("calendar-feed", kwargs={"token": token})
        build = getattr(info.context, "build_absolute_uri", None)
        return cls(url=build(path) if build else path, errors=[])
