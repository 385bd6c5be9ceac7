"""Tags for an article, a story or a review: its top entities, named in one language.

A tag's score adds the confidence of each mention, weighted by the entity's type, plus a
bonus for every further document that names it (a name in five articles says more than
five mentions in one). Provisional entities found in several languages merge when their
loose Latin keys are close, so "Магучих" and "Mahuchikh", "Артыкходжаев" and
"Artiqxoʻjayev" become one tag; a surname alone joins the one full name that ends in it
("Роналду" → "Криштиану Роналду"), and a Russian genitive left in a Latin text joins its
nominative ("Artykkhodzhaeva" → "Artykkhodzhaev").

A tag an editor would publish is named in its base form, in the review's language and
script: the knowledge base's name; else, for a name the KB does not know, the form an
outlet of that language wrote (the shortest, so without a case suffix), else the base
form of the Russian name (natasha + pymorphy2) in Uzbek spelling for uz-Latn and uz-Cyrl
(:mod:`midweek.entities.romanize`) or in ASCII for en. All-caps headers ("ГЛАВНЫЕ") and
possessives ("Atlantic Council's") never become tags.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from anyascii import anyascii
from rapidfuzz import fuzz

from midweek.entities.kb import KnowledgeBase
from midweek.entities.mentions import find_mentions
from midweek.entities.model import PROVISIONAL_PREFIX, Mention, Tag
from midweek.entities.normalize import (
    UZ_CYRILLIC_LETTERS,
    UZ_SUFFIXES,
    detect_script_lang,
    has_cyrillic,
    name_key,
    slugify,
    token_key,
    uz_cyrl_to_latn,
    uz_latn_to_cyrl,
)
from midweek.entities.romanize import (
    russian_name_to_uzbek_cyrillic,
    russian_name_to_uzbek_latin,
)
from midweek.models import Article
from midweek.text.translit import normalize_apostrophes

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
# A provisional name with an all-caps word longer than this is a shouted header
# ("ГЛАВНЫЕ НОВОСТИ", "GLAVNYE"), not a name: the longest abbreviations the KB knows
# ("AQSh", "KXShT") have five letters (midweek.entities.kb.ABBREVIATION_MAX_LEN).
HEADER_WORD_MIN_LEN = 6
# Spelling pairs folded when comparing provisional keys across scripts and romanisations
# (on top of normalize.token_key's folds): Russian-style dj/dzh vs Uzbek j, k vs q, x vs h
# (Russian х is Uzbek x or h), doubled letters ("Artykkhodzhaev").
_LOOSE_FOLDS = (("dzh", "j"), ("dj", "j"), ("zh", "j"), ("q", "k"), ("h", "x"), ("gh", "g"))
_DOUBLE_RE = re.compile(r"(.)\1+")
# Uzbek genitive ending left on the only form an outlet wrote ("Artiqxoʻjayevning"):
# unambiguous, unlike -ni or -da, which end names too (Shahida).
UZ_GENITIVE = "ning"
# English possessive at the end of a name ("Atlantic Council's").
_POSSESSIVE_RE = re.compile(r"(?:['’]s|(?<=s)['’])$")
# Lower-case words that belong inside names (English, Romance, Germanic, Arabic and
# Russian usage): any other lower-case word makes a found name a phrase.
NAME_PARTICLES = frozenset(
    {
        "of", "the", "and", "for", "de", "da", "do", "dos", "das", "del", "della", "di",
        "du", "des", "la", "le", "van", "von", "der", "den", "ter", "al", "el", "ul", "ad",
        "bin", "ibn", "bint", "y", "e", "и", "де", "фон", "ван", "аль", "ибн", "бин",
    }
)  # fmt: skip
# Male surname endings whose Russian genitive adds -a (Artykkhodzhaev → -a).
MALE_SURNAME_ENDINGS = ("ov", "ev", "in")


@dataclass(frozen=True, slots=True)
class DocumentMentions:
    """The mentions found in one document."""

    index: int
    mentions: tuple[Mention, ...]
    lang: str | None = None  # the document's language tag, or its script's guess


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
        guessed = detect_script_lang(text)
        out.append(DocumentMentions(k, tuple(found), doc_lang or lang or guessed))
    return out


def loose_key(key: str) -> str:
    """A Latin key with romanisation variants folded ('artykkhodzhaev' ~ 'artiqxojaev')."""
    for a, b in _LOOSE_FOLDS:
        key = key.replace(a, b)
    return _DOUBLE_RE.sub(r"\1", key.replace("y", "i"))


def _merge_provisional(ids: Sequence[str]) -> dict[str, str]:
    """Map each provisional id to the representative of its group of near-equal keys."""
    reps: list[str] = []
    out = {}
    for entity_id in sorted(set(ids), key=lambda i: (-ids.count(i), i)):
        key = loose_key(entity_id.removeprefix(PROVISIONAL_PREFIX))
        words = key.count("-")
        for rep in reps:
            rkey = loose_key(rep.removeprefix(PROVISIONAL_PREFIX))
            if rkey.count("-") == words and fuzz.ratio(key, rkey) >= PROVISIONAL_MERGE_SCORE:
                out[entity_id] = rep
                break
        else:
            reps.append(entity_id)
            out[entity_id] = entity_id
    return out


def _word_keys(entity_id: str, kb: KnowledgeBase) -> set[tuple[str, ...]]:
    """The loose word keys of an entity's names (a provisional id is its own key)."""
    entity = kb.get(entity_id)
    if entity is None:
        return {tuple(loose_key(w) for w in entity_id.removeprefix(PROVISIONAL_PREFIX).split("-"))}
    names = [*entity.names.values(), *(a for v in entity.aliases.values() for a in v)]
    return {tuple(loose_key(k) for k in name_key(n)) for n in names}


def _merge_variants(ids: Sequence[str], types: dict[str, str], kb: KnowledgeBase) -> dict[str, str]:
    """Map a one-word provisional name to the one entity it is a variant of.

    A surname alone joins the only person of the call whose full name ends in it
    ("Роналду" → "Криштиану Роналду"); else a male surname's Russian genitive left in a
    Latin text joins the nominative ("Artykkhodzhaeva" → "Artykkhodzhaev"). Two or more
    candidates (two Karimovs) leave the surname alone: it is not known which one it is.
    """
    keys = {i: _word_keys(i, kb) for i in set(ids)}
    out: dict[str, str] = {}
    for entity_id in sorted(keys):
        if not entity_id.startswith(PROVISIONAL_PREFIX) or "-" in entity_id:
            continue
        (word,) = next(iter(keys[entity_id]))
        full = {
            other
            for other, names in keys.items()
            if other != entity_id
            and types.get(other) in ("person", "unknown")
            and any(len(n) > 1 and n[-1] in (word, word.removesuffix("a")) for n in names)
        }
        if len(full) != 1:
            bare = word.removesuffix("a")
            full = {
                other
                for other, names in keys.items()
                if other != entity_id
                and word.endswith("a")
                and bare.endswith(MALE_SURNAME_ENDINGS)
                and (bare,) in names
            } if not full else set()  # fmt: skip
        if len(full) == 1:
            out[entity_id] = full.pop()
    return {i: out.get(i, i) for i in ids}


# "xodja" in a Latin name is the Russian spelling ходжа read letter by letter (the machine
# translations of real-weeks-telegram-dev write "Jahongir Hidayxodjayev" for Жахонгир
# Хидайходжаев): the 1995 alphabet has no "dj" (j is ж and дж), and the element is xoʻja
# (:data:`midweek.entities.romanize.UZBEK_NAME_ELEMENTS`, "ходжа" → "хўжа").
_RUSSIAN_XOJA_RE = re.compile(r"(?<=[xX])odj(?=[aeiAEI])")


def _uzbek_latin_name(surface: str) -> str:
    """A Latin name in the 1995 alphabet's marks, "xodja" written xoʻja."""
    return _RUSSIAN_XOJA_RE.sub("oʻj", normalize_apostrophes(surface))


def _provisional_name(surface: str, lang: str) -> str:
    """A found name shown in the requested script (transliterated where it can be).

    Russian Cyrillic (no Uzbek letter) is respelled the Uzbek way for either Uzbek
    script ("Джахонгир" → "Jahongir", "Жаҳонгир"), and in ASCII for English.
    """
    cyrillic = has_cyrillic(surface)
    uzbek_cyrillic = any(c in UZ_CYRILLIC_LETTERS for c in surface)
    if lang == "uz-Cyrl":
        if not cyrillic:
            return uz_latn_to_cyrl(_uzbek_latin_name(surface))
        return surface if uzbek_cyrillic else russian_name_to_uzbek_cyrillic(surface)
    if lang == "uz-Latn":
        if not cyrillic:
            return _uzbek_latin_name(surface)  # "Artiqxo'jayev" → "Artiqxoʻjayev"
        return uz_cyrl_to_latn(surface) if uzbek_cyrillic else russian_name_to_uzbek_latin(surface)
    if lang == "en" and cyrillic:
        return anyascii(surface)
    return surface


def _form_script(form: str, doc_lang: str | None) -> str:
    """Which of 'ru', 'uz-Cyrl', 'uz-Latn', 'en' or 'latin' (unknown) a name form is in."""
    if has_cyrillic(form):
        uzbek = doc_lang == "uz-Cyrl" or any(c in UZ_CYRILLIC_LETTERS for c in form)
        return "uz-Cyrl" if uzbek else "ru"
    if doc_lang in ("uz-Latn", "en"):
        return doc_lang
    return "latin"


# Which scripts of found forms name a provisional tag in each language, best first; a
# form of a later script is transliterated (``_provisional_name``).
_FORM_PREFERENCE = {
    "ru": ("ru", "uz-Cyrl", "latin", "en", "uz-Latn"),
    "uz-Latn": ("uz-Latn", "latin", "uz-Cyrl", "ru", "en"),
    "uz-Cyrl": ("uz-Cyrl", "uz-Latn", "latin", "ru", "en"),
    "en": ("en", "latin", "uz-Latn", "ru", "uz-Cyrl"),
}


def tidy_name(name: str) -> str:
    """A found name without a possessive, an Uzbek case suffix where it is sure, or spaces.

    'Atlantic Council's' → 'Atlantic Council', 'Artiqxoʻjayevning' → 'Artiqxoʻjayev',
    'Jahongir Artiqxoʻjayevni' → '... Artiqxoʻjayev', 'KMKning' → 'KMK'.
    """
    name = _POSSESSIVE_RE.sub("", " ".join(name.split()))
    last = name.rsplit(" ", 1)[-1]
    match = _SURE_SUFFIX_RE.search(last)
    if match:
        name = name[: len(name) - len(match.group(2))]
    elif last.lower().endswith(UZ_GENITIVE) and len(last) - len(UZ_GENITIVE) >= MIN_BARE_LEN:
        name = name[: -len(UZ_GENITIVE)]
    return name.strip(" -.,;:")


# A name shorter than this once its genitive is cut is not cut ("Xoning"?).
MIN_BARE_LEN = 4
# Where an Uzbek case suffix is sure: after a surname ending (-ov, -ev, -ova, -eva, -in,
# -ina: Uzbek and Russian surnames) or an abbreviation in capitals (KMKning, BMTga);
# elsewhere -ni, -da, -ga may end the name itself (Shahida).
_SURE_SUFFIX_RE = re.compile(
    r"(\w(?:ov|ev|ova|eva|in|ina)|^[A-ZА-ЯЎҚҒҲ]{2,})"
    r"(ning|ni|ga|da|dan|dagi|ning|нинг|ни|га|да|дан)$"
)


def _best_form(forms: Counter[tuple[str, str]], lang: str) -> str:
    """The name of a provisional tag from its found forms (form, script) in ``lang``."""
    for script in _FORM_PREFERENCE.get(lang, _FORM_PREFERENCE["en"]):
        found = [(n, f) for (f, s), n in forms.items() if s == script]
        if found:
            # the longest name (the full one), then its shortest spelling: the bare form,
            # not "...ning", then the commonest
            words = max(len(f.split()) for _, f in found)
            best = min(
                (f for _, f in found if len(f.split()) == words),
                key=lambda f: (len(f), -forms[(f, script)], f),
            )
            if script in ("uz-Latn", "uz-Cyrl", "latin"):
                best = _without_suffix(best, [f for f, _ in forms])
            return _provisional_name(best, lang)
    return ""


def _without_suffix(name: str, others: Sequence[str]) -> str:
    """An Uzbek name form less a case suffix that another form of the entity lacks.

    "Nijniy Novgorodga" beside "Нижний Новгород": the other form's last word has the key
    of "Novgorod", so "-ga" is a suffix, not part of the name.
    """
    head, _, last = name.rpartition(" ")
    lasts = {loose_key(token_key(o.rsplit(" ", 1)[-1])) for o in others if o != name}
    if loose_key(token_key(last)) in lasts:
        return name
    for suffix in UZ_SUFFIXES:
        bare = last[: -len(suffix)]
        if last.lower().endswith(suffix) and bare and loose_key(token_key(bare)) in lasts:
            return f"{head} {bare}".strip()
    return name


def _nameable(entity_id: str, forms: Counter[tuple[str, str]], lang: str) -> bool:
    """False for a name the KB does not know, written only in Uzbek, in a Russian list.

    A Russian reader's tag is not Uzbek ("Osiyo Kubogi", "Navoiy KMK"), and a Russian
    form cannot be made from it; a Latin brand found in Russian text ("Pfizer") stays.
    """
    if lang != "ru" or not entity_id.startswith(PROVISIONAL_PREFIX):
        return True
    return any(script not in ("uz-Latn", "uz-Cyrl") for _, script in forms)


def is_header(name: str) -> bool:
    """True for a shouted header rather than a name ('ГЛАВНЫЕ НОВОСТИ', 'GLAVNYE')."""
    return any(
        w.isupper() and sum(c.isalpha() for c in w) >= HEADER_WORD_MIN_LEN for w in name.split()
    )


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
    per_doc = [
        replace(d, mentions=tuple(m for m in d.mentions if not _unpublishable(m))) for d in per_doc
    ]
    all_ids = [m.entity_id for d in per_doc for m in d.mentions]
    merged = _merge_provisional([i for i in all_ids if i.startswith(PROVISIONAL_PREFIX)])
    all_types: dict[str, str] = {}
    for d in per_doc:
        for m in d.mentions:
            entity_id = merged.get(m.entity_id, m.entity_id)
            if m.type != "unknown" or entity_id not in all_types:
                all_types[entity_id] = m.type
    variants = _merge_variants([merged.get(i, i) for i in all_ids], all_types, kb)
    score: dict[str, float] = defaultdict(float)
    count: Counter[str] = Counter()
    documents: dict[str, set[int]] = defaultdict(set)
    forms: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    types: dict[str, str] = {}
    for d in per_doc:
        for m in d.mentions:
            entity_id = merged.get(m.entity_id, m.entity_id)
            entity_id = variants.get(entity_id, entity_id)
            provisional = entity_id.startswith(PROVISIONAL_PREFIX)
            if provisional and not include_provisional:
                continue
            weight = TYPE_WEIGHTS.get(m.type, TYPE_WEIGHTS["unknown"])
            score[entity_id] += m.confidence * weight * (PROVISIONAL_WEIGHT if provisional else 1.0)
            count[entity_id] += 1
            documents[entity_id].add(d.index)
            form = tidy_name(m.normal or m.text)
            forms[entity_id][(form, _form_script(form, d.lang))] += 1
            if m.type != "unknown" or entity_id not in types:  # natasha's PER beats unknown
                types[entity_id] = m.type
    for entity_id, docs_seen in documents.items():
        score[entity_id] += SPREAD_WEIGHT * (len(docs_seen) - 1)
    shown = [i for i in score if _nameable(i, forms[i], lang)]
    ranked = sorted(shown, key=lambda i: (-score[i], i))[:limit]
    out = []
    for entity_id in ranked:
        entity = kb.get(entity_id)
        if entity is not None:
            name = kb.name_in(entity, lang)
            slug = slugify(entity.names.get("en") or entity_id) or slugify(entity_id)
        else:
            name = _best_form(forms[entity_id], lang)
            slug = "prov-" + slugify(entity_id.removeprefix(PROVISIONAL_PREFIX))
        out.append(
            Tag(entity_id, name, slug, types[entity_id], count[entity_id],
                len(documents[entity_id]), round(score[entity_id], 3))
        )  # fmt: skip
    return out


def is_fragment(name: str) -> bool:
    """True for a found "name" with a lower-case word: a phrase, not a name ('Дом-музей').

    Names particles excepted ("Gulf of Mexico", "Abu Bakr al-Baghdadi"). A Russian
    region or district with its designator ("Хорезмская область") is a phrase too: in an
    Uzbek tag it would read "Xorezmskaya oblast", not "Xorazm viloyati".
    """
    parts = [p for w in name.split() for p in w.split("-") if p]
    return any(p[:1].islower() and p.lower() not in NAME_PARTICLES for p in parts)


def _unpublishable(mention: Mention) -> bool:
    """True for a provisional mention no editor would tag: a header, a phrase, a bare 's."""
    if not mention.entity_id.startswith(PROVISIONAL_PREFIX):
        return False
    name = tidy_name(mention.normal or mention.text)
    if not name or not any(c.isalpha() for c in name):
        return True
    return is_header(mention.text) or is_fragment(mention.text)
