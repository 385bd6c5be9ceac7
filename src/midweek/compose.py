"""Compose ranked stories into a :class:`~midweek.models.Review`.

A review is: a rubric, a title, three teasers (the headlines of the top three stories), a
one-sentence intro whose figures are counted from the stories, and one section per story
(heading = headline, body = cited extractive sentences). Every word the composer adds
itself comes from the small per-language tables below; every figure is computed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta

from midweek.errors import ConfigError
from midweek.models import Article, Review, Section, Sentence, Story
from midweek.rank import RankedStory
from midweek.summarize import summarize_story

logger = logging.getLogger(__name__)

__all__ = [
    "SENTENCES_PER_SECTION",
    "TEASER_COUNT",
    "Summarizer",
    "compose_review",
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

_RUBRIC = {"en": "Review", "ru": "Обзор", "uz-Latn": "Sharh", "uz-Cyrl": "Шарҳ"}

_TITLE = {
    "en": "Midweek review: {range}",
    "ru": "Обзор недели: {range}",
    "uz-Latn": "Hafta sharhi: {range}",
    "uz-Cyrl": "Ҳафта шарҳи: {range}",
}

# Phrased so no noun has to agree with its number (Russian and Uzbek need no plural rules).
_INTRO = {
    "en": "This review covers {range}: {stories} {stories_noun} from {articles} independent "
    "{articles_noun} by {outlets} {outlets_noun}.",
    "ru": "Обзор за {range}: сюжетов — {stories}, независимых публикаций — {articles}, "
    "изданий — {outlets}.",
    "uz-Latn": "{range} sharhi: {stories} ta voqea, {articles} ta mustaqil maqola, "
    "{outlets} ta nashr.",
    "uz-Cyrl": "{range} шарҳи: {stories} та воқеа, {articles} та мустақил мақола, "
    "{outlets} та нашр.",
}

_EMPTY_INTRO = {
    "en": "No stories were found for {range}.",
    "ru": "За {range} сюжетов не найдено.",
    "uz-Latn": "{range} uchun voqealar topilmadi.",
    "uz-Cyrl": "{range} учун воқеалар топилмади.",
}

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    # genitive, as in "7 октября"
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    "uz-Latn": [
        "yanvar",
        "fevral",
        "mart",
        "aprel",
        "may",
        "iyun",
        "iyul",
        "avgust",
        "sentabr",
        "oktabr",
        "noyabr",
        "dekabr",
    ],
    "uz-Cyrl": [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ],
}


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
    months = _MONTHS[_language(lang)]
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


def _plural(count: int, one: str, many: str) -> str:
    """English noun for a count."""
    return one if count == 1 else many


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
        sections.append(Section(heading=story.headline, sentences=sentences, story_key=story.key))
        for article_id in story.article_ids:
            article = articles.get(article_id)
            if article is not None and article.duplicate_of is None:
                article_ids.add(article_id)
                if article.outlet:
                    outlets.add(article.outlet)
    if sections:
        intro = _INTRO[key].format(
            range=days,
            stories=len(sections),
            stories_noun=_plural(len(sections), "story", "stories"),
            articles=len(article_ids),
            articles_noun=_plural(len(article_ids), "article", "articles"),
            outlets=len(outlets),
            outlets_noun=_plural(len(outlets), "outlet", "outlets"),
        )
    else:
        intro = _EMPTY_INTRO[key].format(range=days)
    slug = f"review-{first_day:%Y-%m-%d}-to-{last_day:%Y-%m-%d}"
    if key != "en":
        slug += f"-{key.lower()}"
    return Review(
        slug=slug,
        rubric=_RUBRIC[key],
        title=title if title is not None else _TITLE[key].format(range=days),
        teasers=tuple(s.heading for s in sections[:TEASER_COUNT]),
        intro=intro,
        sections=tuple(sections),
        window_start=window_start,
        window_end=window_end,
        created_at=now,
        lang=key,
        tags=(),
    )
