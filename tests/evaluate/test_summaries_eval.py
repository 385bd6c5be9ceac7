"""Summary evaluation: loading, the cited fraction, baselines and the dev-set ROUGE gate.

Figures measured on the WikinewsSum dev portion at the reference's length
(``.venv/bin/python benchmarks/summaries.py``; 49 clusters scored, 15 skipped):

| system   | ROUGE-1 F | ROUGE-2 F | ROUGE-L F | cited |
|----------|-----------|-----------|-----------|-------|
| lead     | 0.3305    | 0.0835    | 0.1571    | 1.000 |
| lexrank  | 0.3354    | 0.0805    | 0.1555    | 1.000 |
| textrank | 0.3255    | 0.0772    | 0.1545    | 1.000 |
| midweek  | 0.3562    | 0.0918    | 0.1640    | 1.000 |

The floor is the measured figure minus 0.01 (a tokeniser or splitter tweak moves it a
little); lowering it is a deliberate, reviewed act.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from midweek.cli.eval import eval_summaries as summaries
from midweek.errors import ConfigError, SourceError
from midweek.evaluate.summaries import (
    SummaryCluster,
    _submodular_pick,
    centroid_summarizer,
    cited_fraction,
    evaluate_summaries,
    fill_budget,
    lead_summarizer,
    lexrank_summarizer,
    load_summary_clusters,
    midweek_summarizer,
    portion_of,
    random_summarizer,
    score_clusters,
    submodular_summarizer,
    textrank_summarizer,
)
from midweek.models import Citation, Sentence

ROUGE1_FLOOR = 0.3462
DEV_CLUSTERS = 49
BASELINES = {
    "lead": lead_summarizer,
    "lexrank": lexrank_summarizer,
    "textrank": textrank_summarizer,
    "centroid": centroid_summarizer,
    "random": random_summarizer(13),
    "submodular": submodular_summarizer,
    "midweek": midweek_summarizer,
}


@pytest.fixture(scope="module")
def dev_file(shared_data: Path) -> Path:
    """The WikinewsSum dev portion."""
    return shared_data / "mds-wikinewssum-en-sample" / "clusters.jsonl.gz"


@pytest.fixture(scope="module")
def few(dev_file: Path) -> list[SummaryCluster]:
    """The first six usable dev clusters."""
    return load_summary_clusters(dev_file)[0][:6]


def _records(path: Path) -> Iterator[dict[str, object]]:
    """Records of a JSONL.gz file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def test_loading_skips_damaged_clusters_and_splits_by_hash(dev_file: Path, tmp_path: Path) -> None:
    """Empty references, empty sources and bad lines are skipped and counted."""
    clusters, skipped = load_summary_clusters(dev_file)
    assert (len(clusters), skipped) == (DEV_CLUSTERS, 15)
    tune, tune_skipped = load_summary_clusters(dev_file, "tune")
    report, report_skipped = load_summary_clusters(dev_file, "report")
    assert {c.id for c in tune} | {c.id for c in report} == {c.id for c in clusters}
    assert not {c.id for c in tune} & {c.id for c in report}
    assert tune_skipped + report_skipped == skipped
    assert all(portion_of(c.id) == "tune" for c in tune)
    assert all(c.reference and c.story.article_ids for c in clusters)

    good = next(r for r in _records(dev_file) if r["summary"])
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(
        "\n".join(
            [
                "not json",
                "[1, 2]",
                json.dumps({"id": "a", "summary": "", "sources": good["sources"]}),
                json.dumps({"id": "b", "summary": "Some text.", "sources": [{"text": " "}]}),
                json.dumps({"id": "c", "summary": "Some text.", "sources": "nope"}),
                json.dumps(good),
            ]
        ),
        encoding="utf-8",
    )
    loaded, bad = load_summary_clusters(hostile)
    assert (len(loaded), bad) == (1, 5)
    with pytest.raises(SourceError):
        load_summary_clusters(tmp_path / "missing.jsonl.gz")


def test_evaluate_on_a_few_clusters_is_in_range_and_fully_cited(
    dev_file: Path, tmp_path: Path
) -> None:
    """Scores lie in [0, 1], lengths respect the budget, every midweek sentence is cited."""
    subset = tmp_path / "few.jsonl.gz"
    records = [r for r in _records(dev_file) if r["summary"]][:5]
    with gzip.open(subset, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in records)
    scores = evaluate_summaries(subset)
    assert scores.clusters + scores.skipped == 5
    assert scores.clusters >= 3
    for value in (scores.rouge1_f, scores.rouge2_f, scores.rougeL_f):
        assert 0.0 < value < 1.0
    assert scores.rouge1_f > scores.rouge2_f
    assert 0 < scores.words <= scores.budget_words
    assert scores.cited_fraction == 1.0
    fixed = evaluate_summaries(subset, max_words=40)
    assert fixed.budget_words == 40
    assert 0 < fixed.words <= 40
    with pytest.raises(ValueError):
        evaluate_summaries(subset, max_words=0)


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("budget", [25, 120])
def test_systems_respect_the_budget_and_cite(
    few: list[SummaryCluster], name: str, budget: int
) -> None:
    """Every system returns whole, cited sentences within the word budget."""
    system = BASELINES[name]
    assert len(few) == 6  # the guard: the loop below asserts nothing on an empty list
    for cluster in few:
        sentences = system(cluster.story, cluster.articles, budget, "en")
        assert sentences, cluster.id
        assert sum(len(s.text.split()) for s in sentences) <= budget
        assert cited_fraction(sentences, cluster.story, cluster.articles) == 1.0
        assert len({s.text for s in sentences}) == len(sentences)


def test_random_baseline_is_seeded(few: list[SummaryCluster]) -> None:
    """The same seed gives the same summary; another seed another one."""
    cluster = few[0]
    args = (cluster.story, cluster.articles, 80, "en")
    assert random_summarizer(1)(*args) == random_summarizer(1)(*args)
    assert any(
        random_summarizer(1)(c.story, c.articles, 80, "en")
        != random_summarizer(2)(c.story, c.articles, 80, "en")
        for c in few
    )


def test_lead_takes_the_opening_sentences(few: list[SummaryCluster]) -> None:
    """Lead starts with the first usable sentence of the first (English) article."""
    cluster = few[0]
    got = lead_summarizer(cluster.story, cluster.articles, 60, "en")
    first = got[0].citations[0].article_id
    assert cluster.articles[first].lang == "en"
    assert " ".join(cluster.articles[first].text.split()).find(got[0].text) < 400


def test_cited_fraction_counts_unsupported_sentences(few: list[SummaryCluster]) -> None:
    """An invented sentence, or one citing an article outside the story, is unsupported."""
    cluster = few[0]
    real = list(midweek_summarizer(cluster.story, cluster.articles, 60, "en"))
    citation = real[0].citations[0]
    invented = Sentence("The moon was made of cheese all along, officials said.", (citation,))
    outside = Sentence(real[0].text, (Citation(999, "https://x.invalid", "x", "x"),))
    uncited = Sentence(real[0].text, ())
    assert cited_fraction(real, cluster.story, cluster.articles) == 1.0
    mixed = [*real, invented, outside, uncited]
    assert cited_fraction(mixed, cluster.story, cluster.articles) == len(real) / len(mixed)
    assert cited_fraction([], cluster.story, cluster.articles) == 1.0


def test_fill_budget_passes_over_what_does_not_fit() -> None:
    """A long sentence is skipped for a shorter one further down."""
    assert fill_budget(["a b c", "a b c d e f", "a b"], 5) == [0, 2]
    assert fill_budget(["a b c"], 0) == []
    assert fill_budget([], 10) == []


def test_no_clusters_scores_zero() -> None:
    """An empty set is not an error."""
    scores = score_clusters([], midweek_summarizer, skipped=3)
    assert (scores.clusters, scores.skipped, scores.rouge1_f) == (0, 3, 0.0)


@pytest.mark.slow
def test_dev_rouge1_gate(dev_file: Path) -> None:
    """midweek's ROUGE-1 F on the whole dev portion stays above its floor."""
    scores = evaluate_summaries(dev_file)
    assert scores.clusters == DEV_CLUSTERS
    assert scores.rouge1_f >= ROUGE1_FLOOR
    assert scores.cited_fraction == 1.0


@pytest.mark.slow
def test_dev_rouge1_beats_every_baseline(dev_file: Path) -> None:
    """The issue's target: midweek's ROUGE-1 F on the whole dev portion is above the best
    baseline of the same run, at the same budget (each reference's length)."""
    clusters, skipped = load_summary_clusters(dev_file)
    r1 = {
        name: score_clusters(clusters, system, skipped=skipped).rouge1_f
        for name, system in BASELINES.items()
    }
    best_baseline = max(v for name, v in r1.items() if name != "midweek")
    assert r1["midweek"] > best_baseline, r1


def test_cli_command(dev_file: Path, tmp_path: Path) -> None:
    """The command prints JSON scores; bad options are user errors."""
    subset = tmp_path / "few.jsonl.gz"
    records = [r for r in _records(dev_file) if r["summary"]][:3]
    with gzip.open(subset, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in records)
    app = typer.Typer()
    app.command()(summaries)
    result = CliRunner().invoke(app, [str(subset), "--json", "--max-words", "50"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["budget_words"] == 50
    assert data["cited_fraction"] == 1.0
    for argv in (
        [str(tmp_path / "missing.jsonl")],
        [str(subset), "--portion", "half"],
        [str(subset), "--max-words", "0"],
    ):
        failed = CliRunner().invoke(app, argv)
        assert isinstance(failed.exception, ConfigError)


def test_the_submodular_objective_rewards_what_is_not_covered_yet() -> None:
    """Lin & Bilmes' greedy: of two near-copies, the second adds little coverage and no
    diversity in its cluster, so the sentence of the other cluster comes before it."""
    similarity = np.array([[1.0, 0.95, 0.1], [0.95, 1.0, 0.1], [0.1, 0.1, 1.0]])
    labels = np.array([0, 0, 1])
    costs = np.array([10, 10, 10])
    assert _submodular_pick(similarity, labels, costs, budget=20) == [0, 2]
    # nothing fits: nothing is picked
    assert _submodular_pick(similarity, labels, costs, budget=5) == []
