"""A request's life: submission, triage, assignment, public replies and internal notes, checked state
transitions, routing to a hub or the ARS, merging. Permission checks (who is staff, who is the requester)
belong to the caller; every change is recorded and announced (recording.py).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentoring.accelerator.permissions import ACCELERATOR_STAFF, ReplyRights
from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import domain_error as _error
from mentoring.errors import required_text
from network.models import Department, Membership, Msp, Practitioner
from network.services.business_hours import business_seconds, calendar_of
from network.services.directory import get_commune

from .. import notifications
from ..events import EventKind
from ..models import (
    AcceleratorMessage,
    AcceleratorRequest,
    Category,
    Level,
    Priority,
    State,
    Visibility,
)
from .recording import MAX_BODY, announce, audit, lock
from .service_levels import elapsed, priority_of, save_with_clocks

# Where each state may go. Closing from anything but ANSWERED needs a reason.
TRANSITIONS = {
    State.NEW: {State.TRIAGED, State.IN_PROGRESS, State.WAITING_ON_REQUESTER, State.ANSWERED, State.CLOSED},
    State.TRIAGED: {State.IN_PROGRESS, State.WAITING_ON_REQUESTER, State.ANSWERED, State.CLOSED},
    State.IN_PROGRESS: {State.TRIAGED, State.WAITING_ON_REQUESTER, State.ANSWERED, State.CLOSED},
    State.WAITING_ON_REQUESTER: {State.IN_PROGRESS, State.ANSWERED, State.CLOSED},
    State.ANSWERED: {State.CLOSED, State.IN_PROGRESS},
    State.ROUTED_TO_HUB: {State.IN_PROGRESS, State.ANSWERED, State.CLOSED},
    State.ROUTED_TO_ARS: {State.IN_PROGRESS, State.CLOSED},
    State.CLOSED: {State.IN_PROGRESS},
    State.MERGED: set(),
}


# Routing and merging have their own operations, from these states.
OPEN_STATES = {State.NEW, State.TRIAGED, State.IN_PROGRESS, State.WAITING_ON_REQUESTER}


# The clock stops while the requester has to act, and once the request is resolved.
PAUSED_STATES = {State.WAITING_ON_REQUESTER}


RESOLVED_STATES = {State.ANSWERED, State.CLOSED, State.ROUTED_TO_ARS, State.MERGED}


def move(request: AcceleratorRequest, to: str, actor, reason: str = "", now=None) -> None:
    """Change the state: pause and resume the clock, stop and restart resolution, record it."""
    now = now or timezone.now()
    old = request.state
    if old in PAUSED_STATES and to not in PAUSED_STATES and request.paused_since is not None:
        request.paused_seconds += business_seconds(
            request.paused_since, now, calendar_of(request.department_id)
        )
        request.paused_since = None
    if to in PAUSED_STATES and request.paused_since is None:
        request.paused_since = now
    if to in RESOLVED_STATES and request.resolved_at is None:
        request.resolved_at = now
        request.resolution_seconds = elapsed(request, now)
    elif to not in RESOLVED_STATES:
        request.resolved_at, request.resolution_seconds = None, None
    request.state = to
    audit(request, actor, "state", old, to, reason)


@dataclass
class Question:
    subject: str
    body: str
    category: str
    department_code: str | None = None
    commune_code: str | None = None
    urgency: str = Level.MEDIUM
    msp_id: int | None = None


@transaction.atomic
def submit(requester: Practitioner, question: Question, actor=None) -> AcceleratorRequest:
    errors = {}
    subject = body = None
    try:
        subject = required_text(question.subject, "subject", "L'objet", 200)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        body = required_text(question.body, "body", "La question", MAX_BODY)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if question.category not in Category.values:
        errors["category"] = ValidationError("Catégorie inconnue.", code=Code.INVALID)
    if question.urgency not in Level.values:
        errors["urgency"] = ValidationError("Urgence inconnue.", code=Code.INVALID)
    commune = department = msp = None
    if question.commune_code:
        try:
            commune = get_commune(question.commune_code)
            department = commune.department
        except ValidationError as exc:
            errors.update(exc.error_dict)
    elif question.department_code:
        department = Department.objects.filter(code=question.department_code.strip().upper()).first()
        if department is None:
            errors["department_code"] = ValidationError("Département inconnu.", code=Code.INVALID)
    else:
        errors["commune_code"] = ValidationError(
            "Indiquez la commune ou au moins le département du projet.", code=Code.REQUIRED
        )
    if question.msp_id is not None:
        current = Membership.objects.current().filter(practitioner=requester).values("msp_id")
        msp = Msp.objects.filter(pk=question.msp_id, pk__in=current).first()
        if msp is None:
            errors["msp_id"] = ValidationError(
                "Vous ne pouvez poser une question qu'au nom d'une MSP dont vous êtes membre.",
                code=Code.NOT_A_MEMBER,
            )
    if errors:
        raise ValidationError(errors)
    request = AcceleratorRequest(
        requester=requester, msp=msp, subject=subject, body=body, category=question.category,
        department=department, commune=commune, urgency=question.urgency,
    )  # fmt: skip
    request.priority = priority_of(request)
    now = timezone.now()
    request.created_at = now  # the clocks need it before the first save
    save_with_clocks(request, now)
    audit(request, actor, "state", "", State.NEW)
    announce(request, EventKind.SUBMITTED)
    return request


@transaction.atomic
def triage(request, actor, *, category=None, impact=None, reason="") -> AcceleratorRequest:
    """Set category and impact; the priority follows the matrix (a ZIP commune raises the impact)."""
    request = lock(request)
    if request.state in {State.MERGED, State.CLOSED}:
        raise _error(Code.INVALID_TRANSITION, "Une demande clôturée ou fusionnée ne se qualifie plus.")
    now = timezone.now()
    if category is not None and category != request.category:
        if category not in Category.values:
            raise _error(Code.INVALID, "Catégorie inconnue.", "category")
        audit(request, actor, "category", request.category, category, reason)
        request.category = category
    if impact is not None and impact != request.impact:
        if impact not in Level.values:
            raise _error(Code.INVALID, "Impact inconnu.", "impact")
        audit(request, actor, "impact", request.impact, impact, reason)
        request.impact = impact
    priority = priority_of(request)
    if priority != request.priority:
        # Named as the API names them (HIGH → CRITICAL), not by the stored P2/P1.
        audit(request, actor, "priority", Priority(request.priority).name, Priority(priority).name, reason)
        request.priority = priority
    if request.state == State.NEW:
        move(request, State.TRIAGED, actor, reason, now)
    save_with_clocks(request, now)
    announce(request, EventKind.TRIAGED)
    return request


@transaction.atomic
def assign(request, actor, assignee) -> AcceleratorRequest:
    """Give the request to a staff member (or take it: `assignee` is the actor); None unassigns."""
    request = lock(request)
    if assignee is not None and not assignee.has_perm(ACCELERATOR_STAFF):
        raise _error(
            Code.INVALID, "Seul un agent de l'accélérateur peut recevoir une demande.", "assignee_id"
        )
    if request.assignee_id != (assignee.pk if assignee else None):
        audit(request, actor, "assignee", request.assignee.email if request.assignee else "",
               assignee.email if assignee else "")  # fmt: skip
        request.assignee = assignee
        request.save(update_fields=["assignee", "updated_at"])
        announce(request, EventKind.ASSIGNED)
    return request


MAX_BULK = 100  # requests assigned in one action


@transaction.atomic
def assign_many(requests, actor, assignee) -> list[AcceleratorRequest]:
    """Give several requests to one staff member (or take them, or unassign them), all or none: each is
    locked in the order of its key, so two agents assigning overlapping sets never deadlock."""
    if len(requests) > MAX_BULK:
        raise _error(Code.INVALID, f"Au plus {MAX_BULK} demandes à la fois.", "ids")
    requests = sorted({request.pk: request for request in requests}.values(), key=lambda request: request.pk)
    if not requests:
        raise _error(Code.INVALID, "Cochez au moins une demande.", "ids")
    return [assign(request, actor, assignee) for request in requests]


def post(request, actor, body, visibility) -> AcceleratorMessage:
    return AcceleratorMessage.objects.create(request=request, author=actor, visibility=visibility, body=body)


@transaction.atomic
def reply(request, actor, body: str, *, internal: bool, rights: ReplyRights, next_state: str | None = None):
    """A public reply (the requester is told; the first one from staff or the routed hub stops the first
    response clock) or an internal note (staff only, never sent anywhere else). `rights` say who writes
    (`permissions.reply_rights`): a reply of the hub a question was routed to answers it; only staff
    choose `next_state`."""
    if not rights.may_reply:
        raise _error(Code.INVALID, "Vous ne pouvez pas répondre à cette demande.")
    body = required_text(body, "body", "Le message", MAX_BODY)
    request = lock(request)
    if not rights.staff:
        next_state = State.ANSWERED if rights.hub and request.state == State.ROUTED_TO_HUB else None
    if request.state == State.MERGED:
        raise _error(
            Code.INVALID_TRANSITION, "Cette demande a été fusionnée : répondez sur la demande principale."
        )
    if internal and not rights.staff:
        raise _error(Code.INVALID, "Seule l'équipe de la Cnam écrit des notes internes.", "internal")
    now = timezone.now()
    message = post(request, actor, body, Visibility.INTERNAL if internal else Visibility.PUBLIC)
    from_requester = not internal and rights.requester
    if not internal and not from_requester and request.first_response_at is None:
        request.first_response_at = now
        request.first_response_seconds = elapsed(request, now)
    if from_requester and request.state in {State.WAITING_ON_REQUESTER, State.ANSWERED}:
        move(request, State.IN_PROGRESS, actor, "Réponse du demandeur", now)
    elif next_state and next_state != request.state:
        if next_state not in TRANSITIONS[State(request.state)]:
            raise _error(Code.INVALID_TRANSITION, transition_message(request.state, next_state), "next_state")
        move(request, next_state, actor, "", now)
    elif not internal and not from_requester and request.state in {State.NEW, State.TRIAGED}:
        move(request, State.IN_PROGRESS, actor, "", now)
    save_with_clocks(request, now)
    if not internal and not from_requester:
        notifications.replied(request, body)
    announce(request, EventKind.MESSAGE, message)
    return message


def transition_message(old, new) -> str:
    return f"Passage impossible de « {State(old).label} » à « {State(new).label} »."


@transaction.atomic
def set_state(request, actor, to: str, reason: str = "") -> AcceleratorRequest:
    request = lock(request)
    if to not in State.values or to not in TRANSITIONS[State(request.state)]:
        raise _error(Code.INVALID_TRANSITION, transition_message(request.state, to), "state")
    reason = (reason or "").strip()
    if to == State.CLOSED and request.state != State.ANSWERED and not reason:
        raise _error(Code.REQUIRED, "Clôturer une demande sans réponse demande un motif.", "reason")
    now = timezone.now()
    move(request, to, actor, reason, now)
    save_with_clocks(request, now)
    announce(request, EventKind.STATE)
    return request


def close(request, actor, reason: str = "") -> AcceleratorRequest:
    return set_state(request, actor, State.CLOSED, reason)


@transaction.atomic
def reopen(request, actor, reason: str) -> AcceleratorRequest:
    reason = required_text(reason, "reason", "Le motif", MAX_BODY)
    request = lock(request)
    if request.state not in {State.CLOSED, State.ANSWERED, State.ROUTED_TO_ARS, State.ROUTED_TO_HUB}:
        raise _error(Code.INVALID_TRANSITION, "Seule une demande répondue, orientée ou clôturée se rouvre.")
    return set_state(request, actor, State.IN_PROGRESS, reason)


@transaction.atomic
def rate(request, requester, rating: int, comment: str = "") -> AcceleratorRequest:
    """The requester's satisfaction with the answer, once the request is closed, given once (1 to 5 and a
    comment); counted per agent and per category in the statistics."""
    request = lock(request)
    if request.requester_id != requester.pk:
        raise _error(Code.NOT_FOUND, "Objet introuvable.", "id")
    if request.state != State.CLOSED:
        raise _error(Code.INVALID_TRANSITION, "La satisfaction se donne une fois la demande clôturée.")
    if request.satisfaction_rating is not None:
        raise _error(Code.INVALID_TRANSITION, "Vous avez déjà donné votre avis sur cette réponse.")
    if not 1 <= rating <= 5:
        raise _error(Code.INVALID, "Une note de 1 à 5.", "rating")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise _error(Code.INVALID, "2 000 caractères au plus.", "comment")
    request.satisfaction_rating, request.satisfaction_comment = rating, comment
    request.satisfaction_at = timezone.now()
    request.save(update_fields=["satisfaction_rating", "satisfaction_comment", "satisfaction_at"])
    audit(request, requester.user, "satisfaction", "", str(rating))
    return request
