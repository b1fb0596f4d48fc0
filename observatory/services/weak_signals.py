"""Weak signals (plan "4 000 MSP", measure 5): situations that put an MSP or a hub at risk, found by a
periodic scan and followed by the region's ARS and the Cnam.

`detect` (observatory/services/detection.py) finds what holds now; `refresh` opens a signal for each new episode, updates the open ones and
closes those whose situation has ended (a signal closed by hand stays closed for its episode: the key names
the episode). Agents acknowledge and close signals with a note (`acknowledge`, `close`), kept in the
signal's history. Every opening and closing is published live (observatory/events.py) on commit.

The signals:
- COMPOSITION_GRACE: an operating MSP below the minimum composition whose grace period ends within 90 days
  or has ended (network/services/composition.py);
- COMPOSITION_BELOW_MINIMUM: an operating MSP below the minimum with no grace period (it never met the rule,
  or fell below it without the one doctor and two auxiliaires médicaux the grace period asks);
- DEPARTURES_ANNOUNCED: associates' departures announced ahead (future end dates) that would take an MSP
  below the minimum within 6 months;
- PROJECT_STALLED: an MSP in project with no new step (network/services/milestones.py) for 6 months, counted
  from its last step or, before any, from its declaration;
- HUB_BELOW_COMPOSITION: an approved hub whose MSP is below the minimum — followed while its grace period
  runs, proposed for suspension once it is over (or when there is none);
- MEMBERS_LOST: an operating MSP that lost its only doctor(s), or a third of its members, in 6 months;
- HUB_OVER_CAPACITY: an approved hub that committed more hours a month than it lends, or gave more this
  month than its monthly capacity;
- HUB_INACTIVE: an approved hub (for 3 months at least) without a coordination session, a slot held or an
  answer to a request for 3 months;
- MENTORING_UNANSWERED: a mentoring request a hub has not answered after 10 business days;
- ACCELERATOR_BREACHED: a question of an MSP in project past its service level at the accelerator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import events
from ..models import SignalAction, SignalStatus, SuggestedHub, WeakSignal, WeakSignalNote
from .detection import detect, places_of

NOTE_MAX = 2000
LOCK = 7_015_150  # pg_advisory_xact_lock key: one refresh at a time


# --- The signals' life -------------------------------------------------------------------------------------


@dataclass
class Refreshed:
    opened: int = 0
    closed: int = 0
    kept: int = 0


def _note(signal: WeakSignal, action: str, author=None, note: str = "") -> None:
    WeakSignalNote.objects.create(signal=signal, action=action, author=author, note=note)


def _suggest(signal: WeakSignal, hub_ids: list[int]) -> None:
    SuggestedHub.objects.filter(signal=signal).delete()
    SuggestedHub.objects.bulk_create(
        [SuggestedHub(signal=signal, hub_id=hub_id, rank=rank) for rank, hub_id in enumerate(hub_ids)]
    )


def _announce(signal: WeakSignal, kind: str) -> None:
    events.WEAK_SIGNALS.publish(signal.region_id, signal=signal.pk, kind=kind)
    events.WEAK_SIGNALS.publish(events.NATION, signal=signal.pk, kind=kind)


@transaction.atomic
def refresh(now: datetime | None = None) -> Refreshed:
    """Bring the signals in line with what holds now: open the new episodes (or reopen one that had ended by
    itself), update the wording of the open ones, close by themselves those whose situation has ended."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
    findings = {finding.key: finding for finding in detect(now)}
    places = places_of(findings.values())
    known = {
        signal.key: signal
        for signal in WeakSignal.objects.select_for_update().filter(
            Q(key__in=list(findings)) | ~Q(status=SignalStatus.CLOSED)
        )
    }
    result = Refreshed()
    for key, signal in known.items():
        if key not in findings and signal.status != SignalStatus.CLOSED:
            signal.status, signal.closed_at = SignalStatus.CLOSED, now
            signal.save(update_fields=["status", "closed_at", "updated_at"])
            _note(
                signal,
                SignalAction.CONDITION_ENDED,
                note="La situation ne remplit plus la condition du signal.",
            )
            _announce(signal, "CLOSED")
            result.closed += 1
    for key, finding in findings.items():
        signal = known.get(key)
        wording = {"reason": finding.reason, "suggested_action": finding.action}
        if signal is None:
            place = places[finding.msp_id]
            signal = WeakSignal.objects.create(
                key=key,
                kind=finding.kind,
                msp_id=finding.msp_id,
                hub_id=finding.hub_id,
                region_id=place.region_id,
                department_id=place.department_id,
                started_at=finding.started_at,
                **wording,
            )
            _suggest(signal, finding.suggested_hub_ids)
            _note(signal, SignalAction.OPENED, note=finding.reason)
            _announce(signal, "OPENED")
            result.opened += 1
        elif signal.status == SignalStatus.CLOSED and signal.closed_by_id is None:
            # It had ended by itself and holds again: the same episode, reopened.
            signal.status, signal.closed_at = SignalStatus.OPEN, None
            for name, value in wording.items():
                setattr(signal, name, value)
            signal.save()
            _suggest(signal, finding.suggested_hub_ids)
            _note(signal, SignalAction.REOPENED, note=finding.reason)
            _announce(signal, "OPENED")
            result.opened += 1
        elif signal.status != SignalStatus.CLOSED:
            if any(getattr(signal, name) != value for name, value in wording.items()):
                for name, value in wording.items():
                    setattr(signal, name, value)
                signal.save(update_fields=[*wording, "updated_at"])
                _suggest(signal, finding.suggested_hub_ids)
            result.kept += 1
    return result


def _checked_note(note: str, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": ValidationError("La note est obligatoire.", code="REQUIRED")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": ValidationError("La note dépasse 2 000 caractères.", code="INVALID")})
    return note


@transaction.atomic
def acknowledge(signal: WeakSignal, author, note: str) -> WeakSignal:
    """An agent takes the signal in hand, saying what they do about it."""
    note = _checked_note(note, required=True)
    signal = WeakSignal.objects.select_for_update().get(pk=signal.pk)
    if signal.status != SignalStatus.OPEN:
        raise ValidationError(
            ValidationError(
                "Ce signal a déjà été pris en compte." if signal.status == SignalStatus.ACKNOWLEDGED
                else "Ce signal est clos.",
                code="INVALID_SIGNAL_TRANSITION",
            )
        )  # fmt: skip
    signal.status = SignalStatus.ACKNOWLEDGED
    signal.save(update_fields=["status", "updated_at"])
    _note(signal, SignalAction.ACKNOWLEDGED, author, note)
    _announce(signal, "ACKNOWLEDGED")
    return signal


@transaction.atomic
def close(signal: WeakSignal, author, note: str) -> WeakSignal:
    """An agent closes the signal with a note (what was done, or why nothing is needed); the scan will not
    reopen this episode."""
    note = _checked_note(note, required=True)
    signal = WeakSignal.objects.select_for_update().get(pk=signal.pk)
    if signal.status == SignalStatus.CLOSED:
        raise ValidationError(ValidationError("Ce signal est déjà clos.", code="INVALID_SIGNAL_TRANSITION"))
    signal.status, signal.closed_at, signal.closed_by = SignalStatus.CLOSED, timezone.now(), author
    signal.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    _note(signal, SignalAction.CLOSED, author, note)
    _announce(signal, "CLOSED")
    return signal
