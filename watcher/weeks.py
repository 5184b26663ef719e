"""The district's calendar of weeks: what the weekly digest covers.

A week runs Monday 00:00 to the next Monday 00:00 in the district's time zone, named by its ISO
week (``2026-W48``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from watcher.errors import InputError

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str) -> date:
    """The Monday of an ISO week written ``2026-W48``."""
    found = _WEEK.match(text.strip().upper())
    try:
        if not found:
            raise ValueError
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise InputError(f"week {text!r} is not an ISO week such as 2026-W48") from None


def week_name(day: date) -> str:
    """The ISO week a day belongs to, written ``2026-W48``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def last_complete_week(tz: ZoneInfo, now: datetime | None = None) -> str:
    """The last ISO week that has ended in ``tz``: what a Monday-morning digest covers."""
    today = (now or datetime.now(tz)).astimezone(tz).date()
    return week_name(today - timedelta(days=today.weekday() + 7))


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of the week, as aware datetimes in ``tz``."""
    monday = parse_week(week)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    return start, end
