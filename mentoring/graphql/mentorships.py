"""Mentoring requests, hub matching, mentorships and the coordination-time ledger over GraphQL."""

from datetime import date

import graphene
from django.db.models import Case, IntegerField, Value, When
from graphql import GraphQLError

from backend.core.execution import run_in_pool
from backend.core.graphql import (
    ConnectionField,
    Forbidden,
    decode_global_id,
    errors_field,
    find_object,
    get_object,
    require_authenticated,
)
from backend.realtime.events import group_name
from backend.realtime.subscriptions import EventNotVisible
from network.graphql.types import Hub, OfferKindEnum
from network.models import HubDesignation, Zoning
from network.permissions import NetworkPermission, viewer_for

from .. import models
from ..services import coordination
from ..services import matching as matching_service
from ..services import requests as request_service
from . import types
from .common import MentoringError, MentoringMutation, require_hub_manager, require_practitioner

NOT_A_PRACTITIONER = "Seul un professionnel de santé inscrit peut demander un accompagnement."
HUB_ONLY = "Seuls les coordinateurs de la MSP tête de pont sollicitée traitent cette demande."


def _own_request(info, request_id):
    """A request of the signed-in practitioner (NOT_FOUND for anybody else's)."""
    practitioner = require_practitioner(info, NOT_A_PRACTITIONER)
    return get_object(
        request_id, models.MentoringRequest, "MentoringRequest", "id",
        models.MentoringRequest.objects.filter(requester=practitioner),
    )  # fmt: skip


def _hub_request(info, request_id):
    """A request sent to a hub the signed-in user coordinates (or any, for an admin)."""
    require_authenticated(info)
    request = get_object(
        request_id, models.MentoringRequest, "MentoringRequest", "id",
        types.MentoringRequest.get_queryset(models.MentoringRequest.objects.all(), info),
    )  # fmt: skip
    if request.hub_id is None:
        raise Forbidden(HUB_ONLY)
    require_hub_manager(info, request.hub.msp_id, HUB_ONLY)
    return request


def _managed_mentorship(info, mentorship_id, field="mentorshipId"):
    require_authenticated(info)
    mentorship = get_object(
        mentorship_id, models.Mentorship, "Mentorship", field,
        models.Mentorship.objects.select_related("hub"),
    )  # fmt: skip
    require_hub_manager(
        info, mentorship.hub.msp_id, "Seuls les coordinateurs de la MSP tête de pont tiennent ce registre."
    )
    return mentorship


def _user(info):
    return info.context.user


class MentoringRequestInput(graphene.InputObjectType):
    """A request for a hub's help."""

    topics = graphene.List(
        graphene.NonNull(types.MentoringTopicEnum), required=True, description="What help is needed."
    )
    message = graphene.String(required=True, description="The request, in French.")
    commune_code = graphene.String(
        required=True, description="INSEE code of the commune where the requester practises or plans to."
    )
    radius_km = graphene.Float(default_value=50, description="How far the requester would go (1 to 200 km).")
    wanted_kinds = graphene.List(
        graphene.NonNull(OfferKindEnum), description="Kinds of support wanted; none for any."
    )


class RequestPayload(MentoringMutation):
    class Meta:
        abstract = True

    request = graphene.Field(types.MentoringRequest, description="The request, after the change.")
    errors = errors_field(MentoringError)


class SubmitMentoringRequest(RequestPayload):
    """Submit a request for mentoring (a practitioner or project holder; at most 3 in progress at once)."""

    class Arguments:
        input = MentoringRequestInput(required=True, description="The request.")

    @classmethod
    def perform(cls, root, info, input):
        practitioner = require_practitioner(info, NOT_A_PRACTITIONER)
        request = request_service.submit_request(
            practitioner,
            request_service.RequestData(
                topics=list(input["topics"]),
                message=input["message"],
                commune_code=input["commune_code"],
                radius_km=50 if input.get("radius_km") is None else input["radius_km"],
                wanted_kinds=list(input.get("wanted_kinds") or []),
            ),
            actor=_user(info),
        )
        return cls(request=request, errors=[])


class SendMentoringRequest(RequestPayload):
    """Send one's request to a hub among its matches, or (without `hubId`) to the best match with time
    left. A declined request can be sent to another hub. The requester only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        hub_id = graphene.ID(description="Global ID of the hub; omit to send to the best match.")

    @classmethod
    def perform(cls, root, info, id, hub_id=None):
        request = _own_request(info, id)
        hub = get_object(hub_id, HubDesignation, "Hub", "hubId") if hub_id else None
        return cls(request=request_service.send_request(request, hub, actor=_user(info)), errors=[])


class AcceptMentoringRequest(RequestPayload):
    """Accept a request sent to the hub: creates a mentorship of so many hours a month, within the hub's
    monthly capacity. The hub's coordinators."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        hours_per_month = graphene.Float(
            required=True, description="Hours of coordination time allotted a month."
        )
        starts_on = graphene.Date(description="First day of the mentorship (default: today).")

    mentorship = graphene.Field(types.Mentorship, description="The mentorship created.")

    @classmethod
    def perform(cls, root, info, id, hours_per_month, starts_on=None):
        request = _hub_request(info, id)
        mentorship = request_service.accept_request(request, hours_per_month, starts_on, actor=_user(info))
        return cls(request=mentorship.request, mentorship=mentorship, errors=[])


class DeclineMentoringRequest(RequestPayload):
    """Decline a request sent to the hub, with a reason shown to the requester. The hub's coordinators."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        reason = graphene.String(required=True, description="Why, in French (sent to the requester).")

    @classmethod
    def perform(cls, root, info, id, reason):
        request = _hub_request(info, id)
        return cls(request=request_service.decline_request(request, reason, actor=_user(info)), errors=[])


class AskMentoringRequestInfo(RequestPayload):
    """Ask the requester for more information before deciding. The hub's coordinators."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        question = graphene.String(required=True, description="The question, in French.")

    @classmethod
    def perform(cls, root, info, id, question):
        request = _hub_request(info, id)
        return cls(request=request_service.ask_for_info(request, question, actor=_user(info)), errors=[])


class ProvideMentoringRequestInfo(RequestPayload):
    """Answer the hub's question; the request goes back to the hub. The requester only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        message = graphene.String(required=True, description="The answer, in French.")

    @classmethod
    def perform(cls, root, info, id, message):
        request = _own_request(info, id)
        return cls(request=request_service.provide_info(request, message, actor=_user(info)), errors=[])


class WithdrawMentoringRequest(RequestPayload):
    """Withdraw one's request (any time before it is accepted). The requester only."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        reason = graphene.String(description="Why (optional).")

    @classmethod
    def perform(cls, root, info, id, reason=""):
        request = _own_request(info, id)
        return cls(
            request=request_service.withdraw_request(request, reason or "", actor=_user(info)), errors=[]
        )


class LogCoordinationSession(MentoringMutation):
    """Record coordination time given to a mentee. The hub's coordinators."""

    class Arguments:
        mentorship_id = graphene.ID(required=True, description="Global ID of the mentorship.")
        date = graphene.Date(required=True, description="When it was given (not in the future).")
        duration_minutes = graphene.Int(required=True, description="How long, 5 to 600 minutes.")
        topic = types.MentoringTopicEnum(description="What it was about.")
        notes = graphene.String(description="The hub's notes (not shown to the mentee).")

    session = graphene.Field(types.CoordinationSession, description="The session recorded.")
    mentorship = graphene.Field(types.Mentorship, description="The mentorship, with its updated figures.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, mentorship_id, date, duration_minutes, topic=None, notes=""):
        mentorship = _managed_mentorship(info, mentorship_id)
        session = coordination.log_session(
            mentorship, date, duration_minutes, topic or "", notes or "", actor=_user(info)
        )
        session.mentorship = mentorship
        refreshed = types.Mentorship.get_queryset(
            models.Mentorship.objects.filter(pk=mentorship.pk), info
        ).get()
        return cls(session=session, mentorship=refreshed, errors=[])


class EndMentorship(MentoringMutation):
    """End a mentorship; its monthly hours return to the hub's capacity. The hub's coordinators."""

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the mentorship.")
        ended_on = graphene.Date(description="Last day (default: today).")

    mentorship = graphene.Field(types.Mentorship, description="The mentorship, ended.")
    errors = errors_field(MentoringError)

    @classmethod
    def perform(cls, root, info, id, ended_on=None):
        mentorship = _managed_mentorship(info, id, "id")
        return cls(mentorship=coordination.end_mentorship(mentorship, ended_on), errors=[])


class MentorshipsQuery(graphene.ObjectType):
    mentoring_requests = ConnectionField(
        types.MentoringRequest,
        hub_id=graphene.ID(description="A hub's inbox: requests sent to it, priority zones (ZIP) first."),
        status=types.RequestStatusEnum(description="Only requests in this state."),
        description="Mentoring requests the viewer may see: their own; those sent to a hub they coordinate; "
        "all for Cnam staff. With `hubId`, ZIP communes first, then the longest waiting; else newest first.",
    )
    match_hubs = graphene.List(
        graphene.NonNull(types.HubMatch),
        required=True,
        request_id=graphene.ID(required=True, description="Global ID of the request."),
        first=graphene.Int(default_value=10, description="How many candidates (1 to 50)."),
        description="Hubs that could take the request, best first, with the reasons: within both radii, "
        "monthly time left, topics and profession. The requester, Cnam staff and admins.",
    )
    mentorships = ConnectionField(
        types.Mentorship,
        hub_id=graphene.ID(description="Only this hub's mentorships."),
        status=types.MentorshipStatusEnum(description="Only mentorships with this status."),
        description="Mentorships the viewer may see (as mentee, hub coordinator or Cnam staff), latest first.",
    )
    hub_coordination_time = graphene.Field(
        types.HubCoordinationMonth,
        required=True,
        hub_id=graphene.ID(required=True, description="Global ID of the hub."),
        month=graphene.Date(description="Any day of the month (default: this month)."),
        description="A hub's coordination time in a month: capacity, allotted and given, per mentorship. "
        "Its coordinators, Cnam staff and admins.",
    )

    def resolve_mentoring_requests(root, info, hub_id=None, status=None, **kwargs):
        require_authenticated(info)
        queryset = models.MentoringRequest.objects.all()
        if status:
            queryset = queryset.filter(status=status)
        if hub_id:
            priority = Case(
                When(commune__zoning=Zoning.ZIP, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
            return (
                queryset.filter(hub_id=decode_global_id(hub_id, "Hub"))
                .annotate(priority=priority)
                .order_by("priority", "sent_at", "pk")
            )
        return queryset.order_by("-created_at", "-pk")

    def resolve_match_hubs(root, info, request_id, first=10):
        require_authenticated(info)
        if not 1 <= first <= 50:
            from backend.core.graphql import bad_input

            raise bad_input("`first` doit être compris entre 1 et 50.")
        viewer = viewer_for(info.context)
        request = find_object(
            request_id, models.MentoringRequest, "MentoringRequest",
            types.MentoringRequest.get_queryset(models.MentoringRequest.objects.all(), info),
        )  # fmt: skip
        mine = viewer.practitioner is not None and request.requester_id == viewer.practitioner.pk
        if not (mine or viewer.has_perm(NetworkPermission.VIEW_CONTACT_DETAILS)):
            raise Forbidden("Seuls le demandeur et l'équipe de la Cnam voient les MSP proposées.")
        return matching_service.match_hubs(request, limit=first)

    def resolve_mentorships(root, info, hub_id=None, status=None, **kwargs):
        require_authenticated(info)
        queryset = models.Mentorship.objects.all()
        if hub_id:
            queryset = queryset.filter(hub_id=decode_global_id(hub_id, "Hub"))
        if status:
            queryset = queryset.filter(status=status)
        return queryset.order_by("-starts_on", "-pk")

    def resolve_hub_coordination_time(root, info, hub_id, month=None):
        require_authenticated(info)
        hub = find_object(hub_id, HubDesignation, "Hub", HubDesignation.objects.select_related("msp"))
        viewer = viewer_for(info.context)
        if not (viewer.can_manage_msp(hub.msp_id) or viewer.has_perm(NetworkPermission.VIEW_CONTACT_DETAILS)):
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


class MentorshipsMutation(graphene.ObjectType):
    submit_mentoring_request = SubmitMentoringRequest.Field(description=SubmitMentoringRequest.__doc__)
    send_mentoring_request = SendMentoringRequest.Field(description=SendMentoringRequest.__doc__)
    accept_mentoring_request = AcceptMentoringRequest.Field(description=AcceptMentoringRequest.__doc__)
    decline_mentoring_request = DeclineMentoringRequest.Field(description=DeclineMentoringRequest.__doc__)
    ask_mentoring_request_info = AskMentoringRequestInfo.Field(description=AskMentoringRequestInfo.__doc__)
    provide_mentoring_request_info = ProvideMentoringRequestInfo.Field(
        description=ProvideMentoringRequestInfo.__doc__
    )
    withdraw_mentoring_request = WithdrawMentoringRequest.Field(description=WithdrawMentoringRequest.__doc__)
    log_coordination_session = LogCoordinationSession.Field(description=LogCoordinationSession.__doc__)
    end_mentorship = EndMentorship.Field(description=EndMentorship.__doc__)


def _event_groups(info, hub_id):
    """The groups a `mentoringRequestEvents` subscriber may listen to (runs in a thread)."""
    viewer = viewer_for(info.context)
    if not viewer.is_authenticated:
        raise GraphQLError("Authentification requise.", extensions={"code": "UNAUTHENTICATED"})
    if hub_id:
        hub = Hub.get_queryset(
            HubDesignation.objects.filter(pk=decode_global_id(hub_id, "Hub")), info
        ).first()
        if hub is None or not viewer.can_manage_msp(hub.msp_id):
            raise GraphQLError(HUB_ONLY, extensions={"code": "FORBIDDEN"})
        return [group_name("mentoring-requests-hub", hub.pk)]
    if viewer.practitioner is None:
        raise GraphQLError(NOT_A_PRACTITIONER, extensions={"code": "FORBIDDEN"})
    return [group_name("mentoring-requests-of", viewer.practitioner.pk)]


class MentorshipsSubscription(graphene.ObjectType):
    mentoring_request_events = graphene.Field(
        types.MentoringRequestEvent,
        required=True,
        hub_id=graphene.ID(description="A hub's inbox (its coordinators); omit for one's own requests."),
        description="Each step of the viewer's requests (submitted, sent, answered...), or of the requests "
        "sent to a hub they coordinate.",
    )

    @staticmethod
    async def subscribe_mentoring_request_events(root, info, hub_id=None):
        groups = await run_in_pool(_event_groups, info, hub_id)
        return await info.context.listen(groups)

    @staticmethod
    def resolve_mentoring_request_events(event, info, hub_id=None):
        step = (
            models.MentoringRequestEvent.objects.select_related("hub__msp")
            .filter(pk=event["payload"]["event"])
            .first()
        )
        if step is None:
            raise EventNotVisible()
        request = types.MentoringRequest.get_queryset(
            models.MentoringRequest.objects.filter(pk=step.request_id), info
        ).first()
        if request is None or (hub_id and str(request.hub_id) != decode_global_id(hub_id, "Hub")):
            raise EventNotVisible()
        step.request = request
        return step
