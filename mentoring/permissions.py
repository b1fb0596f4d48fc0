"""Who sees mentoring data. Offers and slots of approved hubs are public; the rest is private to the
person concerned, the coordinators of the hub involved, and Cnam staff."""

from django.db.models import Q

from backend.core.scoping import visibility_rule
from network.models import HubStatus
from network.permissions import NetworkPermission, Viewer

from .models import (
    Booking,
    BookingRole,
    BookingStatus,
    CoordinationSession,
    MentoringRequest,
    Mentorship,
    Slot,
    SupportOffer,
)


def public_offers(prefix: str = "") -> Q:
    """Offers anyone may see: active, of an approved hub."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}hub__status": HubStatus.APPROVED})


@visibility_rule(SupportOffer)
def offers_visible_to(queryset, viewer: Viewer, prefix: str = ""):
    if viewer.can_approve_hubs():
        return queryset
    return queryset.filter(
        public_offers(prefix) | Q(**{f"{prefix}hub__msp_id__in": viewer.coordinated_msp_ids})
    )


def public_slots(queryset):
    """The slots of `queryset` that anyone may see (those of public offers), whoever asks.

    For a live event about a public slot, asking who the viewer is (are they Cnam staff, which MSPs
    do they coordinate?) could only split its subscribers into groups that see the same thing.
    """
    return queryset.filter(offer__in=SupportOffer.objects.filter(public_offers()))


@visibility_rule(Slot)
def slots_visible_to(queryset, viewer: Viewer):
    """Slots of the offers the viewer may see (nothing loaded beside them: for a mutation's look-up)."""
    return queryset.filter(offer__in=offers_visible_to(SupportOffer.objects.all(), viewer))


def own_or_hub(queryset, viewer: Viewer, person: str, hub: str, staff=NetworkPermission.VIEW_CONTACT_DETAILS):
    """Rows whose `person` is the viewer or whose `hub` the viewer coordinates; holders of `staff` see all."""
    if viewer.has_perm(staff):
        return queryset
    if not viewer.is_authenticated:
        return queryset.none()
    mine = Q(**{person: viewer.practitioner}) if viewer.practitioner else Q(pk__in=[])
    return queryset.filter(mine | Q(**{f"{hub}__msp_id__in": viewer.coordinated_msp_ids}))


@visibility_rule(Booking)
def bookings_visible_to(queryset, viewer: Viewer):
    """A practitioner's own bookings; the hub's coordinators see those of their slots; Cnam staff all."""
    return own_or_hub(queryset, viewer, "practitioner", "slot__offer__hub")


@visibility_rule(MentoringRequest)
def requests_visible_to(queryset, viewer: Viewer, prefix: str = ""):
    """A request: its requester, the coordinators of the hub it is with, Cnam staff."""
    return own_or_hub(queryset, viewer, f"{prefix}requester", f"{prefix}hub")


@visibility_rule(Mentorship)
def mentorships_visible_to(queryset, viewer: Viewer):
    """A mentorship and its ledger: the mentee, the hub's coordinators, Cnam staff."""
    return own_or_hub(queryset, viewer, "mentee", "hub")


@visibility_rule(CoordinationSession)
def coordination_sessions_visible_to(queryset, viewer: Viewer):
    """The coordination time of a mentorship: whoever sees the mentorship."""
    return queryset.filter(mentorship__in=mentorships_visible_to(Mentorship.objects.all(), viewer))


def can_read_hub_notes(viewer: Viewer, hub) -> bool:
    """Session notes are the hub's working notes: its coordinators and Cnam staff, not the mentee."""
    return viewer.has_perm(NetworkPermission.VIEW_CONTACT_DETAILS) or viewer.coordinates(hub.msp_id)


def in_mentorship_thread(viewer: Viewer, mentorship) -> bool | None:
    """Who writes in a mentorship's thread: True for the hub's side (its coordinators, administrators), False
    for the mentee, None for anybody else (Cnam staff see the mentorship, not its private exchanges)."""
    if viewer.can_manage_msp(mentorship.hub.msp_id):
        return True
    if viewer.practitioner is not None and viewer.practitioner.pk == mentorship.mentee_id:
        return False
    return None


def reads_hub_details(viewer: Viewer, msp_id) -> bool:
    """The hub's coordinators (or administrators) and Cnam staff: who read a hub's participants (answers,
    no-shows), video links, coordination ledger and impact."""
    return viewer.can_manage_msp(msp_id) or viewer.has_perm(NetworkPermission.VIEW_CONTACT_DETAILS)


def staffs_slot(viewer: Viewer, slot) -> bool:
    """The viewer holds a confirmed turn on the slot (its staff; a peer session's facilitator). Reads
    `slot.bookings.all()`, prefetched by the slot lists."""
    mine = viewer.practitioner
    return mine is not None and any(
        b.practitioner_id == mine.pk and b.role == BookingRole.STAFF and b.status == BookingStatus.CONFIRMED
        for b in slot.bookings.all()
    )


def leads_slot(viewer: Viewer, slot) -> bool:
    """Who notes a slot's attendance and prepares a peer session: its staff, the hub's coordinators
    (administrators)."""
    return staffs_slot(viewer, slot) or viewer.can_manage_msp(slot.offer.hub.msp_id)
