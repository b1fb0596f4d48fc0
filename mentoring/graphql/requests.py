"""Mentoring requests over GraphQL: submitting and sending one, the hub's answer, the matching; and
`mentoringRequestEvents`, live."""

import graphene
from graphql import GraphQLError

from backend.core.graphql import Field, Forbidden, bad_input, decode_global_id, find_object, get_object
from backend.core.pagination import ConnectionField
from backend.core.permissions import Permission
from backend.realtime.live import Listen
from backend.realtime.subscriptions import EventNotVisible
from network.graphql.types import Hub
from network.models import HubDesignation
from network.permissions import NetworkPermission, viewer_for

from .. import events, models, selectors
from ..services import matching as matching_service
from ..services import requests as request_service
from . import request_types as types
from .common import MentoringMutation, practitioner_of, require_hub_manager
from .enums import RequestStatusEnum
from .inputs import MentoringRequestInput

HUB_ONLY = "Seuls les coordinateurs de la MSP tête de pont sollicitée traitent cette demande."


def _own_request(info, request_id):
    """A request of the signed-in practitioner (NOT_FOUND for anybody else's)."""
    practitioner = practitioner_of(info)
    return get_object(
        request_id, models.MentoringRequest, "MentoringRequest", "id",
        models.MentoringRequest.objects.filter(requester=practitioner),
    )  # fmt: skip


def _hub_request(info, request_id):
    """A request sent to a hub the signed-in user coordinates (or any, for an admin)."""
    request = get_object(
        request_id, models.MentoringRequest, "MentoringRequest", "id",
        types.MentoringRequest.get_queryset(models.MentoringRequest.objects.all(), info),
    )  # fmt: skip
    if request.hub_id is None:
        raise Forbidden(HUB_ONLY)
    require_hub_manager(info, request.hub.msp_id, HUB_ONLY)
    return request


class MentoringRequestMutation(MentoringMutation):
    """The base of the mutations that change a mentoring request: they return it."""

    class Meta:
        abstract = True

    request = graphene.Field(types.MentoringRequest, description="The request, after the change.")


class SubmitMentoringRequest(MentoringRequestMutation):
    """Submit a request for mentoring (a practitioner or project holder; at most 3 in progress at once)."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        input = MentoringRequestInput(required=True, description="The request.")

    @classmethod
    def perform(cls, root, info, input):
        practitioner = practitioner_of(info)
        request = request_service.submit_request(
            practitioner,
            request_service.RequestData(
                topics=list(input["topics"]),
                message=input["message"],
                commune_code=input["commune_code"],
                radius_km=50 if input.get("radius_km") is None else input["radius_km"],
                wanted_kinds=list(input.get("wanted_kinds") or []),
            ),
            actor=info.context.user,
        )
        return cls(request=request, errors=[])


class SendMentoringRequest(MentoringRequestMutation):
    """Send one's request to a hub among its matches, or (without `hubId`) to the best match with time
    left. A declined request can be sent to another hub. The requester only."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        hub_id = graphene.ID(description="Global ID of the hub; omit to send to the best match.")

    @classmethod
    def perform(cls, root, info, id, hub_id=None):
        request = _own_request(info, id)
        hub = get_object(hub_id, HubDesignation, "Hub", "hubId") if hub_id else None
        return cls(request=request_service.send_request(request, hub, actor=info.context.user), errors=[])


class AcceptMentoringRequest(MentoringRequestMutation):
    """Accept a request sent to the hub: creates a mentorship of so many hours a month, within the hub's
    monthly capacity. The hub's coordinators."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

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
        mentorship = request_service.accept_request(
            request, hours_per_month, starts_on, actor=info.context.user
        )
        return cls(request=mentorship.request, mentorship=mentorship, errors=[])


class DeclineMentoringRequest(MentoringRequestMutation):
    """Decline a request sent to the hub, with a reason shown to the requester. The hub's coordinators."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        reason = graphene.String(required=True, description="Why, in French (sent to the requester).")

    @classmethod
    def perform(cls, root, info, id, reason):
        request = _hub_request(info, id)
        return cls(
            request=request_service.decline_request(request, reason, actor=info.context.user), errors=[]
        )


class AskMentoringRequestInfo(MentoringRequestMutation):
    """Ask the requester for more information before deciding. The hub's coordinators."""

    class Meta:
        permissions = [Permission.HUB_COORDINATOR]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        question = graphene.String(required=True, description="The question, in French.")

    @classmethod
    def perform(cls, root, info, id, question):
        request = _hub_request(info, id)
        return cls(
            request=request_service.ask_for_info(request, question, actor=info.context.user), errors=[]
        )


class ProvideMentoringRequestInfo(MentoringRequestMutation):
    """Answer the hub's question; the request goes back to the hub. The requester only."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        message = graphene.String(required=True, description="The answer, in French.")

    @classmethod
    def perform(cls, root, info, id, message):
        request = _own_request(info, id)
        return cls(request=request_service.provide_info(request, message, actor=info.context.user), errors=[])


class WithdrawMentoringRequest(MentoringRequestMutation):
    """Withdraw one's request (any time before it is accepted). The requester only."""

    class Meta:
        permissions = [Permission.PRACTITIONER]

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the request.")
        reason = graphene.String(description="Why (optional).")

    @classmethod
    def perform(cls, root, info, id, reason=""):
        request = _own_request(info, id)
        return cls(
            request=request_service.withdraw_request(request, reason or "", actor=info.context.user),
            errors=[],
        )


class MentoringRequestQueryFields(graphene.ObjectType):
    mentoring_requests = ConnectionField(
        types.MentoringRequest,
        hub_id=graphene.ID(description="A hub's inbox: requests sent to it, priority zones (ZIP) first."),
        status=RequestStatusEnum(description="Only requests in this state."),
        description="Mentoring requests the viewer may see: their own; those sent to a hub they coordinate; "
        "all for Cnam staff. With `hubId`, ZIP communes first, then the longest waiting; else newest first.",
        permissions=[Permission.SIGNED_IN],
    )
    match_hubs = Field(
        graphene.List(graphene.NonNull(types.HubMatch)),
        required=True,
        request_id=graphene.ID(required=True, description="Global ID of the request."),
        first=graphene.Int(default_value=10, description="How many candidates (1 to 50)."),
        description="Hubs that could take the request, best first, with the reasons: within both radii, "
        "monthly time left, topics and profession. The requester, Cnam staff and admins.",
        permissions=[Permission.PRACTITIONER, Permission.VIEW_CONTACT_DETAILS],
    )

    def resolve_mentoring_requests(root, info, hub_id=None, status=None, **kwargs):
        return selectors.mentoring_requests(status, decode_global_id(hub_id, "Hub") if hub_id else None)

    def resolve_match_hubs(root, info, request_id, first=10):
        if not 1 <= first <= 50:
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


def _request_keys(info, hub_id=None):
    """A hub's inbox (its coordinators), or one's own requests."""
    viewer = viewer_for(info.context)
    if hub_id:
        hub = Hub.get_queryset(
            HubDesignation.objects.filter(pk=decode_global_id(hub_id, "Hub")), info
        ).first()
        if hub is None or not viewer.can_manage_msp(hub.msp_id):
            raise GraphQLError(HUB_ONLY, extensions={"code": "FORBIDDEN"})
        return [(events.HUB_REQUESTS, hub.pk)]
    if viewer.practitioner is None:
        raise GraphQLError(
            "Seul un professionnel de santé inscrit a des demandes d'accompagnement.",
            extensions={"code": "FORBIDDEN"},
        )
    return [(events.REQUESTS_OF, viewer.practitioner.pk)]


def _request_event(event, info, hub_id=None):
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


class MentoringRequestSubscriptionFields(graphene.ObjectType):
    mentoring_request_events = Field(
        types.MentoringRequestEvent,
        required=True,
        hub_id=graphene.ID(description="A hub's inbox (its coordinators); omit for one's own requests."),
        description="Each step of the viewer's requests (submitted, sent, answered...), or of the requests "
        "sent to a hub they coordinate.",
        permissions=[Permission.PRACTITIONER, Permission.HUB_COORDINATOR],
        live=Listen(
            keys=_request_keys, resolve=_request_event, topics=(events.REQUESTS_OF, events.HUB_REQUESTS)
        ),
    )
