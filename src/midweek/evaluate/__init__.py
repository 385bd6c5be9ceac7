"""Evaluation of midweek's stages against real gold data."""

from __future__ import annotations

from midweek.evaluate.extraction import (
    ExtractionScores,
    GoldPage,
    evaluate_extraction,
    load_gold_pages,
    score_pages,
    shingle_scores,
)

__all__ = [
    "ExtractionScores",
    "GoldPage",
    "evaluate_extraction",
    "load_gold_pages",
    "score_pages",
    "shingle_scores",
]
