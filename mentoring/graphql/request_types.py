"""GraphQL types of mentoring requests, mentorships and the coordination-time ledger. Scoping lives in
`get_queryset` (mentoring/permissions.py)."""

import graphene
from django.db.models import Prefetch
from django.utils import timezone
from graphene import relay
from graphene_django import DjangoObjectType

from backend.core.graphql import bad_input
from backend.core.pagination import CountableConnection
from network.graphql.enums import OfferKindEnum, ProjectStageEnum
from network.graphql.territory_types import Commune
from network.graphql.types import Hub, Practitioner, ProjectMilestone
from network.models import Membership, MspStatus, Zoning
from network.permissions import viewer_for
from network.services import milestones
from network.services.business_hours import business_seconds, calendar_of_commune

from .. import models
from ..permissions import (
    can_read_hub_notes,
    coordination_sessions_visible_to,
    in_mentorship_thread,
    mentorships_visible_to,
    requests_visible_to,
)
from ..services.coordination import monthly_usage, months_back
from .enums import (
    MentoringTopicEnum,
    MentorshipOutcomeEnum,
    MentorshipStatusEnum,
    RequestEventKindEnum,
    RequestStatusEnum,
)


def _hours(value) -> float:
    return float(value)


class MentoringRequestEvent(graphene.ObjectType):
    """One step of a request's history."""

    id = graphene.ID(required=True, description="Identifier of the step.")
    kind = graphene.Field(RequestEventKindEnum, required=True, description="What happened.")
    hub = graphene.Field(Hub, description="The hub the request was with at that step.")
    message = graphene.String(
        required=True, description="What was said (decline reason, question, answer...); may be empty."
    )
    created_at = graphene.DateTime(required=True, description="When.")
    request = graphene.Field(
        lambda: MentoringRequest, required=True, description="The request, as it is now."
    )

    def resolve_request(self, info):
        return self.request


class MentoringRequest(DjangoObjectType):
    """A request for a hub's help, seen by its requester, the coordinators of the hub it is with, and Cnam."""

    requester = graphene.Field(Practitioner, required=True, description="Who asks.")
    topics = graphene.List(
        graphene.NonNull(MentoringTopicEnum), required=True, description="What help is needed."
    )
    message = graphene.String(required=True, description="The request, in the requester's words.")
    commune = graphene.Field(Commune, required=True, description="Where the requester practises or plans to.")
    radius_km = graphene.Float(required=True, description="How far the requester would go, in km.")
    wanted_kinds = graphene.List(
        graphene.NonNull(OfferKindEnum), required=True, description="Kinds of support wanted; empty for any."
    )
    status = graphene.Field(RequestStatusEnum, required=True, description="Where it stands.")
    hub = graphene.Field(Hub, description="The hub it was sent to (null until sent).")
    sent_at = graphene.DateTime(description="When it was last sent to a hub.")
    created_at = graphene.DateTime(required=True, description="When it was submitted.")
    is_priority = graphene.Boolean(
        required=True, description="True when the commune is a priority zone (ZIP): such requests come first."
    )
    events = graphene.List(
        graphene.NonNull(MentoringRequestEvent), required=True, description="Its history, oldest first."
    )
    mentorship = graphene.Field(lambda: Mentorship, description="The mentorship its acceptance created.")
    waiting_since = graphene.DateTime(
        description="While it waits for the hub's answer (sent): since its sending, or the requester's last "
        "answer to the hub's question; null otherwise."
    )
    business_days_waiting = graphene.Int(
        description="How long it has waited for the hub's answer, in whole business days (Monday to Friday, "
        "9:00 to 18:00 Paris time, public holidays excluded); null unless it waits."
    )

    class Meta:
        model = models.MentoringRequest
        interfaces = (relay.Node,)
        fields = ("requester", "topics", "message", "commune", "radius_km", "wanted_kinds", "status", "hub",
                  "sent_at", "created_at")  # fmt: skip
        connection_class = CountableConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            requests_visible_to(queryset, viewer_for(info.context))
            .select_related("requester__profession", "requester__commune", "commune__department", "hub__msp")
            .prefetch_related(
                Prefetch("events", queryset=models.MentoringRequestEvent.objects.select_related("hub__msp")),
                "hub__msp__sites__commune",
            )
        )

    def resolve_is_priority(self, info):
        return self.commune.zoning == Zoning.ZIP

    def resolve_events(self, info):
        events = list(self.events.all())
        for event in events:
            event.request = self  # already scoped: the viewer sees this request
        return events

    def resolve_mentorship(self, info):
        mentorship = getattr(self, "mentorship", None)
        return mentorship

    def resolve_waiting_since(self, info):
        if self.status != models.RequestStatus.SENT:
            return None
        waiting = {models.RequestEventKind.SENT, models.RequestEventKind.INFO_PROVIDED}
        moments = [event.created_at for event in self.events.all() if event.kind in waiting]  # prefetched
        return max(moments) if moments else self.sent_at

    def resolve_business_days_waiting(self, info):
        since = MentoringRequest.resolve_waiting_since(self, info)
        if not since:
            return None
        calendar = calendar_of_commune(self.commune_id)  # the requester's territory
        return business_seconds(since, timezone.now(), calendar) // calendar.day_seconds


class HubMatch(graphene.ObjectType):
    """A candidate hub for a mentoring request, with why it is ranked where it is."""

    hub = graphene.Field(Hub, required=True, description="The hub.")
    distance_km = graphene.Float(
        required=True, description="Distance from the request's commune to its nearest site."
    )
    capacity_hours = graphene.Float(required=True, description="Its monthly coordination capacity, in hours.")
    remaining_hours = graphene.Float(
        required=True, description="Hours a month not yet allotted to its mentorships."
    )
    topics_covered = graphene.List(
        graphene.NonNull(MentoringTopicEnum), required=True, description="Requested topics its offers cover."
    )
    topics_missing = graphene.List(
        graphene.NonNull(MentoringTopicEnum),
        required=True,
        description="Requested topics none of its offers cover.",
    )
    profession_fit = graphene.Boolean(
        required=True, description="True when it has members or offers for the requester's profession."
    )
    reasons = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Why it is a candidate, in French."
    )

    def resolve_distance_km(self, info):
        return round(self.distance_km, 1)

    def resolve_capacity_hours(self, info):
        return _hours(self.capacity_hours)

    def resolve_remaining_hours(self, info):
        return _hours(self.remaining_hours)


class MonthUsage(graphene.ObjectType):
    """Coordination time of one month."""

    month = graphene.Date(required=True, description="First day of the month.")
    hours_allotted = graphene.Float(required=True, description="Hours allotted for the month.")
    hours_given = graphene.Float(required=True, description="Hours logged as given in the month.")

    def resolve_hours_allotted(self, info):
        return _hours(self.hours_allotted)

    def resolve_hours_given(self, info):
        return _hours(self.hours_given)


class CoordinationSession(DjangoObjectType):
    """Coordination time given to a mentee."""

    date = graphene.Date(required=True, description="When it was given.")
    duration_minutes = graphene.Int(required=True, description="How long, in minutes.")
    topic = graphene.Field(MentoringTopicEnum, description="What it was about.")
    notes = graphene.String(description="The hub's notes: shown to its coordinators and Cnam staff only.")

    class Meta:
        model = models.CoordinationSession
        interfaces = (relay.Node,)
        fields = ("date", "duration_minutes", "topic", "notes")
        description = "Coordination time given to a mentee."

    @classmethod
    def get_queryset(cls, queryset, info):
        return coordination_sessions_visible_to(queryset, viewer_for(info.context)).select_related(
            "mentorship__hub"
        )

    def resolve_topic(self, info):
        return self.topic or None

    def resolve_notes(self, info):
        if not can_read_hub_notes(viewer_for(info.context), self.mentorship.hub):
            return None
        return self.notes


class MentorshipMessage(graphene.ObjectType):
    """A message of a mentorship's thread, between the mentee and the hub."""

    id = graphene.ID(required=True, description="Its identifier within the thread.")
    body = graphene.String(required=True, description="The text.")
    from_hub = graphene.Boolean(required=True, description="Written by the hub (else by the mentee).")
    author_name = graphene.String(description="Who wrote it.")
    created_at = graphene.DateTime(required=True, description="When.")

    @staticmethod
    def of(message):
        author = message.author
        return MentorshipMessage(
            id=message.pk,
            body=message.body,
            from_hub=message.from_hub,
            author_name=(author.get_full_name() or author.email) if author else None,
            created_at=message.created_at,
        )


class Mentorship(DjangoObjectType):
    """A hub's commitment to a mentee: so many hours of coordination time a month."""

    hub = graphene.Field(Hub, required=True, description="The hub.")
    mentee = graphene.Field(Practitioner, required=True, description="The practitioner or project holder.")
    request = graphene.Field(MentoringRequest, description="The request it came from.")
    starts_on = graphene.Date(required=True, description="First day.")
    ended_on = graphene.Date(description="Last day, once ended.")
    hours_per_month = graphene.Float(required=True, description="Hours allotted per month.")
    status = graphene.Field(MentorshipStatusEnum, required=True, description="Active or ended.")
    project_name = graphene.String(description="The MSP in project the mentee belongs to, if any.")
    project_stage = graphene.Field(
        ProjectStageEnum, description="How far that project went (the furthest step it reached), if any."
    )
    project_milestones = graphene.List(
        graphene.NonNull(ProjectMilestone),
        required=True,
        description="That project's steps, in date order: what the hub mentoring it follows.",
    )
    usage = graphene.List(
        graphene.NonNull(MonthUsage),
        required=True,
        months=graphene.Int(default_value=6, description="How many months, up to the current one (1 to 24)."),
        description="Hours allotted and given per month, oldest first.",
    )
    sessions = graphene.List(
        graphene.NonNull(CoordinationSession), required=True, description="Sessions given, latest first."
    )
    messages = graphene.List(
        graphene.NonNull(MentorshipMessage),
        required=True,
        last=graphene.Int(default_value=50, description="How many of the latest (1 to 200)."),
        description="The thread between the mentee and the hub, oldest first: for them only (empty for others).",
    )
    outcome = graphene.Field(MentorshipOutcomeEnum, description="What it led to, recorded when it ended.")
    outcome_note = graphene.String(description="Details on the outcome, in French.")
    feedback_rating = graphene.Int(description="The mentee's appreciation, 1 to 5, once ended.")
    feedback_comment = graphene.String(description="The mentee's comment.")
    feedback_at = graphene.DateTime(description="When the mentee gave it.")

    class Meta:
        model = models.Mentorship
        interfaces = (relay.Node,)
        fields = ("hub", "mentee", "request", "starts_on", "ended_on", "hours_per_month", "status",
                  "feedback_rating", "feedback_at")  # fmt: skip
        connection_class = CountableConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            mentorships_visible_to(queryset, viewer_for(info.context))
            .select_related("hub__msp", "mentee__profession", "mentee__commune", "request")
            .prefetch_related("hub__msp__sites__commune", "sessions")
        )

    def resolve_hours_per_month(self, info):
        return _hours(self.hours_per_month)

    def resolve_messages(self, info, last=50):
        if not 1 <= last <= 200:
            raise bad_input("`last` doit être compris entre 1 et 200.")
        if in_mentorship_thread(viewer_for(info.context), self) is None:
            return []
        latest = self.messages.select_related("author").order_by("-created_at", "-pk")[:last]
        return [MentorshipMessage.of(m) for m in reversed(list(latest))]

    def resolve_outcome(self, info):
        return self.outcome or None

    def resolve_outcome_note(self, info):
        return self.outcome_note or None

    def resolve_feedback_comment(self, info):
        return self.feedback_comment or None

    def resolve_usage(self, info, months=6):
        return monthly_usage(self, self.sessions.all(), months_back(min(max(months, 1), 24)))

    def _project(self):
        """The MSP in project the mentee is a current member of (the most recently joined), if any."""
        if not hasattr(self, "_mentee_project"):
            membership = (
                Membership.objects.current()
                .filter(practitioner_id=self.mentee_id, msp__status=MspStatus.PROJECT)
                .select_related("msp")
                .order_by("-start_date", "-pk")
                .first()
            )
            self._mentee_project = membership.msp if membership else None
        return self._mentee_project

    def resolve_project_name(self, info):
        project = Mentorship._project(self)
        return project.name if project else None

    def resolve_project_stage(self, info):
        project = Mentorship._project(self)
        return milestones.stage_of(project.milestones.values_list("kind", flat=True)) if project else None

    def resolve_project_milestones(self, info):
        project = Mentorship._project(self)
        return list(project.milestones.select_related("recorded_by")) if project else []

    def resolve_sessions(self, info):
        sessions = list(self.sessions.all())
        for session in sessions:
            session.mentorship = self
        return sessions

    def resolve_request(self, info):
        # Whoever sees the mentorship sees its request: the mentee asked, the hub accepted it.
        return self.request


class HubMentorshipMonth(graphene.ObjectType):
    """One mentorship's figures in a hub's month."""

    mentorship = graphene.Field(Mentorship, required=True, description="The mentorship.")
    hours_allotted = graphene.Float(required=True, description="Hours allotted for the month.")
    hours_given = graphene.Float(required=True, description="Hours given in the month.")


class HubCoordinationMonth(graphene.ObjectType):
    """A hub's coordination time in one month: capacity, allotted, given."""

    hub = graphene.Field(Hub, required=True, description="The hub.")
    month = graphene.Date(required=True, description="First day of the month.")
    capacity_hours = graphene.Float(required=True, description="Monthly capacity declared by the hub.")
    hours_allotted = graphene.Float(required=True, description="Hours allotted to mentorships that month.")
    hours_given = graphene.Float(required=True, description="Hours logged as given that month.")
    hours_remaining = graphene.Float(required=True, description="Capacity not yet allotted.")
    mentorships = graphene.List(
        graphene.NonNull(HubMentorshipMonth), required=True, description="Each mentorship's figures."
    )

    def resolve_capacity_hours(self, info):
        return _hours(self.capacity_hours)

    def resolve_hours_allotted(self, info):
        return _hours(self.hours_allotted)

    def resolve_hours_given(self, info):
        return _hours(self.hours_given)

    def resolve_hours_remaining(self, info):
        return _hours(self.hours_remaining)

    def resolve_mentorships(self, info):
        return [
            HubMentorshipMonth(
                mentorship=m, hours_allotted=_hours(u.hours_allotted), hours_given=_hours(u.hours_given)
            )
            for m, u in self.mentorships
        ]


class HubCapacity(graphene.ObjectType):
    """How much coordination time a hub still has to lend each month (what matching calls its time left)."""

    hub = graphene.Field(Hub, required=True, description="The hub.")
    monthly_hours = graphene.Float(required=True, description="Coordination hours it lends each month.")
    hours_left = graphene.Float(
        required=True, description="Of those, the hours a month not yet promised to its active mentorships."
    )
