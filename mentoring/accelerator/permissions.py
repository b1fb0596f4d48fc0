"""Who sees the accelerator's requests and which of their messages, who acts as the ARS, which filters of the
queue only Cnam staff may use."""

from dataclasses import dataclass

from backend.core.permissions import Permission
from backend.core.scoping import visibility_rule
from mentoring.permissions import own_or_hub
from network.permissions import NetworkPermission, Viewer

from .knowledge_models import Article
from .models import AcceleratorRequest, CannedAnswer, Visibility

# Cnam staff of the accelerator (the "Cnam" group has it; administrators have every permission).
ACCELERATOR_STAFF = Permission.ACCELERATOR_STAFF.django_permission


def is_accelerator_staff(viewer: Viewer) -> bool:
    return viewer.has_perm(ACCELERATOR_STAFF)


@visibility_rule(AcceleratorRequest)
def accelerator_requests_visible_to(queryset, viewer: Viewer):
    """Accelerator staff see every request; a requester their own; a hub's coordinators those routed to it;
    an ARS agent those routed to their region's ARS (still after they handed one back to the Cnam)."""
    visible = own_or_hub(queryset, viewer, "requester", "routed_hub", staff=ACCELERATOR_STAFF)
    region = viewer.ars_region_code if viewer.is_authenticated else None
    if region is None or visible is queryset:
        return visible
    return visible | queryset.filter(ars_region_id=region)


# Facts of a request only Cnam staff see (tags, who handles it, escalation): filtering on them would reveal them.
STAFF_ONLY_QUEUE_FILTERS = {"tag_ids": "tagIds", "assignee_id": "assigneeId", "unassigned": "unassigned",
                            "escalated": "escalated", "mine": "mine"}  # fmt: skip


def queue_filters_refused(viewer: Viewer, data: dict) -> list[str]:
    """The staff-only filters a viewer who is not staff asked for (API names); empty for staff."""
    if is_accelerator_staff(viewer):
        return []
    return [api for name, api in STAFF_ONLY_QUEUE_FILTERS.items() if data.get(name) is not None]


def accelerator_message_visibilities(viewer: Viewer, request) -> set[str]:
    """Which messages of a request the viewer reads: staff all; the ARS of its region the public replies and
    the ARS's notes (never the Cnam's internal notes); anyone else who sees the request the public replies."""
    if is_accelerator_staff(viewer):
        return {Visibility.PUBLIC, Visibility.INTERNAL, Visibility.ARS_NOTE}
    if viewer.is_ars_agent_of(request.ars_region_id):
        return {Visibility.PUBLIC, Visibility.ARS_NOTE}
    return {Visibility.PUBLIC}


def acts_as_ars(viewer: Viewer, request) -> bool:
    """Whether the viewer may act on a request as the ARS it was routed to: an agent of its region (or an
    administrator, who may act for any ARS)."""
    if request.ars_region_id is None:
        return False
    return viewer.is_ars_agent_of(request.ars_region_id) or viewer.has_perm(NetworkPermission.MANAGE_ANY_MSP)


def ars_inbox_region(viewer: Viewer, region_code: str | None) -> str | None:
    """The region whose ARS inbox the viewer reads: an agent's own (asking for another is refused with
    `PermissionError`); for staff, the one they name, or None for every region."""
    own = viewer.ars_region_code
    if own is not None and region_code not in (None, own):
        raise PermissionError("Un agent d'ARS ne voit que la boîte de sa région.")
    return own or region_code


@dataclass(frozen=True)
class ReplyRights:
    """How someone may reply to a request: decided once (`reply_rights`), then handed to the service."""

    staff: bool = False  # Cnam staff: public replies, internal notes, and the state to move to
    requester: bool = False  # the requester, on their own question: public replies
    hub: bool = False  # a coordinator of the hub it was routed to: public replies, which answer it

    @property
    def may_reply(self) -> bool:
        return self.staff or self.requester or self.hub


# The Cnam's team replying (macros, the demo): no viewer to ask.
STAFF_REPLY = ReplyRights(staff=True)


def reply_rights(viewer: Viewer, request) -> ReplyRights:
    """What the viewer may write on `request` (one they see)."""
    practitioner = viewer.practitioner
    return ReplyRights(
        staff=is_accelerator_staff(viewer),
        requester=practitioner is not None and request.requester_id == practitioner.pk,
        hub=request.routed_hub_id is not None and viewer.coordinates(request.routed_hub.msp_id),
    )


@visibility_rule(CannedAnswer)
def canned_answers_visible_to(queryset, viewer: Viewer):
    """The staff's canned answers and macros: theirs alone."""
    return queryset if is_accelerator_staff(viewer) else queryset.none()


@visibility_rule(Article)
def articles_visible_to(queryset, viewer: Viewer):
    """The knowledge base is public; withdrawn articles, Cnam staff only."""
    return queryset if is_accelerator_staff(viewer) else queryset.filter(withdrawn_at__isnull=True)
