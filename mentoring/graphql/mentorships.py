"""Mentorships and the coordination-time ledger over GraphQL: logging time given, ending a mentorship, the
hub's month."""

from datetime import date

import graphene
from django.core.exceptions import ValidationError
from graphql import GraphQLError

from backend.core.graphql import Field, Forbidden, decode_global_id, enum_value, find_object, get_object
from backend.core.pagination import ConnectionField
from backend.core.permissions import Permission
from backend.realtime.live import Listen
from backend.realtime.subscriptions import EventNotVisible
from network.models import HubDesignation
from network.permissions import hubs_visible_to, viewer_for

from .. import events, models, selectors
from ..permissions import in_mentorship_thread, reads_hub_details
from ..services import coordination
from ..services.matching import allotted_hours
from . import request_types as types
from .common import MentoringMutation, practitioner_of, require_hub_manager
from .enums import MentoringTopicEnum, MentorshipOutcomeEnum, MentorshipStatusEnum


def _managed_mentorship(info, mentorship_id, field="mentorshipId"):
    mentorship = get_object(
        mentorship_id, models.Mentorship, "Mentorship", field,
        models.Mentorship.objects.select_related("hub"),
    )  # fmt: skip
    require_hub_manager(
        info, mentorship.hub.msp_id, "Seuls les coordinateurs de la MSP tête de pont tiennent ce registre."
    )
    return mentorship


class LogCoordinationSession(MentoringMutation):
    """Record coordination time given to a mentee. The hub's coordinators."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        mentorship_id = graphene.ID(required=True, description="Global ID of the mentorship.")
        date = graphene.Date(required=True, description="When it was given (not in the future).")
        duration_minutes = graphene.Int(required=True, description="How long, 5 to 600 minutes.")
        topic = MentoringTopicEnum(description="What it was about.")
        notes = graphene.String(description="The hub's notes (not shown to the mentee).")

    session = graphene.Field(types.CoordinationSession, description="The session recorded.")
    mentorship = graphene.Field(types.Mentorship, description="The mentorship, with its updated figures.")

    @classmethod
    def perform(cls, root, info, mentorship_id, date, duration_minutes, topic=None, notes=""):
        mentorship = _managed_mentorship(info, mentorship_id)
        session = coordination.log_session(
            mentorship, date, duration_minutes, topic or "", notes or "", actor=info.context.user
        )
        session.mentorship = mentorship
        refreshed = types.Mentorship.get_queryset(
            models.Mentorship.objects.filter(pk=mentorship.pk), info
        ).get()
        return cls(session=session, mentorship=refreshed, errors=[])


class EndMentorship(MentoringMutation):
    """End a mentorship; its monthly hours return to the hub's capacity. The hub's coordinators."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the mentorship.")
        outcome = MentorshipOutcomeEnum(required=True, description="What it led to.")
        outcome_note = graphene.String(description="Details, in French (required for OTHER).")
        ended_on = graphene.Date(description="Last day (default: today).")

    mentorship = graphene.Field(types.Mentorship, description="The mentorship, ended.")

    @classmethod
    def perform(cls, root, info, id, outcome, outcome_note="", ended_on=None):
        mentorship = _managed_mentorship(info, id, "id")
        ended = coordination.end_mentorship(mentorship, ended_on, enum_value(outcome), outcome_note or "")
        return cls(mentorship=ended, errors=[])


class GiveMentorshipFeedback(MentoringMutation):
    """The mentee's appreciation of an ended mentorship (1 to 5, and a comment), read by the hub and the Cnam.
    The mentee only."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the mentorship (one's own, as mentee).")
        rating = graphene.Int(required=True, description="1 (not useful) to 5 (very useful).")
        comment = graphene.String(description="A comment, in French.")

    mentorship = graphene.Field(types.Mentorship, description="The mentorship, with the appreciation.")

    @classmethod
    def perform(cls, root, info, id, rating, comment=""):
        mentee = practitioner_of(info)
        mentorship = get_object(
            id, models.Mentorship, "Mentorship", "id", models.Mentorship.objects.filter(mentee=mentee)
        )
        return cls(mentorship=coordination.give_feedback(mentorship, rating, comment or ""), errors=[])


def _thread(info, mentorship_id, field="mentorshipId"):
    """The mentorship and the caller's side in its thread (True: the hub), or NOT_FOUND."""
    mentorship = get_object(
        mentorship_id, models.Mentorship, "Mentorship", field, models.Mentorship.objects.select_related("hub")
    )
    side = in_mentorship_thread(viewer_for(info.context), mentorship)
    if side is None:
        raise ValidationError({field: ValidationError("Objet introuvable.", code="NOT_FOUND")})
    return mentorship, side


class PostMentorshipMessage(MentoringMutation):
    """Write in a mentorship's thread: the mentee or the hub's coordinators; the other side is told by e-mail.
    The thread closes when the mentorship ends."""

    class Meta:
        permissions = [Permission.PRACTITIONER, Permission.HUB_COORDINATOR]

    class Arguments:
        mentorship_id = graphene.ID(required=True, description="Global ID of the mentorship.")
        body = graphene.String(required=True, description="The message, in French.")

    message = graphene.Field(types.MentorshipMessage, description="The message posted.")

    @classmethod
    def perform(cls, root, info, mentorship_id, body):
        mentorship, from_hub = _thread(info, mentorship_id)
        message = coordination.post_message(mentorship, info.context.user, body, from_hub=from_hub)
        return cls(message=types.MentorshipMessage.of(message), errors=[])


class OutcomeCount(graphene.ObjectType):
    """Mentorships that ended with one outcome."""

    outcome = MentorshipOutcomeEnum(required=True, description="The outcome.")
    count = graphene.Int(required=True, description="How many.")


class HubImpact(graphene.ObjectType):
    """What a hub's mentoring has given, all time."""

    mentees = graphene.Int(required=True, description="Practitioners and project holders mentored.")
    mentorships_active = graphene.Int(required=True, description="Mentorships running now.")
    hours_given = graphene.Float(required=True, description="Hours of coordination sessions logged.")
    outcomes = graphene.List(
        graphene.NonNull(OutcomeCount), required=True, description="Ended mentorships by outcome, most first."
    )
    feedback_count = graphene.Int(required=True, description="Mentees who gave their appreciation.")
    average_rating = graphene.Float(description="Their average rating (1 to 5); none without any.")


class MentorshipQueryFields(graphene.ObjectType):
    mentorships = ConnectionField(
        types.Mentorship,
        hub_id=graphene.ID(description="Only this hub's mentorships."),
        status=MentorshipStatusEnum(description="Only mentorships with this status."),
        description="Mentorships the viewer may see (as mentee, hub coordinator or Cnam staff), latest first.",
        permissions=[Permission.SIGNED_IN],
    )
    hub_coordination_time = Field(
        types.HubCoordinationMonth,
        required=True,
        hub_id=graphene.ID(required=True, description="Global ID of the hub."),
        month=graphene.Date(description="Any day of the month (default: this month)."),
        description="A hub's coordination time in a month: capacity, allotted and given, per mentorship. "
        "Its coordinators, Cnam staff and admins.",
        permissions=[Permission.HUB_COORDINATOR, Permission.VIEW_CONTACT_DETAILS],
    )

    hub_capacities = Field(
        graphene.List(graphene.NonNull(types.HubCapacity)),
        required=True,
        hub_ids=graphene.List(
            graphene.NonNull(graphene.ID), required=True, description="Global IDs of hubs (100 at most)."
        ),
        description="The coordination time each hub still has to lend each month (as matching counts it), for "
        "the hubs the viewer may see among those asked; to choose a hub with time left.",
        permissions=[Permission.SIGNED_IN],
    )

    hub_impact = Field(
        HubImpact,
        required=True,
        hub_id=graphene.ID(required=True, description="Global ID of the hub."),
        description="A hub's mentoring impact: mentees, hours given, outcomes, the mentees' appreciation. Its "
        "coordinators, Cnam staff and admins.",
        permissions=[Permission.HUB_COORDINATOR, Permission.VIEW_CONTACT_DETAILS],
    )

    def resolve_hub_impact(root, info, hub_id):
        hub = find_object(hub_id, HubDesignation, "Hub", HubDesignation.objects.select_related("msp"))
        if not reads_hub_details(viewer_for(info.context), hub.msp_id):
            raise Forbidden("Seuls les coordinateurs de la MSP et l'équipe de la Cnam voient son impact.")
        impact = coordination.hub_impact(hub)
        return HubImpact(
            mentees=impact.mentees,
            mentorships_active=impact.mentorships_active,
            hours_given=float(impact.hours_given),
            outcomes=[OutcomeCount(outcome=o, count=n) for o, n in impact.outcomes],
            feedback_count=impact.feedback_count,
            average_rating=impact.average_rating,
        )

    def resolve_mentorships(root, info, hub_id=None, status=None, **kwargs):
        return selectors.mentorships(decode_global_id(hub_id, "Hub") if hub_id else None, status)

    def resolve_hub_capacities(root, info, hub_ids):
        if len(hub_ids) > 100:
            raise GraphQLError("100 MSP tête de pont au plus.", extensions={"code": "BAD_USER_INPUT"})
        pks = [decode_global_id(hub_id, "Hub") for hub_id in hub_ids]
        hubs = list(hubs_visible_to(HubDesignation.objects.filter(pk__in=pks), viewer_for(info.context)))
        allotted = allotted_hours([hub.pk for hub in hubs])
        return [
            types.HubCapacity(
                hub=hub,
                monthly_hours=float(hub.monthly_coordination_hours),
                hours_left=float(max(hub.monthly_coordination_hours - allotted.get(hub.pk, 0), 0)),
            )
            for hub in hubs
        ]

    def resolve_hub_coordination_time(root, info, hub_id, month=None):
        hub = find_object(hub_id, HubDesignation, "Hub", HubDesignation.objects.select_related("msp"))
        if not reads_hub_details(viewer_for(info.context), hub.msp_id):
            raise Forbidden("Seuls les coordinateurs de la MSP et l'équipe de la Cnam voient ce registre.")
        figures = coordination.hub_month(hub, month or date.today())
        return types.HubCoordinationMonth(
            hub=hub,
            month=figures.month,
            capacity_hours=figures.capacity_hours,
            hours_allotted=figures.hours_allotted,
            hours_given=figures.hours_given,
            hours_remaining=figures.hours_remaining,
            mentorships=figures.mentorships,
        )


def _thread_keys(info, mentorship_id):
    try:
        mentorship, _ = _thread(info, mentorship_id)
    except ValidationError:
        raise GraphQLError("Objet introuvable.", extensions={"code": "NOT_FOUND"}) from None
    return [(events.MENTORSHIP_MESSAGES, mentorship.pk)]


def _thread_event(event, info, mentorship_id):
    message = (
        models.MentorshipMessage.objects.select_related("author", "mentorship__hub")
        .filter(pk=event["payload"]["message"])
        .first()
    )
    if message is None or in_mentorship_thread(viewer_for(info.context), message.mentorship) is None:
        raise EventNotVisible()  # no longer in it (e.g. no longer the hub's coordinator)
    return types.MentorshipMessage.of(message)


class MentorshipSubscriptionFields(graphene.ObjectType):
    mentorship_messages = Field(
        types.MentorshipMessage,
        required=True,
        mentorship_id=graphene.ID(required=True, description="Global ID of the mentorship."),
        description="New messages of a mentorship's thread, live: for the mentee and the hub's coordinators.",
        permissions=[Permission.PRACTITIONER, Permission.HUB_COORDINATOR],
        refused_as_not_found=True,
        live=Listen(keys=_thread_keys, resolve=_thread_event, topics=(events.MENTORSHIP_MESSAGES,)),
    )
