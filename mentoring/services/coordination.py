"""The coordination-time ledger: sessions a hub gives its mentees, hours allotted against given per month."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from .. import events
from ..errors import MentoringErrorCode
from ..errors import domain_error as _error
from ..models import (
    CoordinationSession,
    MentoringTopic,
    Mentorship,
    MentorshipMessage,
    MentorshipOutcome,
    MentorshipStatus,
)


def month_start(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def log_session(
    mentorship: Mentorship, day: date, duration_minutes: int, topic: str = "", notes: str = "", actor=None
) -> CoordinationSession:
    """Record time given to a mentee, on a day within the mentorship and not in the future."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    errors = {}
    if day > timezone.localdate():
        errors["date"] = ValidationError(
            "Une séance se consigne une fois donnée (date future).", code=MentoringErrorCode.INVALID
        )
    elif day < mentorship.starts_on or (mentorship.ended_on and day > mentorship.ended_on):
        errors["date"] = ValidationError(
            "Cette date est hors de la période de l'accompagnement.", code=MentoringErrorCode.INVALID
        )
    if not 5 <= duration_minutes <= 600:
        errors["duration_minutes"] = ValidationError(
            "Durée de 5 minutes à 10 heures.", code=MentoringErrorCode.INVALID
        )
    if topic and topic not in MentoringTopic.values:
        errors["topic"] = ValidationError("Thème inconnu.", code=MentoringErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)
    session = CoordinationSession.objects.create(
        mentorship=mentorship,
        date=day,
        duration_minutes=duration_minutes,
        topic=topic or "",
        notes=(notes or "").strip()[:5000],
        logged_by=actor,
    )
    return session


@transaction.atomic
def end_mentorship(
    mentorship: Mentorship, ended_on: date | None = None, outcome: str | None = None, note: str = ""
) -> Mentorship:
    """End a mentorship with its outcome (what it led to): its hours return to the hub's capacity."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if mentorship.status == MentorshipStatus.ENDED:
        raise _error(MentoringErrorCode.MENTORSHIP_ENDED, "Cet accompagnement est déjà terminé.")
    if outcome not in MentorshipOutcome.values:
        raise _error(
            MentoringErrorCode.REQUIRED,
            "Indiquez le résultat de l'accompagnement (projet de santé rédigé, MSP ouverte…).",
            "outcome",
        )
    note = (note or "").strip()
    if outcome == MentorshipOutcome.OTHER and not note:
        raise _error(MentoringErrorCode.REQUIRED, "Précisez le résultat « Autre ».", "outcome_note")
    if len(note) > 2000:
        raise _error(MentoringErrorCode.INVALID, "2 000 caractères au plus.", "outcome_note")
    mentorship.outcome, mentorship.outcome_note = outcome, note
    ended_on = ended_on or timezone.localdate()
    if ended_on < mentorship.starts_on:
        raise _error(
            MentoringErrorCode.INVALID, "La fin ne peut précéder le début de l'accompagnement.", "ended_on"
        )
    mentorship.status = MentorshipStatus.ENDED
    mentorship.ended_on = ended_on
    mentorship.save(update_fields=["status", "ended_on", "outcome", "outcome_note"])
    return mentorship


@transaction.atomic
def give_feedback(mentorship: Mentorship, rating: int, comment: str = "") -> Mentorship:
    """The mentee's appreciation of an ended mentorship (1 to 5, and a comment), read by the hub and the
    Cnam; given again, it replaces the previous one."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if mentorship.status != MentorshipStatus.ENDED:
        raise _error(
            MentoringErrorCode.INVALID_TRANSITION,
            "L'appréciation se donne une fois l'accompagnement terminé.",
        )
    if not 1 <= rating <= 5:
        raise _error(MentoringErrorCode.INVALID, "Une note de 1 à 5.", "rating")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise _error(MentoringErrorCode.INVALID, "2 000 caractères au plus.", "comment")
    mentorship.feedback_rating, mentorship.feedback_comment = rating, comment
    mentorship.feedback_at = timezone.now()
    mentorship.save(update_fields=["feedback_rating", "feedback_comment", "feedback_at"])
    return mentorship


@dataclass
class HubImpact:
    mentees: int
    mentorships_active: int
    hours_given: Decimal
    outcomes: list[tuple[str, int]]
    feedback_count: int
    average_rating: float | None


def hub_impact(hub) -> HubImpact:
    """What a hub's mentoring has given: mentees, hours, outcomes, the mentees' appreciation."""
    rows = Mentorship.objects.filter(hub=hub).aggregate(
        mentees=Count("mentee", distinct=True),
        active=Count("pk", filter=Q(status=MentorshipStatus.ACTIVE)),
        feedback=Count("pk", filter=Q(feedback_rating__isnull=False)),
        rating=Avg("feedback_rating"),
    )
    minutes = CoordinationSession.objects.filter(mentorship__hub=hub).aggregate(m=Sum("duration_minutes"))[
        "m"
    ]
    outcomes = (
        Mentorship.objects.filter(hub=hub).exclude(outcome="").values_list("outcome").annotate(n=Count("pk"))
    )
    return HubImpact(
        mentees=rows["mentees"],
        mentorships_active=rows["active"],
        hours_given=(Decimal(minutes or 0) / 60).quantize(Decimal("0.01")),
        outcomes=sorted(outcomes, key=lambda row: (-row[1], row[0])),
        feedback_count=rows["feedback"],
        average_rating=round(rows["rating"], 2) if rows["rating"] is not None else None,
    )


@dataclass
class MonthUsage:
    month: date
    hours_allotted: Decimal
    hours_given: Decimal


def _active_in(mentorship: Mentorship, month: date) -> bool:
    end_of_month = month + relativedelta(months=1, days=-1)
    return mentorship.starts_on <= end_of_month and (
        mentorship.ended_on is None or mentorship.ended_on >= month
    )


def months_back(count: int, until: date | None = None) -> list[date]:
    last = month_start(until or timezone.localdate())
    return [last - relativedelta(months=n) for n in reversed(range(count))]


def monthly_usage(mentorship: Mentorship, sessions, months: list[date]) -> list[MonthUsage]:
    """Hours allotted and given in each month, from the mentorship's sessions (already loaded)."""
    minutes = dict.fromkeys(months, 0)
    for session in sessions:
        month = month_start(session.date)
        if month in minutes:
            minutes[month] += session.duration_minutes
    return [
        MonthUsage(
            month=month,
            hours_allotted=mentorship.hours_per_month if _active_in(mentorship, month) else Decimal(0),
            hours_given=(Decimal(minutes[month]) / 60).quantize(Decimal("0.01")),
        )
        for month in months
    ]


def usage(mentorships: list[Mentorship], months: list[date]) -> dict[int, list[MonthUsage]]:
    """For each mentorship, hours allotted and given in each month (one query for all)."""
    sessions_of = {m.pk: [] for m in mentorships}
    if months:
        for session in CoordinationSession.objects.filter(
            mentorship__in=list(sessions_of),
            date__gte=months[0],
            date__lt=months[-1] + relativedelta(months=1),
        ).only("mentorship_id", "date", "duration_minutes"):
            sessions_of[session.mentorship_id].append(session)
    return {m.pk: monthly_usage(m, sessions_of[m.pk], months) for m in mentorships}


@dataclass
class HubMonth:
    month: date
    capacity_hours: Decimal
    hours_allotted: Decimal
    hours_given: Decimal
    mentorships: list

    @property
    def hours_remaining(self) -> Decimal:
        return max(self.capacity_hours - self.hours_allotted, Decimal(0))


def hub_month(hub, month: date) -> HubMonth:
    """A hub's month: its capacity, the hours its mentorships were allotted and were given."""
    month = month_start(month)
    end = month + relativedelta(months=1)
    mentorships = list(
        Mentorship.objects.filter(hub=hub, starts_on__lt=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month))
        .select_related("mentee__profession", "mentee__commune")
        .order_by("starts_on", "pk")
    )
    per = usage(mentorships, [month])
    given = CoordinationSession.objects.filter(mentorship__hub=hub, date__gte=month, date__lt=end).aggregate(
        minutes=Sum("duration_minutes")
    )["minutes"]
    return HubMonth(
        month=month,
        capacity_hours=hub.monthly_coordination_hours,
        hours_allotted=sum((u[0].hours_allotted for u in per.values()), Decimal(0)),
        hours_given=(Decimal(given or 0) / 60).quantize(Decimal("0.01")),
        mentorships=[(m, per[m.pk][0]) for m in mentorships],
    )


@transaction.atomic
def post_message(mentorship: Mentorship, author, body: str, *, from_hub: bool):
    """A message in the mentorship's thread, from the mentee or the hub (`from_hub`); watchers of the thread see
    it live, and the other side is told by e-mail in the quarter-hour digest (reminders.send_message_digests):
    one e-mail per thread, not one per message."""
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("hub__msp", "mentee__user")
        .get(pk=mentorship.pk)
    )
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise _error(
            MentoringErrorCode.MENTORSHIP_ENDED, "Cet accompagnement est terminé : sa discussion est close."
        )
    body = (body or "").strip()
    if not body:
        raise _error(MentoringErrorCode.REQUIRED, "Le message est vide.", "body")
    if len(body) > 5000:
        raise _error(MentoringErrorCode.INVALID, "5 000 caractères au plus.", "body")
    message = MentorshipMessage.objects.create(
        mentorship=mentorship, author=author, from_hub=from_hub, body=body
    )
    events.MENTORSHIP_MESSAGES.publish(mentorship.pk, message=message.pk)
    return message
