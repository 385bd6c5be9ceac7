"""The Scrapinghub shingle metric, checked against hand-computed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from midweek.errors import ConfigError
from midweek.evaluate import evaluate_extraction, load_gold_pages, shingle_scores
from midweek.evaluate.extraction import (
    SnippetPage,
    detect_layout,
    load_snippet_pages,
    score_pages,
    score_snippets,
)


def test_identical_texts() -> None:
    assert shingle_scores("a b c d e", "a b c d e") == (1.0, 1.0)


def test_hand_computed_partial_overlap() -> None:
    # gold "a b c d e f": shingles abcd bcde cdef (3); pred "a b c d e x": abcd bcde bcdx... ->
    # pred shingles abcd, bcde, cdex: tp 2, fp 1, fn 1 -> P = R = 2/3
    precision, recall = shingle_scores("a b c d e x", "a b c d e f")
    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 3)


def test_extra_text_lowers_precision_only() -> None:
    # gold 1 shingle (abcd); pred "a b c d e f g": abcd bcde cdef defg -> tp 1, fp 3
    precision, recall = shingle_scores("a b c d e f g", "a b c d")
    assert precision == pytest.approx(1 / 4)
    assert recall == 1.0


def test_repeats_count_once_each() -> None:
    # pred repeats the gold twice: shingles abcd, bcda, cdab, dabc, abcd -> tp 1, fp 4
    precision, recall = shingle_scores("a b c d a b c d", "a b c d")
    assert precision == pytest.approx(1 / 5)
    assert recall == 1.0


def test_punctuation_and_whitespace_only_separate_tokens() -> None:
    assert shingle_scores("Hello,  world!\nIt is   fine.", "Hello world It is fine") == (1.0, 1.0)


def test_tokens_keep_their_case() -> None:
    # "It" != "it": both shingles differ, as in the benchmark's evaluate.py
    assert shingle_scores("Hello world It is fine", "Hello world it is fine") == (0.0, 0.0)


def test_short_texts_are_one_shingle() -> None:
    assert shingle_scores("two words", "two words") == (1.0, 1.0)
    assert shingle_scores("two words", "two other") == (0.0, 0.0)


def test_empty_sides() -> None:
    assert shingle_scores("", "") == (1.0, 1.0)
    assert shingle_scores("", "a b c d") == (0.0, 0.0)
    # the benchmark scores recall 0 here too (and leaves the page out of its recall mean)
    assert shingle_scores("a b c d", "") == (0.0, 0.0)


def test_macro_average_skips_empty_predictions_for_precision(shared_data: Path) -> None:
    pages = load_gold_pages(shared_data / "article-extraction-scrapinghub")[:4]

    def half_empty(html: bytes, url: str) -> str:
        # perfect on two pages, nothing on the other two
        return (
            next(p.gold for p in pages if p.url == url)
            if url
            in {
                pages[0].url,
                pages[1].url,
            }
            else ""
        )

    scores = score_pages(pages, half_empty)
    assert scores.precision == 1.0  # empty predictions are not in the precision mean
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.pages == 4


def test_failures_are_counted(shared_data: Path) -> None:
    def broken(html: bytes, url: str) -> str:
        raise RuntimeError("boom")

    folder = shared_data / "article-extraction-scrapinghub"
    pages = load_gold_pages(folder)[:3]
    scores = score_pages(pages, broken)
    assert scores.failures == 3
    assert scores.recall == 0.0


def test_evaluate_extraction_reads_the_folder(shared_data: Path) -> None:
    calls: list[tuple[int, int]] = []
    scores = evaluate_extraction(
        shared_data / "article-extraction-scrapinghub",
        extractor=lambda html, url: "",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert scores.pages == 136
    assert calls[-1] == (136, 136)
    assert scores.recall == 0.0


@pytest.mark.parametrize("layout", ["readability", "fundus", "wcxb"])
def test_other_layouts_have_gold(shared_data: Path, layout: str) -> None:
    from midweek.evaluate.extraction import LAYOUTS

    pages = load_gold_pages(shared_data / LAYOUTS[layout][0], layout)
    assert len(pages) > 50
    assert sum(1 for p in pages if len(p.gold) > 200) > 0.8 * len(pages)


def test_unknown_layout() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        load_gold_pages(Path("."), "nope")


# -- snippet scoring (trafilatura evaluation set) ----------------------------------------


def _snippet_pages(shared_data: Path, count: int) -> list[SnippetPage]:
    return load_snippet_pages(shared_data / "article-extraction-trafilatura-eval")[:count]


def test_snippet_set_loads_with_and_without_strings(shared_data: Path) -> None:
    pages = load_snippet_pages(shared_data / "article-extraction-trafilatura-eval")
    assert len(pages) == 696  # the dev portion
    assert all(p.html and p.expected for p in pages)
    assert sum(len(p.unwanted) for p in pages) > len(pages)


def test_snippet_counts_follow_trafilatura(shared_data: Path) -> None:
    pages = _snippet_pages(shared_data, 5)
    expected = sum(len(p.expected) for p in pages)
    unwanted = sum(len(p.unwanted) for p in pages)
    texts = {p.html: p for p in pages}

    def perfect(html: bytes, url: str) -> str:
        return "\n".join(texts[html].expected)

    scores = score_snippets(pages, perfect)
    assert (scores.precision, scores.recall, scores.f1, scores.accuracy) == (1.0, 1.0, 1.0, 1.0)

    def leaky(html: bytes, url: str) -> str:  # the main text and all the boilerplate
        return "\n".join(texts[html].expected + texts[html].unwanted)

    scores = score_snippets(pages, leaky)
    assert scores.recall == 1.0
    assert scores.precision == pytest.approx(expected / (expected + unwanted))
    assert scores.accuracy == pytest.approx(expected / (expected + unwanted))

    def broken(html: bytes, url: str) -> str:
        raise RuntimeError("extractor bug")

    scores = score_snippets(pages, broken)
    assert scores.failures == 5
    assert scores.recall == 0.0 and scores.precision == 0.0
    assert scores.accuracy == pytest.approx(unwanted / (expected + unwanted))


def test_midweek_beats_keeping_everything_on_snippets(shared_data: Path) -> None:
    from midweek.extract import extract_text

    pages = _snippet_pages(shared_data, 30)
    ours = score_snippets(pages, extract_text)
    everything = score_snippets(pages, lambda html, url: html.decode("utf-8", "replace"))
    assert ours.precision > everything.precision
    assert ours.f1 > 0.8


@pytest.mark.parametrize(
    ("folder", "layout"),
    [
        ("article-extraction-scrapinghub", "scrapinghub"),
        ("article-extraction-wcxb-2025", "scrapinghub"),
        ("article-extraction-readability-testpages", "readability"),
        ("article-extraction-fundus-publishers", "fundus"),
        ("article-extraction-trafilatura-eval", "trafeval"),
    ],
)
def test_layouts_are_told_apart(shared_data: Path, folder: str, layout: str) -> None:
    assert detect_layout(shared_data / folder) == layout


def test_a_folder_of_something_else_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an extraction benchmark"):
        detect_layout(tmp_path)
