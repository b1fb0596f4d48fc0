"""Where a request goes when the Cnam does not answer it itself: suggested hubs (the mentoring matching),
routing to a hub (a linked mentoring request) or to the ARS, merging a duplicate into another request.
"""

from django.db import transaction
from django.utils import timezone

from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import domain_error as _error
from mentoring.errors import required_text
from mentoring.models import MentoringTopic
from mentoring.services import requests as mentoring_requests
from mentoring.services.matching import HubMatch, rank_hubs
from network.models import Commune, HubDesignation

from .. import notifications
from ..events import EventKind
from ..models import (
    AcceleratorRequest,
    Category,
    State,
    Visibility,
)
from .recording import MAX_BODY, announce, lock
from .requests import OPEN_STATES, move, post, transition_message
from .service_levels import elapsed, save_with_clocks

CATEGORY_TOPICS = {
    Category.HEALTH_PROJECT: [MentoringTopic.HEALTH_PROJECT],
    Category.SISA_LEGAL: [MentoringTopic.SISA_LEGAL],
    Category.ACI_FUNDING: [MentoringTopic.ACI_FUNDING],
    Category.INFORMATION_SYSTEM: [MentoringTopic.INFORMATION_SYSTEM],
    Category.PREMISES: [MentoringTopic.PREMISES],
    Category.COORDINATION_HR: [MentoringTopic.COORDINATION],
    Category.OTHER: [MentoringTopic.HEALTH_PROJECT],
}


def suggested_hubs(request: AcceleratorRequest, limit: int = 5) -> list[HubMatch]:
    """The nearest hubs whose offers fit the question's category (the mentoring matching)."""
    commune = request.commune
    if commune is None:  # only the department: its most populated commune stands for it
        commune = Commune.objects.filter(department=request.department).order_by("-population").first()
    if commune is None:
        return []
    topics = CATEGORY_TOPICS[Category(request.category)]
    return [
        m for m in rank_hubs(request.requester, commune, 100, topics, limit=limit * 3) if m.topics_covered
    ][:limit]


@transaction.atomic
def route_to_hub(request, actor, hub: HubDesignation, note: str = "") -> AcceleratorRequest:
    """Create a linked mentoring request for the hub; its coordinators then see the question and reply."""
    request = lock(request)
    if request.state not in OPEN_STATES:
        raise _error(Code.INVALID_TRANSITION, transition_message(request.state, State.ROUTED_TO_HUB))
    commune = (
        request.commune
        or Commune.objects.filter(department=request.department).order_by("-population").first()
    )
    mentoring_request = mentoring_requests.open_for_hub(
        request.requester,
        mentoring_requests.RequestData(
            topics=[str(t) for t in CATEGORY_TOPICS[Category(request.category)]],
            message=f"{request.subject}\n\n{request.body}" + (f"\n\nNote de la Cnam : {note.strip()}" if note.strip() else ""),
            commune_code=commune.code,
        ),
        hub,
        actor,
    )  # fmt: skip
    now = timezone.now()
    request.routed_hub = hub
    request.mentoring_request = mentoring_request
    move(request, State.ROUTED_TO_HUB, actor, note, now)
    message = post(
        request, actor,
        f"Votre question a été transmise à {hub.msp.name}, MSP tête de pont proche de chez vous, qui vous répondra.",
        Visibility.PUBLIC,
    )  # fmt: skip
    if request.first_response_at is None:
        request.first_response_at, request.first_response_seconds = now, elapsed(request, now)
    save_with_clocks(request, now)
    announce(request, EventKind.ROUTED, message)
    return request


@transaction.atomic
def route_to_ars(request, actor, note: str) -> AcceleratorRequest:
    note = required_text(note, "note", "L'explication au demandeur", MAX_BODY)
    request = lock(request)
    if request.state not in OPEN_STATES:
        raise _error(Code.INVALID_TRANSITION, transition_message(request.state, State.ROUTED_TO_ARS))
    now = timezone.now()
    region = request.department.region
    message = post(
        request, actor, f"Votre question relève de l'ARS ({region.name}). {note}", Visibility.PUBLIC
    )
    if request.first_response_at is None:
        request.first_response_at, request.first_response_seconds = now, elapsed(request, now)
    request.ars_region = region  # lands in that region's ARS inbox
    move(request, State.ROUTED_TO_ARS, actor, note, now)
    save_with_clocks(request, now)
    notifications.routed_to_ars(request, message)
    announce(request, EventKind.ROUTED, message)
    return request


@transaction.atomic
def merge(request, actor, into: AcceleratorRequest, reason: str = "") -> AcceleratorRequest:
    """Merge a duplicate into another request; the requester is told where it continues."""
    first, second = sorted([request, into], key=lambda r: r.pk)  # lock in a fixed order
    first, second = lock(first), lock(second)
    request, into = (first, second) if first.pk == request.pk else (second, first)
    if request.pk == into.pk or into.state == State.MERGED:
        raise _error(Code.INVALID, "Choisissez une autre demande, non fusionnée.", "into_id")
    if request.state not in OPEN_STATES:
        raise _error(Code.INVALID_TRANSITION, transition_message(request.state, State.MERGED))
    now = timezone.now()
    request.merged_into = into
    move(request, State.MERGED, actor, reason or f"Doublon de la demande #{into.pk}", now)
    # Each requester hears of their own question only: another's subject ("Conflit avec mon associé…") is theirs.
    where = (
        f"votre demande #{into.pk} « {into.subject} »"
        if into.requester_id == request.requester_id
        else f"la demande #{into.pk}, qui porte sur la même question"
    )
    message = post(
        request, actor, f"Votre question rejoint {where}, où elle sera traitée.", Visibility.PUBLIC
    )
    save_with_clocks(request, now)
    notifications.merged(request, message)
    announce(request, EventKind.MERGED, message)
    announce(into, EventKind.MERGED)
    return request
