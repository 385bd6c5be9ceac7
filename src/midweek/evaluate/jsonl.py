"""Reading the JSON-lines evaluation files (plain or gzip-compressed), one object a line."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path

from midweek.errors import SourceError

logger = logging.getLogger(__name__)

__all__ = ["read_records"]


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a JSONL or JSONL.gz file.

    Raises:
        SourceError: The file cannot be read.
    """
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            yield from enumerate(fh, start=1)
    except (OSError, EOFError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from exc


def read_records(path: Path) -> Iterator[tuple[int, dict[str, object] | None]]:
    """Numbered JSON objects of a JSONL(.gz) file; None for a line that is not one.

    Blank lines are skipped; the numbers are the file's line numbers.

    Raises:
        SourceError: The file cannot be read.
    """
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        yield number, record if isinstance(record, dict) else None
