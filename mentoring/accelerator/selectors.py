"""Reads of the accelerator: the queue (filtered, ordered), its statistics (counted and medians in SQL),
canned answers, the agents. Testable without HTTP; who sees which request is the scoping's
(`mentoring.permissions.accelerator_requests_visible_to`)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, FloatField, Func, Q
from django.utils import timezone

from .models import (
    AcceleratorMessage,
    AcceleratorPresence,
    AcceleratorRequest,
    CannedAnswer,
    SlaStatus,
    State,
    Visibility,
)

ORDERINGS = {
    # Soonest due first (first response, then resolution); paused and resolved ones last.
    "SLA_DUE": [
        F("first_response_due_at").asc(nulls_last=True),
        F("resolution_due_at").asc(nulls_last=True),
        "pk",
    ],
    "PRIORITY": ["priority", "created_at", "pk"],  # stored P1…P4: P1 first
    "NEWEST": ["-created_at", "-pk"],
    "OLDEST": ["created_at", "pk"],
}


def queue(data: dict, order: str = "SLA_DUE", assignee_pk=None):
    """Requests filtered by `data` (states, category, priority, department, region, SLA standing, due date,
    words; unassigned) and `assignee_pk`, in `order`."""
    requests = AcceleratorRequest.objects.all()
    if data.get("states"):
        requests = requests.filter(state__in=list(data["states"]))
    for name, lookup in (
        ("category", "category"),
        ("priority", "priority"),
        ("sla_status", "sla_status"),
        ("department_code", "department_id"),
        ("region_code", "department__region_id"),
    ):
        if data.get(name):
            requests = requests.filter(**{lookup: data[name]})
    if assignee_pk is not None:
        requests = requests.filter(assignee_id=assignee_pk)
    if data.get("unassigned"):
        requests = requests.filter(assignee__isnull=True)
    if data.get("due_before"):
        requests = requests.filter(resolution_due_at__lt=data["due_before"])
    if data.get("search"):
        words = data["search"].strip()
        requests = requests.filter(Q(subject__icontains=words) | Q(body__icontains=words))
    return requests.order_by(*ORDERINGS[order])


class Median(Func):
    """PostgreSQL's `percentile_cont(0.5) WITHIN GROUP (ORDER BY …)`: the median, computed by the database."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    contains_aggregate = True


@dataclass
class Stats:
    total: int
    by_state: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    breach_rate: float | None


def stats(
    since: date, until: date, region_code: str | None = None, department_code: str | None = None
) -> Stats:
    """Requests received from `since` to `until` (days of Europe/Paris), in a region, a department or all."""
    zone = timezone.get_current_timezone()
    requests = AcceleratorRequest.objects.filter(
        created_at__gte=datetime.combine(since, time.min, zone),
        created_at__lt=datetime.combine(until + timedelta(days=1), time.min, zone),
    )
    if region_code:
        requests = requests.filter(department__region_id=region_code)
    if department_code:
        requests = requests.filter(department_id=department_code)
    figures = requests.aggregate(
        total=Count("pk"),
        breached=Count("pk", filter=Q(sla_status=SlaStatus.BREACHED)),
        first_response=Median("first_response_seconds"),
        resolution=Median("resolution_seconds"),
    )

    def hours(seconds):
        return None if seconds is None else round(seconds / 3600, 2)

    def counts(field):
        return [
            (row[field], row["n"]) for row in requests.values(field).annotate(n=Count("pk")).order_by(field)
        ]

    total = figures["total"]
    return Stats(
        total=total,
        by_state=counts("state"),
        by_category=counts("category"),
        median_first_response_hours=hours(figures["first_response"]),
        median_resolution_hours=hours(figures["resolution"]),
        breach_rate=round(figures["breached"] / total, 3) if total else None,
    )


def canned_answers(category=None):
    answers = CannedAnswer.objects.all()
    if category:
        answers = answers.filter(Q(category=category) | Q(category=""))
    return answers


PRESENCE_SECONDS = 60  # a presence not renewed within this long is over


def thread(request: AcceleratorRequest, *, visibilities=(Visibility.PUBLIC,)) -> list[AcceleratorMessage]:
    """The request's messages of these visibilities (mentoring.permissions.accelerator_message_visibilities),
    oldest first."""
    messages = request.messages.select_related("author").order_by("created_at", "pk")
    return list(messages.filter(visibility__in=visibilities))


def trail(request: AcceleratorRequest):
    """The audit trail of the request (staff only: the caller decides)."""
    return list(request.changes.select_related("actor"))


def present_on(request: AcceleratorRequest, *, other_than) -> list[AcceleratorPresence]:
    """Staff currently viewing or replying to the request, besides `other_than`."""
    since = timezone.now() - timedelta(seconds=PRESENCE_SECONDS)
    return list(request.presences.filter(seen_at__gte=since).exclude(user=other_than).select_related("user"))


def ars_inbox(region_code: str | None = None):
    """Requests with a region's ARS now (every region's without `region_code`), the longest waiting first."""
    requests = AcceleratorRequest.objects.filter(state=State.ROUTED_TO_ARS, ars_region__isnull=False)
    if region_code is not None:
        requests = requests.filter(ars_region_id=region_code)
    return requests.order_by("resolved_at", "pk")  # routing sets resolved_at: when it reached the ARS
