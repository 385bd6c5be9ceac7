"""Compose ranked stories into a :class:`~midweek.models.Review`.

A review is: a rubric, a title, three teasers (the headlines of the top three stories), a
one-sentence intro whose figures are counted from the stories, and one section per story
(heading = headline, body = cited extractive sentences). Every word the composer adds
itself is an English message translated through the gettext catalogs
(:mod:`midweek.translations`); every figure is computed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta

from midweek.errors import ConfigError
from midweek.models import Article, DroppedStory, Review, Section, Sentence, Story
from midweek.rank import RankedStory
from midweek.summarize import summarize_story
from midweek.translations import translations

logger = logging.getLogger(__name__)

__all__ = [
    "SENTENCES_PER_SECTION",
    "TEASER_COUNT",
    "Summarizer",
    "compose_review",
    "default_rubric",
    "extractive_summarizer",
    "format_date_range",
]

# Teasers under the title: the model review shows one line for each of its top three.
TEASER_COUNT = 3
# Sentences per section: three cited sentences read in under a minute on a phone, which
# is what a midweek round-up of several stories can afford per story.
SENTENCES_PER_SECTION = 3

# How a section's sentences are written: (story, articles, language tag) -> cited sentences.
Summarizer = Callable[[Story, Mapping[int, Article], str], tuple[Sentence, ...]]


def extractive_summarizer(
    story: Story, articles: Mapping[int, Article], lang: str
) -> tuple[Sentence, ...]:
    """The default: sentences chosen from the story's articles, each citing its source."""
    return summarize_story(story, articles, max_sentences=SENTENCES_PER_SECTION, lang=lang)


_ALIASES = {"en": "en", "ru": "ru", "uz": "uz-Latn", "uz-latn": "uz-Latn", "uz-cyrl": "uz-Cyrl"}


@functools.cache
def _month_names(lang: str) -> tuple[str, ...]:
    """The twelve month names of a review language, January first.

    Each is the name as it stands after a day number ("7 October 2019"; Russian uses the
    genitive); the context is spelled out in every call so ``pybabel extract`` sees it.
    """
    tr = translations(lang)
    return (
        tr.pgettext("month after a day number", "January"),
        tr.pgettext("month after a day number", "February"),
        tr.pgettext("month after a day number", "March"),
        tr.pgettext("month after a day number", "April"),
        tr.pgettext("month after a day number", "May"),
        tr.pgettext("month after a day number", "June"),
        tr.pgettext("month after a day number", "July"),
        tr.pgettext("month after a day number", "August"),
        tr.pgettext("month after a day number", "September"),
        tr.pgettext("month after a day number", "October"),
        tr.pgettext("month after a day number", "November"),
        tr.pgettext("month after a day number", "December"),
    )


def default_rubric(lang: str) -> str:
    """The review's rubric, the label above its title, as a generated review has it.

    Args:
        lang: A review language (en, ru, uz-Latn, uz-Cyrl).

    Returns:
        The rubric in that language.
    """
    return translations(lang).pgettext("rubric", "Review")


def _title(lang: str, days: str) -> str:
    """The default title of a review of ``days``."""
    _ = translations(lang).gettext
    # TRANSLATORS: {range} is the review's days, such as "4–10 October 2019".
    return _("Midweek review: {range}").format(range=days)


def _intro(lang: str, days: str, stories: int, articles: int, outlets: int) -> str:
    """The intro sentence of a review with its counts (each noun agreeing with its number)."""
    tr = translations(lang)
    _ = tr.gettext
    # TRANSLATORS: {range} is the review's days; {stories}, {articles} and {outlets} are the
    # counted phrases translated below ("5 stories", "12 independent articles", "4 outlets").
    sentence = _("This review covers {range}: {stories} from {articles} by {outlets}.")
    return sentence.format(
        range=days,
        # TRANSLATORS: counted in a review's intro; {n} is a number.
        stories=tr.ngettext("{n} story", "{n} stories", stories).format(n=stories),
        # TRANSLATORS: counted in a review's intro; {n} is a number.
        articles=tr.ngettext(
            "{n} independent article", "{n} independent articles", articles
        ).format(n=articles),
        # TRANSLATORS: counted in a review's intro; {n} is a number of news outlets.
        outlets=tr.ngettext("{n} outlet", "{n} outlets", outlets).format(n=outlets),
    )


def _empty_intro(lang: str, days: str) -> str:
    """The intro of a review of a window without stories."""
    _ = translations(lang).gettext
    # TRANSLATORS: {range} is the review's days, such as "4–10 October 2019".
    return _("No stories were found for {range}.").format(range=days)


def _language(lang: str) -> str:
    """Normalise a review language to a key of the tables above."""
    key = _ALIASES.get(lang.casefold())
    if key is None:
        raise ConfigError(f"unsupported review language {lang!r}; use one of en, ru, uz, uz-Cyrl")
    return key


def _last_day(window_end: datetime) -> date:
    """The last calendar day the (exclusive) window end still covers."""
    return (window_end - timedelta(microseconds=1)).date()


def format_date_range(first: date, last: date, lang: str = "en") -> str:
    """Write a day range the way a headline would: '7–9 October 2019'.

    Args:
        first: First day.
        last: Last day (inclusive).
        lang: Review language (en, ru, uz, uz-Cyrl).

    Returns:
        '7 October 2019', '7–9 October 2019', '30 September – 2 October 2019' or
        '30 December 2019 – 2 January 2020' (month names in ``lang``).

    Raises:
        ConfigError: The language is not supported.
    """
    months = _month_names(_language(lang))
    if first == last:
        return f"{first.day} {months[first.month - 1]} {first.year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {months[last.month - 1]} {last.year}"
    if first.year == last.year:
        return (
            f"{first.day} {months[first.month - 1]} – "
            f"{last.day} {months[last.month - 1]} {last.year}"
        )
    return (
        f"{first.day} {months[first.month - 1]} {first.year} – "
        f"{last.day} {months[last.month - 1]} {last.year}"
    )


def compose_review(
    ranked: Sequence[RankedStory],
    articles: Mapping[int, Article],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    lang: str = "en",
    title: str | None = None,
    summarizer: Summarizer = extractive_summarizer,
    continuing: Mapping[str, datetime] | None = None,
    dropped: Sequence[DroppedStory] = (),
    previous: str = "",
) -> Review:
    """Build the review of a window from its ranked stories.

    Args:
        ranked: Stories best first (as :func:`midweek.rank.rank_stories` returns them).
            A story key seen twice is used once.
        articles: The stories' articles by id.
        window_start: Start of the window (inclusive).
        window_end: End of the window (exclusive).
        now: Creation time of the review (passed in: stages never read the clock).
        lang: Review language: en, ru, uz (Latin) or uz-Cyrl.
        title: Title to use instead of the default "Midweek review: <days>".
        summarizer: Writes each section (default: :func:`extractive_summarizer`).
        continuing: Keys of stories that were in the previous published review, each
            with the time since which its section reports (the previous window's end);
            their sections are marked "continuing", the others "new". The caller passes
            such a story restricted to what was published since (see
            :func:`midweek.pipeline.plan_review`).
        dropped: Stories of the previous review this one leaves out.
        previous: The previous review's slug.

    Returns:
        A draft review. Stories whose articles yield no usable sentence get no section
        (logged); teasers are the headlines of the first three sections; an empty
        window gives no sections and an intro saying so.

    Raises:
        ConfigError: The language is not supported.
        ValueError: The window end is not after its start.
    """
    key = _language(lang)
    if window_end <= window_start:
        raise ValueError(f"window_end {window_end} is not after window_start {window_start}")
    first_day, last_day = window_start.date(), _last_day(window_end)
    days = format_date_range(first_day, last_day, key)
    sections: list[Section] = []
    seen: set[str] = set()
    article_ids: set[int] = set()
    outlets: set[str] = set()
    for item in ranked:
        story = item.story
        if story.key in seen:
            continue
        seen.add(story.key)
        sentences = summarizer(story, articles, key)
        if not sentences:
            logger.info("story %s has no usable sentence; left out of the review", story.key)
            continue
        since = (continuing or {}).get(story.key)
        sections.append(
            Section(
                heading=story.headline,
                sentences=sentences,
                story_key=story.key,
                status="new" if since is None else "continuing",
                new_since=since,
            )
        )
        for article_id in story.article_ids:
            article = articles.get(article_id)
            if article is not None and article.duplicate_of is None:
                article_ids.add(article_id)
                if article.outlet:
                    outlets.add(article.outlet)
    if sections:
        intro = _intro(key, days, len(sections), len(article_ids), len(outlets))
    else:
        intro = _empty_intro(key, days)
    slug = f"review-{first_day:%Y-%m-%d}-to-{last_day:%Y-%m-%d}"
    if key != "en":
        slug += f"-{key.lower()}"
    return Review(
        slug=slug,
        rubric=default_rubric(key),
        title=title if title is not None else _title(key, days),
        teasers=tuple(s.heading for s in sections[:TEASER_COUNT]),
        intro=intro,
        sections=tuple(sections),
        window_start=window_start,
        window_end=window_end,
        created_at=now,
        lang=key,
        tags=(),
        dropped=tuple(dropped),
        previous=previous,
    )
