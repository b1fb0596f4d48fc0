"""Mentoring requests: submit, send to a hub, and the hub's answer (accept, decline, ask for details).

    OPEN ──send──▶ SENT ──accept──▶ ACCEPTED (a mentorship is created)
                    │ ▲ └─decline─▶ DECLINED ──send to another hub──▶ SENT
          ask info  ▼ │ provide info
               INFO_REQUESTED
    Any state but ACCEPTED ──withdraw──▶ WITHDRAWN

Each step is recorded (MentoringRequestEvent) and told, once committed, to the requester
and the hub's coordinators (e-mail and `mentoringRequestEvents`). Permission checks
(who is the requester, who coordinates the hub) belong to the caller.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from network.models import HubDesignation, HubStatus, OfferKind, Practitioner
from network.services.directory import get_commune

from .. import events, notifications
from ..errors import MentoringErrorCode, required_text
from ..errors import domain_error as _error
from ..models import (
    LIVE_REQUEST_STATUSES,
    MentoringRequest,
    MentoringRequestEvent,
    MentoringTopic,
    Mentorship,
    RequestEventKind,
    RequestStatus,
)
from .matching import allotted_hours, format_hours, match_hubs

# Anti-spam: a person may have this many requests in progress at once.
MAX_LIVE_REQUESTS = 3
MAX_MESSAGE_LENGTH = 5000


def _record(request: MentoringRequest, kind: str, actor=None, message: str = "") -> MentoringRequestEvent:
    event = MentoringRequestEvent.objects.create(
        request=request, kind=kind, actor=actor, hub=request.hub, message=message
    )
    events.REQUESTS_OF.publish(request.requester_id, event=event.pk)
    if request.hub_id:
        events.HUB_REQUESTS.publish(request.hub_id, event=event.pk)
    return event


def _lock(request: MentoringRequest) -> MentoringRequest:
    return (
        MentoringRequest.objects.select_for_update(of=("self",))
        .select_related("requester__profession", "requester__user", "commune", "hub__msp")
        .get(pk=request.pk)
    )


def _require_status(request: MentoringRequest, allowed: list[str], action: str) -> None:
    if request.status not in allowed:
        raise _error(
            MentoringErrorCode.INVALID_TRANSITION,
            f"Impossible de {action} une demande « {request.get_status_display().lower()} ».",
        )


@dataclass
class RequestData:
    topics: list[str]
    message: str
    commune_code: str
    radius_km: float = 50
    wanted_kinds: list[str] = field(default_factory=list)


@transaction.atomic
def submit_request(requester: Practitioner, data: RequestData, actor=None) -> MentoringRequest:
    errors = {}
    topics = list(dict.fromkeys(data.topics or []))
    if not topics:
        errors["topics"] = ValidationError("Choisissez au moins un thème.", code=MentoringErrorCode.REQUIRED)
    elif any(t not in MentoringTopic.values for t in topics):
        errors["topics"] = ValidationError("Thème inconnu.", code=MentoringErrorCode.INVALID)
    if any(k not in OfferKind.values for k in data.wanted_kinds or []):
        errors["wanted_kinds"] = ValidationError(
            "Type d'accompagnement inconnu.", code=MentoringErrorCode.INVALID
        )
    if not 1 <= data.radius_km <= 200:
        errors["radius_km"] = ValidationError(
            "La distance maximale doit être comprise entre 1 et 200 km.", code=MentoringErrorCode.INVALID
        )
    try:
        message = required_text(data.message, "message", "Le message", MAX_MESSAGE_LENGTH)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        commune = get_commune(data.commune_code, field_name="commune_code")
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    # The requester's row serialises their submissions: the limit holds under concurrent requests.
    Practitioner.objects.select_for_update().filter(pk=requester.pk).first()
    live = MentoringRequest.objects.filter(requester=requester, status__in=LIVE_REQUEST_STATUSES).count()
    if live >= MAX_LIVE_REQUESTS:
        raise _error(
            MentoringErrorCode.TOO_MANY_OPEN_REQUESTS,
            f"Vous avez déjà {live} demandes en cours (au plus {MAX_LIVE_REQUESTS}). "
            "Retirez-en une ou attendez une réponse avant d'en déposer une autre.",
        )
    request = MentoringRequest.objects.create(
        requester=requester,
        topics=topics,
        message=message,
        commune=commune,
        radius_km=data.radius_km,
        wanted_kinds=list(dict.fromkeys(data.wanted_kinds or [])),
    )
    _record(request, RequestEventKind.SUBMITTED, actor)
    return request


@transaction.atomic
def open_for_hub(
    requester: Practitioner, data: RequestData, hub: HubDesignation, actor=None
) -> MentoringRequest:
    """A request created and sent straight to `hub` on the requester's behalf, by Cnam staff routing an
    accelerator question: staff chose the hub, so neither the requester's limit nor the radius applies."""
    if hub.status != HubStatus.APPROVED:
        raise _error(
            MentoringErrorCode.HUB_NOT_APPROVED, "Cette MSP n'est pas désignée tête de pont.", "hub_id"
        )
    request = MentoringRequest.objects.create(
        requester=requester,
        topics=data.topics,
        message=required_text(data.message, "message", "Le message", MAX_MESSAGE_LENGTH),
        commune=get_commune(data.commune_code),
        radius_km=data.radius_km,
        hub=hub,
        status=RequestStatus.SENT,
        sent_at=timezone.now(),
    )
    _record(request, RequestEventKind.SUBMITTED, actor, "Transmise par l'accélérateur de la Cnam.")
    _record(request, RequestEventKind.SENT, actor)
    notifications.request_received(request)
    return request


@transaction.atomic
def send_request(
    request: MentoringRequest, hub: HubDesignation | None = None, actor=None
) -> MentoringRequest:
    """Send to the hub chosen among the matches, or to the best match with time left."""
    request = _lock(request)
    _require_status(request, [RequestStatus.OPEN, RequestStatus.DECLINED], "envoyer")
    matches = match_hubs(request, limit=100)
    if hub is None:
        best = next((m for m in matches if m.has_capacity), None)
        if best is None:
            raise _error(
                MentoringErrorCode.NO_MATCHING_HUB,
                "Aucune MSP tête de pont disponible ne correspond à votre demande dans ce rayon. "
                "Élargissez la distance maximale ou les types d'accompagnement.",
            )
        hub = best.hub
    elif hub.pk not in {m.hub.pk for m in matches} or hub.status != HubStatus.APPROVED:
        raise _error(
            MentoringErrorCode.HUB_NOT_ELIGIBLE,
            "Cette MSP tête de pont ne correspond pas à la demande (distance, types d'accompagnement, "
            "ou elle l'a déjà déclinée).",
            "hub_id",
        )
    request.hub = hub
    request.status = RequestStatus.SENT
    request.sent_at = timezone.now()
    request.save(update_fields=["hub", "status", "sent_at", "updated_at"])
    _record(request, RequestEventKind.SENT, actor)
    notifications.request_received(request)
    return request


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise _error(MentoringErrorCode.INVALID, "Nombre d'heures invalide.", "hours_per_month") from exc
    if not Decimal("0.25") <= hours <= Decimal(1000):
        raise _error(MentoringErrorCode.INVALID, "De 0,25 à 1 000 heures par mois.", "hours_per_month")
    return hours


@transaction.atomic
def accept_request(
    request: MentoringRequest, hours_per_month, starts_on: date | None = None, actor=None
) -> Mentorship:
    """The hub accepts: a mentorship of so many hours a month, within the hub's monthly capacity."""
    hours = _hours(hours_per_month)
    request = _lock(request)
    _require_status(request, [RequestStatus.SENT, RequestStatus.INFO_REQUESTED], "accepter")
    # The hub's row serialises its allotments: two acceptances cannot together exceed its capacity.
    hub = HubDesignation.objects.select_for_update().select_related("msp").get(pk=request.hub_id)
    if hub.status != HubStatus.APPROVED:
        raise _error(MentoringErrorCode.HUB_NOT_APPROVED, "La désignation de la MSP n'est plus active.")
    allotted = allotted_hours([hub.pk]).get(hub.pk, Decimal(0))
    if allotted + hours > hub.monthly_coordination_hours:
        left = max(hub.monthly_coordination_hours - allotted, Decimal(0))
        raise _error(
            MentoringErrorCode.HUB_CAPACITY_EXCEEDED,
            f"La MSP a déjà alloué {format_hours(allotted)} h sur {format_hours(hub.monthly_coordination_hours)} h "
            f"par mois : il reste {format_hours(left)} h.",
            "hours_per_month",
        )
    try:
        with transaction.atomic():
            mentorship = Mentorship.objects.create(
                hub=hub,
                mentee=request.requester,
                request=request,
                starts_on=starts_on or timezone.localdate(),
                hours_per_month=hours,
            )
    except IntegrityError as exc:
        raise _error(
            MentoringErrorCode.ALREADY_MENTORED,
            "Un accompagnement est déjà en cours entre cette MSP et ce professionnel.",
        ) from exc
    request.status = RequestStatus.ACCEPTED
    request.save(update_fields=["status", "updated_at"])
    _record(request, RequestEventKind.ACCEPTED, actor, f"{hours} h par mois")
    notifications.request_accepted(request, mentorship)
    return mentorship


def _step(
    request, allowed, action: str, to: str, kind: str, actor=None, message: str = ""
) -> MentoringRequest:
    """Move the (locked) request from one of `allowed` states to `to`, and record the step."""
    request = _lock(request)
    _require_status(request, allowed, action)
    request.status = to
    request.save(update_fields=["status", "updated_at"])
    _record(request, kind, actor, message)
    return request


@transaction.atomic
def decline_request(request: MentoringRequest, reason: str, actor=None) -> MentoringRequest:
    reason = required_text(reason, "reason", "Le motif", MAX_MESSAGE_LENGTH)
    request = _step(
        request, [RequestStatus.SENT, RequestStatus.INFO_REQUESTED], "décliner",
        RequestStatus.DECLINED, RequestEventKind.DECLINED, actor, reason,
    )  # fmt: skip
    notifications.request_declined(request, reason)
    return request


@transaction.atomic
def ask_for_info(request: MentoringRequest, question: str, actor=None) -> MentoringRequest:
    question = required_text(question, "question", "La question", MAX_MESSAGE_LENGTH)
    request = _step(
        request, [RequestStatus.SENT], "demander des précisions sur",
        RequestStatus.INFO_REQUESTED, RequestEventKind.INFO_REQUESTED, actor, question,
    )  # fmt: skip
    notifications.request_info_requested(request, question)
    return request


@transaction.atomic
def provide_info(request: MentoringRequest, message: str, actor=None) -> MentoringRequest:
    message = required_text(message, "message", "La réponse", MAX_MESSAGE_LENGTH)
    request = _step(
        request, [RequestStatus.INFO_REQUESTED], "compléter",
        RequestStatus.SENT, RequestEventKind.INFO_PROVIDED, actor, message,
    )  # fmt: skip
    notifications.request_info_provided(request, message)
    return request


@transaction.atomic
def withdraw_request(request: MentoringRequest, reason: str = "", actor=None) -> MentoringRequest:
    return _step(
        request, LIVE_REQUEST_STATUSES, "retirer", RequestStatus.WITHDRAWN, RequestEventKind.WITHDRAWN,
        actor, (reason or "").strip()[:MAX_MESSAGE_LENGTH],
    )  # fmt: skip
