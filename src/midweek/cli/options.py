"""Checks and parsing of command options shared by several commands.

Every check runs before anything is read, stored or written, and ends in a
:class:`~midweek.errors.ConfigError` that names the option and the fix.
"""

from __future__ import annotations

import os
from datetime import datetime, tzinfo
from pathlib import Path

from midweek.cli.context import err, now
from midweek.errors import ConfigError
from midweek.settings import Settings

__all__ = ["check_folder_writable", "check_writable", "moment", "review_window"]


def check_writable(path: Path) -> None:
    """Refuse an --out file whose folder is missing or not writable, or that is a folder.

    Args:
        path: The file to be written.

    Raises:
        ConfigError: with the fix.
    """
    parent = path.parent
    if path.is_dir():
        raise ConfigError(f"--out: {path} is a folder; give a file name inside it")
    if not parent.is_dir():
        raise ConfigError(f"--out: folder {parent} does not exist; create it first (mkdir -p)")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"--out: cannot write to {path}; pick a folder you can write to")


def check_folder_writable(folder: Path) -> None:
    """Refuse an --out folder that is a file, or that cannot be made where it is to be.

    Args:
        folder: The folder to be written into (made when missing).

    Raises:
        ConfigError: with the fix.
    """
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out: {folder} is a file; give a folder")
    existing = folder.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"--out: {existing} is a file, so {folder} cannot be made")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"--out: cannot write in {existing}; pick a folder you can write to")


def moment(label: str, value: str, zone: tzinfo) -> datetime:
    """An ISO 8601 time; without an offset it is read in ``zone``.

    Args:
        label: The option, for the error (``--from``).
        value: What the user gave.
        zone: The zone of a time without an offset.

    Returns:
        An aware time.

    Raises:
        ConfigError: ``value`` is not ISO 8601.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{label}: not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _window(start: str, end: str, tz: str) -> tuple[datetime, datetime]:
    """Parse a window's ends in a zone; they must be ordered."""
    from midweek.windows import time_zone

    zone = time_zone(tz)
    first, last = moment("--from", start, zone), moment("--to", end, zone)
    if first >= last:
        raise ConfigError("--from must be before --to")
    return first, last


def review_window(
    settings: Settings, start: str | None, end: str | None, tz: str | None, *, quiet: bool
) -> tuple[datetime, datetime]:
    """The window from --from/--to, or the default one of the settings when neither.

    Args:
        settings: The workspace's settings (the weekly window and its zone).
        start: ``--from``, or None.
        end: ``--to``, or None.
        tz: ``--tz``, or None for the timezone setting.
        quiet: ``--quiet``: the default window is not noted on stderr.

    Returns:
        The window's start and end.

    Raises:
        ConfigError: only one end given, a bad time or zone, or the ends out of order.
    """
    from midweek.windows import review_window as weekly_window

    if start is None and end is None:
        window = weekly_window(
            now(),
            settings.review_window_start,
            settings.review_window_end,
            tz or settings.timezone,
        )
        if not quiet:
            err.print(
                f"window {window[0].isoformat()} – {window[1].isoformat()} "
                "(review_window_start/review_window_end)",
                highlight=False,
            )
        return window
    if start is None or end is None:
        raise ConfigError("give both --from and --to, or neither for the default window")
    return _window(start, end, tz or settings.timezone)
