"""Russian named-entity spans and lemmas from natasha (models ship with the package).

natasha is optional at run time: when it cannot be imported, :func:`russian_spans`
returns nothing and the gazetteer (with Russian case endings) still finds KB entities.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
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
# natasha's (Universal Dependencies) gender and case values → pymorphy2's (OpenCorpora).
UD_GENDERS = {"Masc": "masc", "Fem": "femn", "Neut": "neut"}
UD_CASES = {
    "Nom": "nomn", "Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct",
}  # fmt: skip
# pymorphy2 grammemes of the parts of a person's name.
NAME_PARTS = frozenset({"Name", "Surn", "Patr"})


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
            logger.warning("natasha unavailable (%s): Russian NER falls back on the gazetteer", exc)
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
        if etype == "person":
            normal = person_base_form(vocab, span.tokens, normal)
        elif len(span.tokens) == 1 and normal == span.text:
            # natasha left a one-word place or organisation as written ("Хорезма")
            normal = person_base_form(vocab, span.tokens, normal)
        out.append(NerSpan(span.start, span.stop, span.text, normal, etype))
    return out


def person_base_form(vocab: Any, tokens: Sequence[Any], normal: str) -> str:
    """A person's name in the nominative, word by word ('Александра Федина' → '... Федин').

    natasha's own normal form inflects the first name but often leaves the surname
    ("Александр Федина": pymorphy2 reads Федина as a possessive adjective). Each word is
    put back in the nominative from the pymorphy2 reading that agrees with the gender
    and case natasha's tagger gave it in context; where the gender fits but the case does
    not (the tagger calls "Артыкходжаева" a masculine nominative, which that form cannot
    be), the gender decides. A word with no such reading keeps natasha's normal form.

    Args:
        vocab: natasha's MorphVocab (a pymorphy2 analyser).
        tokens: natasha's tokens of the span, with their morphological features.
        normal: natasha's normal form of the span.

    Returns:
        The name in the nominative, capitalised as written.
    """
    words = normal.split()
    if len(words) != len(tokens):
        return normal
    out = []
    for token, fallback in zip(tokens, words, strict=True):
        feats = getattr(token, "feats", None) or {}
        gender = UD_GENDERS.get(feats.get("Gender", ""))
        case = UD_CASES.get(feats.get("Case", ""))
        base = _nominative(vocab, token.text, gender, case) if gender else None
        out.append(_recase(base, token.text) if base else fallback)
    if len(tokens) > 1 and all(
        UD_CASES.get((getattr(t, "feats", None) or {}).get("Case", "")) == "nomn" for t in tokens
    ):
        # the tagger reads the whole name as nominative: where a word has no nominative of
        # the tagger's gender ("Лолагул Каллыханова", tagged masculine) the gender is what
        # is wrong, and the name stays as written
        return " ".join(
            t.text if _gender_contradicts(vocab, t) else word
            for word, t in zip(out, tokens, strict=True)
        )
    return " ".join(out)


def _gender_contradicts(vocab: Any, token: Any) -> bool:
    """True if a word tagged nominative has no nominative reading of its tagged gender."""
    feats = getattr(token, "feats", None) or {}
    gender = UD_GENDERS.get(feats.get("Gender", ""))
    if not gender or feats.get("Case") != "Nom":
        return False
    parses = [p for p in vocab.parse(token.text) if gender in p.tag and "sing" in p.tag]
    return bool(parses) and not any("nomn" in p.tag for p in parses)


def _nominative(vocab: Any, word: str, gender: str, case: str | None) -> str | None:
    """The nominative singular of a name word of a given gender, or None."""
    if "-" in word:  # "Абу-Даби", "Жан-Пьер": pymorphy2 reads the parts
        parts = [_nominative(vocab, part, gender, case) for part in word.split("-")]
        return "-".join(p or w for p, w in zip(parts, word.split("-"), strict=True))
    # A guess from an unknown word's letters ("Роналду" read as Рон- + a known ending,
    # inflected to "Роналда") is worse than leaving it: only dictionary words and the
    # surname paradigms pymorphy2 predicts from a known suffix (-ов, -ева, -ским) count.
    parses = [
        p
        for p in vocab.parse(word)
        if gender in p.tag and "sing" in p.tag and (p.is_known or "Surn" in p.tag)
    ]
    named = [p for p in parses if NAME_PARTS & p.tag.grammemes] or parses
    chosen = [p for p in named if case and case in p.tag] or named
    for parse in chosen:
        form = parse.inflect({"Nom"})  # natasha's MorphVocab takes UD values
        if form is not None:
            return str(form.word)
    return None


def _recase(base: str, written: str) -> str:
    """A lower-case form capitalised like the word as written (Title, UPPER, Hyphen-Part)."""
    if written.isupper() and len(written) > 1:
        return base.upper()
    return "-".join(p[:1].upper() + p[1:] for p in base.split("-"))
