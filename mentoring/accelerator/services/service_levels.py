"""Priority and service levels: the urgency × impact matrix (a ZIP commune raises the impact), the first
response and resolution clocks in business hours (paused while the requester has to act), the stored due
times and status, and the periodic watch that announces and e-mails at-risk and breached requests.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentoring.apps import DEFAULT_TARGETS
from network.models import Zoning
from network.services.business_hours import add_business_seconds, business_seconds, calendar_of

from .. import notifications
from ..events import EventKind
from ..models import (
    AcceleratorRequest,
    EscalationRule,
    Level,
    Priority,
    ServiceLevelTarget,
    SlaStatus,
)
from .recording import announce, audit, lock
from .staff import staff_addresses

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


AT_RISK_SHARE = 0.2


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


def elapsed(request: AcceleratorRequest, until: datetime) -> int:
    """Business seconds the clock ran from submission to `until`, pauses taken out."""
    calendar = calendar_of(request.department_id)  # the requester's territory: its hours and holidays
    elapsed = business_seconds(request.created_at, until, calendar) - request.paused_seconds
    if request.paused_since is not None:
        elapsed -= business_seconds(request.paused_since, until, calendar)
    return max(elapsed, 0)


def clocks(request: AcceleratorRequest, now: datetime | None = None, targets=None) -> tuple[Clock, Clock]:
    """(first response, resolution) clocks."""
    now = now or timezone.now()
    first_target, resolution_target = targets or _targets(request.priority)
    paused = request.paused_since is not None
    running = elapsed(request, now)

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


def refresh_due(request: AcceleratorRequest) -> None:
    """Store the due times (for sorting and the queue), from priority, pauses and stops."""
    first_target, resolution_target = _targets(request.priority)
    paused = request.paused_since is not None
    calendar = calendar_of(request.department_id)
    request.first_response_due_at = (
        None
        if paused or request.first_response_at
        else add_business_seconds(request.created_at, first_target + request.paused_seconds, calendar)
    )
    request.resolution_due_at = (
        None
        if paused or request.resolved_at
        else add_business_seconds(request.created_at, resolution_target + request.paused_seconds, calendar)
    )


def save_with_clocks(request: AcceleratorRequest, now: datetime) -> None:
    refresh_due(request)
    request.sla_status = sla_status(request, now)
    request.save()


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
                locked = lock(request)
                status = sla_status(locked, now)
                if status != locked.sla_status:
                    audit(locked, None, "sla", locked.sla_status, status)
                    locked.sla_status = status
                    locked.save(update_fields=["sla_status", "updated_at"])
                    announce(locked, EventKind(status))
                    if status == SlaStatus.BREACHED:
                        escalate(locked, now)
                    if status in {SlaStatus.AT_RISK, SlaStatus.BREACHED}:
                        _email_sla_alert(locked, now)
                    changed += 1
    return changed


def _email_sla_alert(request: AcceleratorRequest, now: datetime) -> None:
    """The assignee, or the Cnam team when nobody has the request, learns it is at risk or late."""
    recipients = [request.assignee.email] if request.assignee_id else staff_addresses()
    notifications.service_level_alert(request, clocks(request, now), recipients)


def escalation_rule(request: AcceleratorRequest):
    """The most specific rule for the request: region and category, then region, then category."""
    region = request.department.region_id if request.department_id else None
    candidates = EscalationRule.objects.filter(
        Q(region_id=region) | Q(region__isnull=True), Q(category=request.category) | Q(category="")
    ).select_related("reassign_to")
    ranked = sorted(candidates, key=lambda rule: (rule.region_id is None, rule.category == ""))
    return ranked[0] if ranked else None


def escalate(request: AcceleratorRequest, now: datetime) -> None:
    """A breached request (locked by the caller): flagged, reassigned when a rule says to whom, and the team
    lead told (ACCELERATOR_TEAM_LEAD_EMAIL, else the team's address)."""
    if request.escalated_at is not None:
        return
    request.escalated_at = now
    request.save(update_fields=["escalated_at", "updated_at"])
    audit(request, None, "escalation", "", "escaladée")
    rule = escalation_rule(request)
    reassigned_to = None
    if rule is not None and rule.reassign_to_id != request.assignee_id and rule.reassign_to.is_active:
        audit(request, None, "assignee", request.assignee.email if request.assignee_id else "",
              rule.reassign_to.email, f"Escalade : règle « {rule} »")  # fmt: skip
        request.assignee = rule.reassign_to
        request.save(update_fields=["assignee", "updated_at"])
        announce(request, EventKind.ASSIGNED)
        reassigned_to = rule.reassign_to
    lead = settings.ACCELERATOR_TEAM_LEAD_EMAIL
    notifications.escalated(request, reassigned_to, [lead] if lead else staff_addresses())
