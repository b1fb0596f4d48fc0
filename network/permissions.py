"""Permissions of the network directory, and who may do what.

Roles: anonymous; practitioner (user linked to a practitioner); MSP coordinator
(current coordinator membership); Cnam staff (the permissions below, through the
"Cnam" group); admin (superuser).
"""

from enum import StrEnum
from functools import cached_property

from backend.core.permissions import CNAM_STAFF_GROUP, Permission

from .models import Membership, MembershipRole

__all__ = ["CNAM_STAFF_GROUP", "NetworkPermission", "Viewer", "can_see_hub", "hubs_visible_to", "viewer_for"]


class NetworkPermission(StrEnum):
    """The Django permissions behind the network's declared permissions (backend.core.permissions)."""

    APPROVE_HUBS = Permission.APPROVE_HUBS.django_permission
    VIEW_CONTACT_DETAILS = Permission.VIEW_CONTACT_DETAILS.django_permission
    MANAGE_ANY_MSP = Permission.MANAGE_ANY_MSP.django_permission
    VERIFY_MSP = Permission.VERIFY_MSP.django_permission


# What Cnam staff read in the admin back office, beside their API rights (backend.core.permissions.CNAM_STAFF).
CNAM_STAFF_BACK_OFFICE = [
    "view_msp",
    "view_mspsite",
    "view_membership",
    "view_practitioner",
    "view_hubdesignation",
    "view_commune",
]


class Viewer:
    """What one user may see and do, with the few facts it needs loaded once per request."""

    def __init__(self, user):
        self.user = user

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    @cached_property
    def practitioner(self):
        if not self.is_authenticated:
            return None
        return getattr(self.user, "practitioner", None)

    @cached_property
    def coordinated_msp_ids(self) -> frozenset[int]:
        if self.practitioner is None:
            return frozenset()
        return frozenset(
            Membership.objects.current()
            .filter(practitioner=self.practitioner, role=MembershipRole.COORDINATOR)
            .values_list("msp_id", flat=True)
        )

    @cached_property
    def verified_coordinated_msp_ids(self) -> frozenset[int]:
        """The MSPs they coordinate that the Cnam has confirmed: only these open members' contact details."""
        if not self.coordinated_msp_ids:
            return frozenset()
        from .models import Msp

        return frozenset(
            Msp.objects.filter(pk__in=self.coordinated_msp_ids, verified_at__isnull=False).values_list(
                "pk", flat=True
            )
        )

    def has_perm(self, permission: NetworkPermission) -> bool:
        return self.is_authenticated and self.user.has_perm(permission)

    def coordinates(self, msp_id: int) -> bool:
        return msp_id in self.coordinated_msp_ids

    def can_manage_msp(self, msp_id: int) -> bool:
        return self.coordinates(msp_id) or self.has_perm(NetworkPermission.MANAGE_ANY_MSP)

    def can_approve_hubs(self) -> bool:
        return self.has_perm(NetworkPermission.APPROVE_HUBS)

    def contact_basis(self, practitioner) -> str | None:
        """Why the viewer may see this practitioner's e-mail and RPPS: "SELF", "COORDINATOR", "STAFF", or None.

        Coordinators see the contact details of their MSP's current members only: memberships
        exist by the member's consent (an accepted invitation), and the MSP must be confirmed by
        the Cnam. Staff (Cnam, admins) see everyone's, and each such read is recorded.
        """
        if not self.is_authenticated:
            return None
        if self.practitioner is not None and self.practitioner.pk == practitioner.pk:
            return "SELF"
        if self.verified_coordinated_msp_ids:
            current = getattr(practitioner, "current_memberships", None)
            if current is None:
                current = list(Membership.objects.current().filter(practitioner=practitioner))
            if any(m.msp_id in self.verified_coordinated_msp_ids for m in current):
                return "COORDINATOR"
        if self.has_perm(NetworkPermission.VIEW_CONTACT_DETAILS):
            return "STAFF"
        return None

    def can_see_contact(self, practitioner) -> bool:
        return self.contact_basis(practitioner) is not None

    def read_contact(self, practitioner) -> bool:
        """Whether the viewer may see the contact details now; a staff read is recorded (once per request)."""
        basis = self.contact_basis(practitioner)
        if basis == "STAFF":
            recorded = self.__dict__.setdefault("_contact_reads", set())
            if practitioner.pk not in recorded:
                from .models import ContactAccess

                recorded.add(practitioner.pk)
                ContactAccess.objects.create(
                    viewer=self.user, viewer_email=self.user.email, practitioner_id=practitioner.pk
                )
        return basis is not None


def viewer_for(request) -> Viewer:
    """The request's Viewer, built once per request."""
    viewer = getattr(request, "_network_viewer", None)
    if viewer is None or viewer.user is not request.user:
        viewer = Viewer(request.user)
        request._network_viewer = viewer
    return viewer


def hubs_visible_to(queryset, viewer: Viewer):
    """Approved hubs are public; candidate and suspended ones only to their MSP's coordinators and Cnam staff."""
    from django.db.models import Q

    from .models import HubStatus

    if viewer.can_approve_hubs():
        return queryset
    return queryset.filter(Q(status=HubStatus.APPROVED) | Q(msp_id__in=viewer.coordinated_msp_ids))


def can_see_hub(hub, viewer: Viewer) -> bool:
    from .models import HubStatus

    return hub.status == HubStatus.APPROVED or viewer.can_approve_hubs() or viewer.coordinates(hub.msp_id)
