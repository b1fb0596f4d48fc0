"""Business time: Monday to Friday within a territory's working hours, its public holidays excluded. Durations
are in seconds of business time.

Each territory counts in its own calendar (`calendar_of`): La Réunion's questions in Réunion time with its 20
December, Alsace-Moselle's with Good Friday and 26 December, Guadeloupe, Martinique, Guyane and Mayotte likewise
(network/services/holidays.py says which days); metropolitan France's is the default. Working hours are 9:00 to
18:00 local time unless `settings.BUSINESS_HOURS` says otherwise for a territory
(`{"974": ("08:00", "17:00")}`, by department code, or "default")."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

from .holidays import SUBDIVISIONS, public_holidays

ZONE = ZoneInfo("Europe/Paris")
OPENS, CLOSES = time(9), time(18)
DAY_SECONDS = 9 * 3600  # metropolitan France's business day; a territory's own is `Calendar.day_seconds`

# Overseas departments' time zones (metropolitan departments, Corsica and Alsace-Moselle: Paris).
ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}


@dataclass(frozen=True)
class Calendar:
    """A territory's business time: its zone, its public holidays (those of `department`), its hours."""

    department: str | None  # the department whose holidays count (None: metropolitan France's)
    zone: ZoneInfo
    opens: time = OPENS
    closes: time = CLOSES

    @property
    def day_seconds(self) -> int:
        return int(
            (datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)).total_seconds()
        )

    def holidays(self, year: int):
        return _holidays(self.department, year)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def window(self, day: date) -> tuple[datetime, datetime]:
        return datetime.combine(day, self.opens, self.zone), datetime.combine(day, self.closes, self.zone)


@lru_cache(maxsize=256)
def _holidays(department: str | None, year: int):
    return frozenset(public_holidays(department, [year]))


def _hours(key: str) -> tuple[time, time]:
    configured = getattr(settings, "BUSINESS_HOURS", {}) or {}
    hours = configured.get(key) or configured.get("default")
    if not hours:
        return OPENS, CLOSES
    return time.fromisoformat(hours[0]), time.fromisoformat(hours[1])


def calendar_of(department_code: str | None) -> Calendar:
    """The calendar of a department (INSEE code): its zone, its holidays, its working hours."""
    code = department_code or ""
    opens, closes = _hours(code)
    return Calendar(
        code if code in SUBDIVISIONS else None, ZoneInfo(ZONES.get(code, "Europe/Paris")), opens, closes
    )


def calendar_of_commune(commune_code: str | None) -> Calendar:
    """The calendar of a commune's department, read off its INSEE code (97x for overseas, 2A/2B for Corsica):
    no query."""
    code = commune_code or ""
    return calendar_of(code[:3] if code.startswith("97") else code[:2])


METROPOLE = Calendar(None, ZONE)


def is_business_day(day: date, calendar: Calendar | None = None) -> bool:
    return (calendar or METROPOLE).is_business_day(day)


def _overlap(calendar: Calendar, day: date, start: datetime, end: datetime) -> int:
    if not calendar.is_business_day(day):
        return 0
    opens, closes = calendar.window(day)
    return max(int((min(end, closes) - max(start, opens)).total_seconds()), 0)


def _full_business_days(calendar: Calendar, first: date, last: date) -> int:
    """Business days from `first` to `last` inclusive, by arithmetic (whole weeks) less public holidays."""
    if last < first:
        return 0
    weeks, extra = divmod((last - first).days + 1, 7)
    weekdays = weeks * 5 + sum(
        1 for i in range(extra) if (first + timedelta(days=weeks * 7 + i)).weekday() < 5
    )
    off = sum(
        1
        for year in range(first.year, last.year + 1)
        for holiday in calendar.holidays(year)
        if first <= holiday <= last and holiday.weekday() < 5
    )
    return weekdays - off


def business_seconds(start: datetime, end: datetime, calendar: Calendar | None = None) -> int:
    """Business seconds between two instants in the territory's calendar (0 if `end` is not after `start`)."""
    calendar = calendar or METROPOLE
    if end <= start:
        return 0
    first, last = start.astimezone(calendar.zone).date(), end.astimezone(calendar.zone).date()
    if first == last:
        return _overlap(calendar, first, start, end)
    middle = _full_business_days(calendar, first + timedelta(days=1), last - timedelta(days=1))
    return (
        _overlap(calendar, first, start, end)
        + middle * calendar.day_seconds
        + _overlap(calendar, last, start, end)
    )


def add_business_seconds(start: datetime, seconds: int, calendar: Calendar | None = None) -> datetime:
    """The instant `seconds` of business time after `start` in the territory's calendar (from its next
    opening if outside hours)."""
    calendar = calendar or METROPOLE
    remaining = max(int(seconds), 0)
    day = start.astimezone(calendar.zone).date()
    while True:
        if calendar.is_business_day(day):
            opens, closes = calendar.window(day)
            begin = max(start, opens)
            if begin < closes:
                available = int((closes - begin).total_seconds())
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
        day += timedelta(days=1)
