"""Rank the stories of a time window by how much of a key development each one is.

The score is a sum of named parts, each kept in :attr:`RankedStory.parts` so an editor
can see why a story placed where it did (``midweek stories --explain``):

- ``independent_articles``, ``outlets``, ``languages``: coverage. Reprints never count:
  only independent articles, and the outlets and languages of independent articles.
- ``recency``: how late in the window the story's latest article came.
- ``growth``: independent articles in the later half of the window against the earlier
  half (positive for a story still building up, negative for one fading out).
- ``prominence``: the canonical entities (:mod:`midweek.entities`) its headlines and
  leads name: heads of state and government on the window's date count most.
- ``boost``: the outlet's configured weight for a region or topic (``rank_boost``), as
  the score the factor adds: ``{"UZ": 1.5}`` makes an Uzbekistan story score 50% more.
- event threads: before scoring, stories that are developments of one event (a hearing
  and the verdict, an explosion and its death toll) are linked
  (:func:`midweek.topics.link_threads`) and ranked as one, so their coverage adds up;
  the thread's ``developments`` are kept, newest first, for its one section.
- ``diversity``: maximal marginal relevance over stories. A story close to one already
  placed (shared canonical entities, similar headlines) loses part of its score; one
  that is about the same event is left out, so no two sections cover one event.
- the review's language (``lang``): a story with no article in it is placed only after
  every story that has one (it can only be quoted, not told), and a story that writes
  up the same event as a placed one in another language (:func:`language_twins`: a
  translation published with its original, or the same names and figures within hours)
  is left out, so the section in the review's language is the one kept.

The weights are first choices, not fitted: there is no labelled ranking data yet.
Entities are looked for only in the best-covered stories (:data:`SHORTLIST_MIN`), so
ranking a window of ten thousand articles costs milliseconds per story, not per article.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from midweek.entities import KnowledgeBase, find_mentions
from midweek.models import Article, Story
from midweek.text.features import tfidf_matrix, tokenize_words
from midweek.topics import THREAD_CANDIDATES, THREAD_DISTANCE, link_threads

logger = logging.getLogger(__name__)

__all__ = [
    "DIVERSITY_WEIGHT",
    "PARTS",
    "SAME_EVENT_SIMILARITY",
    "WEIGHT_GROWTH",
    "WEIGHT_INDEPENDENT",
    "WEIGHT_LANGUAGES",
    "WEIGHT_OUTLETS",
    "WEIGHT_PROMINENCE",
    "WEIGHT_RECENCY",
    "RankedStory",
    "language_twins",
    "rank_stories",
    "speaks_language",
    "story_entities",
    "story_similarity",
]

# Weight of log(1 + independent articles). Logarithmic because the tenth article about a
# story says less about its importance than the second.
WEIGHT_INDEPENDENT = 1.0
# Weight of log(1 + distinct outlets). Higher than articles: five outlets choosing to cover
# an event is stronger evidence than one outlet filing five updates.
WEIGHT_OUTLETS = 1.5
# Weight per language beyond the first. Coverage across languages marks a story that
# matters beyond one audience, which is what a multilingual review is for.
WEIGHT_LANGUAGES = 0.5
# Weight of recency (0 when the story's latest article opens the window, 1 when it closes
# it). Small on purpose: it orders stories of equal coverage toward the fresh one but never
# lets one new article beat a widely covered story (log(2) * 1.0 = 0.69 > 0.25).
WEIGHT_RECENCY = 0.25
# Weight of growth, a value in (-1, 1). As small as recency: it orders stories of similar
# coverage toward the one still building up, and never outweighs more coverage. A review
# looks back on the window, so a story's timing is a tie-break, not news value: recency
# and growth together must stay below what two more articles add to a story of two
# (log 5 - log 3 = 0.51). A two-article story's growth lies in [-0.5, 0.5] (GROWTH_PRIOR),
# so the timing parts swing by 0.25 + 2 * 0.25 * 0.5 = 0.5 at this weight. At 0.5 (until
# 2026-12) they swung by 0.75: on the real weeks' gold stories two-post stories both of
# whose posts fell in the later half outranked the four-post downpour and Sergeli stories
# of W3 (benchmarks/real_weeks.py, "ranking on gold stories").
WEIGHT_GROWTH = 0.25
# Growth is (later - earlier) / (later + earlier + GROWTH_PRIOR): the prior keeps a story
# of one or two articles from swinging to +-1 on a single article's timing.
GROWTH_PRIOR = 2.0
# Weight of prominence, a value in [0, 1]: a head of state in the headlines adds about
# what one more outlet adds, never more than wide coverage does.
WEIGHT_PROMINENCE = 0.75
# How prominent one canonical entity makes a story. Heads of state and government (on
# the window's date: a former president counts as a person) lead; other office holders
# and international organisations next; a country alone says little in a national
# outlet's feed, where nearly every story names one. Chosen by reading the KB's types.
PROMINENCE_HEAD = 1.0
PROMINENCE_OFFICE = 0.7
PROMINENCE_BY_TYPE = {"person": 0.4, "organisation": 0.4, "event": 0.4, "country": 0.3}
PROMINENCE_PLACE = 0.1
# Offices that make their holder a head of state or government.
HEAD_ROLES = frozenset({"president", "prime_minister", "supreme_leader"})
# Prominence sums the two most prominent entities (a meeting of two presidents beats a
# speech by one), capped at 1.
PROMINENT_ENTITIES = 2
# MMR penalty: a story whose similarity to a placed one is s scores (1 - weight * s) of
# its score. 0.5 halves a near twin and barely touches an unrelated story; the usual MMR
# trade-off of 0.7 relevance (Carbonell & Goldstein 1998) read as score * (1 - 0.3...0.5).
DIVERSITY_WEIGHT = 0.5
# A story this similar to a placed one is about the same event and gets no section.
# Headline TF-IDF cosine of two reports of one event in news sits around 0.5-0.7 (the
# summariser's REDUNDANCY_MAX is calibrated at 0.4 on sentences; headlines are shorter).
SAME_EVENT_SIMILARITY = 0.6
# Story similarity = lexical cosine of headlines and leads * (1 - SIMILARITY_ENTITY_SHARE)
# + Jaccard of their people, organisations and events * SIMILARITY_ENTITY_SHARE (text
# alone when neither names one). The entity share links reports of one event in two
# languages, which share no words.
SIMILARITY_ENTITY_SHARE = 0.4
# Entities are looked for in the best ``max(SHORTLIST_MIN, SHORTLIST_FACTOR * limit)``
# stories by coverage only: prominence and boosts can reorder a shortlist but need not
# lift the hundredth story of a window (entity linking costs ~0.5 ms per article lead).
SHORTLIST_MIN = 40
SHORTLIST_FACTOR = 6
# Articles of one story read for its entities and text: the earliest independent ones
# carry the headline facts; more adds time, not entities.
ENTITY_ARTICLES = 8
# Characters of an article read for entities: the title and the lead.
LEAD_CHARS = 400
# Two reports in two languages published this close together are an original and its
# translation (a bilingual outlet posts both at once; the real-weeks Telegram set's
# machine translations carry their original's time to the second). A minute, not zero:
# feeds round times to the minute.
TRANSLATION_SECONDS = 60
# ... provided they do not name different entities: at least this share of the smaller
# entity set is shared (one of the two naming none passes). Half: the Uzbek gazetteer
# finds fewer names than the Russian one in the same post.
TRANSLATION_ENTITY_SHARE = 0.5
# Reports in two languages within this many hours that share most of their names and
# figures are one event told twice (a wire story and its translation a few hours on).
TWIN_HOURS = 3
# "Most": this share of the smaller set of entity ids and numbers, and at least
# TWIN_MIN_MARKS of them, so two stories naming only "Uzbekistan" and "Tashkent" are
# not one event.
TWIN_MARK_SHARE = 0.8
TWIN_MIN_MARKS = 3
# Numbers of fewer digits (a day, a count of two) are shared by chance too often.
TWIN_NUMBER_DIGITS = 2
_NUMBER_RE = re.compile(r"\d+")
_URL_RE = re.compile(r"https?://\S+")
# Every part a RankedStory carries, in the order --explain prints them.
PARTS = (
    "independent_articles",
    "outlets",
    "languages",
    "recency",
    "growth",
    "prominence",
    "boost",
    "diversity",
)
_SIMILARITY_TYPES = frozenset({"person", "organisation", "event"})


@dataclass(frozen=True, slots=True)
class RankedStory:
    """A story with its score, the named parts that sum to it, and what it shares.

    ``entities`` are the canonical entity ids found in its headlines and leads (empty
    when the story was not shortlisted or no knowledge base was given); ``same_event_as``
    is the key of a higher-placed story it duplicates (only in an explained ranking).
    """

    story: Story
    score: float
    parts: Mapping[str, float]
    entities: frozenset[str] = frozenset()
    same_event_as: str = ""
    # The event thread's stories, newest development first, when the story stands for a
    # thread of several (:func:`midweek.topics.link_threads`); empty for a lone story.
    developments: tuple[Story, ...] = ()


@dataclass(frozen=True, slots=True)
class _Coverage:
    """What ranking counts of one story inside the window."""

    independent: int
    outlets: int
    languages: int
    latest: datetime | None
    earlier: int  # independent articles in the first half of the window
    later: int


def _aware(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC so aware and naive dates can be compared."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _in_window(moment: datetime | None, start: datetime, end: datetime) -> bool:
    """Whether ``moment`` lies in the half-open window ``[start, end)``."""
    return moment is not None and start <= _aware(moment) < end


def _inside(
    story: Story, start: datetime, end: datetime, articles: Mapping[int, Article]
) -> list[Article]:
    """The story's articles published in the window."""
    return [
        articles[i]
        for i in story.article_ids
        if i in articles and _in_window(articles[i].published, start, end)
    ]


def _coverage(
    story: Story, start: datetime, end: datetime, articles: Mapping[int, Article] | None
) -> _Coverage | None:
    """Independent articles, outlets, languages, latest date and halves inside the window.

    With ``articles`` the figures come from the story's articles published in the window;
    without, from the story's own totals (no growth), and a story counts as in the window
    when its first-to-last span overlaps it. Returns None for a story with nothing in it.
    """
    if articles is None:
        if story.first_seen is None or story.last_seen is None:
            return None
        if _aware(story.last_seen) < start or _aware(story.first_seen) >= end:
            return None
        latest = min(_aware(story.last_seen), end)
        count = story.independent_articles
        return _Coverage(count, len(story.outlets), len(story.languages), latest, 0, 0)
    inside = _inside(story, start, end, articles)
    if not inside:
        return None
    independent = [a for a in inside if a.duplicate_of is None]
    middle = start + (end - start) / 2
    later = sum(1 for a in independent if a.published and _aware(a.published) >= middle)
    return _Coverage(
        independent=len(independent),
        outlets=len({a.outlet for a in independent if a.outlet}),
        languages=len({tag for a in independent if (tag := a.language_tag)}),
        latest=max(_aware(a.published) for a in inside if a.published is not None),
        earlier=len(independent) - later,
        later=later,
    )


def _coverage_parts(figures: _Coverage, start: datetime, span: float) -> dict[str, float]:
    """The parts counted from coverage alone (entity parts start at zero)."""
    recency = 0.0 if figures.latest is None else (figures.latest - start).total_seconds() / span
    halves = figures.earlier + figures.later
    growth = (figures.later - figures.earlier) / (halves + GROWTH_PRIOR) if halves else 0.0
    return {
        "independent_articles": WEIGHT_INDEPENDENT * math.log1p(figures.independent),
        "outlets": WEIGHT_OUTLETS * math.log1p(figures.outlets),
        "languages": WEIGHT_LANGUAGES * max(figures.languages - 1, 0),
        "recency": WEIGHT_RECENCY * min(max(recency, 0.0), 1.0),
        "growth": WEIGHT_GROWTH * growth,
        "prominence": 0.0,
        "boost": 0.0,
        "diversity": 0.0,
    }


def _readable(story: Story, articles: Mapping[int, Article] | None) -> list[Article]:
    """The story's first independent articles: what its entities and text are read from."""
    if articles is None:
        return []
    present = [articles[i] for i in story.article_ids if i in articles]
    independent = [a for a in present if a.duplicate_of is None] or present
    independent.sort(key=lambda a: (a.published is None, _aware(a.published or _EPOCH), a.id))
    return independent[:ENTITY_ARTICLES]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def story_entities(
    story: Story,
    articles: Mapping[int, Article] | None,
    kb: KnowledgeBase,
    *,
    when: date | None = None,
) -> frozenset[str]:
    """Canonical entity ids named in a story's headline and its first articles' leads.

    Only entities of the knowledge base count (no provisional names) and natasha's NER
    is off: ranking needs the known, prominent names, at ~0.5 ms per lead instead of
    ~90 ms with NER.

    Args:
        story: The story.
        articles: Its articles by id (None: the headline alone is read).
        kb: The knowledge base.
        when: The date that decides who held an office (e.g. the window's end).

    Returns:
        The entity ids.
    """
    texts: list[tuple[str, str | None]] = [(story.headline, None)]
    texts += [
        (f"{a.title}\n{a.text[:LEAD_CHARS]}", a.language_tag) for a in _readable(story, articles)
    ]
    found: set[str] = set()
    for text, lang in texts:
        mentions = find_mentions(text, lang, kb=kb, when=when, use_ner=False, provisional=False)
        found.update(m.entity_id for m in mentions)
    return frozenset(found)


def _prominence(entities: frozenset[str], kb: KnowledgeBase, day: date) -> float:
    """How prominent a story's entities make it, in [0, 1]."""
    values = []
    for entity_id in entities:
        entity = kb.get(entity_id)
        if entity is None:
            continue
        current = [o for o in entity.offices if o.holds_on(day)]
        if any(o.role in HEAD_ROLES for o in current):
            values.append(PROMINENCE_HEAD)
        elif current:
            values.append(PROMINENCE_OFFICE)
        elif entity.type == "place":
            values.append(PROMINENCE_PLACE)
        else:
            values.append(PROMINENCE_BY_TYPE.get(entity.type, 0.0))
    return min(1.0, sum(sorted(values, reverse=True)[:PROMINENT_ENTITIES]))


def _boost_keys(entities: frozenset[str], kb: KnowledgeBase, day: date) -> set[str]:
    """The ids and ISO country codes a boost may be keyed by, for a story's entities."""
    keys: set[str] = set(entities)
    countries: set[str] = set()
    for entity_id in entities:
        entity = kb.get(entity_id)
        if entity is None:
            continue
        if entity.iso3166:
            keys.add(entity.iso3166)
        if entity.country:
            countries.add(entity.country)
        countries.update(o.of for o in entity.offices if o.holds_on(day))
    for country_id in countries:
        keys.add(country_id)
        country = kb.get(country_id)
        if country is not None and country.iso3166:
            keys.add(country.iso3166)
    return keys


def _boost_factor(keys: set[str], boosts: Mapping[str, float]) -> float:
    """The largest configured factor among the keys (1.0 when none is configured)."""
    found = [factor for key, factor in boosts.items() if key in keys or key.upper() in keys]
    return max(found) if found else 1.0


def _comparable(entity_id: str, kb: KnowledgeBase | None) -> bool:
    """Whether an entity tells stories apart (a person, organisation or event)."""
    if kb is None:
        return True
    entity = kb.get(entity_id)
    return entity is not None and entity.type in _SIMILARITY_TYPES


def story_similarity(
    texts: Sequence[str], entities: Sequence[frozenset[str]], kb: KnowledgeBase | None
) -> np.ndarray:
    """Pairwise similarity of stories from their text and their canonical entities.

    Args:
        texts: One text per story (headline and leads).
        entities: One entity id set per story.
        kb: Gives entity types (only people, organisations and events are compared:
            countries are named by nearly every story). None compares every id.

    Returns:
        A symmetric ``n x n`` matrix in [0, 1].
    """
    n = len(texts)
    if n == 0:
        return np.zeros((0, 0))
    matrix = tfidf_matrix([tokenize_words(t) for t in texts])
    lexical = np.asarray((matrix @ matrix.T).todense()) if matrix.nnz else np.zeros((n, n))
    keep = [frozenset(i for i in ids if _comparable(i, kb)) for ids in entities]
    shared = np.zeros((n, n))
    share = np.zeros((n, n))  # pairs with no comparable entity are compared by text alone
    for a in range(n):
        for b in range(a + 1, n):
            union = keep[a] | keep[b]
            if union:
                shared[a, b] = shared[b, a] = len(keep[a] & keep[b]) / len(union)
                share[a, b] = share[b, a] = SIMILARITY_ENTITY_SHARE
    return np.clip((1 - share) * lexical + share * shared, 0.0, 1.0)


def _story_text(story: Story, articles: Mapping[int, Article] | None) -> str:
    """Headline and the first articles' titles and leads: what similarity compares."""
    parts = [story.headline]
    parts += [f"{a.title} {a.text[:LEAD_CHARS]}" for a in _readable(story, articles)]
    return "\n".join(parts)


def _order(item: RankedStory, end: datetime) -> tuple[float, int, datetime, str]:
    """Sort key: score, then coverage, then age, then key."""
    first = item.story.first_seen
    return (
        -item.score,
        -item.story.independent_articles,
        _aware(first) if first is not None else end,
        item.story.key,
    )


def _with_entities(
    items: Sequence[RankedStory],
    articles: Mapping[int, Article] | None,
    kb: KnowledgeBase,
    boosts: Mapping[str, float],
    day: date,
) -> list[RankedStory]:
    """Add the prominence and boost parts to shortlisted stories."""
    out = []
    for item in items:
        entities = story_entities(item.story, articles, kb, when=day)
        parts = dict(item.parts)
        parts["prominence"] = WEIGHT_PROMINENCE * _prominence(entities, kb, day)
        factor = _boost_factor(_boost_keys(entities, kb, day), boosts) if boosts else 1.0
        parts["boost"] = (factor - 1.0) * sum(parts.values())
        out.append(replace(item, score=sum(parts.values()), parts=parts, entities=entities))
    return out


def _base_language(tag: str | None) -> str:
    """The language of a tag without its script ("uz-Latn" -> "uz"); "" when unknown."""
    return (tag or "").split("-", 1)[0].casefold()


def speaks_language(story: Story, articles: Mapping[int, Article] | None, lang: str) -> bool:
    """Whether a story has an independent article in a review's language.

    Args:
        story: The story.
        articles: Its articles by id (None: the story's own ``languages`` are read).
        lang: The review's language tag; Uzbek in either script is Uzbek (the composer
            transliterates it).

    Returns:
        True when one of its independent articles (any, when all are reprints) is in
        ``lang``.
    """
    wanted = _base_language(lang)
    if articles is None:
        return any(_base_language(tag) == wanted for tag in story.languages)
    present = [articles[i] for i in story.article_ids if i in articles]
    independent = [a for a in present if a.duplicate_of is None] or present
    return any(_base_language(a.language_tag) == wanted for a in independent)


def _numbers(articles: Sequence[Article]) -> frozenset[str]:
    """The figures of the articles' titles and leads (addresses left out), as written."""
    out: set[str] = set()
    for article in articles:
        text = _URL_RE.sub(" ", f"{article.title} {article.text[:LEAD_CHARS]}")
        found = (m.lstrip("0") for m in _NUMBER_RE.findall(text))
        out.update(n for n in found if len(n) >= TWIN_NUMBER_DIGITS)
    return frozenset(out)


def _share(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the smaller set found in the other (0 when either is empty)."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


def language_twins(
    first: Story,
    second: Story,
    articles: Mapping[int, Article],
    entities: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset()),
) -> bool:
    """Whether two stories write up one event in two languages.

    Lexical stories never join a report and its translation (they share no words), and
    their entity overlap alone stays under :data:`SAME_EVENT_SIMILARITY`; this says what
    an editor sees: the same post twice.

    Args:
        first: A story.
        second: Another story.
        articles: Their articles by id.
        entities: The canonical entity ids of each (:func:`story_entities`).

    Returns:
        True when an article of one and an article of the other are in different
        languages and either were published within :data:`TRANSLATION_SECONDS` naming
        no different entities (a translation beside its original), or within
        :data:`TWIN_HOURS` sharing :data:`TWIN_MARK_SHARE` of their entities and
        numbers (at least :data:`TWIN_MIN_MARKS`).
    """
    ones, others = _readable(first, articles), _readable(second, articles)
    gaps = [
        abs((_aware(a.published) - _aware(b.published)).total_seconds())
        for a in ones
        for b in others
        if a.published is not None
        and b.published is not None
        and _base_language(a.language_tag) != _base_language(b.language_tag)
    ]
    if not gaps:
        return False
    one, other = entities
    if min(gaps) <= TRANSLATION_SECONDS and (
        not one or not other or _share(one, other) >= TRANSLATION_ENTITY_SHARE
    ):
        return True
    if min(gaps) > TWIN_HOURS * 3600:
        return False
    marks = (one | _numbers(ones), other | _numbers(others))
    enough = min(len(m) for m in marks) >= TWIN_MIN_MARKS
    return enough and _share(*marks) >= TWIN_MARK_SHARE


def _diversify(
    items: Sequence[RankedStory],
    articles: Mapping[int, Article] | None,
    kb: KnowledgeBase | None,
    *,
    limit: int,
    explain: bool,
    lang: str | None = None,
) -> list[RankedStory]:
    """Greedy MMR: place the best story, penalise the rest by similarity, repeat.

    With ``lang``, stories with an article in it are placed before those without, and a
    story that is a :func:`language_twins` of a placed one is left out as its event.
    """
    if not items:
        return []
    texts = [_story_text(i.story, articles) for i in items]
    similarity = story_similarity(texts, [i.entities for i in items], kb)
    speaks = [lang is None or speaks_language(i.story, articles, lang) for i in items]
    closest = np.zeros(len(items))  # highest similarity to any placed story
    nearest = [-1] * len(items)
    left = set(range(len(items)))
    placed: list[RankedStory] = []
    placed_at: list[int] = []
    twins: list[RankedStory] = []
    while left and len(placed) < limit:
        best = max(
            left,
            key=lambda k: (speaks[k], items[k].score * (1 - DIVERSITY_WEIGHT * closest[k]), -k),
        )
        left.discard(best)
        item = items[best]
        twin = _twin_of(item, [items[k] for k in placed_at], articles) if lang else ""
        if closest[best] >= SAME_EVENT_SIMILARITY or twin:
            if explain:
                same = twin or items[nearest[best]].story.key
                twins.append(replace(item, same_event_as=same))
            continue
        parts = dict(item.parts)
        parts["diversity"] = -DIVERSITY_WEIGHT * closest[best] * item.score
        placed.append(replace(item, score=sum(parts.values()), parts=parts))
        placed_at.append(best)
        for k in left:
            if similarity[best, k] > closest[k]:
                closest[k], nearest[k] = similarity[best, k], best
    return placed + twins


def _twin_of(
    item: RankedStory, placed: Sequence[RankedStory], articles: Mapping[int, Article] | None
) -> str:
    """The key of the placed story ``item`` tells in another language, else ""."""
    if articles is None:
        return ""
    for other in placed:
        if language_twins(item.story, other.story, articles, (item.entities, other.entities)):
            return other.story.key
    return ""


def thread_story(developments: Sequence[Story]) -> Story:
    """One story standing for an event thread: its stories' articles, newest's headline.

    Args:
        developments: The thread's stories, newest development first.

    Returns:
        A story keyed and headed as the newest development, with every article, outlet
        and language of the thread and its first-to-last span.
    """
    newest = developments[0]
    firsts = [_aware(s.first_seen) for s in developments if s.first_seen is not None]
    lasts = [_aware(s.last_seen) for s in developments if s.last_seen is not None]
    return replace(
        newest,
        article_ids=tuple(sorted({i for s in developments for i in s.article_ids})),
        first_seen=min(firsts) if firsts else None,
        last_seen=max(lasts) if lasts else None,
        outlets=tuple(sorted({o for s in developments for o in s.outlets})),
        languages=tuple(sorted({lang for s in developments for lang in s.languages})),
        independent_articles=sum(s.independent_articles for s in developments),
        growth=(),
        growth_hours=0,
        id=None,
    )


def _threaded(
    stories: Sequence[Story],
    start: datetime,
    end: datetime,
    span: float,
    articles: Mapping[int, Article],
    distance: float,
) -> tuple[list[Story], dict[str, tuple[Story, ...]]]:
    """The window's stories with event threads linked, and each thread's developments."""
    covered = []
    for story in stories:
        figures = _coverage(story, start, end, articles)
        if figures is not None:
            covered.append((sum(_coverage_parts(figures, start, span).values()), story))
    covered.sort(key=lambda pair: (-pair[0], pair[1].key))
    candidates = [story for _, story in covered[:THREAD_CANDIDATES]]
    rest = [story for _, story in covered[THREAD_CANDIDATES:]]
    out: list[Story] = []
    developments: dict[str, tuple[Story, ...]] = {}
    for thread in link_threads(candidates, articles, threshold=distance):
        if len(thread) == 1:
            out.append(thread[0])
            continue
        combined = thread_story(thread)
        developments[combined.key] = thread
        out.append(combined)
    return out + rest, developments


def rank_stories(
    stories: Sequence[Story],
    *,
    window_start: datetime,
    window_end: datetime,
    limit: int,
    articles: Mapping[int, Article] | None = None,
    kb: KnowledgeBase | None = None,
    boosts: Mapping[str, float] | None = None,
    explain: bool = False,
    thread_distance: float | None = THREAD_DISTANCE,
    lang: str | None = None,
) -> list[RankedStory]:
    """Score the stories that have an article in ``[window_start, window_end)``.

    Args:
        stories: Candidate stories.
        window_start: Start of the window (inclusive).
        window_end: End of the window (exclusive).
        limit: How many stories to return at most.
        articles: The stories' articles by id. When given, only articles published in
            the window count; otherwise the stories' own totals are used.
        kb: The knowledge base for the prominence and boost parts (None: both are 0 and
            diversity compares text only).
        boosts: Factors by entity id (``Q265``) or ISO 3166 country code (``UZ``),
            e.g. ``{"UZ": 1.5}``; a story naming several takes the largest. Needs ``kb``.
        explain: Also return, after the placed stories, the stories left out as the
            same event as a placed one (their ``same_event_as`` says which).
        thread_distance: Link the window's stories that are developments of one event
            into event threads (:func:`midweek.topics.link_threads` at this merge
            distance) before scoring: a thread is ranked as one story
            (:func:`thread_story`, its coverage the sum of its developments') and carries
            its ``developments``, newest first. ``None`` ranks every story alone. Needs
            ``articles``.
        lang: The review's language tag. Stories with no independent article in it
            (:func:`speaks_language`) are placed after every story that has one, only to
            fill ``limit``; a story that tells a placed story's event in another
            language (:func:`language_twins`) is left out. None: no preference.

    Returns:
        At most ``limit`` stories, best first by the score after diversity (with
        ``lang``, those in it first). Ties go to
        more independent articles, then the earlier first appearance, then the story
        key, so the order is the same on every run.

    Raises:
        ValueError: ``limit`` is negative, the window is empty or reversed, or a boost
            factor is not positive.
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    start, end = _aware(window_start), _aware(window_end)
    if end <= start:
        raise ValueError(f"window_end {window_end} is not after window_start {window_start}")
    for key, factor in (boosts or {}).items():
        if not factor > 0:
            raise ValueError(f"boost for {key!r} must be positive, got {factor}")
    span = (end - start).total_seconds()
    developments: dict[str, tuple[Story, ...]] = {}
    if thread_distance is not None and articles is not None:
        stories, developments = _threaded(stories, start, end, span, articles, thread_distance)
    ranked: list[RankedStory] = []
    for story in stories:
        figures = _coverage(story, start, end, articles)
        if figures is None:
            continue
        parts = _coverage_parts(figures, start, span)
        ranked.append(
            RankedStory(
                story=story,
                score=sum(parts.values()),
                parts=parts,
                developments=developments.get(story.key, ()),
            )
        )
    ranked.sort(key=lambda item: _order(item, end))
    shortlist = ranked[: max(SHORTLIST_MIN, SHORTLIST_FACTOR * limit)]
    if kb is not None:
        day = (end - timedelta(microseconds=1)).date()
        shortlist = _with_entities(shortlist, articles, kb, boosts or {}, day)
        shortlist.sort(key=lambda item: _order(item, end))
    placed = _diversify(shortlist, articles, kb, limit=limit, explain=explain, lang=lang)
    logger.debug("ranked %d of %d stories in the window", len(placed), len(stories))
    return placed
