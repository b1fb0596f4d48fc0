"""GraphQL types of offers, slots and bookings. Scoping lives in `get_queryset` (mentoring/permissions.py)."""

from zoneinfo import ZoneInfo

import graphene
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from graphene import relay
from graphene_django import DjangoObjectType

from backend.core.pagination import CountableConnection
from network.graphql.enums import OfferKindEnum
from network.graphql.territory_types import Commune, Profession
from network.graphql.types import Hub, MspSite, Practitioner
from network.permissions import viewer_for

from .. import models
from ..permissions import (
    bookings_visible_to,
    leads_slot,
    offers_visible_to,
    reads_hub_details,
    slots_visible_to,
    staffs_slot,
)
from ..services.calendar import booking_event
from ..services.peer_sessions import reads_materials
from .enums import (
    AttendanceEnum,
    BookingEventKindEnum,
    BookingRoleEnum,
    BookingStatusEnum,
    LocationKindEnum,
    MentoringTopicEnum,
    SlotStatusEnum,
    TurnResponseEnum,
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
    host_site = graphene.Field(
        MspSite, description="The MSP site hosting it, when the host is a known MSP or site (HOST_SITE)."
    )
    time_zone = graphene.String(required=True, description="IANA time zone the offer's slots are shown in.")
    booking_notice_hours = graphene.Int(required=True, description="Minimum notice to book, in hours.")
    cancel_notice_hours = graphene.Int(required=True, description="Minimum notice to cancel, in hours.")
    booking_question = graphene.String(description="The short question asked when booking, if any.")
    video_url = graphene.String(
        description="Video link of a remote offer: for the hub's coordinators and Cnam staff here; participants "
        "read it on their confirmed booking (`Booking.videoUrl`)."
    )
    is_active = graphene.Boolean(required=True, description="False once the hub has withdrawn the offer.")

    class Meta:
        model = models.SupportOffer
        interfaces = (relay.Node,)
        fields = ("hub", "kind", "title", "description", "topics", "mentoring_topics", "professions",
                  "location_kind", "site", "host_site", "booking_notice_hours", "cancel_notice_hours",
                  "host_name", "host_commune", "is_active")  # fmt: skip
        connection_class = CountableConnection
        description = (
            "Support a hub offers: shared coordination time, advanced consultations or peer facilitation."
        )

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            offers_visible_to(queryset, viewer_for(info.context))
            .select_related("hub__msp", "site__commune", "host_commune", "host_site__commune")
            .prefetch_related("professions", "hub__msp__sites__commune")
        )

    def resolve_professions(self, info):
        return list(self.professions.all())

    def resolve_booking_question(self, info):
        return self.booking_question or None

    def resolve_video_url(self, info):
        return (
            self.video_url or None if reads_hub_details(viewer_for(info.context), self.hub.msp_id) else None
        )


def _local(dt, zone):
    return timezone.localtime(dt, ZoneInfo(zone)).isoformat()


def _party(slot, info) -> tuple[bool, bool]:
    """(takes part: a confirmed seat or turn on this slot, leads: its staff or the hub's coordinators)."""
    viewer = viewer_for(info.context)
    mine = viewer.practitioner
    takes_part = mine is not None and any(
        b.practitioner_id == mine.pk and b.status == models.BookingStatus.CONFIRMED
        for b in slot.bookings.all()
    )
    return takes_part, leads_slot(viewer, slot)


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
    agenda = graphene.String(description="The agenda of a peer facilitation session, if it has one.")
    cases = graphene.List(
        graphene.NonNull(lambda: PeerCase),
        required=True,
        description="Cases submitted for a peer facilitation session, in order: for its participants, its "
        "facilitator and the hub's coordinators (empty for others).",
    )
    materials = graphene.List(
        graphene.NonNull(lambda: SessionMaterial),
        required=True,
        description="Documents of a peer facilitation session, attached after it: for those who took part in the "
        "offer's sessions, its facilitators and the hub's coordinators (empty for others).",
    )
    my_seat = graphene.Field(
        lambda: Booking,
        description="The viewer's own seat or waitlist place on it (not cancelled), if any.",
    )
    my_turn = graphene.Field(
        lambda: Booking,
        description="The viewer's own rota turn on it (their staff booking, with their response), if any.",
    )
    series = graphene.Field(
        "mentoring.graphql.slots.SlotSeries",
        description="The recurring series it is an occurrence of (changes may then reach the following or all "
        "occurrences), with the public holidays it skipped; none for a single slot.",
    )
    bookings = graphene.List(
        graphene.NonNull(lambda: Booking),
        required=True,
        description="Its participants' confirmed seats and waitlist places, in booking order, with their answers "
        "and attendance: for the hub's coordinators, the slot's staff and Cnam staff (empty for others).",
    )

    class Meta:
        model = models.Slot
        interfaces = (relay.Node,)
        fields = ("offer", "starts_at", "ends_at", "capacity", "status", "cancel_reason")
        connection_class = CountableConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        queryset = slots_visible_to(queryset.all(), viewer_for(info.context))  # `node` passes the manager
        # Loaded already by the `slots` resolver (it filters on seats left): only scoped again.
        if "confirmed" in queryset.query.annotations:
            return queryset
        return cls.loaded(queryset)

    @classmethod
    def loaded(cls, queryset):
        """The slots of `queryset` with what the type shows (offer, place, professions, bookings, seats)."""
        return (
            queryset.select_related(
                "offer__hub__msp",
                "offer__site__commune",
                "offer__host_commune",
                "offer__host_site__commune",
                "series",
            )
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

    def resolve_agenda(self, info):
        return self.agenda or None

    def resolve_cases(self, info):
        takes_part, leads = _party(self, info)
        if not (takes_part or leads):
            return []
        return list(self.cases.select_related("author"))

    def resolve_materials(self, info):
        takes_part, leads = _party(self, info)
        if not (takes_part or leads or reads_materials(self, viewer_for(info.context).practitioner)):
            return []
        return list(self.materials.all())

    def resolve_bookings(self, info):
        viewer = viewer_for(info.context)
        if not (staffs_slot(viewer, self) or reads_hub_details(viewer, self.offer.hub.msp_id)):
            return []
        seats = [
            b
            for b in self.bookings.all()
            if b.role == models.BookingRole.ATTENDEE and b.status != models.BookingStatus.CANCELLED
        ]
        no_shows = dict(
            models.Booking.objects.filter(
                practitioner_id__in={b.practitioner_id for b in seats}, attendance=models.Attendance.NO_SHOW
            )
            .values_list("practitioner_id")
            .annotate(n=Count("pk"))
        )
        for booking in seats:
            booking.slot = self  # the type reads its slot's offer
            booking.no_shows = no_shows.get(booking.practitioner_id, 0)
        return sorted(seats, key=lambda b: (b.created_at, b.pk))

    def _own(self, info, role):
        """The viewer's own booking of `role` on the slot (from the prefetched bookings), if any."""
        user = info.context.user
        practitioner = getattr(user, "practitioner", None) if user.is_authenticated else None
        if practitioner is None:
            return None
        for booking in self.bookings.all():
            if booking.role == role and booking.practitioner_id == practitioner.pk:
                booking.slot = self
                return booking
        return None

    def resolve_my_turn(self, info):
        return Slot._own(self, info, models.BookingRole.STAFF)

    def resolve_my_seat(self, info):
        seat = Slot._own(self, info, models.BookingRole.ATTENDEE)
        return seat if seat is not None and seat.status != models.BookingStatus.CANCELLED else None

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
    role = graphene.Field(
        BookingRoleEnum, required=True, description="A seat (attendee) or a rota turn (staff)."
    )
    turn_response = graphene.Field(
        TurnResponseEnum, description="For a rota turn: whether the staff member accepted or declined it."
    )
    answer = graphene.String(description="The answer to the offer's booking question, if it asks one.")
    attendance = graphene.Field(
        AttendanceEnum, description="Whether they came, noted by the hub after the start."
    )
    video_url = graphene.String(
        description="The remote offer's video link: for a confirmed seat or turn, its holder, the hub and Cnam staff."
    )
    calendar_file = graphene.String(
        description="A confirmed seat as an iCalendar file (text/calendar) to add to one's calendar, with the UID "
        "of the invitations e-mailed about it; null otherwise."
    )
    practitioner_no_shows = graphene.Int(
        description="How many times the practitioner did not come to a slot they had booked, anywhere: for the "
        "hub they book with and Cnam staff (null for others)."
    )

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
            "role",
            "answer",
        )
        connection_class = CountableConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return bookings_visible_to(queryset, viewer_for(info.context)).select_related(
            "slot__offer__hub__msp", "practitioner__profession", "practitioner__commune"
        )

    def resolve_cancel_reason(self, info):
        return self.cancel_reason or None

    def resolve_turn_response(self, info):
        return self.turn_response or None

    def resolve_answer(self, info):
        return self.answer or None

    def resolve_attendance(self, info):
        return self.attendance or None

    def resolve_video_url(self, info):
        offer = self.slot.offer
        if not offer.video_url or self.status != models.BookingStatus.CONFIRMED:
            return None
        return offer.video_url  # the type shows a booking to its holder, the hub and Cnam staff only

    def resolve_calendar_file(self, info):
        if self.status != models.BookingStatus.CONFIRMED:
            return None
        return booking_event(self)  # the type shows a booking to its holder, the hub and Cnam staff only

    def resolve_practitioner_no_shows(self, info):
        known = getattr(self, "no_shows", None)
        if known is not None:
            return known  # counted by `Slot.bookings`, which only the hub and its staff read
        if not reads_hub_details(viewer_for(info.context), self.slot.offer.hub.msp_id):
            return None
        return models.Booking.objects.filter(
            practitioner_id=self.practitioner_id, attendance=models.Attendance.NO_SHOW
        ).count()


class BookingEvent(graphene.ObjectType):
    """Something that happened to one of the signed-in practitioner's bookings."""

    kind = graphene.Field(BookingEventKindEnum, required=True, description="What happened.")
    booking = graphene.Field(Booking, required=True, description="The booking, as it is now.")


# --- Mentoring requests, mentorships, coordination time -------------------------------------------


class PeerCase(graphene.ObjectType):
    """A case presented at a peer facilitation session (anonymised)."""

    id = graphene.ID(required=True, description="Its identifier.")
    title = graphene.String(required=True, description="Title.")
    body = graphene.String(required=True, description="The case, anonymised.")
    author = graphene.Field(Practitioner, required=True, description="Who presents it.")
    created_at = graphene.DateTime(required=True, description="When it was submitted.")

    def resolve_id(self, info):
        return self.pk


class SessionMaterial(graphene.ObjectType):
    """A document of a peer facilitation session."""

    id = graphene.ID(required=True, description="Its identifier.")
    title = graphene.String(required=True, description="Title.")
    url = graphene.String(required=True, description="Link (https).")
    created_at = graphene.DateTime(required=True, description="When it was attached.")

    def resolve_id(self, info):
        return self.pk
