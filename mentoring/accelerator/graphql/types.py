"""GraphQL types of the accelerator: a request with its threads, clocks and audit trail; canned answers;
statistics; live events. Scoping lives in `get_queryset` (mentoring/permissions.py)."""

import graphene
from django.urls import reverse
from graphene import relay
from graphene.types.generic import GenericScalar
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from backend.core.pagination import CountableConnection
from mentoring.accelerator.permissions import (
    accelerator_message_visibilities,
    accelerator_requests_visible_to,
    canned_answers_visible_to,
    is_accelerator_staff,
)
from mentoring.graphql.request_types import HubMatch, MentoringRequest
from mentoring.models import MentoringRequest as Model
from network.graphql.territory_types import Commune, Department
from network.graphql.types import Hub, Msp, Practitioner
from network.permissions import viewer_for

from .. import models, selectors, services
from ..services.attachments import link_token
from .enums import (
    AcceleratorOrder,
    ActivityEnum,
    CategoryEnum,
    EventKindEnum,
    LevelEnum,
    PriorityEnum,
    SlaStatusEnum,
    StateEnum,
    VisibilityEnum,
)


def is_staff(info) -> bool:
    return is_accelerator_staff(viewer_for(info.context))


def _name(user) -> str:
    return user.get_full_name() if user else "Équipe Cnam"


class StaffMember(graphene.ObjectType):
    """A member of the accelerator's staff."""

    id = graphene.ID(required=True, description="Global ID (StaffMember).")
    full_name = graphene.String(required=True, description="Name.")

    def resolve_id(self, info):
        return to_global_id("StaffMember", self.pk)

    def resolve_full_name(self, info):
        return _name(self)


class AcceleratorAttachment(graphene.ObjectType):
    """A file on a question or a message, readable by whoever reads what it is attached to."""

    name = graphene.String(required=True, description="Its name, as uploaded.")
    content_type = graphene.String(required=True, description="Its type, read from its content.")
    size = graphene.Int(required=True, description="Its size in bytes.")
    url = graphene.String(
        required=True,
        description="Where the signed-in viewer downloads it: a link signed for them, valid a few minutes "
        "(fetch it with the same session or bearer token).",
    )

    def resolve_url(self, info):
        return reverse("accelerator-attachment", args=[link_token(self, info.context.user)])


def _attachments(rows, info):
    return list(rows) if info.context.user.is_authenticated else []


class AcceleratorMessage(graphene.ObjectType):
    """A public reply, a note of the ARS (its agents of the region and staff) or an internal note (staff)."""

    id = graphene.ID(required=True, description="Global ID.")
    visibility = graphene.Field(
        VisibilityEnum, required=True, description="Public reply, note of the ARS or internal note."
    )
    body = graphene.String(required=True, description="The text.")
    author_name = graphene.String(required=True, description="Who wrote it.")
    from_requester = graphene.Boolean(required=True, description="True when the requester wrote it.")
    created_at = graphene.DateTime(required=True, description="When.")
    attachments = graphene.List(
        graphene.NonNull(AcceleratorAttachment), required=True, description="Files attached to it."
    )

    def resolve_id(self, info):
        return to_global_id("AcceleratorMessage", self.pk)

    def resolve_attachments(self, info):
        return _attachments(self.attachments.all(), info)  # shown with the message only where it is

    def resolve_author_name(self, info):
        return _name(self.author)

    def resolve_from_requester(self, info):
        return self.author_id is not None and self.author_id == self.request.requester.user_id


class AcceleratorChange(graphene.ObjectType):
    """One entry of the audit trail (staff only)."""

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


class AcceleratorPresence(graphene.ObjectType):
    """A staff member on a request right now."""

    staff_member = graphene.Field(StaffMember, required=True, description="Who.")
    activity = graphene.Field(ActivityEnum, required=True, description="Viewing or replying.")
    seen_at = graphene.DateTime(required=True, description="Last sign of life.")

    def resolve_staff_member(self, info):
        return self.user


class AcceleratorTag(graphene.ObjectType):
    """A label Cnam staff put on requests."""

    id = graphene.ID(required=True, description="Global ID (AcceleratorTag).")
    name = graphene.String(required=True, description="Its name.")
    request_count = graphene.Int(required=True, description="Requests it is on.")

    # The source is an `AcceleratorTag` row (with `request_count` annotated in lists).
    def resolve_id(self, info):
        return to_global_id("AcceleratorTag", self.pk)

    def resolve_request_count(self, info):
        count = getattr(self, "request_count", None)
        return count if count is not None else self.requests.count()


class AcceleratorSavedView(graphene.ObjectType):
    """A queue filter an agent saved under a name (their own)."""

    id = graphene.ID(required=True, description="Global ID (AcceleratorSavedView).")
    name = graphene.String(required=True, description="Its name.")
    filter = GenericScalar(
        required=True, description="The AcceleratorFilter as saved (its API names): pass it back as `filter`."
    )
    order_by = graphene.Field(AcceleratorOrder, required=True, description="The order saved with it.")

    def resolve_id(self, info):
        return to_global_id("AcceleratorSavedView", self.pk)

    def resolve_order_by(self, info):
        return self.order


class AcceleratorRequest(DjangoObjectType):
    """A question to the Cnam accelerator. Requesters see their own (public thread only); staff see all;
    a hub's coordinators see the questions routed to their hub."""

    def resolve_tags(self, info):
        if not is_staff(info):
            return []
        return list(self.tags.all())

    def resolve_attachments(self, info):
        return _attachments(self.attachments.filter(message__isnull=True), info)

    def resolve_escalated_at(self, info):
        return self.escalated_at if is_staff(info) else None

    def resolve_satisfaction_comment(self, info):
        return self.satisfaction_comment or None

    def resolve_search_highlight(self, info):
        return getattr(self, "search_highlight", None)

    class Meta:
        model = models.AcceleratorRequest
        interfaces = (relay.Node,)
        fields = ("subject", "body", "category", "state", "urgency", "impact", "priority", "department",
                  "commune", "requester", "msp", "created_at", "updated_at", "sla_status")  # fmt: skip
        connection_class = CountableConnection

    subject = graphene.String(required=True, description="Subject.")
    body = graphene.String(required=True, description="The question.")
    tags = graphene.List(
        graphene.NonNull(AcceleratorTag),
        required=True,
        description="Its tags: for Cnam staff (empty for others).",
    )
    attachments = graphene.List(
        graphene.NonNull(AcceleratorAttachment),
        required=True,
        description="Files sent with the question itself (those of messages are on the messages).",
    )
    escalated_at = graphene.DateTime(
        description="When it was escalated (a service level breached): for Cnam staff (null for others)."
    )
    satisfaction_rating = graphene.Int(
        description="The requester's rating of the answer (1 to 5), once closed."
    )
    satisfaction_comment = graphene.String(description="The requester's comment with it.")
    search_highlight = graphene.String(
        description="With a search: the subject and question around the words found, each between « and »."
    )
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
        graphene.NonNull(AcceleratorMessage),
        required=True,
        description="The thread, oldest first: public replies; the ARS's notes for the ARS of the request's "
        "region and staff; the Cnam's internal notes for staff only.",
    )
    changes = graphene.List(
        graphene.NonNull(AcceleratorChange),
        required=True,
        description="The audit trail (empty for non-staff).",
    )
    next_states = graphene.List(
        graphene.NonNull(StateEnum),
        required=True,
        description="The states staff may move it to now with `setAcceleratorRequestState` (empty for others).",
    )
    merged_into = graphene.Field(lambda: AcceleratorRequest, description="The request it was merged into.")
    routed_hub = graphene.Field(Hub, description="The hub it was routed to.")
    routed_request = graphene.Field(
        MentoringRequest, description="The linked mentoring request at the hub (its own thread and state)."
    )
    suggested_hubs = graphene.List(
        graphene.NonNull(HubMatch), required=True, description="Nearest hubs whose offers fit (staff only)."
    )
    presence = graphene.List(
        graphene.NonNull(AcceleratorPresence),
        required=True,
        description="Other staff on it right now (staff only).",
    )

    @classmethod
    def get_queryset(cls, queryset, info):
        return accelerator_requests_visible_to(queryset, viewer_for(info.context)).select_related(
            "department__region", "commune__department", "requester__profession", "requester__commune",
            "requester__user", "assignee", "routed_hub__msp", "msp",
        ).prefetch_related("tags")  # fmt: skip

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
        return AcceleratorRequest._clocks(self, info)[0]

    def resolve_resolution(self, info):
        return AcceleratorRequest._clocks(self, info)[1]

    def resolve_messages(self, info):
        result = selectors.thread(
            self, visibilities=accelerator_message_visibilities(viewer_for(info.context), self)
        )
        for message in result:
            message.request = self
        return result

    def resolve_changes(self, info):
        return selectors.trail(self) if is_staff(info) else []

    def resolve_next_states(self, info):
        if not is_staff(info):
            return []
        return sorted(services.TRANSITIONS[self.state], key=list(models.State).index)

    def resolve_merged_into(self, info):
        if self.merged_into_id is None:
            return None
        return AcceleratorRequest.get_queryset(
            models.AcceleratorRequest.objects.filter(pk=self.merged_into_id), info
        ).first()

    def resolve_routed_request(self, info):
        if self.mentoring_request_id is None:
            return None

        return MentoringRequest.get_queryset(Model.objects.filter(pk=self.mentoring_request_id), info).first()

    def resolve_suggested_hubs(self, info):
        return services.suggested_hubs(self) if is_staff(info) else []

    def resolve_presence(self, info):
        return selectors.present_on(self, other_than=info.context.user) if is_staff(info) else []


class CannedAnswer(DjangoObjectType):
    """A reusable answer, in French (staff only)."""

    class Meta:
        model = models.CannedAnswer
        interfaces = (relay.Node,)
        fields = ("title", "body", "category", "updated_at")

    title = graphene.String(required=True, description="Title.")
    body = graphene.String(required=True, description="Text.")
    category = graphene.Field(CategoryEnum, description="The category it suits, if any.")
    updated_at = graphene.DateTime(required=True, description="Last change.")
    sets_state = graphene.Field(StateEnum, description="Macro: the state the request goes to.")
    sets_impact = graphene.Field(LevelEnum, description="Macro: the impact it sets (the priority follows).")
    sets_tags = graphene.List(
        graphene.NonNull(AcceleratorTag), required=True, description="Macro: the tags it adds."
    )
    assigns_to_self = graphene.Boolean(
        required=True, description="Macro: assigns the request to whoever applies it."
    )
    assigns_to_name = graphene.String(description="Macro: the staff member it assigns the request to.")

    @classmethod
    def get_queryset(cls, queryset, info):
        return canned_answers_visible_to(queryset, viewer_for(info.context))

    def resolve_category(self, info):
        return self.category or None

    def resolve_sets_state(self, info):
        return self.sets_state or None

    def resolve_sets_impact(self, info):
        return self.sets_impact or None

    def resolve_sets_tags(self, info):
        return list(self.sets_tags.all())

    def resolve_assigns_to_name(self, info):
        return _name(self.assigns_to) if self.assigns_to_id else None


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
    satisfaction_by_agent = graphene.List(
        graphene.NonNull(lambda: SatisfactionCount),
        required=True,
        description="Requesters' satisfaction with closed requests, per assigned agent.",
    )
    satisfaction_by_category = graphene.List(
        graphene.NonNull(lambda: SatisfactionCount),
        required=True,
        description="Requesters' satisfaction with closed requests, per category.",
    )
    breaches_by_category = graphene.List(
        graphene.NonNull(CategoryCount),
        required=True,
        description="Requests whose first response or resolution breached, per category (those with any).",
    )
    by_region = graphene.List(
        graphene.NonNull(lambda: RegionCount),
        required=True,
        description="Requests per region, the most first.",
    )
    by_month = graphene.List(
        graphene.NonNull(lambda: MonthStats),
        required=True,
        description="Per month of the period (months with requests), oldest first.",
    )
    suggested_articles = graphene.Field(
        lambda: SuggestedArticleReads,
        required=True,
        description="Knowledge-base articles opened from the suggestions shown while writing a question.",
    )


class SuggestedArticleReads(graphene.ObjectType):
    """Articles opened from suggestions in the period, and how often no question followed."""

    read = graphene.Int(required=True, description="Articles opened from a suggestion.")
    decided = graphene.Int(required=True, description="Of which opened more than a day ago.")
    spared = graphene.Int(
        required=True, description="Of those, how many the reader asked no question within the day after."
    )


class RegionCount(graphene.ObjectType):
    """How many requests came from a region."""

    region_code = graphene.String(required=True, description="INSEE code of the region.")
    region_name = graphene.String(required=True, description="Its name.")
    count = graphene.Int(required=True, description="How many.")


class MonthStats(graphene.ObjectType):
    """The requests received in one month."""

    month = graphene.Date(required=True, description="Its first day.")
    received = graphene.Int(required=True, description="Requests received.")
    breached = graphene.Int(required=True, description="Of which a service level breached.")
    median_first_response_hours = graphene.Float(
        description="Median business hours to the first public reply."
    )
    median_resolution_hours = graphene.Float(description="Median business hours to resolution.")


class SatisfactionCount(graphene.ObjectType):
    """Satisfaction ratings of one agent or one category."""

    key = graphene.String(required=True, description="The agent's name, or the category's code.")
    count = graphene.Int(required=True, description="Ratings given.")
    average_rating = graphene.Float(required=True, description="Their average (1 to 5).")


class AcceleratorEvent(graphene.ObjectType):
    """Something that happened to an accelerator request."""

    kind = graphene.Field(EventKindEnum, required=True, description="What happened.")
    request = graphene.Field(AcceleratorRequest, required=True, description="The request, as it is now.")
    message = graphene.Field(AcceleratorMessage, description="The message, for MESSAGE and ROUTED events.")
