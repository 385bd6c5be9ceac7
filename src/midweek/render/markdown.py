"""Render a review as Markdown (CommonMark) with numbered citations and a source list.

Every string that came from a third party (titles, sentences, outlet names) is escaped so
it renders as the same plain text it was: a title like ``[click](javascript:...)`` or
``<script>`` stays literal. Links are written only for http and https URLs.
"""

from __future__ import annotations

import gettext
import logging
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, urlsplit

from midweek.errors import ConfigError
from midweek.models import Citation, Review
from midweek.translations import translations

logger = logging.getLogger(__name__)

__all__ = [
    "continuing_label",
    "dropped_label",
    "escape_markdown",
    "render_markdown",
    "safe_link_url",
    "sources_heading",
    "tags_label",
]

# Characters CommonMark may read as markup anywhere in a line (inline syntax, HTML,
# autolinks, tables, strikethrough).
_INLINE_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|~!])")
# Markup recognised only at the start of a line: headings, quotes, lists, rules.
_LINE_START_RE = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)
_SAFE_SCHEMES = frozenset({"http", "https"})


def _translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang``; English (the source strings) when it has none."""
    try:
        return translations(lang)
    except ConfigError:
        return gettext.NullTranslations()


def _gettext(lang: str) -> Callable[[str], str]:
    """The ``gettext`` of ``lang`` (bound to ``_`` by callers: ``pybabel extract`` looks
    for ``_("...")``)."""
    return _translations(lang).gettext


def tags_label(lang: str) -> str:
    """The label before a review's tags."""
    _ = _gettext(lang)
    return _("Tags")


def sources_heading(lang: str) -> str:
    """The heading of a review's list of sources."""
    _ = _gettext(lang)
    return _("Sources")


def dropped_label(lang: str) -> str:
    """The line before the headings of the previous review's stories this one leaves out."""
    _ = _gettext(lang)
    return _("From the last review, no longer covered")


def continuing_label(lang: str, since: datetime) -> str:
    """The line under the heading of a story that was in the previous published review."""
    _ = _gettext(lang)
    # TRANSLATORS: {date} is an ISO date (2025-07-09): what is new since the last review
    label = _("Continuing story: new since {date}")
    return label.format(date=since.date().isoformat())


def escape_markdown(text: str) -> str:
    """Backslash-escape text so CommonMark renders it literally, on one line.

    Args:
        text: Plain text from any source.

    Returns:
        The text with Markdown specials escaped and line breaks turned into spaces.
    """
    flat = " ".join(text.split())
    escaped = _INLINE_SPECIAL_RE.sub(r"\\\1", flat)

    def escape_marker(match: re.Match[str]) -> str:
        """Escape the last character of a line-start marker."""
        marker = match.group(2)
        return f"{match.group(1)}{marker[:-1]}\\{marker[-1]}"

    return _LINE_START_RE.sub(escape_marker, escaped)


def safe_link_url(url: str) -> str | None:
    """Return a URL fit for a link target, or None for anything but http(s).

    Args:
        url: A URL from an article.

    Returns:
        The URL with characters that could end a Markdown link or an HTML attribute
        percent-encoded, or None when the scheme is not http/https or there is no host.
    """
    stripped = url.strip()
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in stripped):
        return None  # control characters: browsers drop them, so "java\tscript:" works
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.hostname:
        return None
    return quote(stripped, safe="/:?#[]@!$&'*+,;=%-._~")


def _number_citations(review: Review) -> dict[int, int]:
    """Number cited articles 1, 2, ... in order of first citation."""
    numbers: dict[int, int] = {}
    for section in review.sections:
        for sentence in section.sentences:
            for citation in sentence.citations:
                numbers.setdefault(citation.article_id, len(numbers) + 1)
    return numbers


def _citation_mark(number: int, citation: Citation) -> str:
    """``[n](url)``, or a plain ``\\[n\\]`` when the URL is not a safe link."""
    url = safe_link_url(citation.url)
    if url is None:
        return f"\\[{number}\\]"
    return f"[{number}]({url})"


def language_note(tag: str) -> str:
    """The note after a heading, teaser or quotation in another language: `` _(ru)_``."""
    return f" _({escape_markdown(tag)})_" if tag else ""


def render_markdown(review: Review) -> str:
    """Render a review as a Markdown document.

    Args:
        review: The review.

    Returns:
        Markdown: title, rubric, teasers, intro, one ``##`` section per story with a
        numbered citation link after each sentence, and a "Sources" list at the end.
        A heading, teaser or sentence in another language than the review's is followed
        by its language tag in italics (a sentence is also put in quotation marks).
    """
    numbers = _number_citations(review)
    lines = [f"# {escape_markdown(review.title)}", "", f"*{escape_markdown(review.rubric)}*", ""]
    if review.teasers:
        marks = [s.heading_lang for s in review.sections]
        lines.extend(
            f"- {escape_markdown(teaser)}"
            + language_note(
                marks[i] if i < len(marks) and teaser == review.sections[i].heading else ""
            )
            for i, teaser in enumerate(review.teasers)
        )
        lines.append("")
    lines.extend([escape_markdown(review.intro), ""])
    sources: dict[int, Citation] = {}
    for section in review.sections:
        heading = escape_markdown(section.heading) + language_note(section.heading_lang)
        lines.extend([f"## {heading}", ""])
        if section.status == "continuing" and section.new_since is not None:
            lines.extend(
                [f"*{escape_markdown(continuing_label(review.lang, section.new_since))}*", ""]
            )
        body = []
        for sentence in section.sentences:
            marks = []
            for citation in sentence.citations:
                sources.setdefault(citation.article_id, citation)
                marks.append(_citation_mark(numbers[citation.article_id], citation))
            text = escape_markdown(sentence.text)
            if sentence.lang:  # a quotation in another language, marked as such
                text = f"“{text}”{language_note(sentence.lang)}"
            body.append(" ".join([text, *marks]))
        lines.extend([" ".join(body), ""])
    if review.dropped:
        label = dropped_label(review.lang)
        names = "; ".join(escape_markdown(d.heading) for d in review.dropped)
        lines.extend([f"*{escape_markdown(label)}:* {names}", ""])
    if sources:
        lines.extend([f"## {sources_heading(review.lang)}", ""])
        for article_id, citation in sources.items():
            title = escape_markdown(citation.title or citation.url)
            url = safe_link_url(citation.url)
            entry = f"[{title}]({url})" if url is not None else title
            outlet = f" — {escape_markdown(citation.outlet)}" if citation.outlet else ""
            lines.append(f"{numbers[article_id]}. {entry}{outlet}")
        lines.append("")
    if review.tags:
        names = " · ".join(escape_markdown(t.name) for t in review.tags)
        lines.extend([f"{tags_label(review.lang)}: {names}", ""])
    if review.credits:
        lines.extend([f"*{escape_markdown(review.credits)}*", ""])
    return "\n".join(lines)
