"""The default review window: the latest weekly window that has started, in local time."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from midweek.errors import ConfigError
from midweek.windows import parse_weekly_time, review_window

TASHKENT = ZoneInfo("Asia/Tashkent")
MONDAY, WEDNESDAY = "monday 00:00", "wednesday 12:00"


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        # Thursday: the window that closed yesterday at noon
        (datetime(2025, 7, 10, 9, tzinfo=TASHKENT), (2025, 7, 7, 0), (2025, 7, 9, 12)),
        # Wednesday 12:00 exactly: it has just closed
        (datetime(2025, 7, 9, 12, tzinfo=TASHKENT), (2025, 7, 7, 0), (2025, 7, 9, 12)),
        # Tuesday: the window in progress (a draft)
        (datetime(2025, 7, 8, 15, tzinfo=TASHKENT), (2025, 7, 7, 0), (2025, 7, 9, 12)),
        # Monday 00:00 exactly: a new window opens
        (datetime(2025, 7, 14, 0, tzinfo=TASHKENT), (2025, 7, 14, 0), (2025, 7, 16, 12)),
        # Sunday 23:30 in Tashkent is still Sunday 18:30 UTC: zone matters
        (datetime(2025, 7, 13, 18, 30, tzinfo=UTC), (2025, 7, 7, 0), (2025, 7, 9, 12)),
    ],
)
def test_latest_window_that_has_started(
    now: datetime, start: tuple[int, ...], end: tuple[int, ...]
) -> None:
    first, last = review_window(now, MONDAY, WEDNESDAY, "Asia/Tashkent")
    assert first == datetime(*start, tzinfo=TASHKENT)
    assert last == datetime(*end, tzinfo=TASHKENT)
    assert first.utcoffset() == last.utcoffset()


def test_a_window_across_the_week_end_and_a_whole_week() -> None:
    now = datetime(2025, 7, 8, 9, tzinfo=UTC)  # a Tuesday
    first, last = review_window(now, "fri 18:00", "Tue 08:00", "UTC")
    assert (first, last) == (
        datetime(2025, 7, 4, 18, tzinfo=UTC),
        datetime(2025, 7, 8, 8, tzinfo=UTC),
    )
    week = review_window(now, "monday 00:00", "monday 00:00", "UTC")
    assert week == (datetime(2025, 7, 7, tzinfo=UTC), datetime(2025, 7, 14, tzinfo=UTC))


def test_daylight_saving_keeps_local_wall_clock() -> None:
    # Europe/Berlin moves to summer time on Sunday 30 March 2025
    first, last = review_window(
        datetime(2025, 4, 1, 12, tzinfo=UTC), "saturday 00:00", "monday 12:00", "Europe/Berlin"
    )
    assert (first.hour, last.hour) == (0, 12)
    assert first.utcoffset() != last.utcoffset()


@pytest.mark.parametrize("spec", ["someday 10:00", "monday", "monday 25:00", "mo 10:00", "t 10:00"])
def test_bad_weekly_times_are_clear_errors(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"monday 00:00|time of day"):
        parse_weekly_time(spec)


def test_weekly_time_and_unknown_zone() -> None:
    assert parse_weekly_time(" Wednesday 12:00 ") == (2, time(12, 0))
    with pytest.raises(ConfigError, match="IANA"):
        review_window(datetime(2025, 7, 8, tzinfo=UTC), MONDAY, WEDNESDAY, "Mars/Base")
