"""Frozen values passed between the stages of the flow.

sources -> :class:`Page` -> :class:`Article` -> :class:`Story` -> :class:`Review`.
No stage passes a bare dict to another; each value here is immutable and slotted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Source:
    """A place articles come from: a feed, a news sitemap or a single page."""

    url: str
    kind: str  # "feed" | "sitemap" | "page"
    title: str = ""
    id: int | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed or one URL of a sitemap, before its page is fetched."""

    url: str
    guid: str | None = None
    title: str = ""
    published: datetime | None = None
    summary: str = ""
    content_html: str = ""
    authors: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed or sitemap: what could be read, and whether it was malformed."""

    url: str
    kind: str  # "rss" | "atom" | "rdf" | "json" | "sitemap" | "sitemapindex"
    title: str = ""
    site_url: str = ""
    language: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    # sitemap indexes list child sitemaps rather than articles
    children: tuple[str, ...] = ()
    bozo: bool = False
    bozo_reason: str = ""


@dataclass(frozen=True, slots=True)
class Page:
    """Bytes of one fetched or imported document with what is known about it."""

    url: str
    body: bytes
    fetched_at: datetime
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    requested_url: str = ""
    source_id: int | None = None
    entry: FeedEntry | None = None

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ('' when unknown)."""
        value = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Article:
    """One clean article: the unit every later stage works on."""

    url: str
    title: str
    text: str
    published: datetime | None = None
    authors: tuple[str, ...] = ()
    lang: str | None = None  # "en", "ru", "uz", ...
    script: str | None = None  # ISO 15924: "Latn", "Cyrl", ...
    image: str | None = None
    outlet: str = ""  # the publisher's name or host
    guid: str | None = None
    source_id: int | None = None
    fetched_at: datetime | None = None
    description: str = ""
    id: int | None = None
    duplicate_of: int | None = None
    # news | advert | digest | service | opinion (midweek.kinds); None: not classified yet
    kind: str | None = None

    @property
    def language_tag(self) -> str | None:
        """BCP 47-style tag: 'uz-Latn', 'uz-Cyrl', 'ru', 'en'."""
        if self.lang is None:
            return None
        if self.lang == "uz" and self.script:
            return f"uz-{self.script}"
        return self.lang


@dataclass(frozen=True, slots=True)
class Failure:
    """A page, feed or record that was skipped, and why."""

    # "source" | "fetch" | "parse" | "extract" | "import" | "prepare" | "store" | "ingest"
    stage: str
    locator: str  # URL, file path or file:line
    reason: str


@dataclass(frozen=True, slots=True)
class Citation:
    """A pointer from a sentence of a review to an article that supports it."""

    article_id: int
    url: str
    title: str
    outlet: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a summary with the articles it came from."""

    text: str
    citations: tuple[Citation, ...]
    # language tag of a sentence quoted in another language than the review's (shown as
    # a quotation marked with it); "" when it is in the review's language and script
    lang: str = ""


@dataclass(frozen=True, slots=True)
class Story:
    """Articles about one event, with the figures ranking needs."""

    key: str
    headline: str
    article_ids: tuple[int, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    outlets: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    independent_articles: int = 0
    id: int | None = None
    # (language tag, headline) per language of independent coverage, sorted by tag: the
    # title of the most central independent article in that language
    headlines: tuple[tuple[str, str], ...] = ()
    # independent dated articles per bucket of ``growth_hours``, bucket 0 starting at
    # ``first_seen`` and the last holding the newest independent article; () when none
    growth: tuple[int, ...] = ()
    growth_hours: int = 0

    def headline_in(self, language: str) -> str:
        """The representative headline in a language tag ('uz-Latn', 'ru'), else ``headline``."""
        return dict(self.headlines).get(language, self.headline)


@dataclass(frozen=True, slots=True)
class Section:
    """One section of a review: a heading and its cited sentences."""

    heading: str
    sentences: tuple[Sentence, ...]
    story_key: str = ""
    # "new", or "continuing": the story was in the previous published review and this
    # section is written from what was published since (``new_since``)
    status: str = "new"
    new_since: datetime | None = None
    # language tag of the heading when it is not in the review's language ("" when it is)
    heading_lang: str = ""


@dataclass(frozen=True, slots=True)
class DroppedStory:
    """A story of the previous published review that this review leaves out, and why."""

    story_key: str
    heading: str
    reason: str  # "no_new_developments" | "outranked" | "no_usable_sentence"


@dataclass(frozen=True, slots=True)
class ReviewTag:
    """A tag of a review: a canonical entity named in the review's language and script."""

    name: str
    slug: str  # stable across languages: the tag page's address
    entity_id: str


@dataclass(frozen=True, slots=True)
class Review:
    """A composed review of a time window."""

    slug: str
    rubric: str
    title: str
    teasers: tuple[str, ...]
    intro: str
    sections: tuple[Section, ...]
    window_start: datetime
    window_end: datetime
    created_at: datetime
    lang: str = "en"
    tags: tuple[ReviewTag, ...] = ()
    author: str = "midweek"
    status: str = "draft"  # "draft" | "published"
    credits: str = ""  # attribution the sources' licences require (plain text)
    id: int | None = None
    dropped: tuple[DroppedStory, ...] = ()  # stories of the previous review left out
    previous: str = ""  # slug of the previous published review the statuses refer to
