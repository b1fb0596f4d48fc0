"""The accelerator's rules: submission, priority, checked state transitions with an audit trail,
public replies and internal notes, routing to a hub or the ARS, merging, and service-level clocks.

Permission checks (who is staff, who is the requester) belong to the caller. Every change is
recorded in AcceleratorChange and published, once committed, to the queue (staff) and to the
request's watchers; internal notes are published flagged so only staff receive them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.mail.services import queue_email
from mentoring import notifications
from mentoring.errors import MentoringErrorCode as Code
from mentoring.errors import domain_error as _error
from mentoring.errors import required_text
from mentoring.models import MentoringTopic
from mentoring.permissions import ACCELERATOR_STAFF
from mentoring.services import requests as mentoring_requests
from mentoring.services.matching import HubMatch, rank_hubs
from network.models import Commune, Department, HubDesignation, Membership, Msp, Practitioner, Zoning
from network.services.directory import get_commune

from . import events
from .business_hours import ZONE as PARIS
from .business_hours import add_business_seconds, business_seconds
from .models import (
    AcceleratorChange,
    AcceleratorMessage,
    AcceleratorPresence,
    AcceleratorRequest,
    CannedAnswer,
    Category,
    Level,
    Priority,
    ServiceLevelTarget,
    SlaStatus,
    State,
    Visibility,
)

MAX_BODY = 10_000

# Priority from the requester's urgency and the staff's impact (Level order: LOW, MEDIUM, HIGH).
MATRIX = {
    (Level.HIGH, Level.HIGH): Priority.CRITICAL,
    (Level.HIGH, Level.MEDIUM): Priority.HIGH,
    (Level.HIGH, Level.LOW): Priority.NORMAL,
    (Level.MEDIUM, Level.HIGH): Priority.HIGH,
    (Level.MEDIUM, Level.MEDIUM): Priority.NORMAL,
    (Level.MEDIUM, Level.LOW): Priority.LOW,
    (Level.LOW, Level.HIGH): Priority.NORMAL,
    (Level.LOW, Level.MEDIUM): Priority.LOW,
    (Level.LOW, Level.LOW): Priority.LOW,
}
_RAISE = {Level.LOW: Level.MEDIUM, Level.MEDIUM: Level.HIGH, Level.HIGH: Level.HIGH}

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
AT_RISK_SHARE = 0.2

CATEGORY_TOPICS = {
    Category.HEALTH_PROJECT: [MentoringTopic.HEALTH_PROJECT],
    Category.SISA_LEGAL: [MentoringTopic.SISA_LEGAL],
    Category.ACI_FUNDING: [MentoringTopic.ACI_FUNDING],
    Category.INFORMATION_SYSTEM: [MentoringTopic.INFORMATION_SYSTEM],
    Category.PREMISES: [MentoringTopic.PREMISES],
    Category.COORDINATION_HR: [MentoringTopic.COORDINATION],
    Category.OTHER: [MentoringTopic.HEALTH_PROJECT],
}


# --- Priority and service levels -------------------------------------------------------------------


def effective_impact(request: AcceleratorRequest) -> str:
    """The staff's impact, raised one level for a commune in a priority zone (ZIP)."""
    commune = request.commune
    return (
        _RAISE[Level(request.impact)]
        if commune is not None and commune.zoning == Zoning.ZIP
        else request.impact
    )


def priority_of(request: AcceleratorRequest) -> str:
    return MATRIX[(Level(request.urgency), Level(effective_impact(request)))]


def all_targets() -> dict[str, tuple[int, int]]:
    """(first response, resolution) targets in business seconds, per priority, in one query."""
    from mentoring.apps import DEFAULT_TARGETS

    targets = {p: (first * 3600, resolution * 3600) for p, (first, resolution) in DEFAULT_TARGETS.items()}
    for target in ServiceLevelTarget.objects.all():
        targets[target.priority] = (target.first_response_hours * 3600, target.resolution_hours * 3600)
    return targets


def _targets(priority: str) -> tuple[int, int]:
    return all_targets()[priority]


@dataclass
class Clock:
    """One service-level clock (first response or resolution) as it stands at `now`."""

    target_seconds: int
    elapsed_seconds: int
    due_at: datetime | None  # None while paused or once stopped
    done: bool
    paused: bool

    @property
    def left_seconds(self) -> int:
        return self.target_seconds - self.elapsed_seconds

    @property
    def breached(self) -> bool:
        return self.elapsed_seconds > self.target_seconds

    @property
    def at_risk(self) -> bool:
        return not self.done and not self.breached and self.left_seconds < AT_RISK_SHARE * self.target_seconds


def _elapsed(request: AcceleratorRequest, until: datetime) -> int:
    """Business seconds the clock ran from submission to `until`, pauses taken out."""
    elapsed = business_seconds(request.created_at, until) - request.paused_seconds
    if request.paused_since is not None:
        elapsed -= business_seconds(request.paused_since, until)
    return max(elapsed, 0)


def clocks(request: AcceleratorRequest, now: datetime | None = None, targets=None) -> tuple[Clock, Clock]:
    """(first response, resolution) clocks."""
    now = now or timezone.now()
    first_target, resolution_target = targets or _targets(request.priority)
    paused = request.paused_since is not None
    running = _elapsed(request, now)

    def clock(target, stopped_seconds, due_at):
        if stopped_seconds is not None:
            return Clock(target, stopped_seconds, None, True, False)
        return Clock(target, running, None if paused else due_at, False, paused)

    return (
        clock(first_target, request.first_response_seconds, request.first_response_due_at),
        clock(resolution_target, request.resolution_seconds, request.resolution_due_at),
    )


def sla_status(request: AcceleratorRequest, now: datetime | None = None) -> str:
    first, resolution = clocks(request, now)
    if first.breached or resolution.breached:
        return SlaStatus.BREACHED
    if first.at_risk or resolution.at_risk:
        return SlaStatus.AT_RISK
    return SlaStatus.ON_TRACK


def _refresh_due(request: AcceleratorRequest) -> None:
    """Store the due times (for sorting and the queue), from priority, pauses and stops."""
    first_target, resolution_target = _targets(request.priority)
    paused = request.paused_since is not None
    request.first_response_due_at = (
        None
        if paused or request.first_response_at
        else add_business_seconds(request.created_at, first_target + request.paused_seconds)
    )
    request.resolution_due_at = (
        None
        if paused or request.resolved_at
        else add_business_seconds(request.created_at, resolution_target + request.paused_seconds)
    )


# --- Recording and telling -------------------------------------------------------------------------


def _audit(request, actor, field, old, new, reason="") -> None:
    AcceleratorChange.objects.create(
        request=request, actor=actor, field=field, from_value=str(old or "")[:200], to_value=str(new or "")[:200],
        reason=(reason or "")[:2000],
    )  # fmt: skip


def _announce(request, kind: str, message: AcceleratorMessage | None = None) -> None:
    """To the request's watchers and the staff queue; an internal note is flagged for staff only."""
    internal = message is not None and message.visibility == Visibility.INTERNAL
    payload = {
        "request": request.pk,
        "kind": kind,
        "message": message.pk if message else None,
        "internal": internal,
    }
    events.REQUEST.publish(request.pk, **payload)
    events.QUEUE.publish("staff", **payload)


def publish_presence(request: AcceleratorRequest, user, activity: str | None) -> None:
    """Tell the staff watching the request that someone started or stopped viewing or replying."""
    events.REQUEST.publish(
        request.pk, request=request.pk, kind="PRESENCE", message=None, user=user.pk, activity=activity
    )


def _lock(request: AcceleratorRequest) -> AcceleratorRequest:
    return (
        AcceleratorRequest.objects.select_for_update(of=("self",))
        .select_related("commune", "requester__user", "routed_hub__msp")
        .get(pk=request.pk)
    )


def _save(request: AcceleratorRequest, now: datetime) -> None:
    _refresh_due(request)
    request.sla_status = sla_status(request, now)
    request.save()


def _move(request: AcceleratorRequest, to: str, actor, reason: str = "", now=None) -> None:
    """Change the state: pause and resume the clock, stop and restart resolution, record it."""
    now = now or timezone.now()
    old = request.state
    if old in PAUSED_STATES and to not in PAUSED_STATES and request.paused_since is not None:
        request.paused_seconds += business_seconds(request.paused_since, now)
        request.paused_since = None
    if to in PAUSED_STATES and request.paused_since is None:
        request.paused_since = now
    if to in RESOLVED_STATES and request.resolved_at is None:
        request.resolved_at = now
        request.resolution_seconds = _elapsed(request, now)
    elif to not in RESOLVED_STATES:
        request.resolved_at, request.resolution_seconds = None, None
    request.state = to
    _audit(request, actor, "state", old, to, reason)


# --- Operations ------------------------------------------------------------------------------------


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
    _save(request, now)
    _audit(request, actor, "state", "", State.NEW)
    _announce(request, "SUBMITTED")
    return request


@transaction.atomic
def triage(request, actor, *, category=None, impact=None, reason="") -> AcceleratorRequest:
    """Set category and impact; the priority follows the matrix (a ZIP commune raises the impact)."""
    request = _lock(request)
    if request.state in {State.MERGED, State.CLOSED}:
        raise _error(Code.INVALID_TRANSITION, "Une demande clôturée ou fusionnée ne se qualifie plus.")
    now = timezone.now()
    if category is not None and category != request.category:
        if category not in Category.values:
            raise _error(Code.INVALID, "Catégorie inconnue.", "category")
        _audit(request, actor, "category", request.category, category, reason)
        request.category = category
    if impact is not None and impact != request.impact:
        if impact not in Level.values:
            raise _error(Code.INVALID, "Impact inconnu.", "impact")
        _audit(request, actor, "impact", request.impact, impact, reason)
        request.impact = impact
    priority = priority_of(request)
    if priority != request.priority:
        # Named as the API names them (HIGH → CRITICAL), not by the stored P2/P1.
        _audit(request, actor, "priority", Priority(request.priority).name, Priority(priority).name, reason)
        request.priority = priority
    if request.state == State.NEW:
        _move(request, State.TRIAGED, actor, reason, now)
    _save(request, now)
    _announce(request, "TRIAGED")
    return request


@transaction.atomic
def assign(request, actor, assignee) -> AcceleratorRequest:
    """Give the request to a staff member (or take it: `assignee` is the actor); None unassigns."""
    request = _lock(request)
    if assignee is not None and not assignee.has_perm(ACCELERATOR_STAFF):
        raise _error(
            Code.INVALID, "Seul un agent de l'accélérateur peut recevoir une demande.", "assignee_id"
        )
    if request.assignee_id != (assignee.pk if assignee else None):
        _audit(request, actor, "assignee", request.assignee.email if request.assignee else "",
               assignee.email if assignee else "")  # fmt: skip
        request.assignee = assignee
        request.save(update_fields=["assignee", "updated_at"])
        _announce(request, "ASSIGNED")
    return request


def _post(request, actor, body, visibility) -> AcceleratorMessage:
    return AcceleratorMessage.objects.create(request=request, author=actor, visibility=visibility, body=body)


@transaction.atomic
def reply(
    request,
    actor,
    body: str,
    *,
    internal: bool,
    by_staff: bool,
    next_state: str | None = None,
    by_hub: bool = False,
):
    """A public reply (the requester is told; the first one from staff or the routed hub stops the first
    response clock) or an internal note (staff only, never sent anywhere else). A reply of the hub a
    question was routed to answers it; only staff choose `next_state`."""
    body = required_text(body, "body", "Le message", MAX_BODY)
    request = _lock(request)
    if not by_staff:
        next_state = State.ANSWERED if by_hub and request.state == State.ROUTED_TO_HUB else None
    if request.state == State.MERGED:
        raise _error(
            Code.INVALID_TRANSITION, "Cette demande a été fusionnée : répondez sur la demande principale."
        )
    if internal and not by_staff:
        raise _error(Code.INVALID, "Seule l'équipe de la Cnam écrit des notes internes.", "internal")
    now = timezone.now()
    message = _post(request, actor, body, Visibility.INTERNAL if internal else Visibility.PUBLIC)
    from_requester = not internal and actor is not None and request.requester.user_id == actor.pk
    if not internal and not from_requester and request.first_response_at is None:
        request.first_response_at = now
        request.first_response_seconds = _elapsed(request, now)
    if from_requester and request.state in {State.WAITING_ON_REQUESTER, State.ANSWERED}:
        _move(request, State.IN_PROGRESS, actor, "Réponse du demandeur", now)
    elif next_state and next_state != request.state:
        if next_state not in TRANSITIONS[State(request.state)]:
            raise _error(
                Code.INVALID_TRANSITION, _transition_message(request.state, next_state), "next_state"
            )
        _move(request, next_state, actor, "", now)
    elif not internal and not from_requester and request.state in {State.NEW, State.TRIAGED}:
        _move(request, State.IN_PROGRESS, actor, "", now)
    _save(request, now)
    if not internal and not from_requester:
        notifications.email_practitioner(
            request.requester,
            f"Réponse de l'accélérateur : {request.subject}",
            f"Bonjour,\n\nUne réponse a été apportée à votre question « {request.subject} » :\n\n{body}\n",
            kind="accelerator.reply",
        )
    _announce(request, "MESSAGE", message)
    return message


def _transition_message(old, new) -> str:
    return f"Passage impossible de « {State(old).label} » à « {State(new).label} »."


@transaction.atomic
def set_state(request, actor, to: str, reason: str = "") -> AcceleratorRequest:
    request = _lock(request)
    if to not in State.values or to not in TRANSITIONS[State(request.state)]:
        raise _error(Code.INVALID_TRANSITION, _transition_message(request.state, to), "state")
    reason = (reason or "").strip()
    if to == State.CLOSED and request.state != State.ANSWERED and not reason:
        raise _error(Code.REQUIRED, "Clôturer une demande sans réponse demande un motif.", "reason")
    now = timezone.now()
    _move(request, to, actor, reason, now)
    _save(request, now)
    _announce(request, "STATE")
    return request


def close(request, actor, reason: str = "") -> AcceleratorRequest:
    return set_state(request, actor, State.CLOSED, reason)


@transaction.atomic
def reopen(request, actor, reason: str) -> AcceleratorRequest:
    reason = required_text(reason, "reason", "Le motif", MAX_BODY)
    request = _lock(request)
    if request.state not in {State.CLOSED, State.ANSWERED, State.ROUTED_TO_ARS, State.ROUTED_TO_HUB}:
        raise _error(Code.INVALID_TRANSITION, "Seule une demande répondue, orientée ou clôturée se rouvre.")
    return set_state(request, actor, State.IN_PROGRESS, reason)


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
    request = _lock(request)
    if request.state not in OPEN_STATES:
        raise _error(Code.INVALID_TRANSITION, _transition_message(request.state, State.ROUTED_TO_HUB))
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
    _move(request, State.ROUTED_TO_HUB, actor, note, now)
    message = _post(
        request, actor,
        f"Votre question a été transmise à {hub.msp.name}, MSP tête de pont proche de chez vous, qui vous répondra.",
        Visibility.PUBLIC,
    )  # fmt: skip
    if request.first_response_at is None:
        request.first_response_at, request.first_response_seconds = now, _elapsed(request, now)
    _save(request, now)
    _announce(request, "ROUTED", message)
    return request


@transaction.atomic
def route_to_ars(request, actor, note: str) -> AcceleratorRequest:
    note = required_text(note, "note", "L'explication au demandeur", MAX_BODY)
    request = _lock(request)
    if request.state not in OPEN_STATES:
        raise _error(Code.INVALID_TRANSITION, _transition_message(request.state, State.ROUTED_TO_ARS))
    now = timezone.now()
    region = request.department.region
    message = _post(
        request, actor, f"Votre question relève de l'ARS ({region.name}). {note}", Visibility.PUBLIC
    )
    if request.first_response_at is None:
        request.first_response_at, request.first_response_seconds = now, _elapsed(request, now)
    _move(request, State.ROUTED_TO_ARS, actor, note, now)
    _save(request, now)
    notifications.email_practitioner(
        request.requester,
        f"Votre question : {request.subject}",
        f"Bonjour,\n\n{message.body}\n",
        kind="accelerator.routed_to_ars",
    )
    _announce(request, "ROUTED", message)
    return request


@transaction.atomic
def merge(request, actor, into: AcceleratorRequest, reason: str = "") -> AcceleratorRequest:
    """Merge a duplicate into another request; the requester is told where it continues."""
    first, second = sorted([request, into], key=lambda r: r.pk)  # lock in a fixed order
    first, second = _lock(first), _lock(second)
    request, into = (first, second) if first.pk == request.pk else (second, first)
    if request.pk == into.pk or into.state == State.MERGED:
        raise _error(Code.INVALID, "Choisissez une autre demande, non fusionnée.", "into_id")
    if request.state not in OPEN_STATES:
        raise _error(Code.INVALID_TRANSITION, _transition_message(request.state, State.MERGED))
    now = timezone.now()
    request.merged_into = into
    _move(request, State.MERGED, actor, reason or f"Doublon de la demande #{into.pk}", now)
    message = _post(
        request, actor, f"Votre question rejoint la demande #{into.pk} « {into.subject} », où elle sera traitée.",
        Visibility.PUBLIC,
    )  # fmt: skip
    _save(request, now)
    notifications.email_practitioner(
        request.requester,
        f"Votre question : {request.subject}",
        f"Bonjour,\n\n{message.body}\n",
        kind="accelerator.merged",
    )
    _announce(request, "MERGED", message)
    _announce(into, "MERGED")
    return request


def check_service_levels(now: datetime | None = None) -> int:
    """Update the stored SLA status of open requests; announce at-risk and breached transitions.

    Run every minute or so (`manage.py watch_service_levels`). Returns how many changed.
    """
    now = now or timezone.now()
    changed = 0
    # Only running clocks that may have crossed a threshold: due within the longest at-risk window
    # (20 % of the longest target, 24 business hours, is under a week of calendar time).
    horizon = now + timedelta(days=7)
    candidates = (
        AcceleratorRequest.objects.filter(resolved_at__isnull=True, paused_since__isnull=True)
        .filter(Q(first_response_due_at__lte=horizon) | Q(resolution_due_at__lte=horizon))
        .exclude(sla_status=SlaStatus.BREACHED)
    )
    for request in candidates.iterator():
        status = sla_status(request, now)
        if status != request.sla_status:
            with transaction.atomic():
                locked = _lock(request)
                status = sla_status(locked, now)
                if status != locked.sla_status:
                    _audit(locked, None, "sla", locked.sla_status, status)
                    locked.sla_status = status
                    locked.save(update_fields=["sla_status", "updated_at"])
                    _announce(locked, status)
                    if status in {SlaStatus.AT_RISK, SlaStatus.BREACHED}:
                        _email_sla_alert(locked, now)
                    changed += 1
    return changed


def staff_users(administrators: bool = True):
    """Who may handle requests: active users holding the accelerator's permission, through the Cnam group or
    their own, and (unless `administrators` is false) the administrators, who hold every permission."""
    app_label, codename = ACCELERATOR_STAFF.split(".")
    holds = Q(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
    ) | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    if administrators:
        holds |= Q(is_superuser=True)
    agents = get_user_model().objects.filter(holds, is_active=True).values("pk")
    return get_user_model().objects.filter(pk__in=agents).order_by("email")


def staff_addresses() -> list[str]:
    """Where the Cnam team is told what concerns no one in particular: ACCELERATOR_TEAM_EMAIL (a shared
    mailbox) when set, else every active accelerator agent."""
    if settings.ACCELERATOR_TEAM_EMAIL:
        return [settings.ACCELERATOR_TEAM_EMAIL]
    return list(staff_users(administrators=False).values_list("email", flat=True))


def _email_sla_alert(request: AcceleratorRequest, now: datetime) -> None:
    """The assignee, or the Cnam team when nobody has the request, learns it is at risk or late."""
    first, resolution = clocks(request, now)
    late = request.sla_status == SlaStatus.BREACHED
    lines = []
    for label, clock in (("Première réponse", first), ("Résolution", resolution)):
        if clock.done:
            continue
        hours = abs(clock.left_seconds) / 3600
        standing = f"dépassée de {hours:.1f} h ouvrées" if clock.breached else f"reste {hours:.1f} h ouvrées"
        due = (
            f", attendue le {timezone.localtime(clock.due_at, PARIS):%d/%m/%Y à %H:%M}"
            if clock.due_at
            else ""
        )
        lines.append(f"- {label} : {standing}{due}")
    subject = f"{'Délai dépassé' if late else 'Délai à risque'} : demande #{request.pk} « {request.subject} »"
    body = (
        f"Bonjour,\n\nLa demande #{request.pk} « {request.subject} » ({request.get_priority_display()}) "
        f"{'a dépassé son délai' if late else 'arrive au terme de son délai'} :\n"
        + "\n".join(lines)
        + ("" if request.assignee_id else "\n\nPersonne ne l'a encore prise en charge.")
        + "\n\nL'équipe Tête de pont"
    )
    recipients = [request.assignee.email] if request.assignee_id else staff_addresses()
    kind = "accelerator.sla_breached" if late else "accelerator.sla_at_risk"
    for address in recipients:
        queue_email(address, subject, body, kind=kind)


@transaction.atomic
def save_canned_answer(
    answer: CannedAnswer | None, actor, title: str, body: str, category: str = ""
) -> CannedAnswer:
    answer = answer or CannedAnswer()
    errors = {}
    for name, value, label, limit in (
        ("title", title, "Le titre", 200),
        ("body", body, "Le texte", MAX_BODY),
    ):
        try:
            setattr(answer, name, required_text(value, name, label, limit))
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if category and category not in Category.values:
        errors["category"] = ValidationError("Catégorie inconnue.", code=Code.INVALID)
    if errors:
        raise ValidationError(errors)
    answer.category = category or ""
    answer.updated_by = actor
    answer.save()
    return answer


def set_presence(request: AcceleratorRequest, user, activity: str | None) -> None:
    """Record (or, with no activity, end) a staff member's presence on a request, and tell the others."""
    if activity:
        AcceleratorPresence.objects.update_or_create(
            request=request, user=user, defaults={"activity": activity, "seen_at": timezone.now()}
        )
    else:
        AcceleratorPresence.objects.filter(request=request, user=user).delete()
    publish_presence(request, user, activity)
