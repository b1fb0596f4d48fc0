"""The enums of the accelerator's API, each value described in English (the French labels are for users)."""

import graphene

from backend.core.graphql import enum_from_choices

from ..events import EventKind
from ..models import Activity, Category, Level, Priority, SlaStatus, State, Visibility

CategoryEnum = enum_from_choices(
    Category,
    "AcceleratorCategory",
    "What an accelerator question is about.",
    {
        "HEALTH_PROJECT": "The health project (projet de santé).",
        "SISA_LEGAL": "The Sisa and legal questions.",
        "ACI_FUNDING": "The ACI contract and funding.",
        "INFORMATION_SYSTEM": "The shared information system.",
        "PREMISES": "Premises and buildings.",
        "COORDINATION_HR": "Coordination and human resources.",
        "OTHER": "Anything else.",
    },
)
StateEnum = enum_from_choices(
    State,
    "AcceleratorState",
    "Where an accelerator request stands.",
    {
        "NEW": "Just submitted.",
        "TRIAGED": "Category and impact set by staff.",
        "IN_PROGRESS": "Being worked on.",
        "WAITING_ON_REQUESTER": "Waiting for the requester (the service-level clock is paused).",
        "ANSWERED": "Answered.",
        "CLOSED": "Closed.",
        "ROUTED_TO_HUB": "Routed to a hub, whose coordinators answer it.",
        "ROUTED_TO_ARS": "Routed to the regional health agency (ARS).",
        "MERGED": "Merged into another request.",
    },
)
LevelEnum = enum_from_choices(
    Level,
    "AcceleratorLevel",
    "Urgency (requester) or impact (staff).",
    {"LOW": "Low.", "MEDIUM": "Medium.", "HIGH": "High."},
)
PriorityEnum = enum_from_choices(
    Priority,
    "AcceleratorPriority",
    "Priority, from urgency and impact.",
    {
        "CRITICAL": "P1: first response within 4 business hours by default.",
        "HIGH": "P2: first response within 8 business hours by default.",
        "NORMAL": "P3: first response within 16 business hours by default.",
        "LOW": "P4: first response within 24 business hours by default.",
    },
)
SlaStatusEnum = enum_from_choices(
    SlaStatus,
    "AcceleratorSlaStatus",
    "Service-level standing.",
    {
        "ON_TRACK": "Within its targets.",
        "AT_RISK": "Less than 20 % of a target's time left.",
        "BREACHED": "A target was missed.",
    },
)
VisibilityEnum = enum_from_choices(
    Visibility,
    "AcceleratorMessageVisibility",
    "Who sees a message.",
    {
        "PUBLIC": "A reply: the requester sees it.",
        "INTERNAL": "An internal note: Cnam staff only.",
        "ARS_NOTE": "A note of the ARS: the ARS of the request's region and Cnam staff, never the requester.",
    },
)
ActivityEnum = enum_from_choices(
    Activity,
    "AcceleratorActivity",
    "What a staff member is doing on a request.",
    {"VIEWING": "Reading the request.", "REPLYING": "Writing a reply."},
)


class AcceleratorOrder(graphene.Enum):
    """How to sort the queue."""

    SLA_DUE = "SLA_DUE"
    PRIORITY = "PRIORITY"
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"
    RELEVANCE = "RELEVANCE"

    @property
    def description(self):
        return {
            "SLA_DUE": "Soonest due first (first response, then resolution); paused and resolved ones last.",
            "PRIORITY": "P1 first, then oldest.",
            "NEWEST": "Most recent first.",
            "OLDEST": "Oldest first.",
            "RELEVANCE": "With `filter.search`: best match of the words first (then newest).",
        }[self.name]


EVENT_KINDS = {
    "SUBMITTED": "A new request.",
    "TRIAGED": "Category, impact or priority set.",
    "ASSIGNED": "Assignee changed.",
    "MESSAGE": "A reply or internal note.",
    "STATE": "State changed.",
    "ROUTED": "Routed to a hub or the ARS.",
    "MERGED": "Merged (or received a duplicate).",
    "AT_RISK": "Service level at risk.",
    "BREACHED": "Service level breached.",
    "ON_TRACK": "Back within its service level.",
    "PRESENCE": "A staff member started or stopped viewing or replying.",
    "TAGS": "Its tags changed (staff's queue only).",
}
EventKindEnum = enum_from_choices(
    EventKind, "AcceleratorEventKind", "What happened to an accelerator request.", EVENT_KINDS
)
