"""Local days and clock times of the platform's zone (settings.TIME_ZONE, Asia/Shanghai by default).

A roster speaks in local clock times ("night shift 20:00–08:00"); the database keeps instants.
Converting through the zone (not by adding 8 hours) keeps this right for any zone; Asia/Shanghai
has no daylight saving, so every day has 24 hours and a 12-hour shift is always 12 hours.
"""

from __future__ import annotations

import calendar
import datetime

from django.utils import timezone


def zone() -> datetime.tzinfo:
    return timezone.get_default_timezone()


def at_local(day: datetime.date, clock: datetime.time) -> datetime.datetime:
    """The instant of a local clock time on a local day."""
    return datetime.datetime.combine(day, clock, tzinfo=zone())


def span(day: datetime.date, start: datetime.time, end: datetime.time) -> tuple[datetime.datetime, datetime.datetime]:
    """A shift starting on `day` at `start` and ending at `end`: the next day when `end` is not after `start`
    (20:00–08:00 crosses midnight; 08:00–08:00 is 24 hours)."""
    ends_on = day if end > start else day + datetime.timedelta(days=1)
    return at_local(day, start), at_local(ends_on, end)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From local midnight of `day` to the next local midnight."""
    return at_local(day, datetime.time(0)), at_local(day + datetime.timedelta(days=1), datetime.time(0))


def local_day(instant: datetime.datetime) -> datetime.date:
    return timezone.localtime(instant, zone()).date()


def month_days(year: int, month: int) -> list[datetime.date]:
    return [datetime.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def parse_clock(text: str) -> datetime.time:
    """"8:00", "08:00" or "0800" → a time; ValueError otherwise (24:00 is midnight of the next day: write 00:00)."""
    cleaned = text.strip().replace("：", ":")
    for fmt in ("%H:%M", "%H%M", "%H:%M:%S"):
        try:
            return datetime.datetime.strptime(cleaned, fmt).time()
        except ValueError:
            continue
    raise ValueError(text)
