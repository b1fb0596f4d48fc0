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

from backend.core.db import conflicts_raise
from network.services.holidays import public_holidays

from ..errors import MentoringErrorCode
from ..models import BookingEventKind, BookingRole, BookingStatus, Slot, SlotSeries, SlotStatus, SupportOffer
from .booking import (
    announce_slot_change,
    cancel_slot,
    confirmed_seats,
    fill_from_waitlist,
    tell_practitioner,
)

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
    keep_holidays: bool = False,
) -> SlotSeries:
    """Create the series' coming occurrences; with a rota, staff them by turns in that order. Occurrences on
    a public holiday of the place (its department's: Alsace-Moselle and each overseas department have their
    own) are skipped and listed on the series, unless `keep_holidays`."""
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
    skipped = []
    if not keep_holidays and times:
        off = public_holidays(offer.department_code, range(times[0].year, times[-1].year + 1))
        skipped = [{"date": t.date().isoformat(), "name": off[t.date()]} for t in times if t.date() in off]
        times = [t for t in times if t.date() not in off]
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
        duration_minutes=duration_minutes, capacity=capacity, time_zone=zone, keep_holidays=keep_holidays,
        skipped_holidays=skipped,
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


def _targets(slot: Slot, scope: SeriesScope) -> list[Slot]:
    """The occurrences a change of `scope` applies to, locked, soonest first."""
    if scope == SeriesScope.ONE or slot.series_id is None:
        return [Slot.objects.select_for_update().select_related("offer__hub__msp").get(pk=slot.pk)]
    targets = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("offer__hub__msp")
        .filter(series_id=slot.series_id, status=SlotStatus.OPEN, starts_at__gt=timezone.now())
    )
    if scope == SeriesScope.FOLLOWING:
        targets = targets.filter(starts_at__gte=slot.starts_at)
    return list(targets.order_by("starts_at", "pk"))


def _is_booked(slot: Slot) -> bool:
    return slot.bookings.filter(
        role=BookingRole.ATTENDEE, status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
    ).exists()


def _validate_changes(start_time, duration_minutes, capacity) -> None:
    errors = {}
    if start_time is None and duration_minutes is None and capacity is None:
        errors["start_time"] = ValidationError(
            "Indiquez au moins une modification (heure, durée ou places).", code=MentoringErrorCode.REQUIRED
        )
    if duration_minutes is not None and not 5 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = ValidationError(
            "Durée de 5 minutes à 24 heures.", code=MentoringErrorCode.INVALID
        )
    if capacity is not None and not 1 <= capacity <= 500:
        errors["capacity"] = ValidationError("De 1 à 500 places.", code=MentoringErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)


def _move(slot: Slot, starts_at: datetime, ends_at: datetime) -> None:
    """Move a slot and the times its live bookings copy; the database refuses a resulting overlap."""
    if starts_at <= timezone.now():
        raise ValidationError(
            {
                "start_time": ValidationError(
                    "Le créneau modifié serait déjà passé.", code=MentoringErrorCode.SLOT_IN_PAST
                )
            }
        )
    slot.starts_at, slot.ends_at = starts_at, ends_at
    slot.sequence += 1
    slot.save(update_fields=["starts_at", "ends_at", "sequence"])

    def overlapping():
        local = timezone.localtime(starts_at, ZoneInfo(slot.offer.time_zone)).strftime("%d/%m/%Y %H:%M")
        return ValidationError(
            ValidationError(
                f"Le créneau déplacé au {local} chevaucherait un autre engagement d'un participant "
                "ou d'un intervenant. Rien n'a été modifié.",
                code=MentoringErrorCode.OVERLAPPING_BOOKING,
            )
        )

    with conflicts_raise(overlapping):
        slot.bookings.exclude(status=BookingStatus.CANCELLED).update(starts_at=starts_at, ends_at=ends_at)
    for booking in slot.bookings.exclude(status=BookingStatus.CANCELLED).select_related("practitioner__user"):
        tell_practitioner(booking, BookingEventKind.SLOT_MOVED)


@transaction.atomic
def update_occurrences(
    slot: Slot,
    scope: SeriesScope,
    *,
    start_time: time | None = None,
    duration_minutes: int | None = None,
    capacity: int | None = None,
    include_booked: bool = False,
) -> tuple[list[Slot], list[Slot]]:
    """Edit one occurrence, this one and the following, or all coming ones: local start time, duration, seats.

    With FOLLOWING or ALL, occurrences somebody booked are kept as they were unless `include_booked`;
    then their bookings move with them and the practitioners are told. Seats never drop below the
    confirmed bookings. All or nothing. Returns (changed, kept).
    """
    _validate_changes(start_time, duration_minutes, capacity)
    targets = _targets(slot, scope)
    if scope == SeriesScope.ONE or slot.series_id is None:
        if targets[0].status == SlotStatus.CANCELLED:
            raise ValidationError(
                ValidationError("Ce créneau est annulé.", code=MentoringErrorCode.SLOT_CANCELLED)
            )
        if targets[0].starts_at <= timezone.now():
            raise ValidationError(
                ValidationError(
                    "Ce créneau est déjà commencé ou passé.", code=MentoringErrorCode.SLOT_IN_PAST
                )
            )
    changed, kept = [], []
    for target in targets:
        if scope != SeriesScope.ONE and not include_booked and _is_booked(target):
            kept.append(target)
            continue
        zone = ZoneInfo(target.offer.time_zone)
        local_start = timezone.localtime(target.starts_at, zone)
        minutes = duration_minutes or int((target.ends_at - target.starts_at).total_seconds() // 60)
        if start_time is not None or duration_minutes is not None:
            new_start = datetime.combine(local_start.date(), start_time or local_start.time(), zone)
            new_end = new_start + timedelta(minutes=minutes)
            if (new_start, new_end) != (target.starts_at, target.ends_at):
                _move(target, new_start, new_end)
        if capacity is not None and capacity != target.capacity:
            confirmed = confirmed_seats(target)
            if capacity < confirmed:
                raise ValidationError(
                    {
                        "capacity": ValidationError(
                            f"{confirmed} places sont déjà réservées sur le créneau du "
                            f"{local_start:%d/%m/%Y %H:%M} : impossible de descendre à {capacity}.",
                            code=MentoringErrorCode.CAPACITY_BELOW_BOOKINGS,
                        )
                    }
                )
            target.capacity = capacity
            target.save(update_fields=["capacity"])
            fill_from_waitlist(target)
        announce_slot_change(target)
        changed.append(target)
    _update_series(slot, scope, start_time, duration_minutes, capacity, changed + kept)
    return changed, kept


def _update_series(slot, scope, start_time, duration_minutes, capacity, targets) -> None:
    """Keep the series' template in step: ALL edits it; FOLLOWING splits it at this occurrence."""
    if slot.series_id is None or scope == SeriesScope.ONE:
        return
    series = SlotSeries.objects.select_for_update().get(pk=slot.series_id)
    if scope == SeriesScope.FOLLOWING:
        split_on = timezone.localtime(slot.starts_at, ZoneInfo(series.time_zone)).date()
        if split_on > series.starts_on:
            old_until = series.until
            series.until = split_on - timedelta(days=1)
            series.save(update_fields=["until"])
            series.pk, series._state.adding = None, True
            series.starts_on, series.until = split_on, old_until
            series.save()
            Slot.objects.filter(pk__in=[t.pk for t in targets]).update(series=series)
    if start_time is not None:
        series.start_time = start_time
    if duration_minutes is not None:
        series.duration_minutes = duration_minutes
    if capacity is not None:
        series.capacity = capacity
    series.save()


@transaction.atomic
def cancel_occurrences(slot: Slot, scope: SeriesScope, reason: str, include_booked: bool = False):
    """Cancel one occurrence, this one and the following, or all coming ones of its series.

    Occurrences somebody booked (or waits for) are kept unless `include_booked`: then they are
    cancelled too and their practitioners told. Returns (cancelled, kept) lists of slots.
    """
    cancelled, kept = [], []
    for target in _targets(slot, scope):
        if scope != SeriesScope.ONE and not include_booked and _is_booked(target):
            kept.append(target)
            continue
        cancelled.append(cancel_slot(target, reason))
    return cancelled, kept
