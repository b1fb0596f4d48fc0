"""Who sees mentoring data. Offers and slots of approved hubs are public; bookings are private."""

from django.db.models import Q

from network.models import HubStatus
from network.permissions import NetworkPermission, Viewer


def offers_visible_to(queryset, viewer: Viewer, prefix: str = ""):
    if viewer.can_approve_hubs():
        return queryset
    public = Q(**{f"{prefix}is_active": True, f"{prefix}hub__status": HubStatus.APPROVED})
    return queryset.filter(public | Q(**{f"{prefix}hub__msp_id__in": viewer.coordinated_msp_ids}))


def bookings_visible_to(queryset, viewer: Viewer):
    """A practitioner's own bookings; the hub's coordinators see those of their slots; Cnam staff all."""
    if viewer.has_perm(NetworkPermission.VIEW_CONTACT_DETAILS):
        return queryset
    if not viewer.is_authenticated:
        return queryset.none()
    mine = Q(practitioner=viewer.practitioner) if viewer.practitioner else Q(pk__in=[])
    return queryset.filter(mine | Q(slot__offer__hub__msp_id__in=viewer.coordinated_msp_ids))
