"""Compose ranked stories into a :class:`~midweek.models.Review`.

A review is: a rubric, a title (the top story's heading), three teasers (the headings of the
top three stories), a one-line intro that says what the column is, and one section per
story (heading = the story's headline in the review's language, body = cited extractive
sentences). Rubric, intro and author can be set per outlet (``review_rubric``,
``review_intro``, ``review_author``); the defaults are translated.

A heading is never empty and never in another language unmarked: the story's headline in
the review's language; else, for Uzbek, its Uzbek headline in the other script
transliterated; else a headline made from the section's lead sentence as an editor cuts
it (:func:`midweek.headlines.headline_from_sentence`: its main clause, within
:data:`HEADLINE_MAX_CHARS`; another sentence's when the lead's would end in "…",
:func:`midweek.headlines.headline_from_sentences`); else a headline in another
language, marked with its language (:attr:`~midweek.models.Section.heading_lang`).
Every word the composer adds itself is an English message translated through the gettext catalogs
(:mod:`midweek.translations`); every figure is computed.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from midweek.editorial import (
    HEADLINE_MAX_CHARS,
    announcement,
    back_reference,
    stale_announcement,
)
from midweek.entities import KnowledgeBase, tags_for
from midweek.errors import ConfigError
from midweek.headlines import headline_from_sentence, headline_from_sentences, shared_names
from midweek.models import Article, DroppedStory, Review, ReviewTag, Section, Sentence, Story
from midweek.rank import RankedStory
from midweek.summarize import article_language, in_review_language, summarize_story
from midweek.text.lang import detect_language
from midweek.translations import translations

logger = logging.getLogger(__name__)

__all__ = [
    "HEADLINE_MAX_CHARS",
    "REVIEW_TAG_LIMIT",
    "SENTENCES_PER_SECTION",
    "TAG_ARTICLES_PER_STORY",
    "TAG_LEAD_CHARS",
    "TEASER_COUNT",
    "Summarizer",
    "compose_review",
    "default_rubric",
    "extractive_summarizer",
    "format_date_range",
    "headline_from_sentence",
    "review_tags",
    "shorten_headline",
    "story_heading",
    "story_names",
    "warn_foreign_sections",
]

# Teasers under the title: the model review shows one line for each of its top three.
TEASER_COUNT = 3
# Sentences per section: three cited sentences read in under a minute on a phone, which
# is what a midweek round-up of several stories can afford per story.
SENTENCES_PER_SECTION = 3
# Sentences of an event thread's section: the newest development's three, then one for
# each of up to two earlier developments, so a thread reads in about a minute and a half.
THREAD_SENTENCES_MAX = 5
# A cut at a clause boundary (", ", ": ", " – ") is preferred to one at a word boundary
# when it keeps at least this share of the limit: shorter would drop the news itself.
CLAUSE_CUT_MIN_SHARE = 0.5

# How a section's sentences are written: (story, articles, language tag) -> cited sentences.
Summarizer = Callable[[Story, Mapping[int, Article], str], tuple[Sentence, ...]]


def thread_sentences(
    item: RankedStory, articles: Mapping[int, Article], lang: str, summarizer: Summarizer
) -> tuple[Sentence, ...]:
    """A section's sentences: the story's, or an event thread's newest development first.

    A thread (:attr:`RankedStory.developments`) is written as one section: what the
    summarizer writes of its newest development, plus the first sentence of each
    earlier one up to :data:`THREAD_SENTENCES_MAX`, ordered newest article first. The
    reader learns the verdict first and the hearing that led to it after.

    A sentence quoted in another language (marked) stays only when no development gave
    one in the review's language: each development is summarized on its own, and one
    told only in Russian would otherwise quote Russian in an Uzbek section that has
    Uzbek sentences (W2's InterContinental thread in ``benchmarks/review_quality.py``).
    """
    if not item.developments:
        return _standalone_first(
            _without_stale(summarizer(item.story, articles, lang), articles, lang), lang
        )
    sentences = list(summarizer(item.developments[0], articles, lang))
    stale = _stale_in_thread(item.developments[0], sentences, articles, lang)
    for older in item.developments[1:]:
        if len(sentences) >= THREAD_SENTENCES_MAX:
            break
        texts = {s.text for s in sentences}
        more = [
            s for s in summarizer(older, articles, lang) if s.text not in texts and not stale(s)
        ]
        own = [s for s in more if not s.lang]
        if own or more:
            sentences.append(_new_outlet_first(own or more, sentences)[0])
    sentences = _thread_outlets(item, articles, lang, summarizer, sentences, stale)
    if any(not s.lang for s in sentences):
        sentences = [s for s in sentences if not s.lang]
    # The summarizer reads a story in published order; a thread's section reads newest
    # first, so the latest report (the verdict, the death toll) opens it and its heading.
    # Sentences of one article keep their order (sorted() is stable).
    ordered = tuple(sorted(sentences, key=lambda s: -_published(s, articles)))
    return _standalone_first(_without_stale(ordered, articles, lang), lang)


def _standalone_first(sentences: tuple[Sentence, ...], lang: str) -> tuple[Sentence, ...]:
    """The sentences with the first that stands alone moved to the front when the first
    leans on an earlier one.

    The summarizer pairs a pronoun or a shell noun with the sentence before it, but a
    bare ordinal day ("Во второй день с показаниями выступил ряд подсудимых…") may follow
    any sentence that names the event (:func:`midweek.summarize.select_sentences`), and
    newest-first order can put it first: W1's trial thread, whose newest post tells the
    second day's testimony after "29 ноября … начался второй день заседания" of the post
    before it. The section is left as it is when no sentence stands alone.
    """
    if not sentences or back_reference(sentences[0].text, sentences[0].lang or lang) is None:
        return sentences
    opener = next((s for s in sentences if not back_reference(s.text, s.lang or lang)), None)
    if opener is None:
        return sentences
    return (opener, *(s for s in sentences if s is not opener))


# A date a sentence names: a day and a month ("21-22 июня", "21 iyun", "3-aprel",
# "June 21"), or a year ("2023/2024 учебного года"). The month stems are those of
# midweek.editorial's date check; Uzbek Cyrillic months share the Russian stems.
_MONTH_STEMS = (
    ("январ", "yanvar", "jan"),
    ("феврал", "fevral", "feb"),
    ("март", "mart", "mar"),
    ("апрел", "aprel", "apr"),
    ("ма[йя]", "may", "may"),
    ("июн", "iyun", "jun"),
    ("июл", "iyul", "jul"),
    ("август", "avgust", "aug"),
    ("сентябр", "sentabr|sentyabr", "sep"),
    ("октябр", "oktabr|oktyabr", "oct"),
    ("ноябр", "noyabr", "nov"),
    ("декабр", "dekabr", "dec"),
)
_DAY_MONTH_RE = re.compile(
    r"\b(\d{1,2})(?:\s*[-–]\s*(\d{1,2}))?[\s-]*("
    + "|".join(f"(?P<m{i}>{'|'.join(stems)})" for i, stems in enumerate(_MONTH_STEMS, 1))
    + r")\w*",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _dated_after(text: str, day: date) -> bool:
    """Whether a sentence names a day (or a year) after ``day``: an announcement of what
    is still to come at the thread's newest report ("с 2023/2024 учебного года")."""
    days = list(_DAY_MONTH_RE.finditer(text))
    years = [int(year) for year in _YEAR_RE.findall(text)]
    # A year without a day ("к концу 2022 года", "2023/2024 учебного года") names a
    # period that is still under way or to come; a year of a day-and-month date does not.
    if any(year > day.year for year in years) or (years and not days and max(years) >= day.year):
        return True
    for found in days:
        month = next(i for i in range(1, 13) if found.group(f"m{i}"))
        last = int(found.group(2) or found.group(1))
        try:
            named = date(day.year, month, last)
        except ValueError:
            continue
        if named > day:
            return True
    return False


def _stale_in_thread(
    development: Story,
    newest: Sequence[Sentence],
    articles: Mapping[int, Article],
    lang: str,
) -> Callable[[Sentence], bool]:
    """Which sentences of an earlier development are stale announcements.

    A thread is one event told by several developments (midweek.rank threads them), and
    the section is read as of the newest one. When the newest development reports the
    event (one of its sentences is not an announcement, :func:`midweek.editorial.
    announcement`), a sentence of an earlier development that announces it ("посетит
    Узбекистан", "открывается судебный процесс", "sud jarayoni ochiladi") is overtaken:
    it is left out, and the development's next sentence takes its place. An announcement
    that names a day after the newest report ("с 2023/2024 учебного года") is still to
    come and stays; so does every announcement of the newest development itself.
    """
    reports = any(announcement(s.text, s.lang or lang) is None for s in newest)
    moments = [_published(s, articles) for s in newest]
    if not reports or not all(moments):
        return lambda sentence: False
    day = datetime.fromtimestamp(max(moments), UTC).date()
    first = min(moments)

    def stale(sentence: Sentence) -> bool:
        # Older than every report of the newest development: a translation posted with
        # its original (W2's InterContinental hotel) is the same report, not an old one.
        if not 0 < _published(sentence, articles) < first:
            return False
        if announcement(sentence.text, sentence.lang or lang) is None:
            return False
        return not _dated_after(sentence.text, day)

    return stale


def _without_stale(
    sentences: Sequence[Sentence], articles: Mapping[int, Article], lang: str
) -> tuple[Sentence, ...]:
    """A section's sentences without an announcement that a newer article of the section
    announces again (:func:`midweek.editorial.stale_announcement`: W1's "Стало известно,
    какой союз планируют создать…" beside the newer "…как будет работать новый газовый
    союз").

    When leaving the announcement out would open the section with a sentence that refers
    back ("Это нововведение вызвало…", after W1's "с 1 декабря заработает" beside the
    newer "планировалось запустить"), the first sentence that does not opens it; the
    section is left as it is when none does, or when it would quote one outlet of a story
    that has several.
    """
    kept: list[Sentence] = []
    for sentence in sentences:
        moment = _published(sentence, articles)
        newer = [s.text for s in sentences if _published(s, articles) > moment > 0]
        if stale_announcement(sentence.text, newer, sentence.lang or lang) is None:
            kept.append(sentence)
    if not kept or len(kept) == len(sentences):
        return tuple(sentences)
    if back_reference(kept[0].text, kept[0].lang or lang) and kept[0] is not sentences[0]:
        # the newer announcement opens instead ("С 1 декабря … планировалось запустить
        # систему…", then "Это нововведение вызвало…"), else nothing is left out
        opener = next((s for s in kept if not back_reference(s.text, s.lang or lang)), None)
        if opener is None:
            return tuple(sentences)
        kept = [opener, *(s for s in kept if s is not opener)]
    if len(_outlets_of(kept)) < min(2, len(_outlets_of(sentences))):
        return tuple(sentences)  # the section would quote one outlet of a story of several
    return tuple(kept)


def _outlets_of(sentences: Sequence[Sentence]) -> frozenset[str]:
    """The outlets the sentences cite."""
    return frozenset(c.outlet for s in sentences for c in s.citations if c.outlet)


def _new_outlet_first(more: Sequence[Sentence], sentences: Sequence[Sentence]) -> list[Sentence]:
    """``more`` with, when ``sentences`` quote one outlet, the first sentence in the
    review's language that cites another moved to the front."""
    used = _outlets_of(sentences)
    if len(used) != 1:
        return list(more)
    for index, sentence in enumerate(more):
        if not sentence.lang and _outlets_of([sentence]) - used:
            return [sentence, *more[:index], *more[index + 1 :]]
    return list(more)


def _thread_outlets(
    item: RankedStory,
    articles: Mapping[int, Article],
    lang: str,
    summarizer: Summarizer,
    sentences: list[Sentence],
    stale: Callable[[Sentence], bool] = lambda sentence: False,
) -> list[Sentence]:
    """A thread's sentences with one of another outlet, when all quote one outlet.

    The newest development is often one outlet's live updates ("Процесс проходит в
    Бухарском областном суде."), and the earlier developments that fill the section's
    other slots the same outlet's, while another outlet reported an earlier development
    (the hearing's opening). Then the first sentence in the review's language citing
    another outlet, from the newest development that has one, takes a free slot or the
    last one: a story several outlets report is told from more than one. The summarizer
    is asked only about developments that have another outlet's articles.
    """
    used = _outlets_of(sentences)
    if len(used) != 1:
        return sentences
    texts = {s.text for s in sentences}
    for older in item.developments[1:]:
        if not set(older.outlets) - used:
            continue
        for sentence in summarizer(older, articles, lang):
            if sentence.lang or sentence.text in texts or not _outlets_of([sentence]) - used:
                continue
            if stale(sentence):
                continue
            if len(sentences) < THREAD_SENTENCES_MAX:
                return [*sentences, sentence]
            # The last slot: an earlier development's, or the newest's own last sentence
            # when the newest filled every slot (W1's trial thread: nine live updates of
            # one outlet wrote all five sentences, and the other outlet's report of the
            # opening day was never quoted).
            return [*sentences[:-1], sentence]
    return sentences


def _published(sentence: Sentence, articles: Mapping[int, Article]) -> float:
    """When the article a sentence is quoted from was published (0 when unknown)."""
    source = articles.get(sentence.citations[0].article_id) if sentence.citations else None
    if source is None or source.published is None:
        return 0.0
    moment = source.published
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def extractive_summarizer(
    story: Story, articles: Mapping[int, Article], lang: str
) -> tuple[Sentence, ...]:
    """The default: sentences chosen from the story's articles, each citing its source.

    Relative dates ("сегодня", "bugun", "today") are resolved against the article's day
    (a review is read days later); a sentence where that cannot be done is left out.
    """
    return summarize_story(
        story, articles, max_sentences=SENTENCES_PER_SECTION, lang=lang, resolve_dates=True
    )


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


def _author(lang: str) -> str:
    """The default byline of a review."""
    return translations(lang).pgettext("review author", "The midweek desk")


_CLAUSE_RE = re.compile(r"(?:[,;:]\s|\s[–—-]\s)")
_TERMINAL_STRIP = ".…;:,"


def shorten_headline(text: str, limit: int = HEADLINE_MAX_CHARS) -> str:
    """A heading of at most ``limit`` characters, cut where a reader would cut it.

    Args:
        text: A headline or a sentence.
        limit: The most characters (default :data:`HEADLINE_MAX_CHARS`).

    Returns:
        The text on one line without a final full stop; when too long, cut at the last
        clause boundary that keeps at least half the limit, else at the last word
        boundary, before a quotation the cut would leave open, and ended with "…".
        Empty only when ``text`` has no visible character.
    """
    one = " ".join(text.split()).rstrip(_TERMINAL_STRIP + " ")
    if len(one) <= limit:
        return one
    room = one[: limit - 1]
    clauses = [m.start() for m in _CLAUSE_RE.finditer(room)]
    if clauses and clauses[-1] >= limit * CLAUSE_CUT_MIN_SHARE:
        cut = room[: clauses[-1]]
    elif " " in room:
        cut = room[: room.rindex(" ")]
    else:
        cut = room
    opened = _open_quote(cut)
    if opened > 0:  # never a quote opened and left unclosed by the cut
        cut = cut[:opened]
    return cut.rstrip(_TERMINAL_STRIP + " ") + "…"


_QUOTE_PAIRS = (("«", "»"), ("“", "”"), ("„", "“"))


def _open_quote(text: str) -> int:
    """Where the quotation the text leaves unclosed opens, or -1 when every one closes."""
    if text.count('"') % 2:
        return text.rindex('"')
    for opening, closing in _QUOTE_PAIRS:
        if text.count(opening) > text.count(closing):
            return text.rindex(opening)
    return -1


def _tag_of(text: str) -> str:
    """The language tag of a headline whose language the store does not say."""
    lang, script = detect_language(text)
    if lang == "uz" and script in ("Latn", "Cyrl"):
        return f"uz-{script}"
    return lang or "und"


# Articles of a story, and characters of each, read for the names its heading should
# carry: a sample bounds the cost for a story of hundreds of reports (Uzbek in the other
# script is transliterated first), and a report names its actors in its opening.
HEADING_NAME_ARTICLES = 50
HEADING_NAME_CHARS = 2000


def story_names(story: Story, articles: Mapping[int, Article], lang: str) -> dict[str, float]:
    """The names the story's independent articles in the review's language share
    (:func:`midweek.headlines.shared_names`; Uzbek in the other script transliterated),
    read from the first :data:`HEADING_NAME_ARTICLES` of them."""
    texts = []
    for article_id in story.article_ids:
        article = articles.get(article_id)
        if article is None or article.duplicate_of is not None:
            continue
        opening = f"{article.title}\n{article.text[:HEADING_NAME_CHARS]}"
        text, mark = in_review_language(opening, article_language(article), lang)
        if not mark:
            texts.append(text)
        if len(texts) >= HEADING_NAME_ARTICLES:
            break
    return shared_names(texts)


def story_heading(
    story: Story,
    sentences: Sequence[Sentence],
    lang: str,
    articles: Mapping[int, Article] | None = None,
) -> tuple[str, str]:
    """The heading of a story's section in the review's language, and its language mark.

    Args:
        story: The story (its per-language headlines).
        sentences: The section's sentences, as the summarizer wrote them.
        lang: The review's language tag (en, ru, uz-Latn, uz-Cyrl).
        articles: The story's articles by id, when at hand: a heading made from the
            sentences is the one carrying the names most of them share
            (:func:`story_names`).

    Returns:
        ``(heading, mark)``: the mark is "" when the heading is in the review's language
        and script, else the heading's language tag. The heading is empty only when the
        story has neither a headline nor a sentence.
    """
    headlines = {tag: " ".join(h.split()) for tag, h in story.headlines if h.strip()}
    own = headlines.get(lang)
    if own:
        return shorten_headline(own), ""
    if lang.startswith("uz-"):
        for tag, text in sorted(headlines.items()):
            if tag.startswith("uz"):
                converted, mark = in_review_language(text, tag, lang)
                return shorten_headline(converted), mark
    own_sentences = [s.text for s in sentences if not s.lang]
    if own_sentences:  # the sentence naming the story's shared names, the lead on a tie
        names = story_names(story, articles, lang) if articles else None
        return headline_from_sentences(own_sentences, lang, names=names), ""
    if headlines:
        tag, text = sorted(headlines.items())[0]
        return shorten_headline(text), tag
    if story.headline.strip():
        return shorten_headline(story.headline), _tag_of(story.headline)
    if sentences:
        return headline_from_sentence(sentences[0].text, sentences[0].lang), sentences[0].lang
    return "", ""


def _title(lang: str, days: str) -> str:
    """The default title of a review of ``days``."""
    _ = translations(lang).gettext
    # TRANSLATORS: {range} is the review's days, such as "4–10 October 2019".
    return _("Midweek review: {range}").format(range=days)


def _intro(lang: str, days: str, stories: int, articles: int, outlets: int) -> str:
    """The default intro line: what the column is, its days and its counts.

    Each counted noun agrees with its number.
    """
    tr = translations(lang)
    _ = tr.gettext
    # TRANSLATORS: {range} is the review's days; {stories}, {articles} and {outlets} are the
    # counted phrases translated below ("5 stories", "12 independent articles", "4 outlets").
    sentence = _(
        "The week's main stories in brief, {range}: {stories} from {articles} by {outlets}."
    )
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
    rubric: str = "",
    intro: str = "",
    author: str = "",
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
        title: Title to use instead of the default: the heading of the best-placed story
            whose heading is in the review's language, else "Midweek review: <days>".
        rubric: The label above the title (``review_rubric``); "" for the translated
            default.
        intro: The intro line (``review_intro``); "{range}" in it becomes the review's
            days. "" for the translated default, which says what the column is.
        author: The byline (``review_author``); "" for the translated default.
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
        sentences = thread_sentences(item, articles, key, summarizer)
        if not sentences:
            logger.info("story %s has no usable sentence; left out of the review", story.key)
            continue
        since = (continuing or {}).get(story.key)
        heading, heading_lang = story_heading(story, sentences, key, articles)
        sections.append(
            Section(
                heading=heading,
                heading_lang=heading_lang,
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
    if not sections:
        intro_line = _empty_intro(key, days)
    elif intro.strip():
        intro_line = " ".join(intro.replace("{range}", days).split())
    else:
        intro_line = _intro(key, days, len(sections), len(article_ids), len(outlets))
    logger.debug(
        "review %s: %d sections from %d articles by %d outlets",
        days,
        len(sections),
        len(article_ids),
        len(outlets),
    )
    if title is None:  # the best-placed story with a heading in the review's language
        own = [s.heading for s in sections if s.heading and not s.heading_lang]
        title = own[0] if own else _title(key, days)
    slug = f"review-{first_day:%Y-%m-%d}-to-{last_day:%Y-%m-%d}"
    if key != "en":
        slug += f"-{key.lower()}"
    return Review(
        slug=slug,
        rubric=" ".join(rubric.split()) or default_rubric(key),
        title=title,
        teasers=tuple(s.heading for s in sections[:TEASER_COUNT]),
        intro=intro_line,
        author=" ".join(author.split()) or _author(key),
        sections=tuple(sections),
        window_start=window_start,
        window_end=window_end,
        created_at=now,
        lang=key,
        tags=(),
        dropped=tuple(dropped),
        previous=previous,
    )


# -- the review's tags ------------------------------------------------------------------------
# Tags under a review: the seed review shows five; ten leaves the editor a choice.
REVIEW_TAG_LIMIT = 10
# Articles of each ranked story read for the review's tags: its earliest independent
# ones, title and lead, joined into one document per story and language. Tagging runs
# natasha's NER, whose cost is mostly per document (~120 ms each on one core, whatever
# its length up to a few kchar: measured on the Telegram posts), so reading every member
# of a story of a thousand reports would take minutes; six leads name a story's actors.
# One document per story also makes the tags' spread bonus count stories, not reprints.
TAG_ARTICLES_PER_STORY = 6
# Characters of each of those articles read for tags: the title and lead.
TAG_LEAD_CHARS = 400
_TAG_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def review_tags(
    ranked: Sequence[RankedStory], articles: Mapping[int, Article], lang: str, kb: KnowledgeBase
) -> tuple[ReviewTag, ...]:
    """The top canonical entities of the ranked stories' articles, named in ``lang``.

    Each story lends the title and lead of its first :data:`TAG_ARTICLES_PER_STORY`
    independent articles, as one document per language (dated as its first article).
    """
    members: list[Article] = []
    for item in ranked:
        present = [articles[i] for i in item.story.article_ids if i in articles]
        independent = [a for a in present if a.duplicate_of is None] or present
        independent.sort(key=lambda a: (a.published is None, a.published or _TAG_EPOCH, a.id or 0))
        by_language: dict[str | None, list[Article]] = {}
        for article in independent[:TAG_ARTICLES_PER_STORY]:
            by_language.setdefault(article.language_tag, []).append(article)
        for group in by_language.values():
            text = "\n\n".join(f"{a.title}\n{a.text[:TAG_LEAD_CHARS]}" for a in group)
            members.append(replace(group[0], title="", text=text))
    tags = tags_for(members, lang, kb=kb, limit=REVIEW_TAG_LIMIT)
    return tuple(ReviewTag(name=t.name, slug=t.slug, entity_id=t.entity_id) for t in tags)


def warn_foreign_sections(review: Review, articles: Mapping[int, Article]) -> None:
    """Say which sections quote sentences in another language than the review's."""
    for section in review.sections:
        cited = [articles.get(c.article_id) for s in section.sentences for c in s.citations[:1]]
        tags = {a.language_tag for a in cited if a is not None and a.language_tag}
        if tags and review.lang not in tags and not (review.lang.startswith("uz") and "uz" in tags):
            logger.warning(
                "story %s has no article in %s: its section quotes %s sources "
                "(sentences are never translated)",
                section.story_key,
                review.lang,
                ", ".join(sorted(tags)),
            )
