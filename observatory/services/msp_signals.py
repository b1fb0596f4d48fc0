"""Weak signals about an MSP's team and project (observatory/services/detection.py gathers them with the
others): below the minimum composition (its grace period ending or over, or none to have), hubs below the
rule, departures announced ahead, projects with no new step for six months."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Max, Q

from network.models import (
    HubDesignation,
    HubStatus,
    Membership,
    MembershipRole,
    Msp,
    MspStatus,
    Profession,
    ProfessionCategory,
)
from network.services.business_hours import ZONE
from network.services.composition import CompositionState, composition_of

from ..models import SignalKind
from .findings import Finding
from .findings import day_text as _day
from .findings import midnight as _midnight

GRACE_WARNING_DAYS = 90
DEPARTURE_WINDOW = relativedelta(months=6)
STALL = relativedelta(months=6)


def _team(doctors: int, auxiliaries: int) -> str:
    return (
        f"{doctors} médecin{'s' if doctors > 1 else ''} et {auxiliaries} auxiliaire{'s' if auxiliaries > 1 else ''} "
        f"médica{'ux' if auxiliaries > 1 else 'l'} associé{'s' if doctors + auxiliaries > 1 else ''}"
    )


RULE = "deux médecins et un auxiliaire médical associés au minimum"


def composition(today: date) -> list[Finding]:
    """MSPs below the minimum composition (its grace period ending or over, or none to have), hubs among them,
    and MSPs whose announced departures would take them below it within 6 months."""
    associate = Q(memberships__role=MembershipRole.ASSOCIATE, memberships__start_date__lte=today) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gt=today)
    )
    below = (
        Msp.objects.filter(status=MspStatus.OPERATING)
        .annotate(
            doctors=Count(
                "memberships__practitioner",
                filter=associate & Q(memberships__practitioner__profession_id=Profession.DOCTOR),
                distinct=True,
            ),
            auxiliaries=Count(
                "memberships__practitioner",
                filter=associate
                & Q(memberships__practitioner__profession__category=ProfessionCategory.AUXILIARY),
                distinct=True,
            ),
        )
        .filter(Q(doctors__lt=2) | Q(auxiliaries__lt=1))
        .values_list("pk", flat=True)
    )
    leaving = (
        Membership.objects.filter(
            msp__status=MspStatus.OPERATING,
            role=MembershipRole.ASSOCIATE,
            end_date__gt=today,
            end_date__lte=today + DEPARTURE_WINDOW,
        )
        .values_list("msp_id", flat=True)
        .distinct()
    )
    memberships = defaultdict(list)
    for membership in Membership.objects.filter(Q(msp_id__in=below) | Q(msp_id__in=leaving)).select_related(
        "practitioner__profession"
    ):
        memberships[membership.msp_id].append(membership)
    hubs = dict(
        HubDesignation.objects.filter(msp_id__in=memberships, status=HubStatus.APPROVED).values_list(
            "msp_id", "pk"
        )
    )
    findings = []
    for msp_id, rows in memberships.items():
        state = composition_of(rows, today)
        if state.state == CompositionState.COMPLIANT:
            findings += _departures(msp_id, rows, today)
            continue
        team = _team(state.doctors, state.auxiliaries)
        since = state.below_minimum_since
        ends = state.grace_period_ends_on
        if msp_id in hubs:
            findings.append(_hub_below(msp_id, hubs[msp_id], state, team, today))
        if ends is None:
            findings.append(
                Finding(
                    key=f"{SignalKind.COMPOSITION_BELOW_MINIMUM}:{msp_id}:{since or 'jamais'}",
                    kind=SignalKind.COMPOSITION_BELOW_MINIMUM,
                    msp_id=msp_id,
                    started_at=_midnight(since or today),
                    reason=(
                        f"Composition en dessous du minimum depuis le {_day(since)} ({team}), sans délai de grâce "
                        "(il faut au moins un médecin et deux auxiliaires médicaux associés pour en bénéficier)."
                        if state.ever_met
                        else f"La MSP n'a jamais atteint la composition minimale ({team})."
                    ),
                    action_prefix=f"Accompagner la MSP dans le recrutement d'associés ({RULE}).",
                )
            )
            continue
        if state.state == CompositionState.GRACE_PERIOD and ends > today + timedelta(GRACE_WARNING_DAYS):
            continue
        end = f"prend fin le {_day(ends)}" if ends > today else f"a pris fin le {_day(ends)}"
        findings.append(
            Finding(
                key=f"{SignalKind.COMPOSITION_GRACE}:{msp_id}:{since:%Y-%m-%d}",
                kind=SignalKind.COMPOSITION_GRACE,
                msp_id=msp_id,
                started_at=_midnight(ends - timedelta(GRACE_WARNING_DAYS)),
                reason=f"Composition en dessous du minimum depuis le {_day(since)} ({team}) : "
                f"le délai de grâce de 3 ans {end}.",
                action_prefix="Accompagner la MSP dans le recrutement d'un médecin ou d'un auxiliaire médical "
                f"({RULE}).",
            )
        )
    return findings


def stalled(today: date) -> list[Finding]:
    """MSPs in project with no new step for `STALL` (from their last step, or their declaration before any)."""
    since = today - STALL
    projects = (
        Msp.objects.filter(status=MspStatus.PROJECT)
        .annotate(last_step=Max("milestones__reached_on"))
        .values_list("pk", "last_step", "created_at")
    )
    findings = []
    for msp_id, last_step, created_at in projects:
        quiet_since = last_step or created_at.astimezone(ZONE).date()
        if quiet_since > since:
            continue
        findings.append(
            Finding(
                key=f"{SignalKind.PROJECT_STALLED}:{msp_id}:{quiet_since:%Y-%m-%d}",
                kind=SignalKind.PROJECT_STALLED,
                msp_id=msp_id,
                started_at=_midnight(quiet_since + STALL),
                reason=(
                    f"Projet sans nouvelle étape depuis le {_day(quiet_since)}"
                    if last_step
                    else f"Projet déclaré le {_day(quiet_since)}, sans étape franchie depuis"
                )
                + " (projet de santé, Sisa, validation par l'ARS, ACI, locaux, ouverture).",
                action_prefix="Prendre des nouvelles du porteur de projet et lui proposer l'accompagnement d'une MSP "
                "tête de pont proche.",
            )
        )
    return findings


def _hub_below(msp_id: int, hub_id: int, state, team: str, today: date) -> Finding:
    """An approved hub whose MSP is below the rule: to follow while its grace period runs, to suspend after."""
    since, ends = state.below_minimum_since, state.grace_period_ends_on
    if state.state == CompositionState.GRACE_PERIOD:
        reason = (
            f"La MSP tête de pont est en dessous de la composition minimale depuis le {_day(since)} ({team}) ; "
            f"son délai de grâce court jusqu'au {_day(ends)}."
        )
        action = (
            f"Suivre le recrutement ({RULE}) ; au terme du délai de grâce, le {_day(ends)}, proposer la "
            "suspension de la désignation s'il n'a pas abouti."
        )
    else:
        reason = f"La MSP tête de pont est en dessous de la composition minimale ({team})" + (
            f", délai de grâce échu le {_day(ends)}." if ends else ", sans délai de grâce."
        )
        action = "Proposer à la Cnam la suspension de la désignation de tête de pont."
    return Finding(
        key=f"{SignalKind.HUB_BELOW_COMPOSITION}:{hub_id}:{since or 'jamais'}:{state.state}",
        kind=SignalKind.HUB_BELOW_COMPOSITION,
        msp_id=msp_id,
        hub_id=hub_id,
        started_at=_midnight(ends if state.state == CompositionState.GRACE_EXPIRED else (since or today)),
        reason=reason,
        action=action,
    )


def _departures(msp_id: int, rows: list, today: date) -> list[Finding]:
    """Departures announced ahead (associates' future end dates) that would take a compliant MSP below the
    minimum within `DEPARTURE_WINDOW`: the first such day."""
    days = sorted({m.end_date for m in rows if m.end_date and today < m.end_date <= today + DEPARTURE_WINDOW})
    for day in days:
        then = composition_of(rows, day)
        if then.state == CompositionState.COMPLIANT:
            continue
        leaving = sum(
            1 for m in rows if m.role == MembershipRole.ASSOCIATE and m.end_date and today < m.end_date <= day
        )
        return [
            Finding(
                key=f"{SignalKind.DEPARTURES_ANNOUNCED}:{msp_id}:{day:%Y-%m-%d}",
                kind=SignalKind.DEPARTURES_ANNOUNCED,
                msp_id=msp_id,
                started_at=_midnight(today),
                reason=(
                    f"{leaving} départ{'s' if leaving > 1 else ''} d'associé{'s' if leaving > 1 else ''} annoncé"
                    f"{'s' if leaving > 1 else ''} : le {_day(day)}, la MSP n'aurait plus que "
                    f"{_team(then.doctors, then.auxiliaries)}, en dessous du minimum."
                ),
                action_prefix=f"Anticiper les départs avec la MSP : recruter avant le {_day(day)} ({RULE}).",
            )
        ]
    return []
