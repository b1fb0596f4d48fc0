"""GraphQL types of mentoring. Scoping lives in `get_queryset` and mentoring/permissions.py."""

from zoneinfo import ZoneInfo

import graphene
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from graphene import relay
from graphene_django import DjangoObjectType

from backend.core.graphql import CountableConnection, enum_from_choices
from network.graphql.types import Commune, Hub, MspSite, OfferKindEnum, Practitioner, Profession
from network.permissions import viewer_for

from .. import models
from ..errors import MentoringErrorCode
from ..permissions import (
    bookings_visible_to,
    can_read_hub_notes,
    mentorships_visible_to,
    offers_visible_to,
    requests_visible_to,
)

LocationKindEnum = enum_from_choices(
    models.LocationKind,
    "LocationKind",
    "Where a support offer takes place.",
    {
        "HUB_SITE": "At one of the hub's sites.",
        "HOST_SITE": "At a host structure in another commune (e.g. a remote site of an advanced consultation).",
        "REMOTE": "Remote, by video.",
    },
)
SlotStatusEnum = enum_from_choices(
    models.SlotStatus,
    "SlotStatus",
    "Status of a slot.",
    {"OPEN": "Open.", "CANCELLED": "Cancelled by the hub."},
)
BookingRoleEnum = enum_from_choices(
    models.BookingRole,
    "BookingRole",
    "Why a practitioner is on a slot.",
    {"ATTENDEE": "Takes a seat.", "STAFF": "Staffs the slot: their turn on the rota."},
)
BookingStatusEnum = enum_from_choices(
    models.BookingStatus,
    "BookingStatus",
    "Status of a booking.",
    {
        "CONFIRMED": "Confirmed: the seat (or the turn) is theirs.",
        "WAITLISTED": "On the waiting list: confirmed if a seat frees up.",
        "CANCELLED": "Cancelled.",
    },
)
TOPICS = {
    "HEALTH_PROJECT": "The health project (projet de santé).",
    "SISA_LEGAL": "The Sisa and legal questions.",
    "ACI_FUNDING": "The ACI contract and funding.",
    "INFORMATION_SYSTEM": "The shared information system.",
    "COORDINATION": "Coordination and human resources.",
    "COOPERATION_PROTOCOLS": "Cooperation protocols between professions.",
    "PREMISES": "Premises and buildings.",
}
MentoringTopicEnum = enum_from_choices(
    models.MentoringTopic, "MentoringTopic", "What a project holder needs help with.", TOPICS
)
RequestStatusEnum = enum_from_choices(
    models.RequestStatus,
    "MentoringRequestStatus",
    "Where a mentoring request stands.",
    {
        "OPEN": "Submitted, not yet sent to a hub.",
        "SENT": "Sent to a hub, waiting for its answer.",
        "INFO_REQUESTED": "The hub asked the requester for details.",
        "ACCEPTED": "Accepted: a mentorship was created.",
        "DECLINED": "Declined by the hub; the requester may send it to another.",
        "WITHDRAWN": "Withdrawn by the requester.",
    },
)
RequestEventKindEnum = enum_from_choices(
    models.RequestEventKind,
    "MentoringRequestEventKind",
    "A step in a mentoring request's history.",
    {
        "SUBMITTED": "Submitted.",
        "SENT": "Sent to a hub.",
        "INFO_REQUESTED": "The hub asked for details.",
        "INFO_PROVIDED": "The requester gave the details asked.",
        "ACCEPTED": "Accepted by the hub.",
        "DECLINED": "Declined by the hub.",
        "WITHDRAWN": "Withdrawn by the requester.",
    },
)
MentorshipStatusEnum = enum_from_choices(
    models.MentorshipStatus,
    "MentorshipStatus",
    "Status of a mentorship.",
    {"ACTIVE": "Running: its hours count against the hub's monthly capacity.", "ENDED": "Ended."},
)
BookingEventKindEnum = enum_from_choices(
    models.BookingEventKind,
    "BookingEventKind",
    "What happened to a practitioner's booking.",
    {
        "CONFIRMED": "The seat is confirmed.",
        "WAITLISTED": "On the waiting list.",
        "PROMOTED": "A seat freed up: the booking is now confirmed.",
        "CANCELLED": "The booking was cancelled.",
        "SLOT_CANCELLED": "The hub cancelled the slot.",
        "SLOT_MOVED": "The hub moved the slot.",
    },
)
MentoringErrorCodeEnum = enum_from_choices(
    MentoringErrorCode,
    "MentoringErrorCode",
    "Error codes of mentoring mutations.",
    {
        "INVALID": "A value is invalid.",
        "REQUIRED": "A required value is missing.",
        "NOT_FOUND": "The object does not exist or is not visible to you.",
        "INVALID_COMMUNE_CODE": "Not a valid INSEE commune code.",
        "UNKNOWN_COMMUNE": "No commune has this INSEE code.",
        "SLOT_FULL": "The slot has no seat left (join the waiting list instead).",
        "SLOT_CANCELLED": "The slot was cancelled.",
        "SLOT_IN_PAST": "The slot has started or is over.",
        "ALREADY_BOOKED": "You already have a booking on this slot.",
        "OVERLAPPING_BOOKING": "Someone would be committed twice at the same time.",
        "IDEMPOTENCY_KEY_REUSED": "This idempotency key was used for another slot.",
        "BOOKING_ALREADY_CANCELLED": "The booking is already cancelled.",
        "INVALID_RULE": "Not a valid RFC 5545 recurrence rule.",
        "STAFF_UNAVAILABLE": "The staff member is already committed at that time.",
        "NOT_A_MEMBER": "Not a current member of the MSP.",
        "HUB_NOT_APPROVED": "The MSP is not a designated tête de pont.",
        "NOT_A_PRACTITIONER": "The account is not linked to a practitioner.",
        "TOO_MANY_OPEN_REQUESTS": "Too many mentoring requests in progress (3 at most).",
        "INVALID_TRANSITION": "Not possible from the current state.",
        "NO_MATCHING_HUB": "No hub matches the request.",
        "HUB_NOT_ELIGIBLE": "This hub does not match the request (distance, kinds, or it declined it).",
        "HUB_CAPACITY_EXCEEDED": "Beyond the hub's monthly coordination capacity.",
        "ALREADY_MENTORED": "A mentorship between this hub and this practitioner is already running.",
        "MENTORSHIP_ENDED": "The mentorship has ended.",
        "CAPACITY_BELOW_BOOKINGS": "Fewer seats than confirmed bookings.",
    },
)


class SupportOffer(DjangoObjectType):
    """Support a hub offers: shared coordination time, advanced consultations or peer facilitation."""

    hub = graphene.Field(Hub, required=True, description="The hub offering it.")
    kind = graphene.Field(OfferKindEnum, required=True, description="Kind of support.")
    title = graphene.String(required=True, description="Title, in French.")
    description = graphene.String(required=True, description="Description, in French; may be empty.")
    topics = graphene.List(graphene.NonNull(graphene.String), required=True, description="Topics covered.")
    mentoring_topics = graphene.List(
        graphene.NonNull(MentoringTopicEnum),
        required=True,
        description="Project domains it helps with (matched against mentoring requests).",
    )
    professions = graphene.List(
        graphene.NonNull(Profession), required=True, description="Professions concerned; empty for all."
    )
    location_kind = graphene.Field(LocationKindEnum, required=True, description="Where it takes place.")
    site = graphene.Field(MspSite, description="The hub's site, for offers held there.")
    host_name = graphene.String(
        required=True, description="Host structure, e.g. « Pôle de santé de Givry-en-Argonne »."
    )
    host_commune = graphene.Field(Commune, description="Commune of the host structure.")
    time_zone = graphene.String(required=True, description="IANA time zone the offer's slots are shown in.")
    is_active = graphene.Boolean(required=True, description="False once the hub has withdrawn the offer.")

    class Meta:
        model = models.SupportOffer
        interfaces = (relay.Node,)
        fields = ("hub", "kind", "title", "description", "topics", "mentoring_topics", "professions",
                  "location_kind", "site",
                  "host_name", "host_commune", "is_active")  # fmt: skip
        connection_class = CountableConnection
        description = (
            "Support a hub offers: shared coordination time, advanced consultations or peer facilitation."
        )

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            offers_visible_to(queryset, viewer_for(info.context))
            .select_related("hub__msp", "site__commune", "host_commune")
            .prefetch_related("professions", "hub__msp__sites__commune")
        )

    def resolve_professions(self, info):
        return list(self.professions.all())


def _local(dt, zone):
    return timezone.localtime(dt, ZoneInfo(zone)).isoformat()


class Slot(DjangoObjectType):
    """A bookable time of an offer. Times are UTC; `localStartsAt`/`localEndsAt` are in the offer's zone."""

    offer = graphene.Field(SupportOffer, required=True, description="The offer.")
    starts_at = graphene.DateTime(required=True, description="Start (UTC).")
    ends_at = graphene.DateTime(required=True, description="End (UTC).")
    local_starts_at = graphene.String(
        required=True, description="Start in the offer's time zone (ISO 8601 with offset)."
    )
    local_ends_at = graphene.String(
        required=True, description="End in the offer's time zone (ISO 8601 with offset)."
    )
    time_zone = graphene.String(required=True, description="IANA time zone of the place.")
    capacity = graphene.Int(required=True, description="Seats.")
    seats_left = graphene.Int(required=True, description="Seats not yet confirmed.")
    status = graphene.Field(SlotStatusEnum, required=True, description="Open or cancelled.")
    cancel_reason = graphene.String(description="Why the hub cancelled it.")
    staff = graphene.List(
        graphene.NonNull(Practitioner), required=True, description="The hub members staffing it (rota turn)."
    )

    class Meta:
        model = models.Slot
        interfaces = (relay.Node,)
        fields = ("offer", "starts_at", "ends_at", "capacity", "status", "cancel_reason")
        connection_class = CountableConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        queryset = queryset.all()  # `node` passes the model's manager, list fields a queryset
        if "confirmed" in queryset.query.annotations:
            return queryset  # already scoped and annotated (the `slots` resolver filters on seats left)
        visible = offers_visible_to(models.SupportOffer.objects.all(), viewer_for(info.context))
        return (
            queryset.filter(offer__in=visible)
            .select_related("offer__hub__msp", "offer__site__commune", "offer__host_commune")
            .prefetch_related(
                "offer__hub__msp__sites__commune",
                "offer__professions",
                Prefetch(
                    "bookings",
                    queryset=models.Booking.objects.select_related(
                        "practitioner__profession", "practitioner__commune"
                    ),
                ),
            )
            .annotate(
                confirmed=Count(
                    "bookings",
                    filter=Q(
                        bookings__status=models.BookingStatus.CONFIRMED,
                        bookings__role=models.BookingRole.ATTENDEE,
                    ),
                )
            )
        )

    def resolve_time_zone(self, info):
        return self.offer.time_zone

    def resolve_local_starts_at(self, info):
        return _local(self.starts_at, self.offer.time_zone)

    def resolve_local_ends_at(self, info):
        return _local(self.ends_at, self.offer.time_zone)

    def resolve_seats_left(self, info):
        confirmed = getattr(self, "confirmed", None)
        if confirmed is None:
            confirmed = self.bookings.filter(
                status=models.BookingStatus.CONFIRMED, role=models.BookingRole.ATTENDEE
            ).count()
        return max(self.capacity - confirmed, 0)

    def resolve_cancel_reason(self, info):
        return self.cancel_reason or None

    def resolve_staff(self, info):
        return [
            b.practitioner
            for b in self.bookings.all()
            if b.role == models.BookingRole.STAFF and b.status == models.BookingStatus.CONFIRMED
        ]


class Booking(DjangoObjectType):
    """A practitioner's seat on a slot or place on its waitlist (seen by them, the hub's coordinators, Cnam)."""

    slot = graphene.Field(Slot, required=True, description="The slot.")
    practitioner = graphene.Field(Practitioner, required=True, description="Who booked.")
    status = graphene.Field(
        BookingStatusEnum, required=True, description="Confirmed, waitlisted or cancelled."
    )
    created_at = graphene.DateTime(required=True, description="When it was made.")
    confirmed_at = graphene.DateTime(description="When the seat was confirmed (also on promotion).")
    cancelled_at = graphene.DateTime(description="When it was cancelled.")
    cancel_reason = graphene.String(description="Why it was cancelled.")

    class Meta:
        model = models.Booking
        interfaces = (relay.Node,)
        fields = (
            "slot",
            "practitioner",
            "status",
            "created_at",
            "confirmed_at",
            "cancelled_at",
            "cancel_reason",
        )
        connection_class = CountableConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return bookings_visible_to(queryset, viewer_for(info.context)).select_related(
            "slot__offer__hub__msp", "practitioner__profession", "practitioner__commune"
        )

    def resolve_cancel_reason(self, info):
        return self.cancel_reason or None


class BookingEvent(graphene.ObjectType):
    """Something that happened to one of the signed-in practitioner's bookings."""

    kind = graphene.Field(BookingEventKindEnum, required=True, description="What happened.")
    booking = graphene.Field(Booking, required=True, description="The booking, as it is now.")


# --- Mentoring requests, mentorships, coordination time -------------------------------------------


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
        from network.models import Zoning

        return self.commune.zoning == Zoning.ZIP

    def resolve_events(self, info):
        events = list(self.events.all())
        for event in events:
            event.request = self  # already scoped: the viewer sees this request
        return events

    def resolve_mentorship(self, info):
        mentorship = getattr(self, "mentorship", None)
        return mentorship


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
        return queryset.filter(
            mentorship__in=mentorships_visible_to(models.Mentorship.objects.all(), viewer_for(info.context))
        ).select_related("mentorship__hub")

    def resolve_topic(self, info):
        return self.topic or None

    def resolve_notes(self, info):
        if not can_read_hub_notes(viewer_for(info.context), self.mentorship.hub):
            return None
        return self.notes


class Mentorship(DjangoObjectType):
    """A hub's commitment to a mentee: so many hours of coordination time a month."""

    hub = graphene.Field(Hub, required=True, description="The hub.")
    mentee = graphene.Field(Practitioner, required=True, description="The practitioner or project holder.")
    request = graphene.Field(MentoringRequest, description="The request it came from.")
    starts_on = graphene.Date(required=True, description="First day.")
    ended_on = graphene.Date(description="Last day, once ended.")
    hours_per_month = graphene.Float(required=True, description="Hours allotted per month.")
    status = graphene.Field(MentorshipStatusEnum, required=True, description="Active or ended.")
    usage = graphene.List(
        graphene.NonNull(MonthUsage),
        required=True,
        months=graphene.Int(default_value=6, description="How many months, up to the current one (1 to 24)."),
        description="Hours allotted and given per month, oldest first.",
    )
    sessions = graphene.List(
        graphene.NonNull(CoordinationSession), required=True, description="Sessions given, latest first."
    )

    class Meta:
        model = models.Mentorship
        interfaces = (relay.Node,)
        fields = ("hub", "mentee", "request", "starts_on", "ended_on", "hours_per_month", "status")
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

    def resolve_usage(self, info, months=6):
        from ..services.coordination import monthly_usage, months_back

        return monthly_usage(self, self.sessions.all(), months_back(min(max(months, 1), 24)))

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
