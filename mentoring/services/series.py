"""Recurring slots: an RFC 5545 rule (python-dateutil) applied in the place's local time.

Occurrences are computed as local wall-clock times and only then converted to UTC,
so a weekly 09:00 slot stays at 09:00 in Paris across the last Sundays of March
and October, and at 09:00 in La Réunion (UTC+4, no DST).
"""

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..errors import MentoringErrorCode
from ..models import BookingStatus, Slot, SlotSeries, SlotStatus, SupportOffer
from .booking import announce_slot_change, cancel_slot

MAX_OCCURRENCES = 500
MAX_SPAN_DAYS = 2 * 366


class SeriesScope(StrEnum):
    ONE = "ONE"
    FOLLOWING = "FOLLOWING"
    ALL = "ALL"


def occurrences(rule: str, starts_on: date, until: date, start_time: time, zone: str) -> list[datetime]:
    """Aware local datetimes of the rule between the two dates (inclusive)."""
    first = datetime.combine(starts_on, start_time)
    try:
        recurrence = rrulestr(rule, dtstart=first, ignoretz=True)
        local_times = recurrence.between(first, datetime.combine(until, start_time), inc=True)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            {
                "rule": ValidationError(
                    f"Règle de récurrence invalide (RFC 5545) : {exc}", code=MentoringErrorCode.INVALID_RULE
                )
            }
        ) from exc
    tz = ZoneInfo(zone)
    return [t.replace(tzinfo=tz) for t in local_times]


@transaction.atomic
def create_series(
    offer: SupportOffer,
    rule: str,
    starts_on: date,
    until: date,
    start_time: time,
    duration_minutes: int,
    capacity: int,
    rota: list | None = None,
) -> SlotSeries:
    """Create the series' coming occurrences; with a rota, staff them by turns in that order."""
    errors = {}
    if until < starts_on:
        errors["until"] = ValidationError(
            "La fin de la série doit suivre son début.", code=MentoringErrorCode.INVALID
        )
    elif (until - starts_on).days > MAX_SPAN_DAYS:
        errors["until"] = ValidationError(
            "Une série couvre au plus deux ans.", code=MentoringErrorCode.INVALID
        )
    if not 5 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = ValidationError(
            "Durée de 5 minutes à 24 heures.", code=MentoringErrorCode.INVALID
        )
    if not 1 <= capacity <= 500:
        errors["capacity"] = ValidationError("De 1 à 500 places.", code=MentoringErrorCode.INVALID)
    if not offer.is_active:
        errors["offer_id"] = ValidationError(
            "Cette offre n'est plus active.", code=MentoringErrorCode.INVALID
        )
    if errors:
        raise ValidationError(errors)
    zone = offer.time_zone
    now = timezone.now()
    times = [t for t in occurrences(rule, starts_on, until, start_time, zone) if t > now]
    if not times:
        raise ValidationError(
            {"rule": ValidationError("Aucune occurrence à venir.", code=MentoringErrorCode.INVALID_RULE)}
        )
    if len(times) > MAX_OCCURRENCES:
        raise ValidationError(
            {
                "rule": ValidationError(
                    f"Au plus {MAX_OCCURRENCES} occurrences par série.", code=MentoringErrorCode.INVALID_RULE
                )
            }
        )
    series = SlotSeries.objects.create(
        offer=offer, rule=rule, starts_on=starts_on, until=until, start_time=start_time,
        duration_minutes=duration_minutes, capacity=capacity, time_zone=zone,
    )  # fmt: skip
    duration = timedelta(minutes=duration_minutes)
    slots = Slot.objects.bulk_create(
        [
            Slot(offer=offer, series=series, starts_at=t, ends_at=t + duration, capacity=capacity)
            for t in times
        ]
    )
    if rota:
        from .rota import assign_rota

        assign_rota(slots, rota)
    for slot in slots[:1]:
        announce_slot_change(slot)  # one event is enough to tell watchers the offer's slots changed
    return series


@transaction.atomic
def cancel_occurrences(slot: Slot, scope: SeriesScope, reason: str, include_booked: bool = False):
    """Cancel one occurrence, this one and the following, or all coming ones of its series.

    Occurrences somebody booked (or waits for) are kept unless `include_booked`: then they are
    cancelled too and their practitioners told. Returns (cancelled, kept) lists of slots.
    """
    if scope == SeriesScope.ONE or slot.series_id is None:
        targets = [slot]
    else:
        targets = Slot.objects.filter(
            series_id=slot.series_id, status=SlotStatus.OPEN, starts_at__gt=timezone.now()
        )
        if scope == SeriesScope.FOLLOWING:
            targets = targets.filter(starts_at__gte=slot.starts_at)
        targets = list(targets.order_by("starts_at", "pk"))
    cancelled, kept = [], []
    for target in targets:
        booked = target.bookings.filter(
            status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
        ).exists()
        if booked and not include_booked and scope != SeriesScope.ONE:
            kept.append(target)
            continue
        cancelled.append(cancel_slot(target, reason))
    return cancelled, kept
