"""Weak signals, the detection: what holds now (`detect`), one `Finding` per MSP or hub at risk, with the
facts its signal shows. The signals' life — opening, updating, closing, notes — is weak_signals.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Max, Sum
from django.utils import timezone

from mentoring.accelerator.models import AcceleratorRequest, SlaStatus, State
from mentoring.models import (
    Booking,
    BookingStatus,
    CoordinationSession,
    MentoringRequest,
    MentoringRequestEvent,
    Mentorship,
    MentorshipStatus,
    RequestEventKind,
    RequestStatus,
)
from mentoring.services.matching import format_hours, nearest_with_capacity
from network.models import (
    HubDesignation,
    HubStatus,
    Membership,
    MspStatus,
    Profession,
)
from network.services.business_hours import ZONE, add_business_seconds, calendar_of_commune

from ..models import SignalKind
from . import msp_signals
from .findings import Finding, places_of
from .findings import day_text as _day
from .findings import midnight as _midnight

LOSS_WINDOW = relativedelta(months=6)
INACTIVITY = relativedelta(months=3)
ANSWER_BUSINESS_DAYS = 10
SUGGESTED_HUBS = 3


# --- Detection ---------------------------------------------------------------------------------------------


def _members_lost(today: date) -> list[Finding]:
    since = today - LOSS_WINDOW
    candidates = (
        Membership.objects.filter(msp__status=MspStatus.OPERATING, end_date__gt=since, end_date__lte=today)
        .values_list("msp_id", flat=True)
        .distinct()
    )
    memberships = defaultdict(list)
    for membership in Membership.objects.filter(msp_id__in=candidates).select_related(
        "practitioner__profession"
    ):
        memberships[membership.msp_id].append(membership)
    findings = []
    for msp_id, rows in memberships.items():
        current = {m.practitioner_id for m in rows if m.is_current(today)}
        at_start = {m.practitioner_id for m in rows if m.is_current(since)}
        departures: dict[int, date] = {}
        doctors = set()
        for m in rows:
            if m.end_date and since < m.end_date <= today and m.practitioner_id not in current:
                departures[m.practitioner_id] = max(m.end_date, departures.get(m.practitioner_id, m.end_date))
            if m.practitioner.profession_id == Profession.DOCTOR:
                doctors.add(m.practitioner_id)
        doctors_left = sorted(departures[p] for p in doctors if p in departures)
        reasons, started = [], None
        if doctors_left and not doctors & current:
            started = doctors_left[-1]
            reasons.append(
                f"Plus aucun médecin depuis le départ du {_day(started)}"
                if len(doctors_left) == 1
                else f"Plus aucun médecin : {len(doctors_left)} départs, le dernier le {_day(started)}"
            )
        left = sorted(date_ for p, date_ in departures.items() if p in at_start)
        threshold = math.ceil(len(at_start) / 3)
        if at_start and len(left) >= threshold:
            crossed = left[threshold - 1]
            started = min(started, crossed) if started else crossed
            reasons.append(f"{len(left)} départ(s) en 6 mois sur {len(at_start)} membres au {_day(since)}")
        if not reasons:
            continue
        findings.append(
            Finding(
                key=f"{SignalKind.MEMBERS_LOST}:{msp_id}:{started:%Y-%m-%d}",
                kind=SignalKind.MEMBERS_LOST,
                msp_id=msp_id,
                started_at=_midnight(started),
                reason=" ; ".join(reasons) + ".",
                action_prefix="Prendre contact avec la coordination de la MSP pour comprendre les départs et "
                "l'aider à reconstituer son équipe.",
            )
        )
    return findings


def _hubs(now: datetime) -> list[Finding]:
    today = now.astimezone(ZONE).date()
    hubs = {
        hub.pk: hub
        for hub in HubDesignation.objects.filter(status=HubStatus.APPROVED, msp__status=MspStatus.OPERATING)
    }
    findings = []
    committed = {
        row["hub_id"]: row
        for row in Mentorship.objects.filter(hub_id__in=hubs, status=MentorshipStatus.ACTIVE)
        .values("hub_id")
        .annotate(hours=Sum("hours_per_month"), latest=Max("created_at"))
    }
    month = today.replace(day=1)
    given = defaultdict(list)
    for hub_id, day, minutes in (
        CoordinationSession.objects.filter(mentorship__hub_id__in=hubs, date__gte=month, date__lte=today)
        .order_by("date", "pk")
        .values_list("mentorship__hub_id", "date", "duration_minutes")
    ):
        given[hub_id].append((day, minutes))
    for hub_id, hub in hubs.items():
        capacity = hub.monthly_coordination_hours
        row = committed.get(hub_id)
        if row and row["hours"] > capacity:
            findings.append(
                Finding(
                    key=f"{SignalKind.HUB_OVER_CAPACITY}:{hub_id}:committed",
                    kind=SignalKind.HUB_OVER_CAPACITY,
                    msp_id=hub.msp_id,
                    hub_id=hub_id,
                    started_at=row["latest"],
                    reason=f"{format_hours(row['hours'])} h par mois engagées auprès de ses accompagnés pour "
                    f"{format_hours(capacity)} h de temps de coordination déclaré.",
                    action_prefix="Revoir avec la MSP sa capacité déclarée et orienter les nouvelles demandes "
                    "ailleurs.",
                )
            )
        total, crossed = Decimal(0), None
        for day, minutes in given.get(hub_id, ()):
            total += Decimal(minutes) / 60
            if crossed is None and total > capacity:
                crossed = day
        if crossed is not None:
            findings.append(
                Finding(
                    key=f"{SignalKind.HUB_OVER_CAPACITY}:{hub_id}:{month:%Y-%m}",
                    kind=SignalKind.HUB_OVER_CAPACITY,
                    msp_id=hub.msp_id,
                    hub_id=hub_id,
                    started_at=_midnight(crossed),
                    reason=f"{format_hours(total.quantize(Decimal('0.01')))} h de coordination données depuis le "
                    f"{_day(month)} pour {format_hours(capacity)} h de capacité mensuelle.",
                    action_prefix="Vérifier que la MSP tête de pont n'épuise pas son équipe ; orienter les "
                    "nouvelles demandes ailleurs.",
                )
            )
    findings += _inactive(hubs, now)
    return findings


def _inactive(hubs: dict[int, HubDesignation], now: datetime) -> list[Finding]:
    today = now.astimezone(ZONE).date()
    quiet_since = today - INACTIVITY
    old = {
        pk: hub
        for pk, hub in hubs.items()
        if hub.approved_at and hub.approved_at.astimezone(ZONE).date() <= quiet_since
    }
    last: dict[int, date] = {pk: hub.approved_at.astimezone(ZONE).date() for pk, hub in old.items()}

    def note(rows):
        for hub_id, when in rows:
            if when is not None:
                day = when.astimezone(ZONE).date() if isinstance(when, datetime) else when
                last[hub_id] = max(last[hub_id], day)

    note(
        CoordinationSession.objects.filter(mentorship__hub_id__in=old, date__lte=today)
        .values("mentorship__hub_id")
        .annotate(last=Max("date"))
        .values_list("mentorship__hub_id", "last")
    )
    note(
        Booking.objects.filter(
            slot__offer__hub_id__in=old, status=BookingStatus.CONFIRMED, starts_at__lte=now
        )
        .values("slot__offer__hub_id")
        .annotate(last=Max("starts_at"))
        .values_list("slot__offer__hub_id", "last")
    )
    answers = [RequestEventKind.ACCEPTED, RequestEventKind.DECLINED, RequestEventKind.INFO_REQUESTED]
    note(
        MentoringRequestEvent.objects.filter(hub_id__in=old, kind__in=answers)
        .values("hub_id")
        .annotate(last=Max("created_at"))
        .values_list("hub_id", "last")
    )
    findings = []
    for hub_id, day in last.items():
        if day > quiet_since:
            continue
        findings.append(
            Finding(
                key=f"{SignalKind.HUB_INACTIVE}:{hub_id}:{day:%Y-%m-%d}",
                kind=SignalKind.HUB_INACTIVE,
                msp_id=old[hub_id].msp_id,
                hub_id=hub_id,
                started_at=_midnight(day + INACTIVITY),
                reason=f"Aucune activité (séance de coordination, rendez-vous tenu, réponse à une demande) depuis "
                f"le {_day(day)}.",
                action="Prendre contact avec la coordination de la MSP tête de pont ; si l'activité ne reprend "
                "pas, l'ARS peut recommander une suspension à la Cnam.",
            )
        )
    return findings


def _unanswered(now: datetime) -> list[Finding]:
    requests = MentoringRequest.objects.filter(
        status=RequestStatus.SENT, hub__isnull=False, sent_at__lte=now - timedelta(days=12)
    ).select_related("hub", "commune")  # 10 business days are 12 calendar days at the least
    findings = []
    for request in requests:
        calendar = calendar_of_commune(request.commune_id)  # the requester's territory
        due = add_business_seconds(request.sent_at, ANSWER_BUSINESS_DAYS * calendar.day_seconds, calendar)
        if due > now:
            continue
        findings.append(
            Finding(
                key=f"{SignalKind.MENTORING_UNANSWERED}:{request.pk}:{request.sent_at:%Y%m%dT%H%M%S}",
                kind=SignalKind.MENTORING_UNANSWERED,
                msp_id=request.hub.msp_id,
                hub_id=request.hub_id,
                started_at=due,
                reason=f"Demande d'accompagnement n° {request.pk} envoyée le {_day(request.sent_at.astimezone(ZONE))}"
                f", sans réponse de la MSP tête de pont après {ANSWER_BUSINESS_DAYS} jours ouvrés.",
                near=(request.commune.latitude, request.commune.longitude),
                action_prefix="Relancer la MSP tête de pont ; le demandeur peut aussi être orienté ailleurs.",
            )
        )
    return findings


def _accelerator(now: datetime) -> list[Finding]:
    questions = AcceleratorRequest.objects.filter(
        sla_status=SlaStatus.BREACHED, msp__status=MspStatus.PROJECT
    ).exclude(state__in=[State.CLOSED, State.MERGED, State.ANSWERED])
    findings = []
    for question in questions.select_related("commune").only(
        "pk",
        "msp_id",
        "department_id",
        "commune",
        "subject",
        "first_response_at",
        "first_response_due_at",
        "resolution_due_at",
        "updated_at",
    ):
        late_reply = question.first_response_due_at is not None and (
            question.first_response_at is None or question.first_response_at > question.first_response_due_at
        )
        due = question.first_response_due_at if late_reply else question.resolution_due_at
        what = "de première réponse" if late_reply else "de résolution"
        findings.append(
            Finding(
                key=f"{SignalKind.ACCELERATOR_BREACHED}:{question.pk}",
                kind=SignalKind.ACCELERATOR_BREACHED,
                msp_id=question.msp_id,
                department_id=question.department_id,
                near=(question.commune.latitude, question.commune.longitude) if question.commune else None,
                started_at=due or question.updated_at,
                reason=f"La question n° {question.pk} « {question.subject} » de cette MSP en projet a dépassé son "
                f"délai {what}" + (f" le {_day(due.astimezone(ZONE))}." if due else "."),
                action_prefix="Traiter la question en priorité à l'accélérateur ; une MSP tête de pont proche peut "
                "épauler le projet.",
            )
        )
    return findings


def detect(now: datetime | None = None) -> list[Finding]:
    """Every situation that holds at `now`, with its suggested action (hubs with capacity named)."""
    now = now or timezone.now()
    today = now.astimezone(ZONE).date()
    findings = (
        msp_signals.composition(today)
        + _members_lost(today)
        + _hubs(now)
        + _unanswered(now)
        + _accelerator(now)
        + msp_signals.stalled(today)
    )
    # An MSP that lost its doctors or a third of its members within 6 months has that signal, which says the
    # departures and suggests recruiting: its composition below the minimum is not a second one meanwhile.
    departed = {f.msp_id for f in findings if f.kind == SignalKind.MEMBERS_LOST}
    findings = [
        f for f in findings if not (f.kind == SignalKind.COMPOSITION_BELOW_MINIMUM and f.msp_id in departed)
    ]
    places = places_of(findings)
    for finding in findings:
        if finding.action:
            continue
        place = places.get(finding.msp_id)
        near = finding.near or (place and place.latitude is not None and (place.latitude, place.longitude))
        hubs = (
            nearest_with_capacity(*near, exclude_msp_ids=[finding.msp_id], limit=SUGGESTED_HUBS)
            if near
            else []
        )
        finding.suggested_hub_ids = [match.hub.pk for match in hubs]
        named = ", ".join(
            f"{match.hub.msp.name} ({match.distance_km:.0f} km, {format_hours(match.remaining_hours)} h disponibles)"
            for match in hubs
        )
        finding.action = finding.action_prefix + (
            f" MSP tête de pont les plus proches ayant du temps de coordination : {named}."
            if hubs
            else " Aucune MSP tête de pont n'a de temps de coordination disponible à moins de 100 km."
        )
    return [f for f in findings if f.msp_id in places]  # an MSP without a site has no territory


# Read by the tests as detection's own (they were before the MSP signals moved to msp_signals.py).
_composition, _stalled = msp_signals.composition, msp_signals.stalled
