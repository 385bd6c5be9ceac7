"""View models of the site's pages: pure functions from stored values to what templates show.

Third-party strings stay plain text here (the templates autoescape them); links are
built only from http/https URLs (:func:`midweek.render.markdown.safe_link_url`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from midweek.models import Article
from midweek.render.markdown import continuing_label, dropped_label, safe_link_url
from midweek.store.site import ReviewListing

logger = logging.getLogger(__name__)

__all__ = [
    "ArchiveWeek",
    "CitationLink",
    "OutletGroup",
    "ReviewPage",
    "SectionView",
    "SentenceView",
    "ShareLink",
    "archive_weeks",
    "group_articles",
    "review_page",
    "share_links",
]


# What a tag slug may be (as midweek.entities makes them): safe in a path as it is.
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True, slots=True)
class CitationLink:
    """A numbered source: ``href`` is None when its URL is not a safe http(s) link."""

    number: int
    href: str | None
    title: str
    outlet: str


@dataclass(frozen=True, slots=True)
class SentenceView:
    """A sentence and the sources it cites."""

    text: str
    citations: tuple[CitationLink, ...]


@dataclass(frozen=True, slots=True)
class SectionView:
    """One section: its heading, its story and its sentences."""

    heading: str
    story_key: str
    sentences: tuple[SentenceView, ...]
    # "Continuing story: new since ..." in the review's language; "" for a new story
    label: str = ""


@dataclass(frozen=True, slots=True)
class TagLink:
    """A review's tag: the entity's name in the review's language and its tag page slug."""

    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """Everything the review template shows, from the stored JSON body."""

    slug: str
    rubric: str
    title: str
    teasers: tuple[str, ...]
    intro: str
    sections: tuple[SectionView, ...]
    sources: tuple[CitationLink, ...]
    lang: str
    tags: tuple[TagLink, ...]
    author: str
    status: str
    credits: str
    window_start: date | None
    window_end: date | None
    created_at: datetime | None
    # headings of the previous review's stories this one leaves out, and their label
    dropped: tuple[str, ...] = ()
    dropped_label: str = ""


@dataclass(frozen=True, slots=True)
class ShareLink:
    """A plain share link (no third-party script)."""

    name: str
    href: str


@dataclass(frozen=True, slots=True)
class OutletGroup:
    """The articles of one outlet in one language."""

    lang: str
    outlet: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class ArchiveWeek:
    """The reviews whose window starts in one ISO week."""

    year: int
    week: int
    reviews: tuple[ReviewListing, ...]


def _parse_time(value: Any) -> datetime | None:
    """An ISO 8601 string from a stored body as a datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def review_page(body: dict[str, Any]) -> ReviewPage:
    """Build the review page from a stored body (``review_to_dict``'s shape).

    Citations are numbered in order of first use, as in the HTML and Markdown renderers.
    Missing fields (an older body) become empty values rather than errors.

    Args:
        body: The stored JSON body.

    Returns:
        The page's view model.
    """
    numbers: dict[int, CitationLink] = {}
    sections: list[SectionView] = []
    lang = str(body.get("lang", ""))
    for section in body.get("sections") or ():
        sentences = []
        for sentence in section.get("sentences") or ():
            cites = []
            for citation in sentence.get("citations") or ():
                article_id = int(citation.get("article_id", 0))
                if article_id not in numbers:
                    url = str(citation.get("url", ""))
                    numbers[article_id] = CitationLink(
                        number=len(numbers) + 1,
                        href=safe_link_url(url),
                        title=str(citation.get("title") or url),
                        outlet=str(citation.get("outlet", "")),
                    )
                cites.append(numbers[article_id])
            sentences.append(SentenceView(str(sentence.get("text", "")), tuple(cites)))
        since = _parse_time(section.get("new_since"))
        sections.append(
            SectionView(
                heading=str(section.get("heading", "")),
                story_key=str(section.get("story_key", "")),
                sentences=tuple(sentences),
                label=continuing_label(lang, since)
                if section.get("status") == "continuing" and since is not None
                else "",
            )
        )
    dropped = tuple(
        str(d.get("heading", "")) for d in body.get("dropped") or () if isinstance(d, dict)
    )
    start, end = _parse_time(body.get("window_start")), _parse_time(body.get("window_end"))
    return ReviewPage(
        slug=str(body.get("slug", "")),
        rubric=str(body.get("rubric", "")),
        title=str(body.get("title", "")),
        teasers=tuple(str(t) for t in body.get("teasers") or ()),
        intro=str(body.get("intro", "")),
        sections=tuple(sections),
        sources=tuple(numbers.values()),
        lang=lang,
        tags=_tags(body.get("tags")),
        author=str(body.get("author", "")),
        status=str(body.get("status", "draft")),
        credits=str(body.get("credits", "")),
        window_start=start.date() if start else None,
        # the stored end is exclusive (midnight after the last day)
        window_end=(end.date() if end.time() != datetime.min.time() else _day_before(end))
        if end
        else None,
        created_at=_parse_time(body.get("created_at")),
        dropped=dropped,
        dropped_label=dropped_label(lang) if dropped else "",
    )


def _tags(value: Any) -> tuple[TagLink, ...]:
    """The tags of a stored body; a tag without a URL-safe slug is shown unlinked."""
    tags = []
    for tag in value or ():
        if isinstance(tag, dict):
            slug = str(tag.get("slug", ""))
            tags.append(TagLink(str(tag.get("name", "")), slug if _SLUG.fullmatch(slug) else ""))
        else:  # bodies stored before tags became entities held plain names
            tags.append(TagLink(str(tag), ""))
    return tuple(tags)


def review_path(slug: str) -> str:
    """The path of a review page (the slug percent-encoded)."""
    return f"/reviews/{quote(slug, safe='')}"


def _day_before(moment: datetime) -> date:
    """The calendar day before a midnight."""
    return date.fromordinal(moment.date().toordinal() - 1)


def share_links(url: str, title: str, email_label: str) -> tuple[ShareLink, ...]:
    """Share links for Telegram, WhatsApp, Facebook, X and e-mail, every value URL-encoded.

    Args:
        url: The page's canonical URL.
        title: What the shared message says.
        email_label: The e-mail link's name in the interface language.

    Returns:
        The links, in that order.
    """
    text = f"{title} {url}"
    return (
        ShareLink("Telegram", "https://t.me/share/url?" + urlencode({"url": url, "text": title})),
        ShareLink("WhatsApp", "https://wa.me/?" + urlencode({"text": text})),
        ShareLink(
            "Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})
        ),
        ShareLink("X", "https://x.com/intent/post?" + urlencode({"url": url, "text": title})),
        # mailto wants %20 for spaces, not "+": quote rather than urlencode
        ShareLink(
            email_label,
            f"mailto:?subject={quote(title, safe='')}&body={quote(text, safe='')}",
        ),
    )


def group_articles(articles: Sequence[Article]) -> tuple[OutletGroup, ...]:
    """A story's articles grouped by language, then outlet (each group oldest first).

    Args:
        articles: The articles, in any order.

    Returns:
        The groups, by language code then outlet name.
    """
    groups: dict[tuple[str, str], list[Article]] = {}
    for article in articles:
        groups.setdefault((article.lang or "", article.outlet or ""), []).append(article)
    return tuple(
        OutletGroup(
            lang,
            outlet,
            tuple(
                sorted(
                    items, key=lambda a: (a.published is None, a.published or datetime.max, a.url)
                )
            ),
        )
        for (lang, outlet), items in sorted(groups.items())
    )


def archive_weeks(listings: Sequence[ReviewListing]) -> tuple[ArchiveWeek, ...]:
    """Reviews grouped by the ISO week their window starts in, newest week first.

    Args:
        listings: The reviews.

    Returns:
        One entry per week that has a review.
    """
    weeks: dict[tuple[int, int], list[ReviewListing]] = {}
    for listing in listings:
        iso = listing.window_start.isocalendar()
        weeks.setdefault((iso.year, iso.week), []).append(listing)
    return tuple(
        ArchiveWeek(year, week, tuple(sorted(items, key=lambda r: r.window_start, reverse=True)))
        for (year, week), items in sorted(weeks.items(), reverse=True)
    )


def article_href(article: Article) -> str | None:
    """An article's URL when it is a safe http(s) link."""
    return safe_link_url(article.url)
