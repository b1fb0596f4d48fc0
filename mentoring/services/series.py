"""Recurring slots: an RFC 5545 rule (python-dateutil) applied in the place's local time.

Occurrences are computed as local wall-clock times and only then converted to UTC,
so a weekly 09:00 slot stays at 09:00 in Paris across the last Sundays of March
and October, and at 09:00 in La Réunion (UTC+4, no DST).
"""

import re
from datetime import MAXYEAR, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser
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
from .rota import assign_rota

MAX_OCCURRENCES = 500
MAX_SPAN_DAYS = 2 * 366


class SeriesScope(StrEnum):
    ONE = "ONE"
    FOLLOWING = "FOLLOWING"
    ALL = "ALL"


SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}
FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
TIME_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND"}  # the time of day is the series' start time
# A daily or weekly rule with only these parts always has an occurrence in any week of its months, so its
# expansion ends at the series' end. Other parts (BYSETPOS, BYMONTHDAY…) can make a rule that never occurs,
# whose expansion dateutil would pursue day by day to the year 9999 (5 s for one request).
DAILY_WEEKLY_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYMONTH"}
WEEKDAY = re.compile(r"(MO|TU|WE|TH|FR|SA|SU)")
MAX_RULE_CHARS = 300
# The Gregorian calendar repeats itself every 400 years (146,097 days, exactly 20,871 weeks): a rule expanded
# 400·k years later gives the same dates, k·400 years later. dateutil stops a rule that never occurs only at
# the year 9999, so expanding near it bounds that search to a few hundred years (≈ 40 ms) instead of eight
# thousand (≈ 0.5 s a monthly rule, 2 s a weekly one).
CALENDAR_CYCLE_YEARS = 400
RULE_PARTS_HINT = "vérifiez les valeurs de BYDAY, BYMONTHDAY, BYMONTH, BYWEEKNO, BYYEARDAY et BYSETPOS."


def _rule_error(message: str) -> ValidationError:
    return ValidationError({"rule": ValidationError(message, code=MentoringErrorCode.INVALID_RULE)})


def _checked_rule(rule: str) -> dict[str, str]:
    """The parts of the rule (name → value) if it is one RFC 5545 RRULE of daily or longer period that cannot expand without bound;
    a French refusal otherwise (before dateutil expands anything)."""
    text = (rule or "").strip()
    if len(text) > MAX_RULE_CHARS:
        raise _rule_error(f"Règle de récurrence trop longue : {MAX_RULE_CHARS} caractères au plus.")
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if "\n" in text or "\r" in text or ":" in text:
        raise _rule_error("Une seule règle RRULE est acceptée (ni DTSTART, ni EXRULE, ni RDATE).")
    parts = {}
    for part in text.split(";"):
        name, _, value = part.partition("=")
        if not value:
            raise _rule_error(
                f"Règle de récurrence invalide (RFC 5545) : « {part[:40]} » n'est pas NOM=valeur."
            )
        parts[name.strip().upper()] = value.strip().upper()
    frequency = parts.get("FREQ")
    if frequency in SUB_DAILY:
        raise _rule_error(
            "Une série compte au plus une occurrence par jour : les fréquences SECONDLY, MINUTELY et HOURLY "
            "ne sont pas acceptées (créez plusieurs séries pour plusieurs créneaux dans la journée)."
        )
    if frequency not in FREQUENCIES:
        raise _rule_error("Indiquez FREQ=DAILY, WEEKLY, MONTHLY ou YEARLY.")
    if TIME_PARTS & parts.keys() or "BYEASTER" in parts:
        raise _rule_error(
            "L'heure des occurrences est celle du début de la série : BYHOUR, BYMINUTE, BYSECOND "
            "(et BYEASTER) ne sont pas acceptés."
        )
    for name, maximum in (("INTERVAL", 999), ("COUNT", MAX_OCCURRENCES)):
        if name in parts and not (parts[name].isdigit() and 1 <= int(parts[name]) <= maximum):
            raise _rule_error(f"{name} est un nombre entier de 1 à {maximum}.")  # INTERVAL=0 never ends
    months = parts.get("BYMONTH", "1").split(",")
    if not all(month.isdigit() and 1 <= int(month) <= 12 for month in months):
        raise _rule_error("BYMONTH prend des mois de 1 à 12.")
    if "BYMONTHDAY" in parts and not _a_month_has_the_day(
        parts["BYMONTHDAY"], months if "BYMONTH" in parts else ()
    ):
        raise _rule_error(
            "Cette règle ne tombe jamais : aucun des mois choisis (BYMONTH) n'a ce jour (BYMONTHDAY), "
            "par exemple un 30 février."
        )
    if frequency in {"DAILY", "WEEKLY"}:
        extra = sorted(parts.keys() - DAILY_WEEKLY_PARTS)
        if extra or not all(WEEKDAY.fullmatch(day) for day in parts.get("BYDAY", "MO").split(",")):
            raise _rule_error(
                "Une règle quotidienne ou hebdomadaire prend INTERVAL, BYDAY (jours sans rang, ex. MO,TH), "
                "BYMONTH, COUNT ou UNTIL ; pour « le 2e mardi », utilisez FREQ=MONTHLY;BYDAY=2TU."
            )
    return parts


DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February of a leap year


def _a_month_has_the_day(monthdays: str, months) -> bool:
    """Whether one of the months (all, if none given) has one of the days (negative: counted from the end).
    Other parts can only narrow a rule down, so a rule failing this never occurs: it is refused at once rather
    than searched for over four centuries. A value that is not a number is left to dateutil's own refusal."""
    try:
        days = [abs(int(day)) for day in monthdays.split(",")]
        lengths = [DAYS_IN_MONTH[int(month) - 1] for month in months] or list(DAYS_IN_MONTH)
    except (ValueError, IndexError):
        return True
    return any(1 <= day <= length for day in days for length in lengths)


def occurrences(rule: str, starts_on: date, until: date, start_time: time, zone: str):
    """Aware local datetimes of the rule between the two dates (inclusive), in order, produced one at a time:
    the caller stops taking them at its cap."""
    parts = _checked_rule(rule)
    first = datetime.combine(starts_on, start_time)
    last = datetime.combine(until, start_time)
    try:
        if "UNTIL" in parts:  # the rule's own end, if sooner than the series'
            last = min(last, dateutil_parser.parse(parts.pop("UNTIL"), ignoretz=True))
        shift = CALENDAR_CYCLE_YEARS * max(0, (MAXYEAR - 2 - until.year) // CALENDAR_CYCLE_YEARS)
        last = last.replace(year=last.year + shift)
        text = ";".join(f"{name}={value}" for name, value in parts.items())
        recurrence = rrulestr(text, dtstart=first.replace(year=first.year + shift), ignoretz=True)
        if "COUNT" not in parts:  # RFC 5545: never both
            recurrence = recurrence.replace(until=last)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _rule_error(f"Règle de récurrence invalide (RFC 5545) : {exc}") from exc
    tz = ZoneInfo(zone)
    try:
        for moment in recurrence:
            if moment > last:
                return
            yield moment.replace(year=moment.year - shift, tzinfo=tz)
    except (ValueError, IndexError, TypeError, OverflowError) as exc:  # parts dateutil accepts, then fails on
        raise _rule_error(f"Règle de récurrence invalide (RFC 5545) : {RULE_PARTS_HINT}") from exc


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
    _checked_rule(rule)  # a refused rule costs nothing more (the holidays below take ~0.1 s the first time)
    zone = offer.time_zone
    now = timezone.now()
    off = (
        {} if keep_holidays else public_holidays(offer.department_code, range(starts_on.year, until.year + 1))
    )
    times, skipped = [], []
    for moment in occurrences(rule, starts_on, until, start_time, zone):
        if moment <= now:
            continue
        if moment.date() in off:
            skipped.append({"date": moment.date().isoformat(), "name": off[moment.date()]})
            continue
        times.append(moment)
        if len(times) > MAX_OCCURRENCES:  # the expansion stops here, not after the whole rule
            raise _rule_error(f"Au plus {MAX_OCCURRENCES} occurrences par série.")
    if not times:
        raise _rule_error("Aucune occurrence à venir.")
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
