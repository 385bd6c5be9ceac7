"""Russian named-entity spans and lemmas from natasha (models ship with the package).

natasha is optional at run time: when it cannot be imported, :func:`russian_spans`
returns nothing and the gazetteer (with Russian case endings) still finds KB entities.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

# natasha's NER tags → midweek entity types.
NER_TYPES = {"PER": "person", "LOC": "place", "ORG": "organisation"}
# Texts longer than this get natasha on their first NER_MAX_CHARS only: its tagger ran at
# about 9 kchar/s on one core here (100 kchar in 11 s), so this bounds NER at ~2-3 s per
# text; news articles are shorter (the uz/ru samples: 2.7 kchar on average).
NER_MAX_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class NerSpan:
    """One natasha span: offsets, surface, lemma ('Ильхамом Алиевым' → 'Ильхам Алиев')."""

    start: int
    end: int
    text: str
    normal: str
    type: str


@lru_cache(maxsize=1)
def _pipeline() -> tuple[Any, ...] | None:
    """natasha's segmenter, morph vocabulary and taggers, built once (about 1.5 s)."""
    # pymorphy2 (under natasha) imports pkg_resources when MorphVocab is built, which warns
    # in every setuptools release without the known advisories (>= 78.1.1); the API it
    # uses is still there before 81 (pinned in pyproject.toml), so the warning is noise.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        try:
            from natasha import (
                MorphVocab,
                NewsEmbedding,
                NewsMorphTagger,
                NewsNERTagger,
                Segmenter,
            )
        except ImportError as exc:  # pragma: no cover - depends on the environment
            logger.warning(
                "natasha unavailable (%s): Russian NER falls back on the gazetteer", exc
            )
            return None
        emb = NewsEmbedding()
        return Segmenter(), MorphVocab(), NewsMorphTagger(emb), NewsNERTagger(emb)


def natasha_available() -> bool:
    """True if natasha can be imported and its models load."""
    return _pipeline() is not None


def russian_spans(text: str) -> list[NerSpan]:
    """PER/LOC/ORG spans of a Russian text with their lemmatised normal forms.

    Args:
        text: Russian text; only its first NER_MAX_CHARS characters are tagged.

    Returns:
        The spans in text order; empty when natasha is unavailable.
    """
    pipe = _pipeline()
    if pipe is None or not text.strip():
        return []
    from natasha import Doc

    segmenter, vocab, morph, ner = pipe
    if len(text) > NER_MAX_CHARS:
        logger.info("natasha: tagging the first %d of %d characters", NER_MAX_CHARS, len(text))
    doc = Doc(text[:NER_MAX_CHARS])
    doc.segment(segmenter)
    doc.tag_morph(morph)
    doc.tag_ner(ner)
    out = []
    for span in doc.spans:
        try:
            span.normalize(vocab)
            normal = span.normal or span.text
        except (ValueError, KeyError, IndexError):  # a lemma natasha cannot build
            normal = span.text
        etype = NER_TYPES.get(span.type, "unknown")
        out.append(NerSpan(span.start, span.stop, span.text, normal, etype))
    return out
