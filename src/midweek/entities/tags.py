"""Tags for an article, a story or a review: its top entities, named in one language.

A tag's score adds the confidence of each mention, weighted by the entity's type, plus a
bonus for every further document that names it (a name in five articles says more than
five mentions in one). Provisional entities found in several languages merge when their
Latin keys are close, so "Магучих" and "Mahuchikh" can become one tag.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from anyascii import anyascii
from rapidfuzz import fuzz

from midweek.entities.kb import KnowledgeBase
from midweek.entities.mentions import find_mentions
from midweek.entities.model import PROVISIONAL_PREFIX, Mention, Tag
from midweek.entities.normalize import (
    UZ_CYRILLIC_LETTERS,
    has_cyrillic,
    slugify,
    uz_cyrl_to_latn,
    uz_latn_to_cyrl,
)
from midweek.models import Article

logger = logging.getLogger(__name__)

# How much one mention of each type counts. People and organisations are what readers
# follow by tag; countries are named in nearly every article, so they count less, and
# cities (datelines) less still. Chosen by reading the tags of the demo reviews.
TYPE_WEIGHTS = {
    "person": 1.5,
    "organisation": 1.3,
    "event": 1.3,
    "country": 1.0,
    "place": 0.7,
    "unknown": 0.6,
}
# Added to the score for each document beyond the first that names the entity.
SPREAD_WEIGHT = 1.0
# A provisional entity counts this much less than a KB one: it may be a false name.
PROVISIONAL_WEIGHT = 0.5
# Provisional keys this similar (rapidfuzz ratio, 0-100) and of the same word count are
# one entity: "yaroslava-maguchix" and "yaroslava-maguchikh" score about 95, while two
# different two-word names rarely pass 85.
PROVISIONAL_MERGE_SCORE = 90.0
# Tags returned when the caller gives no limit: what fits under a review's title.
DEFAULT_TAG_LIMIT = 10


@dataclass(frozen=True, slots=True)
class DocumentMentions:
    """The mentions found in one document."""

    index: int
    mentions: tuple[Mention, ...]


def _doc_text(doc: str | Article) -> tuple[str, str | None, date | None]:
    """Text, language tag and date of a document (a plain string has neither)."""
    if isinstance(doc, Article):
        text = f"{doc.title}\n\n{doc.text}" if doc.title else doc.text
        return text, doc.language_tag, doc.published.date() if doc.published else None
    return doc, None, None


def mentions_for(
    docs: Sequence[str | Article],
    *,
    kb: KnowledgeBase,
    lang: str | None = None,
    when: date | None = None,
) -> list[DocumentMentions]:
    """Mentions of every document; each document's links help the next ones.

    Args:
        docs: texts or articles (an article's own language and date win).
        kb: the knowledge base.
        lang: the language of plain-text documents (None: guessed from the script).
        when: the date of plain-text documents.

    Returns:
        One entry per document, in order.
    """
    seen: set[str] = set()
    out = []
    for k, doc in enumerate(docs):
        text, doc_lang, doc_when = _doc_text(doc)
        found = find_mentions(text, doc_lang or lang, kb=kb, when=doc_when or when, context=seen)
        seen.update(m.entity_id for m in found if m.confidence >= 0.5)
        out.append(DocumentMentions(k, tuple(found)))
    return out


def _merge_provisional(ids: Sequence[str]) -> dict[str, str]:
    """Map each provisional id to the representative of its group of near-equal keys."""
    reps: list[str] = []
    out = {}
    for entity_id in sorted(set(ids), key=lambda i: (-ids.count(i), i)):
        key = entity_id.removeprefix(PROVISIONAL_PREFIX)
        words = key.count("-")
        for rep in reps:
            rkey = rep.removeprefix(PROVISIONAL_PREFIX)
            if rkey.count("-") == words and fuzz.ratio(key, rkey) >= PROVISIONAL_MERGE_SCORE:
                out[entity_id] = rep
                break
        else:
            reps.append(entity_id)
            out[entity_id] = entity_id
    return out


def _provisional_name(surface: str, lang: str) -> str:
    """A found name shown in the requested script (transliterated where it can be)."""
    cyrillic = has_cyrillic(surface)
    if lang == "uz-Cyrl" and not cyrillic:
        return uz_latn_to_cyrl(surface)
    if lang == "uz-Latn" and cyrillic:
        if any(c in UZ_CYRILLIC_LETTERS for c in surface):
            return uz_cyrl_to_latn(surface)
        return anyascii(surface)
    if lang == "en" and cyrillic:
        return anyascii(surface)
    return surface


def name_in_script(surface: str, lang: str) -> str:
    """A name as found in a text, shown in the script of ``lang`` where it can be.

    Args:
        surface: The name as written.
        lang: A language tag (en, ru, uz-Latn, uz-Cyrl).

    Returns:
        The name, transliterated for Uzbek (either script) and English readers.
    """
    return _provisional_name(surface, lang)


def tags_for(
    docs: Sequence[str | Article],
    lang: str,
    *,
    kb: KnowledgeBase,
    limit: int = DEFAULT_TAG_LIMIT,
    when: date | None = None,
    include_provisional: bool = True,
) -> list[Tag]:
    """The top entities of an article, a story or a review, named in one language.

    Args:
        docs: one article, a story's articles or all of a review's articles (or texts).
        lang: output language tag: 'en', 'ru', 'uz-Latn' or 'uz-Cyrl'.
        kb: the knowledge base.
        limit: how many tags at most.
        when: the date of plain-text documents (articles carry their own).
        include_provisional: also tag names the KB does not know.

    Returns:
        Tags, best first; each names a canonical (or provisional) entity.
    """
    per_doc = mentions_for(docs, kb=kb, when=when)
    all_ids = [m.entity_id for d in per_doc for m in d.mentions]
    all_ids = [i for i in all_ids if i.startswith(PROVISIONAL_PREFIX)]
    merged = _merge_provisional(all_ids)
    score: dict[str, float] = defaultdict(float)
    count: Counter[str] = Counter()
    documents: dict[str, set[int]] = defaultdict(set)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    types: dict[str, str] = {}
    for d in per_doc:
        for m in d.mentions:
            entity_id = merged.get(m.entity_id, m.entity_id)
            provisional = entity_id.startswith(PROVISIONAL_PREFIX)
            if provisional and not include_provisional:
                continue
            weight = TYPE_WEIGHTS.get(m.type, TYPE_WEIGHTS["unknown"])
            score[entity_id] += m.confidence * weight * (PROVISIONAL_WEIGHT if provisional else 1.0)
            count[entity_id] += 1
            documents[entity_id].add(d.index)
            surfaces[entity_id][m.text] += 1
            if m.type != "unknown" or entity_id not in types:  # natasha's PER beats unknown
                types[entity_id] = m.type
    for entity_id, docs_seen in documents.items():
        score[entity_id] += SPREAD_WEIGHT * (len(docs_seen) - 1)
    ranked = sorted(score, key=lambda i: (-score[i], i))[:limit]
    out = []
    for entity_id in ranked:
        entity = kb.get(entity_id)
        if entity is not None:
            name = kb.name_in(entity, lang)
            slug = slugify(entity.names.get("en") or entity_id) or slugify(entity_id)
        else:
            name = _provisional_name(surfaces[entity_id].most_common(1)[0][0], lang)
            slug = "prov-" + slugify(entity_id.removeprefix(PROVISIONAL_PREFIX))
        out.append(
            Tag(entity_id, name, slug, types[entity_id], count[entity_id],
                len(documents[entity_id]), round(score[entity_id], 3))
        )  # fmt: skip
    return out
