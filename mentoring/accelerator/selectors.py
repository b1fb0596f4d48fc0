"""Reads of the accelerator: the queue (filtered, ordered), its statistics (counted and medians in SQL),
canned answers, the agents. Testable without HTTP; who sees which request is the scoping's
(`mentoring.permissions.accelerator_requests_visible_to`)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db.models import Aggregate, Avg, Count, Exists, F, FloatField, Func, OuterRef, Q, TextField, Value
from django.db.models.functions import Coalesce, Concat, TruncMonth
from django.utils import timezone

from .knowledge_models import Article, ArticleRead
from .models import (
    AcceleratorMessage,
    AcceleratorPresence,
    AcceleratorRequest,
    AcceleratorSavedView,
    AcceleratorTag,
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


SEARCH_CONFIG = "fr_unaccent"  # French stemming with accents folded (migration 0015)
HEADLINE = {"start_sel": "«", "stop_sel": "»", "max_words": 30, "min_words": 10, "max_fragments": 2,
            "fragment_delimiter": " … "}  # fmt: skip


def search(requests, words: str, *, staff: bool):
    """Requests matching `words` (web-search syntax: words, "a phrase", -excluded, or), with `search_rank` and
    `search_highlight` annotations. Subject, question and public replies for everyone; the internal and ARS
    notes too for Cnam staff only (`staff`), never in what anyone else reads."""
    query = SearchQuery(words, search_type="websearch", config=SEARCH_CONFIG)
    public = F("search_document")
    if staff:
        document = Func(
            Coalesce(public, Value("", output_field=SearchVectorField())),
            Coalesce(F("staff_search_document"), Value("", output_field=SearchVectorField())),
            function="",
            arg_joiner=" || ",
            output_field=SearchVectorField(),
        )
    else:
        document = public
    text = Concat(F("subject"), Value(" — "), F("body"), output_field=TextField())
    # The filter on each indexed document (GIN): a concatenation would be computed for every row.
    match = Q(search_document=query) | Q(staff_search_document=query) if staff else Q(search_document=query)
    return requests.filter(match).annotate(
        search_rank=SearchRank(document, query),
        search_highlight=SearchHeadline(text, query, config=SEARCH_CONFIG, **HEADLINE),
    )


def queue(data: dict, order: str = "SLA_DUE", assignee_pk=None, *, staff: bool = False):
    """Requests filtered by `data` (states, category, priority, department, region, SLA standing, due date,
    words, tags; unassigned) and `assignee_pk`, in `order` (RELEVANCE: best match of the words first)."""
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
    if data.get("escalated") is not None:
        requests = requests.filter(escalated_at__isnull=not data["escalated"])
    if data.get("tag_pks"):
        requests = requests.filter(tags__in=data["tag_pks"]).distinct()
    words = (data.get("search") or "").strip()
    if words:
        requests = search(requests, words, staff=staff)
    if order == "RELEVANCE":
        return requests.order_by(*(["-search_rank"] if words else []), "-created_at", "-pk")
    return requests.order_by(*ORDERINGS[order])


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5) WITHIN GROUP (ORDER BY …)`: the median, computed by the database (an
    aggregate, so that grouped by month it groups by nothing else)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass
class Stats:
    total: int
    by_state: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    breach_rate: float | None
    breached_by_category: list[tuple[str, int]]
    by_region: list[tuple[str, str, int]]  # (INSEE code, name, count), the most first
    by_month: list["MonthFigures"]


@dataclass
class MonthFigures:
    month: date  # its first day
    received: int
    breached: int
    median_first_response_hours: float | None
    median_resolution_hours: float | None


def _received(since: date, until: date, region_code: str | None = None):
    """Requests received from `since` to `until` (days of Europe/Paris), in a region or all."""
    zone = timezone.get_current_timezone()
    requests = AcceleratorRequest.objects.filter(
        created_at__gte=datetime.combine(since, time.min, zone),
        created_at__lt=datetime.combine(until + timedelta(days=1), time.min, zone),
    )
    return requests.filter(department__region_id=region_code) if region_code else requests


def stats(
    since: date,
    until: date,
    region_code: str | None = None,
    department_code: str | None = None,
    *,
    breakdowns: bool = False,
) -> Stats:
    """Requests received from `since` to `until` (days of Europe/Paris), in a region, a department or all;
    with `breakdowns`, per month, per region and the breaches per category too (three more queries)."""
    requests = _received(since, until, region_code)
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
    breached = Q(sla_status=SlaStatus.BREACHED)
    months = (
        requests.annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(
            n=Count("pk"),
            breached=Count("pk", filter=breached),
            first_response=Median("first_response_seconds"),
            resolution=Median("resolution_seconds"),
        )
        .order_by("month")
    )
    regions = (
        requests.values("department__region_id", "department__region__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__region_id")
    )
    return Stats(
        total=total,
        by_state=counts("state"),
        by_category=counts("category"),
        median_first_response_hours=hours(figures["first_response"]),
        median_resolution_hours=hours(figures["resolution"]),
        breach_rate=round(figures["breached"] / total, 3) if total else None,
        breached_by_category=[
            (row["category"], row["n"])
            for row in requests.filter(breached)
            .values("category")
            .annotate(n=Count("pk"))
            .order_by("category")
        ]
        if breakdowns
        else [],
        by_region=[
            (row["department__region_id"], row["department__region__name"], row["n"]) for row in regions
        ]
        if breakdowns
        else [],
        by_month=[
            MonthFigures(
                month=row["month"].date(),
                received=row["n"],
                breached=row["breached"],
                median_first_response_hours=hours(row["first_response"]),
                median_resolution_hours=hours(row["resolution"]),
            )
            for row in months
        ]
        if breakdowns
        else [],
    )


def satisfaction(since: date, until: date, region_code: str | None = None):
    """Requesters' ratings of the requests received in the period: (per agent, per category), each row
    (name or category, count, average)."""
    rated = _received(since, until, region_code).filter(satisfaction_rating__isnull=False)

    def grouped(*fields):
        rows = (
            rated.values(*fields)
            .annotate(n=Count("pk"), average=Avg("satisfaction_rating"))
            .order_by(*fields)
        )
        return [(*(row[f] for f in fields), row["n"], round(row["average"], 2)) for row in rows]

    by_agent = [
        (" ".join(filter(None, (first, last))) or email or "(sans agent)", n, average)
        for first, last, email, n, average in grouped(
            "assignee__first_name", "assignee__last_name", "assignee__email"
        )
    ]
    return by_agent, grouped("category")


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


def tags():
    """Staff's tags by name, with how many requests carry each."""
    return AcceleratorTag.objects.annotate(request_count=Count("requests")).order_by("name", "pk")


def saved_views(user):
    """The queue filters `user` saved, by name."""
    return AcceleratorSavedView.objects.filter(user=user).order_by("name", "pk")


# --- The knowledge base ------------------------------------------------------------------------

SUGGESTION_CHARS = 2_000  # of a question being written: its subject and the start of its text
SUGGESTION_WORDS = 30
SUGGESTION_MIN_RANK = 0.05  # below, an article shares a common word or two with the question, no more
LETTERS = re.compile(r"[^\W\d_]{3,}")


def published_articles():
    return Article.objects.filter(withdrawn_at__isnull=True).select_related("validated_by")


def articles(search: str | None = None, category: str | None = None):
    """Published articles, the best match of `search` first (web-search syntax, French stemming, accents
    ignored), else the newest first."""
    found = published_articles()
    if category:
        found = found.filter(category=category)
    if search and search.strip():
        query = SearchQuery(search, search_type="websearch", config=SEARCH_CONFIG)
        return (
            found.filter(search_document=query)
            .annotate(search_rank=SearchRank(F("search_document"), query))
            .order_by("-search_rank", "-published_at", "-pk")
        )
    return found.order_by("-published_at", "-pk")


def suggested_articles(text: str, first: int = 3):
    """The published articles that may answer a question being written (`text`: its subject and body): any of
    its words counts, the title's most, the best first; none under a minimum relevance. The cost is bounded
    whatever the text: its first 2,000 characters, 30 distinct words of three letters or more."""
    words = list(dict.fromkeys(word.lower() for word in LETTERS.findall((text or "")[:SUGGESTION_CHARS])))
    if not words:
        return Article.objects.none()
    query = SearchQuery(" | ".join(words[:SUGGESTION_WORDS]), search_type="raw", config=SEARCH_CONFIG)
    return (
        published_articles()
        .filter(search_document=query)
        .annotate(search_rank=SearchRank(F("search_document"), query))
        .filter(search_rank__gte=SUGGESTION_MIN_RANK)
        .order_by("-search_rank", "-published_at", "-pk")[:first]
    )


@dataclass
class SuggestionReads:
    read: int  # articles opened from the suggestions shown while writing a question
    decided: int  # of which read more than a day ago
    spared: int  # of those, how many no question of the reader followed within the day


def suggestion_reads(since: date, until: date, region_code: str | None = None) -> SuggestionReads:
    """Articles opened from suggestions from `since` to `until` (days of Europe/Paris; readers practising in
    the region, if given), and how often the reader asked no question within the day after."""
    zone = timezone.get_current_timezone()
    reads = ArticleRead.objects.filter(
        suggested=True,
        read_at__gte=datetime.combine(since, time.min, zone),
        read_at__lt=datetime.combine(until + timedelta(days=1), time.min, zone),
    )
    if region_code:
        reads = reads.filter(reader__commune__department__region_id=region_code)
    followed = AcceleratorRequest.objects.filter(
        requester=OuterRef("reader"),
        created_at__gte=OuterRef("read_at"),
        created_at__lt=OuterRef("read_at") + timedelta(days=1),
    )
    decided = Q(read_at__lte=timezone.now() - timedelta(days=1))
    figures = reads.annotate(followed=Exists(followed)).aggregate(
        read=Count("pk"),
        decided=Count("pk", filter=decided),
        spared=Count("pk", filter=decided & Q(followed=False)),
    )
    return SuggestionReads(**figures)
