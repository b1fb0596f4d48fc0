"""The accelerator over GraphQL: the queue, a request's threads, triage, routing, statistics, live events."""

from datetime import datetime, time, timedelta

import graphene
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.utils import timezone
from graphene import relay
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from backend.core.graphql import (
    ConnectionField,
    CountableConnection,
    Forbidden,
    bad_input,
    decode_global_id,
    enum_from_choices,
    errors_field,
    find_object,
    get_object,
    require_authenticated,
)
from backend.realtime.events import group_name
from backend.realtime.subscriptions import EventNotVisible, require_visible
from mentoring.graphql.common import MentoringError, MentoringMutation, require_practitioner
from mentoring.graphql.types import HubMatch, MentoringRequest
from mentoring.permissions import ACCELERATOR_STAFF, accelerator_requests_visible_to, is_accelerator_staff
from network.graphql.types import Commune, Department, Hub, Msp, Practitioner
from network.models import HubDesignation
from network.permissions import viewer_for

from . import services
from .models import (
    AcceleratorMessage,
    AcceleratorRequest,
    Activity,
    CannedAnswer,
    Category,
    Level,
    Priority,
    SlaStatus,
    State,
    Visibility,
)

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
    {"PUBLIC": "A reply: the requester sees it.", "INTERNAL": "An internal note: Cnam staff only."},
)
ActivityEnum = enum_from_choices(
    Activity,
    "AcceleratorActivity",
    "What a staff member is doing on a request.",
    {"VIEWING": "Reading the request.", "REPLYING": "Writing a reply."},
)

STAFF_ONLY = "Réservé à l'équipe de l'accélérateur de la Cnam."
PRESENCE_SECONDS = 60


def is_staff(info) -> bool:
    return is_accelerator_staff(viewer_for(info.context))


def require_staff(info) -> None:
    require_authenticated(info)
    if not is_staff(info):
        raise Forbidden(STAFF_ONLY)


def _name(user) -> str:
    return (user.get_full_name() or user.email) if user else "Équipe Cnam"


class StaffMember(graphene.ObjectType):
    """A member of the accelerator's staff."""

    id = graphene.ID(required=True, description="Global ID (StaffMember).")
    full_name = graphene.String(required=True, description="Name.")

    def resolve_id(self, info):
        return to_global_id("StaffMember", self.pk)

    def resolve_full_name(self, info):
        return _name(self)


class AcceleratorMessageType(graphene.ObjectType):
    """A public reply or (for staff only) an internal note."""

    class Meta:
        name = "AcceleratorMessage"

    id = graphene.ID(required=True, description="Global ID.")
    visibility = graphene.Field(VisibilityEnum, required=True, description="Public reply or internal note.")
    body = graphene.String(required=True, description="The text.")
    author_name = graphene.String(required=True, description="Who wrote it.")
    from_requester = graphene.Boolean(required=True, description="True when the requester wrote it.")
    created_at = graphene.DateTime(required=True, description="When.")

    def resolve_id(self, info):
        return to_global_id("AcceleratorMessage", self.pk)

    def resolve_author_name(self, info):
        return _name(self.author)

    def resolve_from_requester(self, info):
        return self.author_id is not None and self.author_id == self.request.requester.user_id


class AcceleratorChangeType(graphene.ObjectType):
    """One entry of the audit trail (staff only)."""

    class Meta:
        name = "AcceleratorChange"

    field = graphene.String(
        required=True, description="What changed: state, category, impact, priority, assignee, sla."
    )
    from_value = graphene.String(required=True, description="Before.")
    to_value = graphene.String(required=True, description="After.")
    reason = graphene.String(required=True, description="Why; may be empty.")
    actor_name = graphene.String(required=True, description='Who ("Équipe Cnam" for automatic changes).')
    created_at = graphene.DateTime(required=True, description="When.")

    def resolve_actor_name(self, info):
        return _name(self.actor)


class ServiceLevelClock(graphene.ObjectType):
    """A service-level clock, in business hours (Mon-Fri 9:00-18:00 Europe/Paris, public holidays excluded)."""

    target_hours = graphene.Float(required=True, description="Target, in business hours.")
    elapsed_hours = graphene.Float(
        required=True, description="Business hours counted so far (pauses excluded)."
    )
    left_hours = graphene.Float(required=True, description="Business hours left (negative once breached).")
    due_at = graphene.DateTime(description="When it falls due; null while paused or once stopped.")
    paused = graphene.Boolean(required=True, description="True while waiting on the requester.")
    done = graphene.Boolean(required=True, description="True once met (first public reply, or resolution).")
    at_risk = graphene.Boolean(required=True, description="Running with under 20 % of its target left.")
    breached = graphene.Boolean(required=True, description="More time used than the target.")

    def resolve_target_hours(self, info):
        return round(self.target_seconds / 3600, 2)

    def resolve_elapsed_hours(self, info):
        return round(self.elapsed_seconds / 3600, 2)

    def resolve_left_hours(self, info):
        return round(self.left_seconds / 3600, 2)


class PresenceType(graphene.ObjectType):
    """A staff member on a request right now."""

    class Meta:
        name = "AcceleratorPresence"

    staff_member = graphene.Field(StaffMember, required=True, description="Who.")
    activity = graphene.Field(ActivityEnum, required=True, description="Viewing or replying.")
    seen_at = graphene.DateTime(required=True, description="Last sign of life.")

    def resolve_staff_member(self, info):
        return self.user


class AcceleratorRequestType(DjangoObjectType):
    """A question to the Cnam accelerator. Requesters see their own (public thread only); staff see all;
    a hub's coordinators see the questions routed to their hub."""

    class Meta:
        model = AcceleratorRequest
        name = "AcceleratorRequest"
        interfaces = (relay.Node,)
        fields = ("subject", "body", "category", "state", "urgency", "impact", "priority", "department",
                  "commune", "requester", "msp", "created_at", "updated_at", "sla_status")  # fmt: skip
        connection_class = CountableConnection

    subject = graphene.String(required=True, description="Subject.")
    body = graphene.String(required=True, description="The question.")
    category = graphene.Field(
        CategoryEnum, required=True, description="Category (set by the requester, corrected by staff)."
    )
    state = graphene.Field(StateEnum, required=True, description="Where it stands.")
    urgency = graphene.Field(LevelEnum, required=True, description="Urgency, as the requester put it.")
    impact = graphene.Field(LevelEnum, required=True, description="Impact, as staff assessed it.")
    priority = graphene.Field(
        PriorityEnum, required=True, description="Priority from urgency and impact (ZIP raises impact)."
    )
    department = graphene.Field(Department, required=True, description="Department of the project.")
    commune = graphene.Field(Commune, description="Commune of the project, if given.")
    requester = graphene.Field(Practitioner, required=True, description="Who asks.")
    msp = graphene.Field(Msp, description="The MSP (in project) on whose behalf it was asked.")
    created_at = graphene.DateTime(required=True, description="When it was received.")
    updated_at = graphene.DateTime(required=True, description="Last change.")
    sla_status = graphene.Field(SlaStatusEnum, required=True, description="On track, at risk or breached.")
    assignee = graphene.Field(StaffMember, description="The staff member handling it (staff only).")
    first_response = graphene.Field(ServiceLevelClock, required=True, description="First-response clock.")
    resolution = graphene.Field(ServiceLevelClock, required=True, description="Resolution clock.")
    messages = graphene.List(
        graphene.NonNull(AcceleratorMessageType),
        required=True,
        description="The thread, oldest first: public replies, and internal notes for staff only.",
    )
    changes = graphene.List(
        graphene.NonNull(AcceleratorChangeType),
        required=True,
        description="The audit trail (empty for non-staff).",
    )
    merged_into = graphene.Field(
        lambda: AcceleratorRequestType, description="The request it was merged into."
    )
    routed_hub = graphene.Field(Hub, description="The hub it was routed to.")
    routed_request = graphene.Field(
        MentoringRequest, description="The linked mentoring request at the hub (its own thread and state)."
    )
    suggested_hubs = graphene.List(
        graphene.NonNull(HubMatch), required=True, description="Nearest hubs whose offers fit (staff only)."
    )
    presence = graphene.List(
        graphene.NonNull(PresenceType), required=True, description="Other staff on it right now (staff only)."
    )

    @classmethod
    def get_queryset(cls, queryset, info):
        return accelerator_requests_visible_to(queryset, viewer_for(info.context)).select_related(
            "department__region", "commune__department", "requester__profession", "requester__commune",
            "requester__user", "assignee", "routed_hub__msp", "msp",
        )  # fmt: skip

    def resolve_assignee(self, info):
        return self.assignee if is_staff(info) else None

    def _clocks(self, info):
        """Both clocks, with the targets loaded once per GraphQL request (not once per row)."""
        targets = getattr(info.context, "_accelerator_targets", None)
        if targets is None:
            targets = services.all_targets()
            info.context._accelerator_targets = targets
        return services.clocks(self, targets=targets[self.priority])

    def resolve_first_response(self, info):
        return AcceleratorRequestType._clocks(self, info)[0]

    def resolve_resolution(self, info):
        return AcceleratorRequestType._clocks(self, info)[1]

    def resolve_messages(self, info):
        messages = self.messages.select_related("author").order_by("created_at", "pk")
        if not is_staff(info):
            messages = messages.filter(visibility=Visibility.PUBLIC)
        result = list(messages)
        for message in result:
            message.request = self
        return result

    def resolve_changes(self, info):
        return list(self.changes.select_related("actor")) if is_staff(info) else []

    def resolve_merged_into(self, info):
        if self.merged_into_id is None:
            return None
        return AcceleratorRequestType.get_queryset(
            AcceleratorRequest.objects.filter(pk=self.merged_into_id), info
        ).first()

    def resolve_routed_request(self, info):
        if self.mentoring_request_id is None:
            return None
        from mentoring.models import MentoringRequest as Model

        return MentoringRequest.get_queryset(Model.objects.filter(pk=self.mentoring_request_id), info).first()

    def resolve_suggested_hubs(self, info):
        return services.suggested_hubs(self) if is_staff(info) else []

    def resolve_presence(self, info):
        if not is_staff(info):
            return []
        since = timezone.now() - timedelta(seconds=PRESENCE_SECONDS)
        return list(
            self.presences.filter(seen_at__gte=since).exclude(user=info.context.user).select_related("user")
        )


class CannedAnswerType(DjangoObjectType):
    """A reusable answer, in French (staff only)."""

    class Meta:
        model = CannedAnswer
        name = "CannedAnswer"
        interfaces = (relay.Node,)
        fields = ("title", "body", "category", "updated_at")

    title = graphene.String(required=True, description="Title.")
    body = graphene.String(required=True, description="Text.")
    category = graphene.Field(CategoryEnum, description="The category it suits, if any.")
    updated_at = graphene.DateTime(required=True, description="Last change.")

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset if is_staff(info) else queryset.none()

    def resolve_category(self, info):
        return self.category or None


# --- Queries -----------------------------------------------------------------------------------------


class AcceleratorFilter(graphene.InputObjectType):
    """Filters on the queue; all given ones apply together."""

    states = graphene.List(graphene.NonNull(StateEnum), description="In one of these states.")
    category = CategoryEnum(description="Of this category.")
    priority = PriorityEnum(description="Of this priority.")
    department_code = graphene.String(description="In this department (INSEE code).")
    region_code = graphene.String(description="In this region (INSEE code).")
    assignee_id = graphene.ID(description="Handled by this staff member.")
    unassigned = graphene.Boolean(description="Only those nobody handles.")
    sla_status = SlaStatusEnum(description="With this service-level standing.")
    due_before = graphene.DateTime(description="Resolution due before this time.")
    search = graphene.String(description="Words in the subject or question.")


class AcceleratorOrder(graphene.Enum):
    """How to sort the queue."""

    SLA_DUE = "SLA_DUE"
    PRIORITY = "PRIORITY"
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"

    @property
    def description(self):
        return {
            "SLA_DUE": "Soonest due first (first response, then resolution); paused and resolved ones last.",
            "PRIORITY": "P1 first, then oldest.",
            "NEWEST": "Most recent first.",
            "OLDEST": "Oldest first.",
        }[self.name]


ORDERINGS = {
    "SLA_DUE": [
        F("first_response_due_at").asc(nulls_last=True), F("resolution_due_at").asc(nulls_last=True), "pk",
    ],
    "PRIORITY": ["priority", "created_at", "pk"],
    "NEWEST": ["-created_at", "-pk"],
    "OLDEST": ["created_at", "pk"],
}  # fmt: skip


class StateCount(graphene.ObjectType):
    """How many requests are in a state."""

    state = graphene.Field(StateEnum, required=True, description="The state.")
    count = graphene.Int(required=True, description="How many.")


class CategoryCount(graphene.ObjectType):
    """How many requests are of a category."""

    category = graphene.Field(CategoryEnum, required=True, description="The category.")
    count = graphene.Int(required=True, description="How many.")


class AcceleratorStats(graphene.ObjectType):
    """Queue statistics over a period (requests received in it)."""

    total = graphene.Int(required=True, description="Requests received.")
    by_state = graphene.List(
        graphene.NonNull(StateCount), required=True, description="Counts per current state."
    )
    by_category = graphene.List(
        graphene.NonNull(CategoryCount), required=True, description="Counts per category."
    )
    median_first_response_hours = graphene.Float(
        description="Median business hours to the first public reply."
    )
    median_resolution_hours = graphene.Float(description="Median business hours to resolution.")
    breach_rate = graphene.Float(
        description="Share (0 to 1) of requests whose first response or resolution breached."
    )


def _filtered(queryset, data):
    if data.get("states"):
        queryset = queryset.filter(state__in=list(data["states"]))
    for name, lookup in (("category", "category"), ("priority", "priority"), ("sla_status", "sla_status"),
                         ("department_code", "department_id"), ("region_code", "department__region_id")):  # fmt: skip
        if data.get(name):
            queryset = queryset.filter(**{lookup: data[name]})
    if data.get("assignee_id"):
        queryset = queryset.filter(assignee_id=decode_global_id(data["assignee_id"], "StaffMember"))
    if data.get("unassigned"):
        queryset = queryset.filter(assignee__isnull=True)
    if data.get("due_before"):
        queryset = queryset.filter(resolution_due_at__lt=data["due_before"])
    if data.get("search"):
        words = data["search"].strip()
        queryset = queryset.filter(Q(subject__icontains=words) | Q(body__icontains=words))
    return queryset


def _median_hours(queryset, field) -> float | None:
    values = sorted(v for v in queryset.exclude(**{f"{field}__isnull": True}).values_list(field, flat=True))
    if not values:
        return None
    middle = len(values) // 2
    median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return round(median / 3600, 2)


class AcceleratorQuery(graphene.ObjectType):
    accelerator_requests = ConnectionField(
        AcceleratorRequestType,
        filter=AcceleratorFilter(description="Filters."),
        order_by=AcceleratorOrder(default_value="SLA_DUE", description="Sort order."),
        description="Accelerator requests the viewer may see (staff: the queue; requesters: their own; hubs: "
        "those routed to them).",
    )
    accelerator_request = graphene.Field(
        AcceleratorRequestType,
        id=graphene.ID(required=True, description="Global ID."),
        description="One request, if the viewer may see it.",
    )
    accelerator_stats = graphene.Field(
        AcceleratorStats,
        required=True,
        since=graphene.Date(required=True, description="First day of the period."),
        until=graphene.Date(required=True, description="Last day of the period."),
        region_code=graphene.String(description="Only this region (INSEE code)."),
        description="Queue statistics (staff only).",
    )
    canned_answers = graphene.List(
        graphene.NonNull(CannedAnswerType),
        required=True,
        category=CategoryEnum(description="Those suiting this category (and general ones)."),
        description="Reusable answers (staff only).",
    )
    accelerator_staff = graphene.List(
        graphene.NonNull(StaffMember), required=True, description="Staff members requests can be assigned to."
    )

    def resolve_accelerator_requests(root, info, filter=None, order_by="SLA_DUE", **kwargs):
        require_authenticated(info)
        queryset = _filtered(AcceleratorRequest.objects.all(), filter or {})
        return queryset.order_by(*ORDERINGS[getattr(order_by, "value", order_by)])

    def resolve_accelerator_request(root, info, id):
        require_authenticated(info)
        return find_object(
            id, AcceleratorRequest, "AcceleratorRequest",
            AcceleratorRequestType.get_queryset(AcceleratorRequest.objects.all(), info),
        )  # fmt: skip

    def resolve_accelerator_stats(root, info, since, until, region_code=None):
        require_staff(info)
        if until < since:
            raise bad_input("La fin de la période doit suivre son début.")
        zone = timezone.get_current_timezone()
        requests = AcceleratorRequest.objects.filter(
            created_at__gte=datetime.combine(since, time.min, zone),
            created_at__lt=datetime.combine(until + timedelta(days=1), time.min, zone),
        )
        if region_code:
            requests = requests.filter(department__region_id=region_code)
        total = requests.count()
        breached = requests.filter(sla_status=SlaStatus.BREACHED).count()
        return AcceleratorStats(
            total=total,
            by_state=[StateCount(state=r["state"], count=r["n"]) for r in requests.values("state").annotate(n=Count("pk")).order_by("state")],
            by_category=[CategoryCount(category=r["category"], count=r["n"]) for r in requests.values("category").annotate(n=Count("pk")).order_by("category")],
            median_first_response_hours=_median_hours(requests, "first_response_seconds"),
            median_resolution_hours=_median_hours(requests, "resolution_seconds"),
            breach_rate=round(breached / total, 3) if total else None,
        )  # fmt: skip

    def resolve_canned_answers(root, info, category=None):
        require_staff(info)
        answers = CannedAnswer.objects.all()
        if category:
            answers = answers.filter(Q(category=category) | Q(category=""))
        return list(answers)

    def resolve_accelerator_staff(root, info):
        require_staff(info)
        users = get_user_model().objects.filter(is_active=True)
        return [u for u in users.filter(Q(groups__name="Cnam") | Q(is_superuser=True)).distinct().order_by("email")
                if u.has_perm(ACCELERATOR_STAFF)]  # fmt: skip


# --- Mutations ---------------------------------------------------------------------------------------


def _request_for_staff(info, request_id):
    require_staff(info)
    return get_object(request_id, AcceleratorRequest, "AcceleratorRequest", "id")


class RequestPayload(MentoringMutation):
    class Meta:
        abstract = True

    request = graphene.Field(AcceleratorRequestType, description="The request, after the change.")
    errors = errors_field(MentoringError)


class QuestionInput(graphene.InputObjectType):
    """A question to the accelerator."""

    subject = graphene.String(required=True, description="Subject, in French.")
    body = graphene.String(required=True, description="The question, in French.")
    category = CategoryEnum(required=True, description="What it is about.")
    commune_code = graphene.String(description="INSEE code of the project's commune.")
    department_code = graphene.String(description="Department (if no commune is given).")
    urgency = LevelEnum(default_value="MEDIUM", description="How urgent it is for the requester.")
    msp_id = graphene.ID(description="Global ID of the MSP (in project) the question is asked for.")


class SubmitAcceleratorRequest(RequestPayload):
    """Ask the accelerator a question (a practitioner or project holder)."""

    class Arguments:
        input = QuestionInput(required=True, description="The question.")

    @classmethod
    def perform(cls, root, info, input):
        practitioner = require_practitioner(info, "Seul un professionnel de santé inscrit pose une question.")
        question = services.Question(
            subject=input["subject"], body=input["body"], category=input["category"],
            commune_code=input.get("commune_code"), department_code=input.get("department_code"),
            urgency=input.get("urgency") or Level.MEDIUM,
            msp_id=int(decode_global_id(input["msp_id"], "Msp")) if input.get("msp_id") else None,
        )  # fmt: skip
        return cls(request=services.submit(practitioner, question, actor=info.context.user), errors=[])


class TriageAcceleratorRequest(RequestPayload):
    """Set category and impact (priority follows). Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        category = CategoryEnum(description="Corrected category.")
        impact = LevelEnum(description="Impact.")
        reason = graphene.String(description="Why (kept in the audit trail).")

    @classmethod
    def perform(cls, root, info, id, category=None, impact=None, reason=""):
        request = _request_for_staff(info, id)
        request = services.triage(
            request, info.context.user, category=category, impact=impact, reason=reason or ""
        )
        return cls(request=request, errors=[])


class AssignAcceleratorRequest(RequestPayload):
    """Assign a request to a staff member, take it (no `assigneeId`), or unassign (`unassign: true`). Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        assignee_id = graphene.ID(description="Global ID of the staff member; omit to take it yourself.")
        unassign = graphene.Boolean(default_value=False, description="Leave it unassigned.")

    @classmethod
    def perform(cls, root, info, id, assignee_id=None, unassign=False):
        request = _request_for_staff(info, id)
        assignee = None
        if not unassign:
            assignee = info.context.user
            if assignee_id:
                assignee = get_object(assignee_id, get_user_model(), "StaffMember", "assigneeId")
        return cls(request=services.assign(request, info.context.user, assignee), errors=[])


class ReplyToAcceleratorRequest(MentoringMutation):
    """Reply: a public reply (the requester sees it and is e-mailed) or, for staff, an internal note (never
    shown to the requester by any channel). The requester may reply publicly on their own request; the
    coordinators of a hub it was routed to reply publicly (their reply marks it answered)."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        body = graphene.String(required=True, description="The text, in French.")
        internal = graphene.Boolean(default_value=False, description="An internal note (staff only).")
        next_state = StateEnum(description="Staff: the state to move to with this reply (e.g. ANSWERED).")

    message = graphene.Field(AcceleratorMessageType, description="The message.")
    request = graphene.Field(AcceleratorRequestType, description="The request, after the change.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, id, body, internal=False, next_state=None):
        require_authenticated(info)
        request = get_object(
            id, AcceleratorRequest, "AcceleratorRequest", "id",
            AcceleratorRequestType.get_queryset(AcceleratorRequest.objects.all(), info),
        )  # fmt: skip
        staff = is_staff(info)
        viewer = viewer_for(info.context)
        own = viewer.practitioner is not None and request.requester_id == viewer.practitioner.pk
        hub = request.routed_hub is not None and viewer.coordinates(request.routed_hub.msp_id)
        if internal and not staff:
            raise Forbidden("Seule l'équipe de la Cnam écrit des notes internes.")
        if not (staff or own or hub):
            raise Forbidden("Vous ne pouvez pas répondre à cette demande.")
        message = services.reply(
            request, info.context.user, body, internal=internal, by_staff=staff, by_hub=hub,
            next_state=getattr(next_state, "value", next_state),
        )  # fmt: skip
        request = AcceleratorRequestType.get_queryset(
            AcceleratorRequest.objects.filter(pk=request.pk), info
        ).get()
        message.request = request
        return cls(message=message, request=request, errors=[])


class RouteAcceleratorRequestToHub(RequestPayload):
    """Route the question to a peer hub (see `suggestedHubs`): a linked mentoring request is sent to it, and
    the requester is told. Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        hub_id = graphene.ID(required=True, description="Global ID of the hub.")
        note = graphene.String(
            description="A note for the hub, added to the linked request (the requester sees it too)."
        )

    @classmethod
    def perform(cls, root, info, id, hub_id, note=""):
        request = _request_for_staff(info, id)
        hub = get_object(hub_id, HubDesignation, "Hub", "hubId", HubDesignation.objects.select_related("msp"))
        return cls(request=services.route_to_hub(request, info.context.user, hub, note or ""), errors=[])


class RouteAcceleratorRequestToArs(RequestPayload):
    """Route the question to the region's ARS, with an explanation for the requester. Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        note = graphene.String(required=True, description="What the requester should do, in French.")

    @classmethod
    def perform(cls, root, info, id, note):
        request = _request_for_staff(info, id)
        return cls(request=services.route_to_ars(request, info.context.user, note), errors=[])


class MergeAcceleratorRequest(RequestPayload):
    """Merge a duplicate into another request; its requester is told. Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the duplicate.")
        into_id = graphene.ID(required=True, description="Global ID of the request it joins.")
        reason = graphene.String(description="Why.")

    @classmethod
    def perform(cls, root, info, id, into_id, reason=""):
        request = _request_for_staff(info, id)
        into = get_object(into_id, AcceleratorRequest, "AcceleratorRequest", "intoId")
        return cls(request=services.merge(request, info.context.user, into, reason or ""), errors=[])


class SetAcceleratorRequestState(RequestPayload):
    """Move a request to another state (checked transitions; closing unanswered needs a reason). Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        state = StateEnum(required=True, description="The new state.")
        reason = graphene.String(description="Why (required to close an unanswered request).")

    @classmethod
    def perform(cls, root, info, id, state, reason=""):
        request = _request_for_staff(info, id)
        state = getattr(state, "value", state)
        return cls(request=services.set_state(request, info.context.user, state, reason or ""), errors=[])


class CloseAcceleratorRequest(RequestPayload):
    """Close a request (a reason is required unless it was answered). Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        reason = graphene.String(description="Why.")

    @classmethod
    def perform(cls, root, info, id, reason=""):
        request = _request_for_staff(info, id)
        return cls(request=services.close(request, info.context.user, reason or ""), errors=[])


class ReopenAcceleratorRequest(RequestPayload):
    """Reopen an answered, routed or closed request (back in progress; the resolution clock runs again). Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID.")
        reason = graphene.String(required=True, description="Why.")

    @classmethod
    def perform(cls, root, info, id, reason):
        request = _request_for_staff(info, id)
        return cls(request=services.reopen(request, info.context.user, reason), errors=[])


class SaveCannedAnswer(MentoringMutation):
    """Create (no `id`) or change a canned answer. Staff only."""

    class Arguments:
        id = graphene.ID(description="Global ID, to change an existing one.")
        title = graphene.String(required=True, description="Title.")
        body = graphene.String(required=True, description="Text, in French.")
        category = CategoryEnum(description="The category it suits; none for all.")

    answer = graphene.Field(CannedAnswerType, description="The answer saved.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, title, body, id=None, category=None):
        require_staff(info)
        answer = get_object(id, CannedAnswer, "CannedAnswer", "id") if id else None
        category = getattr(category, "value", category) or ""
        return cls(
            answer=services.save_canned_answer(answer, info.context.user, title, body, category), errors=[]
        )


class SetAcceleratorPresence(MentoringMutation):
    """Say you are viewing or replying to a request (repeat every 30 s; lapses after a minute); `activity`
    null to leave. Other staff see it in `presence` and live. Staff only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        activity = ActivityEnum(description="Viewing or replying; null when leaving.")

    ok = graphene.Boolean(required=True, description="True once recorded.")
    errors = errors_field(MentoringError)
    error_defaults = {"ok": False}

    @classmethod
    def perform(cls, root, info, id, activity=None):
        request = _request_for_staff(info, id)
        services.set_presence(request, info.context.user, getattr(activity, "value", activity))
        return cls(ok=True, errors=[])


class AcceleratorMutation(graphene.ObjectType):
    submit_accelerator_request = SubmitAcceleratorRequest.Field(description=SubmitAcceleratorRequest.__doc__)
    triage_accelerator_request = TriageAcceleratorRequest.Field(description=TriageAcceleratorRequest.__doc__)
    assign_accelerator_request = AssignAcceleratorRequest.Field(description=AssignAcceleratorRequest.__doc__)
    reply_to_accelerator_request = ReplyToAcceleratorRequest.Field(
        description=ReplyToAcceleratorRequest.__doc__
    )
    route_accelerator_request_to_hub = RouteAcceleratorRequestToHub.Field(
        description=RouteAcceleratorRequestToHub.__doc__
    )
    route_accelerator_request_to_ars = RouteAcceleratorRequestToArs.Field(
        description=RouteAcceleratorRequestToArs.__doc__
    )
    merge_accelerator_request = MergeAcceleratorRequest.Field(description=MergeAcceleratorRequest.__doc__)
    set_accelerator_request_state = SetAcceleratorRequestState.Field(
        description=SetAcceleratorRequestState.__doc__
    )
    close_accelerator_request = CloseAcceleratorRequest.Field(description=CloseAcceleratorRequest.__doc__)
    reopen_accelerator_request = ReopenAcceleratorRequest.Field(description=ReopenAcceleratorRequest.__doc__)
    save_canned_answer = SaveCannedAnswer.Field(description=SaveCannedAnswer.__doc__)
    set_accelerator_presence = SetAcceleratorPresence.Field(description=SetAcceleratorPresence.__doc__)


# --- Subscriptions -----------------------------------------------------------------------------------


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
}
EventKindEnum = graphene.Enum(
    "AcceleratorEventKind",
    [(kind, kind) for kind in EVENT_KINDS],
    description=lambda v: "What happened to an accelerator request." if v is None else EVENT_KINDS[v.value],
)


class AcceleratorEvent(graphene.ObjectType):
    """Something that happened to an accelerator request."""

    kind = graphene.Field(EventKindEnum, required=True, description="What happened.")
    request = graphene.Field(AcceleratorRequestType, required=True, description="The request, as it is now.")
    message = graphene.Field(
        AcceleratorMessageType, description="The message, for MESSAGE and ROUTED events."
    )


def _event(event, info, staff_only: bool):
    payload = event["payload"]
    if (staff_only or payload.get("internal") or payload["kind"] == "PRESENCE") and not is_staff(info):
        raise EventNotVisible()
    request = AcceleratorRequestType.get_queryset(
        AcceleratorRequest.objects.filter(pk=payload["request"]), info
    ).first()
    if request is None:
        raise EventNotVisible()
    message = None
    if payload.get("message"):
        message = AcceleratorMessage.objects.select_related("author").filter(pk=payload["message"]).first()
        if message is None or (message.visibility == Visibility.INTERNAL and not is_staff(info)):
            raise EventNotVisible()
        message.request = request
    return AcceleratorEvent(kind=payload["kind"], request=request, message=message)


class AcceleratorSubscription(graphene.ObjectType):
    accelerator_queue_events = graphene.Field(
        AcceleratorEvent,
        required=True,
        description="Every change in the queue: new requests, state, assignee and priority changes, messages, "
        "at-risk and breached transitions. Staff only.",
    )
    accelerator_request_events = graphene.Field(
        AcceleratorEvent,
        required=True,
        id=graphene.ID(required=True, description="Global ID of the request."),
        description="Changes to one request: the requester gets public replies and state; staff everything "
        "(internal notes, presence); the routed hub its part.",
    )

    @staticmethod
    async def subscribe_accelerator_queue_events(root, info):
        await require_visible(lambda: is_staff(info))
        return await info.context.listen([group_name("accelerator-queue", "staff")])

    @staticmethod
    def resolve_accelerator_queue_events(event, info):
        return _event(event, info, staff_only=True)

    @staticmethod
    async def subscribe_accelerator_request_events(root, info, id):
        pk = decode_global_id(id, "AcceleratorRequest")
        await require_visible(
            lambda: AcceleratorRequestType.get_queryset(
                AcceleratorRequest.objects.filter(pk=pk), info
            ).exists()
        )
        return await info.context.listen([group_name("accelerator-request", pk)])

    @staticmethod
    def resolve_accelerator_request_events(event, info, id):
        return _event(event, info, staff_only=False)
