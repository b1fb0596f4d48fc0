"""The enums of mentoring's API, each value described in English (the French labels are for users)."""

import graphene

from backend.core.graphql import enum_from_choices, enum_value

from .. import models
from ..errors import MentoringErrorCode
from ..services.series import SeriesScope

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
        "RESCHEDULED": "The practitioner moved the booking to another slot of the offer.",
    },
)
AttendanceEnum = enum_from_choices(
    models.Attendance,
    "Attendance",
    "Whether a confirmed participant came (FHIR's fulfilled / no-show), noted by the hub after the start.",
    {"ATTENDED": "Came.", "NO_SHOW": "Did not come and did not cancel."},
)
TurnResponseEnum = enum_from_choices(
    models.TurnResponse,
    "TurnResponse",
    "A staff member's answer to a rota turn.",
    {
        "PENDING": "Not answered yet.",
        "ACCEPTED": "They will hold it.",
        "DECLINED": "They cannot: the turn is open for a colleague or a swap.",
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
        "SLOT_STARTED": "The slot has started: the booking can no longer be cancelled or moved.",
        "STAFF_TURN": "A rota turn: it is declined or swapped through the rota, not cancelled.",
        "TOO_LATE": "Past the offer's notice for booking or cancelling.",
        "NOT_YET_STARTED": "Attendance is noted once the slot has started.",
        "TURN_TAKEN": "The turn is already held by someone.",
    },
)


SeriesScopeEnum = graphene.Enum.from_enum(
    SeriesScope,
    description=lambda v: {
        None: "Which occurrences of a series a change applies to.",
        "ONE": "This occurrence only.",
        "FOLLOWING": "This occurrence and the following ones.",
        "ALL": "All coming occurrences.",
    }[enum_value(v)],
)

MentorshipOutcomeEnum = enum_from_choices(
    models.MentorshipOutcome,
    "MentorshipOutcome",
    "What a mentorship led to.",
    {
        "HEALTH_PROJECT_WRITTEN": "The health project (projet de santé) is written.",
        "MSP_OPENED": "The MSP opened.",
        "ACI_SIGNED": "The MSP is labelled: it signed the interprofessional agreement (ACI).",
        "ABANDONED": "The project was abandoned.",
        "OTHER": "Something else (see the note).",
    },
)
