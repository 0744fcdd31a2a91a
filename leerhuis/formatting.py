"""Dates and times as people read them: through Babel, in the current locale (Dutch unless
English was chosen) and in Europe/Amsterdam time, whatever the stored UTC value.

``format_period`` writes a session as one phrase, "dinsdag 12 maart 2027, 13:00–16:30"
(English: "Tuesday, March 12, 2027, 1:00 PM–4:30 PM"). Both ends are converted on their
own, so a session on the day the clocks change still shows the wall-clock times people
will see in the room.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_time, get_locale, to_user_timezone

# The region's clock: programme days, months in reports and certificate dates are Dutch days.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def format_day(value: date | datetime | None, fmt: str = "full") -> str:
    """A day in the locale's own pattern ("full": "dinsdag 12 maart 2027")."""
    return _format_day(value, fmt, str(get_locale())) if value else ""


@functools.lru_cache(maxsize=4096)
def _format_day(value: date | datetime, fmt: str, _locale: str) -> str:
    # The same days come back on page after page (a programme has a few hundred); Babel's
    # formatting is the slow part of rendering them. The locale is in the key.
    return format_date(value, fmt)


def format_clock(value: datetime | None) -> str:
    """A time of day in the locale's short form ("13:00"; English "1:00 PM")."""
    return format_time(value, "short") if value else ""


def format_moment(value: datetime | None) -> str:
    """A point in time, e.g. when something was sent: "12 maart 2027, 13:05"."""
    if not value:
        return ""
    return f"{format_date(value, 'long')}, {format_time(value, 'short')}"


def format_period(starts_at: datetime | None, ends_at: datetime | None,
                  day_format: str = "full") -> str:
    """A session: "dinsdag 12 maart 2027, 13:00–16:30". When it ends on another day (in
    Amsterdam time) both days are written out."""
    if not starts_at:
        return ""
    start = f"{format_date(starts_at, day_format)}, {format_time(starts_at, 'short')}"
    if not ends_at:
        return start
    if to_user_timezone(starts_at).date() != to_user_timezone(ends_at).date():
        return f"{start} – {format_date(ends_at, day_format)}, {format_time(ends_at, 'short')}"
    return f"{start}–{format_time(ends_at, 'short')}"
