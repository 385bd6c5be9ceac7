"""The default review window: a weekly span such as Monday 00:00 to Wednesday 12:00.

The ends are written as ``"<weekday> HH:MM"`` (English weekday names or their first
three letters) and read in the outlet's time zone. The window a review covers is the
one whose start is the most recent start at or before ``now``: when its end has passed
it is the last complete window; when ``now`` falls inside it, the review is of the
window in progress (a draft an editor can watch grow; its slug is that of the finished
review, so building it again later replaces the draft). A time zone change (DST) inside
the window is handled by reading both ends as local wall-clock times.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from midweek.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["parse_weekly_time", "review_window", "time_zone"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPEC_RE = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)
_WEEK = timedelta(days=7)


def time_zone(name: str) -> ZoneInfo:
    """An IANA time zone by name.

    Raises:
        ConfigError: the name is not a known zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r} (use an IANA name like Asia/Tashkent)"
        ) from None


def parse_weekly_time(spec: str) -> tuple[int, time]:
    """Read ``"wednesday 12:00"`` as (weekday number, Monday = 0; time of day).

    Raises:
        ConfigError: not a weekday name (or its first three letters) and an HH:MM time.
    """
    match = _SPEC_RE.match(spec)
    day = match.group(1).casefold() if match else ""
    found = [k for k, name in enumerate(_WEEKDAYS) if len(day) >= 3 and name.startswith(day)]
    if match is None or len(found) != 1:
        raise ConfigError(
            f"not a weekly time {spec!r}: write a weekday and HH:MM, e.g. 'monday 00:00'"
        )
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ConfigError(f"not a time of day in {spec!r}")
    return found[0], time(hour, minute)


def _latest_at_or_before(moment: datetime, weekday: int, at: time) -> datetime:
    """The latest local ``weekday at`` not after ``moment`` (a local aware datetime)."""
    days_back = (moment.weekday() - weekday) % 7
    day = (moment - timedelta(days=days_back)).date()
    candidate = datetime.combine(day, at, tzinfo=moment.tzinfo)
    return candidate if candidate <= moment else candidate - _WEEK


def review_window(now: datetime, start: str, end: str, tz: str) -> tuple[datetime, datetime]:
    """The window a review run at ``now`` covers by default.

    Args:
        now: The current time (aware).
        start: Weekly start, e.g. ``"monday 00:00"``.
        end: Weekly end, e.g. ``"wednesday 12:00"``; the first such moment after the start
            closes the window (equal to the start: a whole week).
        tz: IANA zone both are read in.

    Returns:
        ``(start, end)`` as aware datetimes in ``tz``; ``end`` may lie after ``now``
        (a window in progress).

    Raises:
        ConfigError: a bad weekly time or zone.
    """
    zone = time_zone(tz)
    start_day, start_at = parse_weekly_time(start)
    end_day, end_at = parse_weekly_time(end)
    local_now = now.astimezone(zone)
    opens = _latest_at_or_before(local_now, start_day, start_at)
    closes = _latest_at_or_before(opens + _WEEK, end_day, end_at)
    if closes <= opens:
        closes += _WEEK
    logger.debug("default window %s .. %s (now %s)", opens, closes, local_now)
    return opens, closes
