"""View models of the site's pages: pure functions from stored values to what templates show.

Third-party strings stay plain text here (the templates autoescape them); links are
built only from http/https URLs (:func:`midweek.render.markdown.safe_link_url`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from midweek.compose import default_rubric, format_date_range
from midweek.models import Article, Review
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


# The review languages compose knows (a stored body may name another: shown as stored).
_REVIEW_LANGUAGES: Final = frozenset({"en", "ru", "uz-Latn", "uz-Cyrl"})
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
    """Everything the review template shows, from the stored review."""

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


def review_page(review: Review) -> ReviewPage:
    """Build the review page from a stored review (:attr:`StoredReview.review`).

    Citations are numbered in order of first use, as in the HTML and Markdown renderers.

    Args:
        review: The review.

    Returns:
        The page's view model.
    """
    numbers: dict[int, CitationLink] = {}
    sections: list[SectionView] = []
    for section in review.sections:
        sentences = []
        for sentence in section.sentences:
            cites = []
            for citation in sentence.citations:
                if citation.article_id not in numbers:
                    numbers[citation.article_id] = CitationLink(
                        number=len(numbers) + 1,
                        href=safe_link_url(citation.url),
                        title=citation.title or citation.url,
                        outlet=citation.outlet,
                    )
                cites.append(numbers[citation.article_id])
            sentences.append(SentenceView(sentence.text, tuple(cites)))
        since = section.new_since
        sections.append(
            SectionView(
                heading=section.heading,
                story_key=section.story_key,
                sentences=tuple(sentences),
                label=continuing_label(review.lang, since)
                if section.status == "continuing" and since is not None
                else "",
            )
        )
    dropped = tuple(d.heading for d in review.dropped)
    end = review.window_end
    return ReviewPage(
        slug=review.slug,
        rubric=review.rubric,
        title=review.title,
        teasers=review.teasers,
        intro=review.intro,
        sections=tuple(sections),
        sources=tuple(numbers.values()),
        lang=review.lang,
        # a tag without a URL-safe slug (or a plain name of an older body) is unlinked
        tags=tuple(TagLink(t.name, t.slug if _SLUG.fullmatch(t.slug) else "") for t in review.tags),
        author=review.author,
        status=review.status,
        credits=review.credits,
        window_start=review.window_start.date(),
        # the stored end is exclusive (midnight after the last day)
        window_end=end.date() if end.time() != datetime.min.time() else _day_before(end),
        created_at=review.created_at,
        dropped=dropped,
        dropped_label=dropped_label(review.lang) if dropped else "",
    )


def review_path(slug: str) -> str:
    """The path of a review page (the slug percent-encoded)."""
    return f"/reviews/{quote(slug, safe='')}"


def story_path(key: str) -> str:
    """The path of a story page (the key percent-encoded)."""
    return f"/stories/{quote(key, safe='')}"


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


# Characters of article text a search snippet shows around the first match (about two
# lines of the results column).
SNIPPET_CHARS: Final = 200


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a paged list stands: this page, how many, and the links to its neighbours."""

    page: int
    pages: int
    previous_href: str | None
    next_href: str | None


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (at least one, so page 1 always exists)."""
    return max(1, -(-total // per_page))


def pager(path: str, params: Sequence[tuple[str, str]], page: int, pages: int) -> Pager:
    """Links to the previous and next page of a list, its other parameters kept.

    Args:
        path: The list's path (``/search``).
        params: Its query parameters but ``page``.
        page: The page shown, from 1.
        pages: How many pages there are.

    Returns:
        The pager (a link is None at either end).
    """

    def href(number: int) -> str:
        """The URL of page ``number``."""
        query = [*params, ("page", str(number))] if number > 1 else list(params)
        return f"{path}?{urlencode(query)}" if query else path

    return Pager(
        page=page,
        pages=pages,
        previous_href=href(page - 1) if page > 1 else None,
        next_href=href(page + 1) if page < pages else None,
    )


def parse_page(raw: str | None, pages_at_most: int) -> int:
    """The ``page`` parameter as a page number: 1 when missing or not a plain number.

    Args:
        raw: The parameter's text.
        pages_at_most: The largest page number accepted (larger ones are capped).

    Returns:
        A number from 1 to ``pages_at_most``.
    """
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(pages_at_most)):
        return 1
    return max(1, min(int(raw), pages_at_most))


def _match_pattern(terms: Sequence[Sequence[str]]) -> re.Pattern[str] | None:
    """A pattern finding any spelling of any term at the start of a word."""
    words = sorted(
        {w for spellings in terms for s in spellings for w in re.findall(r"\w+", s)},
        key=len,
        reverse=True,
    )
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


def highlight(text: str, terms: Sequence[Sequence[str]], width: int = SNIPPET_CHARS) -> Markup:
    """A snippet of ``text`` around its first match, every match in ``<mark>``.

    The text is escaped first and only our own ``<mark>`` tags are added, so an article
    can never inject markup.

    Args:
        text: The article's text (or title).
        terms: Per query term, its spellings (:func:`midweek.text.translit.term_variants`).
        width: About how many characters the snippet keeps.

    Returns:
        Safe HTML: the snippet, with "…" where it was cut.
    """
    flat = " ".join(text.split())
    pattern = _match_pattern(terms)
    first = pattern.search(flat) if pattern else None
    start = 0 if first is None else max(0, first.start() - width // 4)
    if start:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < (first.start() if first else 0) else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    piece = flat[start:end]
    out = Markup("…") if start else Markup("")
    last = 0
    for match in pattern.finditer(piece) if pattern else ():
        out += escape(piece[last : match.start()])
        out += Markup("<mark>") + escape(match.group()) + Markup("</mark>")
        last = match.end()
    out += escape(piece[last:])
    return out + (Markup("…") if end < len(flat) else Markup(""))


def format_days(lang: str, first: date, last: date | None = None) -> str:
    """A day or a day range as the site writes it everywhere (the review titles' format).

    One function for every date a reader sees, so a listing's period reads like the
    title above it ("4–10 October 2019").

    Args:
        lang: The interface language (a key of :data:`midweek.web.i18n.LANGUAGES`).
        first: The first day.
        last: The last day, inclusive (None: the one day ``first``).

    Returns:
        The text, month names in ``lang``.
    """
    return format_date_range(first, last or first, lang)


def last_day(window_end: datetime) -> date:
    """The last day an exclusive window end still covers (midnight ends the day before)."""
    return (window_end - timedelta(microseconds=1)).date()


def shown_rubric(lang: str, page: ReviewPage) -> str:
    """The rubric a reader sees: the generated one in the interface language, else as edited.

    Args:
        lang: The interface language.
        page: The review.

    Returns:
        The rubric text.
    """
    generated = not page.rubric or (
        page.lang in _REVIEW_LANGUAGES and page.rubric == default_rubric(page.lang)
    )
    return default_rubric(lang) if generated else page.rubric
