"""Business time of the accelerator: Monday to Friday, 9:00 to 18:00 Europe/Paris, French public holidays
(the `holidays` package) excluded. Durations are in seconds of business time."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ZONE = ZoneInfo("Europe/Paris")
OPENS, CLOSES = time(9), time(18)
DAY_SECONDS = 9 * 3600


@lru_cache(maxsize=64)
def _holidays(year: int):
    return holidays.country_holidays("FR", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def _window(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, OPENS, ZONE), datetime.combine(day, CLOSES, ZONE)


def _overlap(day: date, start: datetime, end: datetime) -> int:
    if not is_business_day(day):
        return 0
    opens, closes = _window(day)
    return max(int((min(end, closes) - max(start, opens)).total_seconds()), 0)


def _full_business_days(first: date, last: date) -> int:
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
        for holiday in _holidays(year)
        if first <= holiday <= last and holiday.weekday() < 5
    )
    return weekdays - off


def business_seconds(start: datetime, end: datetime) -> int:
    """Business seconds between two instants (0 if `end` is not after `start`)."""
    if end <= start:
        return 0
    first, last = start.astimezone(ZONE).date(), end.astimezone(ZONE).date()
    if first == last:
        return _overlap(first, start, end)
    middle = _full_business_days(first + timedelta(days=1), last - timedelta(days=1))
    return _overlap(first, start, end) + middle * DAY_SECONDS + _overlap(last, start, end)


def add_business_seconds(start: datetime, seconds: int) -> datetime:
    """The instant `seconds` of business time after `start` (from the next opening if outside hours)."""
    remaining = max(int(seconds), 0)
    day = start.astimezone(ZONE).date()
    while True:
        if is_business_day(day):
            opens, closes = _window(day)
            begin = max(start, opens)
            if begin < closes:
                available = int((closes - begin).total_seconds())
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
        day += timedelta(days=1)
