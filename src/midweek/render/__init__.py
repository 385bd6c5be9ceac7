"""Render a :class:`~midweek.models.Review` as Markdown, a standalone HTML page or JSON."""

from __future__ import annotations

from collections.abc import Callable

from midweek.errors import ConfigError
from midweek.models import Review
from midweek.render.html import render_html
from midweek.render.jsonout import REVIEW_JSON_SCHEMA, render_json
from midweek.render.markdown import render_markdown

FORMATS: dict[str, Callable[[Review], str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
}


def render(review: Review, fmt: str) -> str:
    """Render ``review`` in the format named ``fmt`` (md, html or json).

    Raises:
        ConfigError: an unknown format.
    """
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ConfigError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    return renderer(review)


__all__ = [
    "FORMATS",
    "REVIEW_JSON_SCHEMA",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
]
