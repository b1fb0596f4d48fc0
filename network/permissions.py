"""Permissions of the network directory, and who may do what.

Roles: anonymous; practitioner (user linked to a practitioner); MSP coordinator
(current coordinator membership); ARS agent (an `ArsAgent` row: one region); Cnam staff (the
permissions below, through the "Cnam" group); admin (superuser).
"""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import Permission as DjangoPermission
from django.db.models import Q
from django.db.models.expressions import RawSQL

from backend.core.permissions import CNAM_STAFF_GROUP, Permission
from backend.core.scoping import public, visibility_rule
from backend.core.viewer import FactRecorder, _fact, viewer_for

from .models import (
    ArsAgent,
    Commune,
    ContactAccess,
    HubDesignation,
    HubStatus,
    Membership,
    MembershipRole,
    Msp,
    MspInvitation,
    MspSite,
    Practitioner,
    Profession,
)
from .services.hubs import region_of, region_of_loaded

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
    "view_hubopinion",
    "view_commune",
]


class Viewer:
    """What one user may see and do, with the few facts it needs loaded once per request.

    `facts` (from `viewer_facts`) gives the practitioner, perms and coordinated MSPs already loaded,
    for resolving one event for many subscribers without a query per subscriber.
    """

    def __init__(self, user, facts: "ViewerFacts | None" = None):
        self._user = user
        self.recorder: FactRecorder | None = None
        self._perms = None
        if facts is not None:
            self._practitioner = facts.practitioner
            self._coordinated = facts.coordinated_msp_ids
            self._verified = facts.verified_coordinated_msp_ids
            self._perms = facts.perms
            self._ars_region = facts.ars_region_code

    def _personal(self) -> None:
        if self.recorder is not None and not self.recorder.depth:
            self.recorder.personal = True

    @property
    def user(self):
        """The user themself: what depends on it is theirs alone."""
        self._personal()
        return self._user

    @property
    @_fact
    def is_authenticated(self) -> bool:
        return bool(self._user and self._user.is_authenticated)

    @property
    def practitioner(self):
        """Their practitioner record: what depends on it is theirs alone."""
        self._personal()
        if "_practitioner" not in self.__dict__:
            self._practitioner = getattr(self._user, "practitioner", None) if self.is_authenticated else None
        return self._practitioner

    @property
    @_fact
    def coordinated_msp_ids(self) -> frozenset[int]:
        if "_coordinated" not in self.__dict__:
            practitioner = self.practitioner
            self._coordinated = (
                frozenset()
                if practitioner is None
                else frozenset(
                    Membership.objects.current()
                    .filter(practitioner=practitioner, role=MembershipRole.COORDINATOR)
                    .values_list("msp_id", flat=True)
                )
            )
        return self._coordinated

    @property
    @_fact
    def verified_coordinated_msp_ids(self) -> frozenset[int]:
        """The MSPs they coordinate that the Cnam has confirmed, if their own identity (RPPS) is proved: only
        these open members' contact details (services/identity.py)."""
        if "_verified" not in self.__dict__:
            own = self.practitioner
            proved = own is not None and own.rpps_verified_at is not None
            coordinated = self.coordinated_msp_ids if proved else frozenset()
            self._verified = (
                frozenset(
                    Msp.objects.filter(pk__in=coordinated, verified_at__isnull=False).values_list(
                        "pk", flat=True
                    )
                )
                if coordinated
                else frozenset()
            )
        return self._verified

    @property
    @_fact
    def ars_region_code(self) -> str | None:
        """The code of the region whose ARS the viewer is an agent of (network.models.ArsAgent), or None."""
        if "_ars_region" not in self.__dict__:
            self._ars_region = (
                ArsAgent.objects.filter(user=self._user).values_list("region_id", flat=True).first()
                if self.is_authenticated
                else None
            )
        return self._ars_region

    @_fact
    def is_ars_agent_of(self, region_code: str | None) -> bool:
        """Whether the viewer works for the ARS of this region (an agent sees and acts on their region only)."""
        return region_code is not None and self.ars_region_code == region_code

    @_fact
    def has_perm(self, permission: NetworkPermission) -> bool:
        if not self.is_authenticated:
            return False
        user = self._user
        if self._perms is not None and user.is_active and not user.is_superuser:
            return str(permission) in self._perms
        return user.has_perm(permission)

    @_fact
    def coordinates(self, msp_id: int) -> bool:
        return msp_id in self.coordinated_msp_ids

    @_fact
    def can_manage_msp(self, msp_id: int) -> bool:
        return self.coordinates(msp_id) or self.has_perm(NetworkPermission.MANAGE_ANY_MSP)

    @_fact
    def can_approve_hubs(self) -> bool:
        return self.has_perm(NetworkPermission.APPROVE_HUBS)

    @_fact
    def contact_basis(self, practitioner) -> str | None:
        """Why the viewer may see this practitioner's e-mail and RPPS: "SELF", "COORDINATOR", "STAFF", or None.

        Coordinators see the contact details of their MSP's current members only: memberships
        exist by the member's consent (an accepted invitation), and the MSP must be confirmed by
        the Cnam. Staff (Cnam, admins) see everyone's, and each such read is recorded.
        """
        if not self.is_authenticated:
            return None
        own = self.practitioner
        if own is not None and own.pk == practitioner.pk:
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
            self._personal()  # recorded for this reader: not a result to hand to another
            recorded = self.__dict__.setdefault("_contact_reads", set())
            if practitioner.pk not in recorded:
                recorded.add(practitioner.pk)
                user = self._user
                ContactAccess.objects.create(
                    viewer=user, viewer_email=user.email, practitioner_id=practitioner.pk
                )
        return basis is not None


@dataclass(frozen=True)
class ViewerFacts:
    """A viewer's facts loaded in bulk (see `viewer_facts`)."""

    practitioner: object
    perms: frozenset[str]
    coordinated_msp_ids: frozenset[int]
    verified_coordinated_msp_ids: frozenset[int]
    ars_region_code: str | None = None


def viewer_facts(users) -> dict[int, ViewerFacts]:
    """Facts of many users in five queries: their practitioner, Django permissions, coordinated MSPs and ARS."""
    ids = [user.pk for user in users]
    if not ids:
        return {}
    # One array parameter rather than an IN list of a thousand placeholders (built and parsed each time).
    user_ids = RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    perms: dict[int, set[str]] = {pk: set() for pk in ids}
    for user_id, app, codename in DjangoPermission.objects.filter(group__user__in=user_ids).values_list(
        "group__user", "content_type__app_label", "codename"
    ):
        perms[user_id].add(f"{app}.{codename}")
    for user_id, app, codename in DjangoPermission.objects.filter(user__in=user_ids).values_list(
        "user", "content_type__app_label", "codename"
    ):
        perms[user_id].add(f"{app}.{codename}")
    practitioners = {
        p.user_id: p for p in Practitioner.objects.filter(user_id__in=user_ids).only("id", "user_id")
    }
    coordinated: dict[int, set[int]] = {}
    for practitioner_id, msp_id in (
        Membership.objects.current()
        .filter(practitioner__user_id__in=user_ids, role=MembershipRole.COORDINATOR)
        .values_list("practitioner_id", "msp_id")
    ):
        coordinated.setdefault(practitioner_id, set()).add(msp_id)
    all_coordinated = set().union(*coordinated.values()) if coordinated else set()
    verified = set(
        Msp.objects.filter(pk__in=all_coordinated, verified_at__isnull=False).values_list("pk", flat=True)
    )
    ars_regions = dict(ArsAgent.objects.filter(user_id__in=user_ids).values_list("user_id", "region_id"))
    facts = {}
    for user in users:
        practitioner = practitioners.get(user.pk)
        mine = frozenset(coordinated.get(practitioner.pk, ())) if practitioner is not None else frozenset()
        facts[user.pk] = ViewerFacts(
            practitioner=practitioner,
            perms=frozenset(perms[user.pk]),
            coordinated_msp_ids=mine,
            verified_coordinated_msp_ids=mine & verified,
            ars_region_code=ars_regions.get(user.pk),
        )
    return facts


def msps_in_region(region_code: str):
    """The ids of the MSPs whose main site is in the region (a subquery)."""
    return MspSite.objects.filter(is_main=True, commune__department__region_id=region_code).values("msp_id")


@visibility_rule(HubDesignation)
def hubs_visible_to(queryset, viewer: Viewer):
    """Approved hubs are public; candidate and suspended ones only to their MSP's coordinators, the ARS of
    their region (which gives its opinion on them) and Cnam staff."""
    if viewer.can_approve_hubs():
        return queryset
    visible = _public_hub() | Q(msp_id__in=viewer.coordinated_msp_ids)
    region = viewer.ars_region_code if viewer.is_authenticated else None
    if region is not None:
        visible |= Q(msp_id__in=msps_in_region(region))
    return queryset.filter(visible)


def _public_hub():
    return Q(status=HubStatus.APPROVED)


def public_hubs(queryset):
    """The hubs of `queryset` that anyone may see (approved), whoever asks (see `hubs_visible_to`)."""
    return queryset.filter(_public_hub())


def can_see_hub(hub, viewer: Viewer) -> bool:
    if hub.status == HubStatus.APPROVED or viewer.can_approve_hubs() or viewer.coordinates(hub.msp_id):
        return True
    return is_ars_of_hub(hub, viewer)


def region_of_hub(hub) -> str | None:
    if "msp" in hub._state.fields_cache:  # its MSP's sites may have come with it
        loaded = region_of_loaded(hub.msp)
        if loaded is not False:
            return loaded
    return region_of(hub.msp_id)


def is_ars_of_hub(hub, viewer: Viewer) -> bool:
    """Whether the viewer is an agent of the ARS of the hub's region (its main site's)."""
    return (
        viewer.is_authenticated
        and viewer.ars_region_code is not None
        and viewer.is_ars_agent_of(region_of_hub(hub))
    )


def can_read_ars_opinions(hub, viewer: Viewer) -> bool:
    """The ARS's opinions on a hub: Cnam staff who decide, and the ARS of the hub's region."""
    return viewer.can_approve_hubs() or is_ars_of_hub(hub, viewer)


def invitations_filter(practitioner) -> Q:
    """Invitations addressed to this practitioner, by record or by their RPPS."""
    return Q(practitioner=practitioner) | Q(practitioner=None, rpps=practitioner.rpps)


@visibility_rule(MspInvitation)
def invitations_visible_to(queryset, viewer: Viewer):
    """An invitation: its invitee and those who manage the MSP, no one else."""
    if viewer.has_perm(NetworkPermission.MANAGE_ANY_MSP):
        return queryset
    mine = invitations_filter(viewer.practitioner) if viewer.practitioner is not None else Q(pk__in=[])
    return queryset.filter(mine | Q(msp_id__in=viewer.coordinated_msp_ids))


# The directory is public: who practises where, in which MSP. Contact details are hidden field by field
# (`Viewer.read_contact`), and an MSP's private facts by its type's fields.
public(Msp, "the directory of MSPs")
public(MspSite, "where an MSP practises")
public(Practitioner, "the directory of practitioners; e-mail and RPPS hidden by Viewer.read_contact")
public(Membership, "who belongs to which MSP (pending invitations are MspInvitation, scoped)")
public(Commune, "reference data (INSEE)")
public(Profession, "reference data (TRE_G15)")


def can_read_milestones(msp, viewer: Viewer) -> bool:
    """A project's steps through its MSP: its members, the ARS of its region, the Cnam. (The hubs mentoring one
    of its members read them through the mentorship: mentoring/graphql, a layer above.)"""
    if not viewer.is_authenticated:
        return False
    if viewer.can_approve_hubs() or viewer.has_perm(NetworkPermission.MANAGE_ANY_MSP):
        return True
    if viewer.ars_region_code is not None and viewer.is_ars_agent_of(region_of(msp.pk)):
        return True
    practitioner = viewer.practitioner
    return (
        practitioner is not None
        and Membership.objects.current().filter(msp=msp, practitioner=practitioner).exists()
    )
